from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kpis.admin import accounts, audit, catalogue, reports  # noqa: F401  (registers the model admins)
from kpis.export import admin as export_admin  # noqa: F401  (document settings, exports)
from kpis.notifications import admin as notifications_admin  # noqa: F401  (subscriptions, sendings, reminders)

admin.site.site_header = _("Chỉ tiêu chuyển đổi số – Quản trị")
admin.site.site_title = _("Chỉ tiêu chuyển đổi số")
admin.site.index_title = _("Nhập liệu và danh mục")
