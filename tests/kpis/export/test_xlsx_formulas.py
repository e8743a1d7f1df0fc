"""The leaders' XLSX summary carries no formulas: formulas typed into the
catalogue, the org units, the milestones and the document settings come out
as text with a leading apostrophe; figures stay numbers."""

from datetime import date

from kpis.export.services import summary_document
from tests.spreadsheets import PAYLOADS, assert_no_formulas, escaped, plant_formula_payloads, texts, xlsx_cells


def test_the_summary_workbook_carries_no_formula_and_figures_stay_numbers(world):
    plant_formula_payloads(world)
    content = summary_document(year=2020, org_unit=world.province, fmt="xlsx", districts=True,
                               issued_on=date(2021, 1, 13))
    cells = xlsx_cells(content, "summary")
    assert_no_formulas(cells)
    for text in PAYLOADS:
        assert escaped(text) in texts(cells), text
    assert {cell.sheet for cell in cells} == {"Tổng hợp", "Nhiệm vụ", "Đơn vị cấp dưới"}  # every sheet was read
    values = [cell.value for cell in cells]
    assert -2.5 in values and 88 in values and 500 in values  # the coverage's change and value, BTS
