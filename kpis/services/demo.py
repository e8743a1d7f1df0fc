"""Demo accounts for trying the portal on the Hậu Giang demo data: one user per
role and a superuser. The fixed passwords are published in the README, so
``load_demo`` only uses them with DEBUG on; elsewhere it asks for random ones."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kpis import roles
from kpis.models import Assignment, OrgUnit, Sector

DEMO_ORG_UNIT = "HG"
DEMO_ENTRY_SECTOR = "TELECOM"
SUPERUSER_ROLE = "superuser"


@dataclass(frozen=True)
class DemoUser:
    """A role key of kpis.roles.ROLE_GROUPS (or SUPERUSER_ROLE), the fixed demo
    password, and assignments at DEMO_ORG_UNIT as (sector code or None for every
    sector, include_descendants)."""

    username: str
    role: str
    password: str
    assignments: tuple[tuple[str | None, bool], ...] = ()


DEMO_USERS = (
    DemoUser("viewer", "viewer", "demo-viewer-2020"),
    DemoUser("nhaplieu", "data_entry", "demo-nhaplieu-2020", ((DEMO_ENTRY_SECTOR, True),)),
    DemoUser("pheduyet", "approver", "demo-pheduyet-2020", ((None, True),)),
    DemoUser("lanhdao", "leader", "demo-lanhdao-2020"),
    DemoUser("admin", SUPERUSER_ROLE, "demo-admin-2020"),
)


def _random_password(user) -> str:
    """At least 22 random URL-safe characters, drawn again in the rare case
    they miss a character class the password rules ask for."""
    for _attempt in range(19):
        password = secrets.token_urlsafe(max(16, settings.PASSWORD_MIN_LENGTH))
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password
    password = secrets.token_urlsafe(max(16, settings.PASSWORD_MIN_LENGTH))
    validate_password(password, user)  # a rule no random password meets: say which
    return password


def _role_label(role: str) -> str:
    return _("Quản trị hệ thống (superuser)") if role == SUPERUSER_ROLE else roles.ROLE_GROUPS[role]


@transaction.atomic
def demo_users_create(*, random_passwords: bool) -> list[tuple[str, str, str]]:
    """Create or reset the demo users: staff accounts in their role group with
    the demo assignments at Hậu Giang, and nothing else (extra groups,
    assignments or a superuser flag left from earlier are removed). Passwords
    are reset every time: the fixed demo ones, or random ones when
    ``random_passwords``. Returns (username, password, role) rows to show once.
    Needs the demo catalogue (unit HG, sector TELECOM) to be loaded."""
    try:
        org_unit = OrgUnit.objects.get(code=DEMO_ORG_UNIT)
    except OrgUnit.DoesNotExist:
        raise ValidationError(_("Chưa có đơn vị %(code)s: hãy nạp danh mục demo trước.")
                              % {"code": DEMO_ORG_UNIT}) from None
    sectors = {sector.code: sector for sector in Sector.objects.filter(
        code__in={code for demo in DEMO_USERS for code, _incl in demo.assignments if code})}
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLE_GROUPS.values())}
    missing_groups = set(roles.ROLE_GROUPS.values()) - set(groups)
    if missing_groups:
        raise ValidationError(_("Thiếu nhóm quyền: %(groups)s (hãy chạy migrate).")
                              % {"groups": ", ".join(sorted(missing_groups))})

    User = get_user_model()
    rows = []
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first() or User(username=demo.username)
        user.is_active = True
        user.is_staff = True
        user.is_superuser = demo.role == SUPERUSER_ROLE
        password = _random_password(user) if random_passwords else demo.password
        # Checked as for a new account: putting back the published demo
        # password is a reset, not a user reusing an old one.
        validate_password(password, User(username=demo.username))
        if not (user.pk and check_password(password, user.password)):
            user.set_password(password)  # unchanged, it keeps its date (a rerun changes nothing)
        user.save()

        user.groups.set([] if demo.role == SUPERUSER_ROLE else [groups[roles.ROLE_GROUPS[demo.role]]])

        keep = []
        for sector_code, include_descendants in demo.assignments:
            sector = None
            if sector_code is not None:
                if sector_code not in sectors:
                    raise ValidationError(_("Chưa có lĩnh vực %(code)s: hãy nạp danh mục demo trước.")
                                          % {"code": sector_code})
                sector = sectors[sector_code]
            assignment, _created = Assignment.objects.update_or_create(
                user=user, sector=sector, org_unit=org_unit,
                defaults={"include_descendants": include_descendants},
            )
            keep.append(assignment.pk)
        Assignment.objects.filter(user=user).exclude(pk__in=keep).delete()

        rows.append((demo.username, password, _role_label(demo.role)))
    return rows
