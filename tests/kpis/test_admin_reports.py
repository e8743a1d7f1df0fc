"""Data entry in the admin, as each role would use it in a browser."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from kpis import roles
from kpis.models import DataValue, ReportStatus, YearlyReport
from kpis.services.reports import report_approve, report_create, report_submit, report_values_save
from tests.factories import ReportingCutoffFactory, ValidationRuleFactory, make_user


def change_url(report):
    return reverse("admin:kpis_yearlyreport_change", args=[report.pk])


def entry_post(client, report, fields, *, action="save"):
    """Post the entry form the way the page does: with the version of the figures it showed."""
    version = client.get(change_url(report)).context["form"]["version"].value()
    return client.post(change_url(report), {"action": action, "version": version, **fields})


def approved_report(world, year, values):
    report = report_create(sector=world.telecom, org_unit=world.province, year=year, user=world.users.staff)
    report_values_save(report=report, user=world.users.staff, values=values)
    report_submit(report=report, user=world.users.staff)
    return report_approve(report=report, user=world.users.approver)


@pytest.fixture
def draft(world):
    return report_create(sector=world.telecom, org_unit=world.province, year=2020, user=world.users.staff)


def test_staff_creates_report_and_lands_on_entry_page(world, client):
    client.force_login(world.users.staff)
    add = reverse("admin:kpis_yearlyreport_add")
    page = client.get(add)
    assert page.status_code == 200
    sectors = [str(choice[1]) for choice in page.context["adminform"].form.fields["sector"].choices]
    assert "Viễn thông" in sectors and "Bưu chính" not in sectors
    response = client.post(add, {"sector": world.telecom.pk, "org_unit": world.province.pk, "year": 2020})
    report = YearlyReport.objects.get()
    assert response.status_code == 302 and response.url == change_url(report)
    assert report.created_by == world.users.staff


def test_staff_cannot_create_report_of_another_sector_by_posting(world, client):
    client.force_login(world.users.postal_staff)
    response = client.post(reverse("admin:kpis_yearlyreport_add"),
                           {"sector": world.telecom.pk, "org_unit": world.province.pk, "year": 2020})
    assert response.status_code == 200  # the form shows the error
    assert not YearlyReport.objects.exists()


def test_entry_page_shows_unit_definition_and_last_year(world, client, draft):
    approved_report(world, 2019, {"BTS": Decimal(906)})
    world.bts.definition = "Số trạm thu phát sóng di động đang hoạt động"
    world.bts.save()
    client.force_login(world.users.staff)
    html = client.get(change_url(draft)).content.decode()
    assert "Số trạm BTS" in html and "trạm" in html
    assert "Số trạm thu phát sóng di động đang hoạt động" in html
    assert "906" in html  # last year's figure beside the field
    assert "Bưu cục" not in html and "Gấp đôi BTS" not in html


def test_staff_enters_vietnamese_formatted_numbers(world, client, draft):
    client.force_login(world.users.staff)
    response = entry_post(client, draft, {"v_BTS": "9.391", "v_COVERAGE_PCT": "92,7", "v_HAS_IOC": "1",
                                          "c_BTS": "Số liệu Sở TT&TT"})
    assert response.status_code == 302
    values = dict(DataValue.objects.values_list("indicator__code", "value"))
    assert values == {"BTS": Decimal(9391), "COVERAGE_PCT": Decimal("92.7"), "HAS_IOC": Decimal(1)}
    assert DataValue.objects.get(indicator=world.bts).comment == "Số liệu Sở TT&TT"


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("v_BTS", "chín trăm", "Nhập một số"),
        ("v_BTS", "-5", "không được âm"),
        ("v_BTS", "10,5", "số nguyên"),
        ("v_COVERAGE_PCT", "120", "từ 0 đến 100"),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(world, client, draft, field, text, message):
    client.force_login(world.users.staff)
    data = {"v_BTS": "939", "v_COVERAGE_PCT": "100"}
    data[field] = text
    response = entry_post(client, draft, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert not DataValue.objects.exists()


def test_save_and_submit_then_approver_approves(world, client, draft):
    client.force_login(world.users.staff)
    entry_post(client, draft, {"v_BTS": "939"}, action="save_submit")
    draft.refresh_from_db()
    assert draft.status == ReportStatus.SUBMITTED
    assert "Duyệt" not in client.get(change_url(draft)).content.decode().split("entry-actions")[1]

    client.force_login(world.users.approver)
    page = client.get(change_url(draft)).content.decode()
    assert 'value="approve"' in page and 'value="return"' in page
    assert client.post(change_url(draft), {"action": "approve"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == ReportStatus.APPROVED and draft.approved_by == world.users.approver


def test_save_and_submit_refused_keeps_the_saved_figures(world, client, draft):
    client.force_login(world.users.staff)
    entry_post(client, draft, {"v_BTS": "939"})
    response = entry_post(client, draft, {"v_BTS": ""}, action="save_submit")
    assert response.status_code == 400
    assert DataValue.objects.get(report=draft).value == 939


@pytest.mark.parametrize("object_id", ["abc", "1.5", "_00", "99999999999999999999999"])
def test_entry_page_of_an_id_that_does_not_exist_is_not_found(world, client, object_id):
    client.force_login(world.users.staff)
    url = reverse("admin:kpis_yearlyreport_change", args=[object_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "save"}).status_code == 404


def test_approved_report_cannot_be_changed_by_staff(world, client):
    report = approved_report(world, 2020, {"BTS": Decimal(939)})
    client.force_login(world.users.staff)
    page = client.get(change_url(report)).content.decode()
    assert 'name="v_BTS"' not in page and "đã duyệt" in page.lower()
    response = client.post(change_url(report), {"action": "save", "v_BTS": "1"})
    assert response.status_code == 403
    assert DataValue.objects.get().value == 939


def test_return_needs_a_reason_and_shows_it_to_staff(world, client, draft):
    report_values_save(report=draft, user=world.users.staff, values={"BTS": Decimal(939)})
    report_submit(report=draft, user=world.users.staff)
    client.force_login(world.users.approver)
    assert client.post(change_url(draft), {"action": "return", "reason": ""}).status_code == 400
    client.post(change_url(draft), {"action": "return", "reason": "Kiểm tra lại số trạm"})
    draft.refresh_from_db()
    assert draft.status == ReportStatus.RETURNED
    client.force_login(world.users.staff)
    assert "Kiểm tra lại số trạm" in client.get(change_url(draft)).content.decode()


def test_reopen_unlocks_an_approved_report(world, client):
    report = approved_report(world, 2020, {"BTS": Decimal(939)})
    client.force_login(world.users.approver)
    client.post(change_url(report), {"action": "reopen", "reason": "Cập nhật số liệu quý IV"})
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED


def test_staff_of_another_sector_is_forbidden_by_url(world, client, draft):
    client.force_login(world.users.postal_staff)
    assert client.get(change_url(draft)).status_code == 403
    assert client.post(change_url(draft), {"action": "save", "v_BTS": "1"}).status_code == 403
    client.force_login(world.users.district_staff)
    assert client.get(change_url(draft)).status_code == 403
    assert not DataValue.objects.exists()


def test_changelist_shows_only_assigned_reports(world, client, draft):
    other = report_create(sector=world.postal, org_unit=world.province, year=2020, user=world.users.postal_staff)
    client.force_login(world.users.staff)
    listed = list(client.get(reverse("admin:kpis_yearlyreport_changelist")).context["cl"].result_list)
    assert listed == [draft]
    client.force_login(world.users.postal_staff)
    listed = list(client.get(reverse("admin:kpis_yearlyreport_changelist")).context["cl"].result_list)
    assert listed == [other]


def test_viewer_sees_approved_reports_only_and_read_only(world, client, draft):
    report = approved_report(world, 2019, {"BTS": Decimal(906)})
    client.force_login(world.users.viewer)
    assert client.get(change_url(report)).status_code == 200
    assert client.get(change_url(draft)).status_code == 403
    assert client.post(change_url(report), {"action": "reopen", "reason": "x"}).status_code == 403


def test_leader_cannot_approve(world, client, draft):
    report_values_save(report=draft, user=world.users.staff, values={"BTS": Decimal(939)})
    report_submit(report=draft, user=world.users.staff)
    client.force_login(world.users.leader)
    assert client.post(change_url(draft), {"action": "approve"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == ReportStatus.SUBMITTED


def test_anonymous_is_sent_to_login(world, client, draft):
    response = client.get(change_url(draft))
    assert response.status_code == 302 and "/login/" in response.url


def test_value_history_is_shown_on_the_value(world, client, draft):
    staff = world.users.staff
    report_values_save(report=draft, user=staff, values={"BTS": Decimal(906)})
    report_values_save(report=draft, user=staff, values={"BTS": Decimal(939)})
    client.force_login(staff)
    html = client.get(change_url(draft)).content.decode()
    assert "906 → 939" in html and "staff" in html


def test_values_are_read_only_in_the_value_admin(world, client, draft):
    report_values_save(report=draft, user=world.users.staff, values={"BTS": Decimal(906)})
    value = DataValue.objects.get()
    client.force_login(world.users.admin)
    history = client.get(reverse("admin:kpis_datavalue_history", args=[value.pk]))
    assert history.status_code == 200
    response = client.post(reverse("admin:kpis_datavalue_change", args=[value.pk]), {"value": "1"})
    assert response.status_code == 403
    assert DataValue.objects.get().value == 906


def test_unknown_action_is_a_clear_400(world, client, draft):
    client.force_login(world.users.staff)
    assert client.post(change_url(draft), {"action": "delete-everything"}).status_code == 400


def test_catalogue_edit_in_the_admin_marks_aggregates_stale(world, client):
    from kpis.models import StaleMark

    client.force_login(world.users.admin)
    url = reverse("admin:kpis_target_add")
    response = client.post(url, {"indicator": world.bts.pk, "org_unit": world.province.pk, "year": 2025,
                                 "operator": ">=", "value": "1000"})
    assert response.status_code == 302
    assert StaleMark.objects.filter(indicator__isnull=True).exists()


# --- rule messages (issue 9, §5) ------------------------------------------------


def test_a_rule_message_hides_another_sectors_draft_figures(world, client, draft):
    ValidationRuleFactory(left="BTS", operator="<=", right="POST_OFFICES * 10",
                          message="Số trạm BTS không thể vượt mười lần số bưu cục")
    postal = report_create(sector=world.postal, org_unit=world.province, year=2020, user=world.users.postal_staff)
    report_values_save(report=postal, user=world.users.postal_staff, values={"POST_OFFICES": Decimal(123)})

    client.force_login(world.users.staff)  # telecom only: the postal draft is not theirs to see
    response = entry_post(client, draft, {"v_BTS": "9391"})
    assert response.status_code == 400
    message = " ".join(response.context["form"].errors["v_BTS"])
    assert "mười lần số bưu cục" in message and "9.391" in message  # the rule and their own figure
    assert "số liệu không được xem" in message
    assert "1.230" not in response.content.decode() and "123" not in message
    assert not DataValue.objects.filter(indicator=world.bts).exists()

    client.force_login(world.users.admin)  # may see every report: the figure is shown
    response = entry_post(client, draft, {"v_BTS": "9391"})
    assert "1.230" in " ".join(response.context["form"].errors["v_BTS"])


# --- two editors of one report (issue 9, §5) ----------------------------------


@pytest.fixture
def second_staff(world):
    return make_user("staff2", group=roles.DATA_ENTRY, assignments=[(world.telecom, world.province, True)])


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def page_form(client, report) -> dict:
    """What the browser would send back: every field of the page as shown."""
    form = client.get(change_url(report)).context["form"]
    return {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}


def test_a_save_from_an_outdated_page_is_refused_and_says_what_changed(world, draft, second_staff):
    report_values_save(report=draft, user=world.users.staff, values={"BTS": Decimal(906)})
    first, second = signed_in(world.users.staff), signed_in(second_staff)
    first_page, second_page = page_form(first, draft), page_form(second, draft)

    assert second.post(change_url(draft), {**second_page, "action": "save", "v_BTS": "939"}).status_code == 302
    response = first.post(change_url(draft), {**first_page, "action": "save", "v_COVERAGE_PCT": "92,7"})

    assert response.status_code == 409
    html = response.content.decode()
    assert "người khác đã lưu" in html
    assert "Số trạm BTS: khi bạn mở trang là 906, nay đã lưu là 939 (staff2 sửa lúc" in html
    assert dict(DataValue.objects.values_list("indicator__code", "value")) == {"BTS": 939}  # nothing overwritten
    form = response.context["form"]
    assert form["v_BTS"].value() == "939"  # untouched by this user: now shows what is stored
    assert form["v_COVERAGE_PCT"].value() == "92,7"  # their typing is kept

    again = first.post(change_url(draft), {**{name: form[name].value() or "" for name in form.fields},
                                           "action": "save"})
    assert again.status_code == 302  # having seen the change, saving again is a deliberate choice
    assert dict(DataValue.objects.values_list("indicator__code", "value")) == {
        "BTS": 939, "COVERAGE_PCT": Decimal("92.7")}


def test_a_figure_both_editors_changed_keeps_the_typed_one_and_names_the_stored_one(world, draft, second_staff):
    first, second = signed_in(world.users.staff), signed_in(second_staff)
    first_page, second_page = page_form(first, draft), page_form(second, draft)
    second.post(change_url(draft), {**second_page, "action": "save", "v_BTS": "939"})
    response = first.post(change_url(draft), {**first_page, "action": "save_submit", "v_BTS": "950"})
    assert response.status_code == 409
    assert response.context["form"]["v_BTS"].value() == "950"
    assert "khi bạn mở trang là (trống), nay đã lưu là 939" in " ".join(response.context["form"].errors["v_BTS"])
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and DataValue.objects.get().value == 939


def test_a_change_undone_before_the_save_is_no_conflict(world, draft, second_staff):
    report_values_save(report=draft, user=world.users.staff, values={"BTS": Decimal(906)})
    first = signed_in(world.users.staff)
    first_page = page_form(first, draft)
    report_values_save(report=draft, user=second_staff, values={"BTS": Decimal(1)})
    report_values_save(report=draft, user=second_staff, values={"BTS": Decimal(906)})
    response = first.post(change_url(draft), {**first_page, "action": "save", "v_COVERAGE_PCT": "50"})
    assert response.status_code == 302


def test_a_field_left_out_of_the_post_keeps_its_figure(world, draft):
    report_values_save(report=draft, user=world.users.staff, values={"BTS": Decimal(939), "COVERAGE_PCT": Decimal(50)},
                       comments={"BTS": "Số liệu Sở TT&TT"})
    client = signed_in(world.users.staff)
    assert entry_post(client, draft, {"v_COVERAGE_PCT": "60"}).status_code == 302
    bts = DataValue.objects.get(indicator=world.bts)
    assert (bts.value, bts.comment) == (939, "Số liệu Sở TT&TT")
    assert DataValue.objects.get(indicator=world.coverage).value == 60
    assert entry_post(client, draft, {"v_BTS": "60", "v_COVERAGE_PCT": ""}).status_code == 302  # sent empty: cleared
    assert DataValue.objects.get(indicator=world.bts).comment == "Số liệu Sở TT&TT"
    assert not DataValue.objects.filter(indicator=world.coverage).exists()


def test_a_post_without_the_version_is_refused(world, draft):
    client = signed_in(world.users.staff)
    response = client.post(change_url(draft), {"action": "save", "v_BTS": "939"})
    assert response.status_code == 400
    assert "Trang nhập liệu này đã cũ" in response.content.decode()
    assert not DataValue.objects.exists()


# -- a report of a quarter, through the same pages ---------------------------------


def test_a_quarterly_report_is_created_entered_submitted_and_approved_like_a_yearly_one(world, client, quarterly):
    approved = report_create(sector=world.telecom, org_unit=world.province, year=2024, period=201,
                             user=world.users.staff)
    report_values_save(report=approved, user=world.users.staff, values={"NEW_SUBSCRIBERS": Decimal(777)})
    report_submit(report=approved, user=world.users.staff)
    report_approve(report=approved, user=world.users.approver)
    client.force_login(world.users.staff)
    add = reverse("admin:kpis_yearlyreport_add")
    response = client.post(add, {"sector": world.telecom.pk, "org_unit": world.province.pk, "year": 2025,
                                 "period": 201})
    report = YearlyReport.objects.get(year=2025)
    assert response.status_code == 302 and response.url == change_url(report)  # the same address as a year's
    assert report.period == 201
    page = client.get(change_url(report))
    html = page.content.decode()
    assert page.context["title"] == "Viễn thông – Tỉnh Mẫu – Quý 1/2025"
    assert "Số liệu Quý 1/2025" in html and "Cùng kỳ năm trước (Quý 1/2024)" in html and "777" in html
    assert "Thuê bao mới" in html and "Số trạm BTS" not in html  # the quarter's indicators only

    assert entry_post(client, report, {"v_NEW_SUBSCRIBERS": "1.250"}, action="save_submit").status_code == 302
    client.force_login(world.users.approver)
    assert client.post(change_url(report), {"action": "approve"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert DataValue.objects.get(report=report).value == 1250
    assert DataValue.objects.get(report=report).period == 201
    client.force_login(world.users.admin)
    figures = client.get(reverse("admin:kpis_datavalue_changelist") + "?period=201")
    assert sorted(value.value for value in figures.context["cl"].result_list) == [777, 1250]
    assert "Quý 1/2025" in figures.content.decode()


def test_a_reports_page_says_which_days_its_figures_cover_under_a_cutoff(world, client, quarterly):
    report = report_create(sector=world.telecom, org_unit=world.province, year=2025, period=203,
                           user=world.users.staff)
    client.force_login(world.users.staff)
    assert "Số liệu từ ngày" not in client.get(change_url(report)).content.decode()  # calendar: as before
    ReportingCutoffFactory()  # Decree 09/2019/NĐ-CP: up to the 14th of the quarter's last month
    html = client.get(change_url(report)).content.decode()
    assert "Số liệu từ ngày 15/06/2025 đến ngày 14/09/2025" in html
    yearly = report_create(sector=world.telecom, org_unit=world.province, year=2025, user=world.users.staff)
    assert "Số liệu từ ngày 15/12/2024 đến ngày 14/12/2025" in client.get(change_url(yearly)).content.decode()


def test_a_quarter_of_a_sector_without_quarterly_indicators_is_refused_on_the_form(world, client, quarterly):
    client.force_login(world.users.postal_staff)
    response = client.post(reverse("admin:kpis_yearlyreport_add"),
                           {"sector": world.postal.pk, "org_unit": world.province.pk, "year": 2025, "period": 201})
    assert response.status_code == 200
    assert "không có chỉ tiêu nào nhập theo quý" in response.content.decode()
    assert not YearlyReport.objects.exists()


def test_the_report_list_names_each_reports_period_and_filters_by_it(world, client, quarterly, draft):
    report_create(sector=world.telecom, org_unit=world.province, year=2020, period=202, user=world.users.staff)
    client.force_login(world.users.staff)
    changelist = reverse("admin:kpis_yearlyreport_changelist")
    assert "Quý 2/2020" in client.get(changelist).content.decode()
    assert [r.period for r in client.get(changelist + "?period=202").context["cl"].result_list] == [202]
