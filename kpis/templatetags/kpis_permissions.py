"""Permission rules of kpis.permissions for templates, so a template never
restates one (``{% if user|may_export_summary %}``)."""

from django import template

from kpis import permissions

register = template.Library()


@register.filter
def may_export_summary(user) -> bool:
    return permissions.can_export_summary(user)


@register.filter
def sees_admin_links(user) -> bool:
    return permissions.sees_admin_links(user)


@register.filter
def may_manage_api_tokens(user) -> bool:
    return permissions.can_manage_own_api_tokens(user)


@register.filter
def may_subscribe_summary(user) -> bool:
    return permissions.can_subscribe_summary(user)
