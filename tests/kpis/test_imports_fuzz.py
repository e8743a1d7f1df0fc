"""Generated CSV files through values_import, the service behind
`manage.py import_values` and `load_demo`: a file is written whole or not at
all, every error names a line of the file, and nothing else escapes."""

import csv
import io
from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from kpis.models import DataValue
from kpis.services import imports
from kpis.services.imports import values_import
from tests.factories import ValidationRuleFactory, put_values
from tests.fuzzing import fuzz_settings, rolled_back
from tests.kpis.test_imports import database_state

COLUMNS = ["indicator", "org_unit", "year", "value", "comment", "source"]
# The world fixture's codes (BTS_DOUBLE is derived, so refused), a case slip and garbage.
INDICATORS = ["BTS", "COVERAGE_PCT", "HAS_IOC", "POST_OFFICES", "BTS_DOUBLE", "bts", "", "NOPE"]
UNITS = ["P", "P-D1", "P-D2", "p", "", "XX"]
YEARS = ["2019", "2020", "2021", "2022", "1989", "2101", "20 21", "２０２１", "-2020", "2020.0", ""]
NUMBERS = [
    "0", "1", "939", "92.7", "92,7", "9.391", "9,391", "1.234,5", "1,234.5", "12 345", "-5", "+5", "1e3",
    "NaN", "nan", "inf", "-Infinity", "sNaN", "1" * 40, "0." + "0" * 30 + "1", "99999999999999.9", "٣",
    "²", "0x10", "có", "Không", "yes", "TRUE", "", " ", "..", ",",
]
# Characters that break naive readers and writers: NUL, BOM, lone CR, Unicode line and
# paragraph separators, quotes, a zero-width joiner, combining and right-to-left marks.
SPECIAL = ["\x00", "\ufeff", "\r", "\u2028", "\x85", '"', "'", "\u200d", "\u0301", "\u202e", "\t", ";", ","]
TEXT = st.text(st.characters(codec="utf-8"), max_size=12) | st.lists(
    st.sampled_from(SPECIAL) | st.sampled_from(["Hậu Giang", "a", " "]), max_size=4).map("".join)


# What each indicator of the world fixture accepts, written the ways people write it.
ENTERED = {
    "BTS": (["P", "P-D1", "P-D2"], st.integers(0, 10**6).map(str)),
    "POST_OFFICES": (["P", "P-D1", "P-D2"], st.integers(0, 50).map(str)),
    "COVERAGE_PCT": (["P"], st.decimals(0, 100, places=1).map(str).map(
        lambda text: text.replace(".", ",")) | st.decimals(0, 100, places=1).map(str)),
    "HAS_IOC": (["P"], st.sampled_from(["0", "1", "có", "Không", "yes", "no", "TRUE"])),
}


@st.composite
def valid_cells(draw) -> dict[str, str]:
    indicator = draw(st.sampled_from(sorted(ENTERED)))
    units, numbers = ENTERED[indicator]
    return {"indicator": indicator, "org_unit": draw(st.sampled_from(units)),
            "year": str(draw(st.integers(2019, 2022))), "value": draw(numbers),
            "comment": draw(TEXT), "source": draw(TEXT)}


def garbage_cell(column: str):
    return {
        "indicator": st.sampled_from(INDICATORS) | TEXT,
        "org_unit": st.sampled_from(UNITS) | TEXT,
        "year": st.sampled_from(YEARS) | TEXT,
        "value": st.sampled_from(NUMBERS) | st.decimals(allow_nan=True).map(str) | TEXT,
    }.get(column, TEXT | st.just("x" * 600))


@st.composite
def rows_of(draw, columns: list[str]) -> list[str]:
    """Mostly right rows, each cell spoiled now and then."""
    cells = draw(valid_cells())
    return [draw(garbage_cell(column)) if column not in cells or draw(st.integers(0, 14)) == 0
            else cells[column] for column in columns]


