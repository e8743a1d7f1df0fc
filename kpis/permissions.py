"""Who may do what to which report. Model permissions (given through the role
groups) say what a user may do at all; assignments say where."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kpis.models import Assignment, DataValue, OrgUnit, ReportStatus, Sector, YearlyReport
from kpis.rules import unit_active_q, unit_years_q
from kpis.services.demo import DEMO_USERS

User = AbstractBaseUser | AnonymousUser

PERM_ENTER = "kpis.change_yearlyreport"
PERM_CREATE = "kpis.add_yearlyreport"
PERM_SUBMIT = "kpis.submit_yearlyreport"
PERM_APPROVE = "kpis.approve_yearlyreport"
PERM_VIEW_APPROVED = "kpis.view_approved_yearlyreport"
PERM_CHANGE_USER = "auth.change_user"
PERM_VIEW_REPORTS = "kpis.view_yearlyreport"
PERM_VIEW_VALUES = "kpis.view_datavalue"
PERM_EXPORT = "kpis.export_summary"
PERM_ADD_ASSIGNMENT = "kpis.add_assignment"

# Who changes who may do what, or what the figures mean: users, role groups,
# assignments and the catalogue. Any one of these makes a user an administrator.
ADMINISTRATOR_PERMISSIONS = (
    *(f"auth.{verb}_{model}" for model in ("user", "group") for verb in ("add", "change", "delete")),
    *(f"kpis.{verb}_{model}"
      for model in ("assignment", "orgunit", "sector", "indicator", "target", "milestone", "validationrule")
      for verb in ("add", "change", "delete")),
)


def org_unit_ancestor_ids(org_unit: OrgUnit) -> list[int]:
    """The unit itself and every unit above it (a handful of queries at most:
    the tree is a few levels deep)."""
    ids, unit, seen = [], org_unit, set()
    while unit is not None and unit.pk not in seen:
        ids.append(unit.pk)
        seen.add(unit.pk)
        unit = unit.parent
    return ids


def org_unit_descendant_ids(root_ids: Iterable[int]) -> set[int]:
    """Every unit at or below the given ones, from one query over the tree."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in OrgUnit.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(unit_id)
    found, stack = set(), list(root_ids)
    while stack:
        unit_id = stack.pop()
        if unit_id in found:
            continue
        found.add(unit_id)
        stack.extend(children.get(unit_id, []))
    return found


def is_assigned(user: User, *, sector: Sector, org_unit: OrgUnit, year: int | None = None) -> bool:
    """Whether an assignment covers the unit and sector; with ``year``, only an
    assignment to a unit that exists that year: an assignment ends with its
    unit (abolished units keep their staff's rights for their own years)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    ancestors = org_unit_ancestor_ids(org_unit)
    assignments = (
        Assignment.objects.filter(user=user)
        .filter(Q(sector=sector) | Q(sector__isnull=True))
        .filter(Q(org_unit=org_unit) | Q(org_unit_id__in=ancestors, include_descendants=True))
    )
    if year is not None:
        assignments = assignments.filter(unit_active_q(year, prefix="org_unit__"))
    return assignments.exists()


def assigned_units_and_sectors(user: User) -> tuple[set[int] | None, set[int] | None]:
    """The ids of the units and of the sectors the user is assigned to, for
    narrowing a choice; None means every one (a superuser, or an assignment to
    every sector). Whether a pair is allowed is still ``is_assigned``."""
    if user.is_superuser:
        return None, None
    assignments = list(Assignment.objects.filter(user=user))
    unit_ids = org_unit_descendant_ids([a.org_unit_id for a in assignments if a.include_descendants]) | {
        a.org_unit_id for a in assignments}
    sector_ids = {a.sector_id for a in assignments}
    return unit_ids, (None if None in sector_ids else sector_ids)


def assigned_scope(user: User) -> Q | None:
    """A filter on YearlyReport for the user's assignments; None means everything."""
    if user.is_superuser:
        return None
    scope = Q(pk__in=[])
    for assignment in Assignment.objects.filter(user=user).select_related("org_unit"):
        units = (
            org_unit_descendant_ids([assignment.org_unit_id])
            if assignment.include_descendants
            else {assignment.org_unit_id}
        )
        # Only the reports of the years the assigned unit exists: the assignment ends with it.
        condition = Q(org_unit_id__in=units) & unit_years_q(valid_from=assignment.org_unit.valid_from,
                                                             valid_to=assignment.org_unit.valid_to)
        if assignment.sector_id is not None:
            condition &= Q(sector_id=assignment.sector_id)
        scope |= condition
    return scope


