"""Reorganisations in the admin: the action that gives the staff of an abolished
unit the same assignments on its successors, after a confirmation page that
lists what it will create (kpis/services/assignments.py does the work)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis import permissions
from kpis.services.assignments import assignments_move_plan, assignments_move_to_successors

ACTION = "move_assignments_to_successors"


def _plans(queryset: QuerySet) -> list[dict]:
    """For each selected unit, what the move would create, or why it cannot."""
    plans = []
    for unit in queryset.order_by("code"):
        try:
            plans.append({"unit": unit, "pairs": assignments_move_plan(org_unit=unit), "refusal": ""})
        except ValidationError as error:
            plans.append({"unit": unit, "pairs": [], "refusal": " ".join(error.messages)})
    return plans


class MoveAssignmentsAdmin:
    """For the OrgUnit admin."""

    actions = [ACTION]

    def has_move_assignments_permission(self, request: HttpRequest) -> bool:
        return permissions.can_move_assignments(request.user)

    @admin.action(description=gettext_lazy("Chuyển phân công sang đơn vị kế thừa"),
                  permissions=["move_assignments"])
    def move_assignments_to_successors(self, request: HttpRequest, queryset: QuerySet):
        if request.POST.get("post") != "yes":
            return TemplateResponse(request, "admin/kpis/orgunit/move_assignments.html", {
                **self.admin_site.each_context(request), "title": _("Chuyển phân công sang đơn vị kế thừa"),
                "opts": self.model._meta, "plans": _plans(queryset), "action": ACTION,
                "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            })
        for unit in queryset.order_by("code"):
            try:
                move = assignments_move_to_successors(org_unit=unit, user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
                continue
            self.message_user(request, _("%(unit)s: đã tạo %(created)d phân công ở đơn vị kế thừa, "
                                         "%(existing)d phân công đã có sẵn.")
                              % {"unit": unit.name, "created": len(move.created),
                                 "existing": len(move.existing)}, messages.SUCCESS)
        return None