@st.composite
def value_files(draw) -> tuple[bytes, list[dict[str, str]]]:
    """A file with a right or nearly right header and rows mixing valid codes
    and garbage: (content, the rows as written, by column)."""
    optional = draw(st.lists(st.sampled_from(COLUMNS[4:]), unique=True))
    columns = draw(st.permutations(COLUMNS[:4] + optional))
    if draw(st.integers(0, 9)) == 0:  # a header spoiled
        columns = draw(st.permutations(COLUMNS).flatmap(
            lambda names: st.integers(3, len(names)).map(lambda n: names[:n])))
        columns += draw(st.lists(st.sampled_from(COLUMNS) | TEXT, max_size=2))
    rows = draw(st.lists(rows_of(columns), max_size=8))
    for row in rows:
        if draw(st.integers(0, 19)) == 0:  # a row of the wrong width
            if draw(st.booleans()):
                del row[draw(st.integers(0, len(row) - 1)):]
            else:
                row.append("x")
    delimiter = draw(st.sampled_from([",", ";"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(columns)
    for row in rows:
        if draw(st.integers(0, 5)) == 0:
            out.write(draw(st.sampled_from(["\n", delimiter * len(columns) + "\n", "  \n"])))
        writer.writerow(row)
    content = out.getvalue().encode("utf-8")
    if draw(st.booleans()):
        content = b"\xef\xbb\xbf" + content
    return content, [dict(zip(columns, row, strict=False)) for row in rows]


@st.composite
def mutated_files(draw) -> bytes:
    """A mostly right file with a few bytes overwritten, inserted or cut."""
    content = bytearray(draw(value_files())[0])
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(content)))
        kind = draw(st.sampled_from(["insert", "replace", "cut"]))
        chunk = draw(st.binary(min_size=1, max_size=4) | st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\n", b'"']))
        if kind == "insert":
            content[at:at] = chunk
        elif kind == "replace":
            content[at:at + len(chunk)] = chunk
        else:
            del content[at:at + len(chunk)]
    return bytes(content)


def raw_files():
    """Anything at all: random bytes, a right file damaged, or text that merely looks like CSV."""
    return st.binary(max_size=300) | mutated_files() | st.lists(
        st.lists(TEXT | st.sampled_from(INDICATORS + UNITS + NUMBERS), max_size=6).map(
            lambda cells: st.sampled_from([",", ";", "\t"]).map(lambda d: d.join(cells))),
        max_size=6,
    ).flatmap(lambda lines: st.tuples(*lines)).map(lambda lines: "\n".join(lines).encode())



@pytest.fixture
def stored(world):
    """Figures already there to update, a report under review that a file
    must not overwrite, and a rule across two indicators."""
    put_values([(world.bts, world.province, 2020, 939), (world.coverage, world.province, 2020, Decimal("92.7"))])
    put_values([(world.bts, world.d1, 2021, 5)], status="submitted")
    ValidationRuleFactory(code="POST_LE_BTS", left="POST_OFFICES", right="BTS")
    return world


def check_outcome(content: bytes, bulk: bool, dry_run: bool = False) -> imports.ImportResult:
    before = database_state()
    with mock.patch.object(imports, "BULK_FROM", 0 if bulk else 10**9):
        result = values_import(content=content, dry_run=dry_run)
    event("refused" if result.errors else "dry run" if dry_run else "written")
    # Lines as the reader and an editor count them: \r, \n and \r\n each end one.
    last_line = len(io.StringIO(content.decode("utf-8", "replace"), newline="").readlines()) + 1
    for error in result.errors:
        assert 1 <= error.line <= last_line and error.message.strip(), error
    if not result.ok or dry_run:
        assert (result.created, result.updated, result.unchanged) == (0, 0, 0) or dry_run
        assert database_state() == before, "a file with errors (or a dry run) changed the database"
    return result


@fuzz_settings(ci_examples=150)
@given(file=value_files(), bulk=st.booleans(), dry_run=st.booleans())
def test_generated_value_files_are_written_whole_or_not_at_all(stored, file, bulk, dry_run):
    content, rows = file
    with rolled_back():
        result = check_outcome(content, bulk, dry_run)
        if result.ok and not dry_run:
            written = [row for row in rows if any(cell.strip() for cell in row.values())]  # blank rows skipped
            assert result.created + result.updated + result.unchanged == len(written)
            for row in written:
                assert DataValue.objects.filter(indicator__code=row["indicator"].strip(),
                                                org_unit__code=row["org_unit"].strip(),
                                                year=int(row["year"])).exists()


@fuzz_settings(ci_examples=100)
@given(content=raw_files(), bulk=st.booleans())
def test_arbitrary_bytes_are_refused_or_imported_whole(stored, content, bulk):
    with rolled_back():
        check_outcome(content, bulk)
