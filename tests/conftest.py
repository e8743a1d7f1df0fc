from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from kpis import roles
from tests.factories import IndicatorFactory, OrgUnitFactory, SectorFactory, make_user
from tests.second_factor import force_login_with_second_factor


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for test suites.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    # A request in English leaves English active in the thread; every test starts
    # in the site's default language, as a new request would.
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_page_parts():
    # Parts of pages kept per process until the data version changes (kpis.dashboards.memo):
    # a test's rolled-back data may reuse a version token an earlier test saw.
    from kpis.dashboards import memo

    memo.forget()
    yield
    memo.forget()


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    # The manifest needs `collectstatic`; pages under test need only the URLs.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(autouse=True)
def demo_home_unit(settings):
    # As `make run` does: the demo's tree has the country on top, its pages open on Hậu Giang.
    # Trees without a unit HG are unaffected (the setting names a unit that is not there).
    settings.PORTAL_HOME_UNIT = "HG"


@pytest.fixture(autouse=True)
def generous_api_rates(settings):
    # API call counts live in Redis for a minute across tests; only the
    # throttling tests (tests/kpis/test_api_security.py) set low rates.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/minute", "user": "100000/minute"}}


@pytest.fixture(autouse=True)
def force_login_gives_a_second_factor(monkeypatch):
    """Approvers and administrators must give a second factor before any page
    opens; ``client.force_login(user)`` (the ``client`` fixture, ``admin_client``
    or a ``Client()`` made in the test) gives it too, so tests not about 2FA
    need nothing more. Tests of the 2FA flow use the password form or
    ``tests.second_factor.password_only_login`` (see tests/second_factor.py)."""
    from django.test.client import ClientMixin

    monkeypatch.setattr(ClientMixin, "force_login", force_login_with_second_factor)


@pytest.fixture
def world(db):
    """A province with two districts, two sectors and a few indicators of each
    kind, plus one user per role assigned the way a province would."""
    province = OrgUnitFactory(code="P", name="Tỉnh Mẫu", level="province")
    d1 = OrgUnitFactory(code="P-D1", name="Huyện Một", level="district", parent=province)
    d2 = OrgUnitFactory(code="P-D2", name="Huyện Hai", level="district", parent=province)
    telecom = SectorFactory(code="TELECOM", name="Viễn thông", position=1)
    postal = SectorFactory(code="POSTAL", name="Bưu chính", position=2)
    bts = IndicatorFactory(code="BTS", name="Số trạm BTS", sector=telecom, unit="trạm")
    coverage = IndicatorFactory(code="COVERAGE_PCT", name="Tỷ lệ xã có sóng di động", sector=telecom,
                                unit="%", value_type="percent", decimals=1, aggregation="none",
                                entry_levels=["province"])
    has_ioc = IndicatorFactory(code="HAS_IOC", name="Có trung tâm IOC", sector=telecom, unit="",
                               value_type="yes_no", aggregation="none", entry_levels=["province"])
    derived = IndicatorFactory(code="BTS_DOUBLE", name="Gấp đôi BTS", sector=telecom, aggregation="",
                               formula="BTS * 2", entry_levels=[])
    post_offices = IndicatorFactory(code="POST_OFFICES", name="Số bưu cục", sector=postal)
    users = SimpleNamespace(
        staff=make_user("staff", group=roles.DATA_ENTRY, assignments=[(telecom, province, True)]),
        postal_staff=make_user("postal_staff", group=roles.DATA_ENTRY, assignments=[(postal, province, True)]),
        district_staff=make_user("district_staff", group=roles.DATA_ENTRY, assignments=[(telecom, d1, False)]),
        approver=make_user("approver", group=roles.APPROVER, assignments=[(None, province, True)]),
        viewer=make_user("viewer", group=roles.VIEWER),
        leader=make_user("leader", group=roles.LEADER),
        admin=make_user("admin", superuser=True),
    )
    return SimpleNamespace(
        province=province, d1=d1, d2=d2, telecom=telecom, postal=postal, bts=bts, coverage=coverage,
        has_ioc=has_ioc, derived=derived, post_offices=post_offices, users=users,
    )


@pytest.fixture
def quarterly(world):
    """A telecom indicator entered each quarter (a flow: the year is the sum of its
    quarters), at the province and its districts, beside the world's yearly ones."""
    return IndicatorFactory(code="NEW_SUBSCRIBERS", name="Thuê bao mới", sector=world.telecom, unit="thuê bao",
                            frequency="quarter", time_aggregation="sum", entry_levels=["province", "district"])