def reports_visible_to(user: User) -> QuerySet[YearlyReport]:
    reports = YearlyReport.objects.select_related("sector", "org_unit")
    if not user.is_authenticated or not user.is_active:
        return reports.none()
    scope = assigned_scope(user)
    if scope is None:
        return reports
    if user.has_perm(PERM_VIEW_APPROVED):
        scope |= Q(status=ReportStatus.APPROVED)
    return reports.filter(scope)


def can_list_reports(user: User) -> bool:
    """Whether the reports list is open to the user at all (which reports it
    shows is ``reports_visible_to``)."""
    return any(user.has_perm(permission) for permission in (
        PERM_VIEW_REPORTS, PERM_VIEW_APPROVED, PERM_ENTER, PERM_APPROVE))


def can_create_reports(user: User) -> bool:
    """Whether the user may create reports somewhere (where: ``can_create_report``)."""
    return user.has_perm(PERM_CREATE)


def can_work_on_reports(user: User) -> bool:
    """Whether the user may enter figures or review reports somewhere."""
    return user.has_perm(PERM_ENTER) or user.has_perm(PERM_APPROVE)


def can_list_values(user: User) -> bool:
    """The read-only list of figures (each row still needs ``can_view_report``)."""
    return user.is_superuser or user.has_perm(PERM_VIEW_VALUES)


def can_create_report(user: User, *, sector: Sector, org_unit: OrgUnit, year: int | None = None) -> bool:
    return user.has_perm(PERM_CREATE) and is_assigned(user, sector=sector, org_unit=org_unit, year=year)


def can_edit_values(user: User, report: YearlyReport) -> bool:
    return (
        report.is_editable
        and user.has_perm(PERM_ENTER)
        and is_assigned(user, sector=report.sector, org_unit=report.org_unit, year=report.year)
    )


def can_submit(user: User, report: YearlyReport) -> bool:
    return (
        report.is_editable
        and user.has_perm(PERM_SUBMIT)
        and is_assigned(user, sector=report.sector, org_unit=report.org_unit, year=report.year)
    )


def can_review(user: User, report: YearlyReport) -> bool:
    """Approve or return a submitted report, or reopen an approved one."""
    return user.has_perm(PERM_APPROVE) and is_assigned(
        user, sector=report.sector, org_unit=report.org_unit, year=report.year
    )


def approval_conflict(user: User, report: YearlyReport) -> str | None:
    """Why ``user`` may not approve ``report`` although their role allows it,
    or None. Separation of duties: nobody approves a report they submitted or
    whose figures they entered or changed (superusers included), unless
    ALLOW_SELF_APPROVAL is on for an office with one person per role."""
    if settings.ALLOW_SELF_APPROVAL or not user.is_authenticated:
        return None
    if report.submitted_by_id == user.pk:
        return _("Bạn đã gửi duyệt báo cáo này nên không thể tự duyệt; cần một người duyệt khác.")
    if (DataValue.objects.filter(report_id=report.pk, updated_by_id=user.pk).exists()
            or DataValue.history.filter(report_id=report.pk, history_user_id=user.pk).exists()):
        return _("Bạn đã nhập hoặc sửa số liệu của báo cáo này nên không thể tự duyệt; cần một người duyệt khác.")
    return None


def can_approve(user: User, report: YearlyReport) -> bool:
    return (report.status == ReportStatus.SUBMITTED and can_review(user, report)
            and approval_conflict(user, report) is None)


def can_acknowledge_warnings(user: User, report: YearlyReport) -> bool:
    """Acknowledge a data-quality warning: a reviewer of the report, once it is
    submitted or approved (a draft's figures are still moving)."""
    return report.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED) and can_review(user, report)


def can_see_data_quality(user: User) -> bool:
    """The data-quality page: whoever may list reports (it shows only the
    reports ``reports_visible_to`` gives them)."""
    return user.is_authenticated and user.is_active and user.is_staff and can_list_reports(user)


def can_release_lockouts(user: User) -> bool:
    """Lifting a sign-in lock-out is for system administrators only."""
    return user.is_authenticated and user.is_active and user.is_superuser


def can_view_report(user: User, report: YearlyReport) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if report.status == ReportStatus.APPROVED and user.has_perm(PERM_VIEW_APPROVED):
        return True
    return is_assigned(user, sector=report.sector, org_unit=report.org_unit, year=report.year)


def report_ids_visible_to(user: User, report_ids: Iterable[int]) -> set[int]:
    """Which of the given reports the user may see (and so may see the figures of)."""
    wanted = set(report_ids)
    if not wanted:
        return set()
    return set(reports_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))


PERM_VIEW_AUDIT = "kpis.view_auditevent"


