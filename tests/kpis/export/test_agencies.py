"""Agencies and sectors that change (issue 12, section 3): the report is issued
by the agency of its issue date, a report on an abolished unit by its
successor's agency of today naming the old unit "(cũ)", and sectors carry the
name of the report's year."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kpis.export.document import build_document
from kpis.export.selectors import document_settings_for, report_data
from kpis.export.services import document_settings_load, document_settings_save, summary_document
from kpis.models import DocumentSettings, OrgUnit, SectorVersion
from tests.kpis.export.conftest import pdf_text

INFORMATION = "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
SCIENCE = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"


def _settings(unit, start, end=None, **fields):
    return document_settings_save(row=DocumentSettings(org_unit=unit, valid_from=start, valid_to=end, **fields))


@pytest.fixture
def merged(world):
    """Tỉnh Mẫu ends with 2024; Thành phố Mới takes its place from 2025 with its own departments."""
    world.province.valid_to = 2024
    world.province.save()
    city = OrgUnit.objects.create(code="NEW", name="Thành phố Mới", level="province", valid_from=2025)
    world.province.successors.add(city)
    _settings(world.province, date(1900, 1, 1), date(2025, 2, 28), issuing_agency=INFORMATION,
              parent_agency="UBND TỈNH MẪU", place="Mẫu")
    _settings(world.province, date(2025, 3, 1), date(2025, 6, 30), issuing_agency=SCIENCE,
              parent_agency="UBND TỈNH MẪU", place="Mẫu")
    _settings(city, date(2025, 7, 1), issuing_agency=SCIENCE, parent_agency="UBND THÀNH PHỐ MỚI", place="Mới")
    return city


def _pdf(tmp_path, **kwargs) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(summary_document(fmt="pdf", **kwargs))
    return pdf_text(path)


def test_the_pdf_names_the_agency_of_its_issue_date(world, tmp_path):
    _settings(world.province, date(2019, 1, 1), date(2025, 2, 28), issuing_agency=INFORMATION,
              document_symbol="BC-STTTT")
    _settings(world.province, date(2025, 3, 1), issuing_agency=SCIENCE, document_symbol="BC-SKHCN")
    before = _pdf(tmp_path, year=2024, org_unit=world.province, issued_on=date(2025, 2, 28))
    after = _pdf(tmp_path, year=2024, org_unit=world.province, issued_on=date(2025, 3, 1))
    assert INFORMATION in before and "/BC-STTTT" in before and SCIENCE not in before
    assert SCIENCE in after and "/BC-SKHCN" in after and INFORMATION not in after


def test_a_district_report_takes_the_row_of_the_nearest_unit_above(world):
    _settings(None, date(1900, 1, 1), issuing_agency="MỌI NƠI")
    _settings(world.province, date(2020, 1, 1), issuing_agency=INFORMATION)
    assert document_settings_for(org_unit=world.d1, on=date(2021, 1, 13)).row.issuing_agency == INFORMATION
    _settings(world.d1, date(2020, 1, 1), issuing_agency="PHÒNG VĂN HÓA VÀ THÔNG TIN")
    assert document_settings_for(org_unit=world.d1, on=date(2021, 1, 13)).row.issuing_agency == \
        "PHÒNG VĂN HÓA VÀ THÔNG TIN"
    # Before every row of the tree, the row without a unit applies.
    assert document_settings_for(org_unit=world.d1, on=date(2019, 5, 1)).row.issuing_agency == "MỌI NƠI"


def test_an_abolished_units_report_is_issued_by_its_successors_agency_of_today(merged, world, tmp_path):
    text = _pdf(tmp_path, year=2020, org_unit=world.province, issued_on=date(2026, 3, 2))
    assert "UBND THÀNH PHỐ MỚI" in text and SCIENCE in text and "Mới, ngày 02 tháng 3 năm 2026" in text
    assert "UBND TỈNH MẪU" not in text
    subject = " ".join(text.split())
    assert "năm 2020 của tỉnh Mẫu (cũ)" in subject


def test_before_the_merger_the_old_unit_issues_its_own_report_without_former(merged, world):
    data = report_data(year=2020, org_unit=world.province, issued_on=date(2024, 12, 30))
    document = build_document(data)
    assert data.header.parent_agency == "UBND TỈNH MẪU" and data.header.issuing_agency == INFORMATION
    assert "(cũ)" not in document.subject
    # In the year it ends, its last row still applies until it runs out, then its successor's.
    assert document_settings_for(org_unit=world.province, on=date(2024, 5, 1)).row.issuing_agency == INFORMATION


def test_a_successor_without_rows_leaves_the_old_units_own_row_and_falls_back_to_its_name(world):
    world.province.valid_to = 2024
    world.province.save()
    city = OrgUnit.objects.create(code="NEW", name="Thành phố Mới", level="province", valid_from=2025)
    world.province.successors.add(city)
    header = report_data(year=2020, org_unit=world.province, issued_on=date(2026, 1, 5)).header
    assert header.parent_agency == "UBND THÀNH PHỐ MỚI" and header.place == "Mới"


@pytest.fixture
def split_commune(world):
    """Xã Cũ (under Huyện Một, until 2024) split in 2025 into two new communes placed under the province."""
    world.d1.valid_to = 2024
    world.d1.save()
    old = OrgUnit.objects.create(code="P-C9", name="Xã Cũ", level="commune", parent=world.d1, valid_to=2024)
    parts = [OrgUnit.objects.create(code=code, name=name, level="commune", parent=world.province, valid_from=2025)
             for code, name in (("P-N1", "Xã Mới Một"), ("P-N2", "Xã Mới Hai"))]
    old.successors.set(parts)
    return old, parts


def test_a_split_units_report_is_issued_by_the_agency_above_all_its_parts_not_by_one_part(split_commune, world):
    old, (first, second) = split_commune
    _settings(world.province, date(2025, 7, 1), issuing_agency=SCIENCE, parent_agency="UBND TỈNH MẪU")
    _settings(first, date(2025, 7, 1), issuing_agency="UBND XÃ MỚI MỘT")  # the first part by code has its own
    issuing = document_settings_for(org_unit=old, on=date(2026, 3, 2))
    assert issuing.row.issuing_agency == SCIENCE and issuing.issuer == world.province
    # Whichever part comes first by code.
    OrgUnit.objects.filter(pk=first.pk).update(code="P-N3")
    assert document_settings_for(org_unit=old, on=date(2026, 3, 2)).row.issuing_agency == SCIENCE


def test_parts_of_a_split_with_nothing_in_common_leave_the_old_units_own_line(world):
    world.province.valid_to = 2024
    world.province.save()
    parts = [OrgUnit.objects.create(code=code, name=name, level="province", valid_from=2025)
             for code, name in (("NORTH", "Tỉnh Bắc"), ("SOUTH", "Tỉnh Nam"))]
    world.province.successors.set(parts)
    for part, agency in zip(parts, ("SỞ KH&CN TỈNH BẮC", "SỞ KH&CN TỈNH NAM"), strict=True):
        _settings(part, date(2025, 7, 1), issuing_agency=agency)
    _settings(None, date(1900, 1, 1), issuing_agency="MỌI NƠI")
    issuing = document_settings_for(org_unit=world.province, on=date(2026, 3, 2))
    # Neither part's agency is guessed: the row without a unit, and the fallbacks name the old tree.
    assert issuing.row.issuing_agency == "MỌI NƠI" and issuing.issuer == world.province
    _settings(world.province, date(2024, 1, 1), issuing_agency="VĂN PHÒNG ĐIỀU PHỐI CHUYỂN ĐỔI SỐ")
    assert document_settings_for(org_unit=world.province, on=date(2026, 3, 2)).row.issuing_agency == \
        "VĂN PHÒNG ĐIỀU PHỐI CHUYỂN ĐỔI SỐ"
    # A part placed under the other: the nearest unit above both is that other part, whose row issues it.
    OrgUnit.objects.filter(pk=parts[1].pk).update(parent=parts[0])
    assert document_settings_for(org_unit=world.province, on=date(2026, 3, 2)).row.issuing_agency == \
        "SỞ KH&CN TỈNH BẮC"


def test_overlapping_periods_of_one_unit_are_refused_with_a_message(world):
    _settings(world.province, date(2021, 1, 1), date(2025, 6, 30), issuing_agency=INFORMATION)
    with pytest.raises(ValidationError) as refused:
        _settings(world.province, date(2025, 3, 1), issuing_agency=SCIENCE)
    [message] = refused.value.message_dict["valid_from"]
    assert "trùng với thiết lập" in message and INFORMATION in message and "01/01/2021 – 30/06/2025" in message
    with pytest.raises(ValidationError) as backwards:
        _settings(world.province, date(2026, 3, 1), date(2026, 1, 1))
    assert "valid_to" in backwards.value.message_dict
    assert DocumentSettings.objects.count() == 1


def test_the_sector_is_named_as_in_the_reports_year(world):
    SectorVersion.objects.create(sector=world.telecom, valid_from=date(2025, 3, 1),
                                 name="Viễn thông và khoa học", owner_agency="Sở Khoa học và Công nghệ")
    old = build_document(report_data(year=2024, org_unit=world.province, sector=world.telecom,
                                     issued_on=date(2026, 1, 5)))
    new = build_document(report_data(year=2025, org_unit=world.province, sector=world.telecom,
                                     issued_on=date(2026, 1, 5)))
    assert old.subject.endswith("lĩnh vực Viễn thông") and new.subject.endswith("lĩnh vực Viễn thông và khoa học")
    # The current year: the name of the issue date, not of the year's end.
    running = build_document(report_data(year=2025, org_unit=world.province, sector=world.telecom,
                                         issued_on=date(2025, 2, 1)))
    assert running.subject.endswith("lĩnh vực Viễn thông")


def test_the_settings_file_round_trips(world):
    entries = [
        {"org_unit": "P", "valid_from": date(1900, 1, 1), "valid_to": "2025-02-28", "issuing_agency": INFORMATION},
        {"org_unit": "P", "valid_from": "2025-03-01", "issuing_agency": SCIENCE},
        {"org_unit": "NOT_YET", "valid_from": "2025-07-01", "issuing_agency": SCIENCE},
    ]
    first = document_settings_load(entries=entries)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert first.warnings == ["document_settings[2]: chưa có đơn vị mã 'NOT_YET', bỏ qua mục này."]
    again = document_settings_load(entries=entries)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    # Moving the first period's end and the second's start in one file is fine.
    entries[0]["valid_to"], entries[1]["valid_from"] = "2025-03-31", "2025-04-01"
    moved = document_settings_load(entries=entries)
    assert (moved.created, moved.updated, moved.unchanged, moved.deleted) == (1, 1, 0, 1)
    assert [(row.valid_from, row.valid_to) for row in DocumentSettings.objects.order_by("valid_from")] == [
        (date(1900, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), None)]


def test_a_settings_file_with_an_overlap_writes_nothing_and_names_the_entry(world):
    entries = [{"org_unit": "P", "valid_from": "2021-01-01", "issuing_agency": INFORMATION},
               {"org_unit": "P", "valid_from": "2025-03-01", "issuing_agency": SCIENCE, "colour": "đỏ"},
               {"org_unit": "P", "valid_from": "2025-07-01", "valid_to": "2025-13-01"}]
    with pytest.raises(ValidationError) as refused:
        document_settings_load(entries=entries)
    messages = refused.value.messages
    assert any(m.startswith("document_settings[1] (P, 2025-03-01): không có trường thiết lập: colour")
               for m in messages)
    assert any(m.startswith("document_settings[2] (P, 2025-07-01): valid_to:") for m in messages)
    assert DocumentSettings.objects.count() == 0
    with pytest.raises(ValidationError) as overlap:
        document_settings_load(entries=[entries[0], {"org_unit": "P", "valid_from": "2025-03-01"}])
    assert any("document_settings[0] (P, 2021-01-01): valid_from:" in m and "trùng" in m
               for m in overlap.value.messages)
    assert DocumentSettings.objects.count() == 0


def test_in_the_year_a_unit_ends_its_successor_issues_once_its_own_rows_run_out(merged, world):
    world.province.valid_to = 2025  # existed until 30 June 2025: 2025 is still one of its years
    world.province.save()
    data = report_data(year=2020, org_unit=world.province, issued_on=date(2025, 12, 1))
    assert data.header.parent_agency == "UBND THÀNH PHỐ MỚI" and data.header.issuing_agency == SCIENCE
    subject = build_document(data).subject
    assert subject.endswith("năm 2020 của tỉnh Mẫu")  # named, since another tree's agency issues it


def test_a_settings_file_repeating_a_unit_and_start_names_both_entries(world):
    entry = {"org_unit": "P", "valid_from": "2021-01-01", "issuing_agency": INFORMATION}
    with pytest.raises(ValidationError) as refused:
        document_settings_load(entries=[entry, dict(entry)])
    assert refused.value.messages == [
        "document_settings[1]: trùng đơn vị và ngày bắt đầu với document_settings[0]."]
    assert DocumentSettings.objects.count() == 0
