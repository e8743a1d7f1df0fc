"""Assignments that follow a reorganisation. An assignment to an abolished unit
gives no rights after the unit's last year (kpis/permissions.py); an
administrator gives its staff the same work on the units that replaced it."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kpis import permissions
from kpis.models import Assignment, AuditAction, OrgUnit
from kpis.services.audit import audit_record


@dataclass
class AssignmentMove:
    """What moving a unit's assignments did: the assignments made on the
    successors, and those the successors had already."""

    org_unit: OrgUnit
    created: list[Assignment] = field(default_factory=list)
    existing: list[Assignment] = field(default_factory=list)


def assignments_move_plan(*, org_unit: OrgUnit) -> list[tuple[Assignment, OrgUnit]]:
    """Each assignment to ``org_unit`` paired with each successor: what the move
    would create (two queries). Refused for a unit that is not abolished or
    has no successor, with the reason."""
    if org_unit.valid_to is None:
        raise ValidationError(_("Đơn vị %(unit)s chưa hết hiệu lực (chưa có năm hết hiệu lực): phân công "
                                "của đơn vị vẫn còn dùng.") % {"unit": org_unit.name})
    successors = list(org_unit.successors.order_by("code"))
    if not successors:
        raise ValidationError(_("Đơn vị %(unit)s không có đơn vị kế thừa: hãy khai báo đơn vị kế thừa "
                                "trước khi chuyển phân công.") % {"unit": org_unit.name})
    assignments = list(Assignment.objects.filter(org_unit=org_unit).select_related("user", "sector")
                       .order_by("user__username", "sector__code"))
    return [(assignment, successor) for assignment in assignments for successor in successors]


@transaction.atomic
def assignments_move_to_successors(*, org_unit: OrgUnit, user) -> AssignmentMove:
    """Give every user assigned to the abolished ``org_unit`` the same
    assignment (sector, units below) on each of its successors. The old
    assignments stay: they still cover the unit's own years (a returned 2024
    report is corrected in 2025) and give nothing after them."""
    if not permissions.can_move_assignments(user):
        raise PermissionDenied(_("Bạn không có quyền chuyển phân công."))
    org_unit = OrgUnit.objects.select_for_update().get(pk=org_unit.pk)
    move = AssignmentMove(org_unit)
    for assignment, successor in assignments_move_plan(org_unit=org_unit):
        made, created = Assignment.objects.get_or_create(
            user=assignment.user, sector=assignment.sector, org_unit=successor,
            defaults={"include_descendants": assignment.include_descendants})
        (move.created if created else move.existing).append(made)
    for made in move.created:
        audit_record(action=AuditAction.ASSIGNMENT_CHANGED, user=user, target=made,
                     detail=_("Chuyển từ đơn vị đã hết hiệu lực %(unit)s") % {"unit": org_unit.code})
    return move