def can_read_audit_log(user: User) -> bool:
    """Superusers, and whoever is given ``kpis.view_auditevent`` on purpose (an
    inspector's account): no role group holds it. Nobody may change the log."""
    return user.is_authenticated and user.is_active and user.has_perm(PERM_VIEW_AUDIT)


def is_administrator(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or any(user.has_perm(permission) for permission in ADMINISTRATOR_PERMISSIONS)


def is_demo_user(user: User) -> bool:
    return user.get_username() in {demo.username for demo in DEMO_USERS}


def second_factor_required(user: User) -> bool:
    """Superusers, administrators and approvers always; data-entry staff when
    OTP_REQUIRED_FOR_DATA_ENTRY is on; the demo accounts (published passwords)
    never while DEBUG is on, so a trial run needs no phone."""
    if not user.is_authenticated or not user.is_active:
        return False
    if settings.DEBUG and is_demo_user(user):
        return False
    return (
        is_administrator(user)
        or user.has_perm(PERM_APPROVE)
        or (settings.OTP_REQUIRED_FOR_DATA_ENTRY and user.has_perm(PERM_ENTER))
    )


def can_reset_second_factor(user: User, target) -> bool:
    """Those who may change users reset a lost device; a superuser's only by
    another superuser (it would otherwise open the strongest account)."""
    if not user.is_authenticated or not user.is_active or not user.has_perm(PERM_CHANGE_USER):
        return False
    return user.is_superuser or not target.is_superuser


def can_move_assignments(user: User) -> bool:
    """Copying the assignments of an abolished unit to its successors writes
    assignments: for those who may add them (administrators)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(PERM_ADD_ASSIGNMENT))


def can_export_summary(user: User | None) -> bool:
    """Who may export the leaders' summary (PDF, DOCX, XLSX): whoever holds
    ``kpis.export_summary`` (leaders and approvers by default). The button, the
    form, the download and the worker all ask this."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(PERM_EXPORT))


def can_see_dashboards(user: User) -> bool:
    """Approved figures are open to anyone unless the site is set private."""
    return settings.PORTAL_PUBLIC or (user.is_authenticated and user.is_active)


def can_see_completeness(user: User) -> bool:
    """Report statuses are not secret but internal: open with the dashboards on a
    public site; on a private one, only to users with a permission on reports."""
    if settings.PORTAL_PUBLIC:
        return True
    return user.is_authenticated and user.is_active and user.has_module_perms("kpis")


def sees_admin_links(user: User) -> bool:
    """Staff (who may sign in to the admin) get links from pages into it."""
    return user.is_authenticated and user.is_staff


def can_see_health_details(user: User, *, database_ok: bool) -> bool:
    """Error names and the recompute state help an attacker time an attack on a
    private site: there, only signed-in staff see them (the session needs the database)."""
    if settings.PORTAL_PUBLIC:
        return True
    return database_ok and user.is_authenticated and user.is_staff


def can_manage_own_api_tokens(user: User) -> bool:
    """Staff who sign in to the site make and revoke their own tokens there. The
    session has already passed the second factor if the role requires one
    (SecondFactorMiddleware), so a token never opens what the password alone may not."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def can_subscribe_summary(user: User | None) -> bool:
    """Whoever may export the summary may have it mailed (and sees the page for it)."""
    return can_export_summary(user)


def user_ids_with_permission(permission: str) -> set[int]:
    """Active users who hold ``permission`` through a group or directly, or are
    superusers (one query): who may act on a reminder."""
    from django.contrib.auth import get_user_model

    app_label, codename = permission.split(".")
    return set(get_user_model().objects.filter(is_active=True).filter(
        Q(is_superuser=True)
        | Q(groups__permissions__content_type__app_label=app_label, groups__permissions__codename=codename)
        | Q(user_permissions__content_type__app_label=app_label, user_permissions__codename=codename)
    ).values_list("pk", flat=True).distinct())


def assignment_covers(assignment: Assignment, *, sector_id: int, org_unit_id: int,
                      below: dict[int, set[int]]) -> bool:
    """Whether an assignment reaches a sector's report at a unit; ``below``: each
    unit's descendants (``org_unit_descendant_ids`` per assigned unit)."""
    if assignment.sector_id is not None and assignment.sector_id != sector_id:
        return False
    if assignment.org_unit_id == org_unit_id:
        return True
    return assignment.include_descendants and org_unit_id in below.get(assignment.org_unit_id, set())


def can_resend_mail(user: User) -> bool:
    """Re-sending a failed summary is for system administrators (it mails people again)."""
    return user.is_authenticated and user.is_active and user.is_superuser
