from rest_framework.permissions import BasePermission

from kpis.permissions import can_see_dashboards


class PublicOrAuthenticated(BasePermission):
    """Approved figures are open to anyone unless the site is set private (the
    dashboards' rule, kpis.permissions.can_see_dashboards)."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user) and can_see_dashboards(request.user)
