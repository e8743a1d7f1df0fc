from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = _("Chỉ tiêu chuyển đổi số")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kpis import (
            checks,  # noqa: F401  (registers system checks)
            signals,  # noqa: F401  (records sign-ins, sign-outs and lock-outs)
        )
