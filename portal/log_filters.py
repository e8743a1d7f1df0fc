"""Filters named by LOGGING in portal/settings.py."""

import logging


class ExceptAuditEvents(logging.Filter):
    """Keeps audit events out of the general console handler: they have their
    own, which writes them as bare JSON lines (kpis/services/audit.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "portal.audit" or record.name.startswith("portal.audit."))
