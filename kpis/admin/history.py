"""History pages that only show.

django-simple-history's "revert" page (``…/history/<version>/``) saves a POST
for anyone who may merely *view* the object: it checks "view or change", and
hiding the button does not stop the POST. A viewer could write betting spam
into a milestone or resurrect the figures of an approved report. Every admin
with history uses ``GuardedHistoryAdmin`` instead: a revert is a change like
any other, allowed only to who may change that object, through the same
``get_form`` and ``save_model`` (so the same rules and stale marks) as the change form. Figures and
reports never revert here: they change only through the report workflow.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin


class GuardedHistoryAdmin(SimpleHistoryAdmin):
    #: False for models that change only through a workflow (figures, reports).
    history_revert_allowed = True

    def may_revert(self, request: HttpRequest, obj) -> bool:
        return self.history_revert_allowed and self.has_change_permission(request, obj)

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return not self.may_revert(request, obj)

    def history_form_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            current = self.get_object(request, object_id)
            if current is None or not self.may_revert(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
