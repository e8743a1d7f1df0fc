"""Formula payloads in every field a user can type, and readers that open the
portal's CSV and XLSX files the way a spreadsheet program would, for the tests
of the "no formulas in downloads" rule (docs/security.md, section 4)."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import openpyxl

from kpis.aggregation import aggregates_recompute
from kpis.models import DataValue, DocumentSettings, Milestone
from tests.factories import IndicatorFactory, OrgUnitFactory, SectorFactory, put_values

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
FORMULA_START = "=+-@\t\r＝＋－＠"
WHOLE_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


@dataclass
class Cell:
    where: str
    value: object
    is_formula: bool = False
    sheet: str = ""


def payload(n: int) -> str:
    return PAYLOADS[n % len(PAYLOADS)]


def escaped(text: str) -> str:
    return "'" + text


def plant_formula_payloads(world) -> dict[str, str]:
    """Every text a user can type, from the catalogue to the document
    settings, set to a formula; a negative change (-2,5) on the province's
    coverage. Returns the codes of the planted sector, indicator and unit."""
    sector = SectorFactory(code="EVIL_SECTOR", name=payload(0), position=3)
    indicator = IndicatorFactory(code="EVIL_INDICATOR", sector=sector, name=payload(1), unit=payload(2),
                                 definition=payload(3), source=payload(4), is_key=True)
    for field, text in (("name", payload(5)), ("unit", payload(0))):  # the world's own indicators too
        setattr(world.bts, field, text)
    world.bts.is_key = True
    world.bts.save()
    world.telecom.name = payload(3)
    world.telecom.save()
    unit = OrgUnitFactory(code="P-EVIL", name=payload(0), level="district", parent=world.province)
    world.d1.name = payload(1)
    world.d1.save()
    put_values([
        (indicator, unit, 2019, Decimal(4)), (indicator, unit, 2020, Decimal(5)),
        (indicator, world.d1, 2020, Decimal(7)),
        (world.bts, world.d1, 2019, Decimal(450)), (world.bts, world.d1, 2020, Decimal(500)),
        (world.coverage, world.province, 2019, Decimal("90.5")),
        (world.coverage, world.province, 2020, Decimal("88.0")),  # a change of -2,5
    ])
    DataValue.objects.filter(indicator=indicator).update(comment=payload(2), source=payload(3))
    world.coverage.is_key = True
    world.coverage.save()
    for n, (code, org_unit, sector_of) in enumerate([("EVIL_M1", world.province, sector),
                                                     ("EVIL_M2", unit, world.telecom)]):
        Milestone.objects.create(code=code, sector=sector_of, org_unit=org_unit, title=payload(n + 4),
                                 evidence=payload(n + 1), source=payload(n + 2), due=date(2020, 6, 30),
                                 status="in_progress")
    settings_fields = ["parent_agency", "issuing_agency", "document_symbol", "document_number", "place",
                       "signer_authority", "signer_title", "signer_name", "recipients"]
    DocumentSettings(valid_from=date(1900, 1, 1), **{name: payload(n) for n, name in enumerate(settings_fields)}).save()
    aggregates_recompute()
    return {"sector": sector.code, "indicator": indicator.code, "unit": unit.code}


def csv_cells(content: bytes, where: str) -> list[Cell]:
    text = content.decode("utf-8-sig")
    return [Cell(f"{where} row {n}", value) for n, row in enumerate(csv.reader(io.StringIO(text, newline="")))
            for value in row]


def xlsx_cells(content: bytes, where: str) -> list[Cell]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [Cell(f"{where} {sheet.title}!{cell.coordinate}", cell.value, cell.data_type == "f", sheet.title)
            for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_no_formulas(cells: list[Cell]) -> None:
    """No cell is a formula or text a spreadsheet would read as one; text
    that is a whole number (a negative change) may start with its sign."""
    assert cells, "the file has no cells"
    for cell in cells:
        assert not cell.is_formula, cell
        if isinstance(cell.value, str) and cell.value and cell.value[0] in FORMULA_START:
            assert WHOLE_NUMBER.fullmatch(cell.value), cell


def texts(cells: list[Cell]) -> set[str]:
    return {cell.value for cell in cells if isinstance(cell.value, str)}
