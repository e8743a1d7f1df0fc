from django.conf import settings
from rest_framework.permissions import BasePermission


class PublicOrAuthenticated(BasePermission):
    """Approved figures are open to anyone unless the site is set private."""

    def has_permission(self, request, view) -> bool:
        return settings.PORTAL_PUBLIC or bool(request.user and request.user.is_authenticated)
