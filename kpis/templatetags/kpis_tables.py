from django import template
from django.template.loader import get_template

register = template.Library()


@register.simple_tag(takes_context=True)
def table_html(context, table):
    """``{% render_table table %}``, except that an unpaginated table that
    writes itself (``PrerenderedBody.html``) skips the template."""
    request = context.get("request")
    if getattr(table, "prerendered", False) and not getattr(table, "page", None):
        return table.html(request)
    # django-tables2's own render_table, for every other table.
    table.context = context
    try:
        table.before_render(request)
        return get_template(table.template_name).render(context={"table": table}, request=request)
    finally:
        del table.context
