"""The number rules for files (kpis/numbers.py, DESIGN.md "Numbers in files"),
case by case in both conventions, and value_parse, the one door every file
reader goes through."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kpis.models import Indicator, ValueType
from kpis.numbers import NumberConvention, number_parse
from kpis.services.values import value_parse

VI, POINT = NumberConvention.VIETNAMESE, NumberConvention.POINT

# (text, convention, the number it means, or the error code and parts of its message)
CASES = [
    # Vietnamese convention: semicolon files, text cells of a workbook
    ("9391", VI, Decimal("9391")),
    ("9.391", VI, Decimal("9391")),
    ("939.000", VI, Decimal("939000")),
    ("92,7", VI, Decimal("92.7")),
    ("0,45", VI, Decimal("0.45")),
    ("1,234", VI, Decimal("1.234")),
    ("1.234.567", VI, Decimal("1234567")),
    ("1.234.567,5", VI, Decimal("1234567.5")),
    ("-1.234,5", VI, Decimal("-1234.5")),
    ("\u22121.234", VI, Decimal("-1234")),
    (" 9 391 ", VI, Decimal("9391")),
    ("9\u00a0391,5", VI, Decimal("9391.5")),
    ("92.7", VI, ("convention", ["'92.7'", "92,7"])),
    ("1.5", VI, ("convention", ["'1.5'", "1,5"])),
    ("1.23.456", VI, ("not_number", ["'1.23.456'"])),
    ("01.234", VI, ("convention", ["'01.234'", "01,234"])),
    ("1,2,3", VI, ("not_number", ["'1,2,3'"])),
    ("92,7%", VI, ("percent", ["'92,7%'", "92,7"])),
    # Point convention: comma files
    ("9391", POINT, Decimal("9391")),
    ("92.7", POINT, Decimal("92.7")),
    ("92,7", POINT, Decimal("92.7")),  # a quoted decimal comma is understood, as it always was
    ("0.45", POINT, Decimal("0.45")),
    ("0.450", POINT, Decimal("0.45")),  # "0.450" cannot be a thousands group
    ("1.50", POINT, Decimal("1.5")),
    ("1.5000", POINT, Decimal("1.5")),
    ("-92.7", POINT, Decimal("-92.7")),
    ("9 391", POINT, Decimal("9391")),
    ("9 391.5", POINT, Decimal("9391.5")),
    ("939.000", POINT, ("ambiguous", ["'939.000' có thể là 939 hoặc 939 000", "939000"])),
    ("1,234", POINT, ("ambiguous", ["'1,234' có thể là 1,234 hoặc 1 234", "1234", "1.234"])),
    ("9.391", POINT, ("ambiguous", ["9,391 hoặc 9 391"])),
    ("-939.000", POINT, ("ambiguous", ["-939 hoặc -939 000"])),
    ("1 234.567", POINT, ("ambiguous", ["1 234 567"])),
    ("1.234.567", POINT, ("convention", ["'1.234.567'", "1234567"])),
    ("1,234,567", POINT, ("convention", ["'1,234,567'"])),
    ("1,234.5", POINT, ("convention", ["'1,234.5'"])),
    ("1.234,5", POINT, ("convention", ["'1.234,5'"])),
    ("92.7%", POINT, ("percent", ["'92.7%'", "92.7"])),
    # Neither
    ("", VI, ("not_number", ["''"])),
    ("-", POINT, ("not_number", ["'-'"])),
    ("nhiều", VI, ("not_number", ["'nhiều'"])),
    ("1e5", POINT, ("not_number", ["'1e5'"])),
    ("١٢٣", POINT, ("not_number", [])),  # digits of another script
    ("12 34", VI, ("not_number", ["'12 34'"])),
    (".5", POINT, ("not_number", ["'.5'"])),
    ("5.", POINT, ("not_number", ["'5.'"])),
    ("+5", POINT, ("not_number", ["'+5'"])),
]


@pytest.mark.parametrize(("text", "convention", "expected"), CASES,
                         ids=[f"{c.value}:{t!r}" for t, c, _e in CASES])
def test_number_rules(text, convention, expected):
    if isinstance(expected, Decimal):
        assert number_parse(text=text, convention=convention) == expected
        return
    code, parts = expected
    with pytest.raises(ValidationError) as caught:
        number_parse(text=text, convention=convention)
    assert caught.value.code == code
    for part in parts:
        assert part in caught.value.messages[0]


def test_939_000_in_a_comma_file_is_never_stored_as_939():
    """The regression of issue 11: it used to read as 939."""
    with pytest.raises(ValidationError) as caught:
        number_parse(text="939.000", convention=POINT)
    assert "939 hoặc 939 000" in caught.value.messages[0]


def indicator(value_type: str, decimals: int = 0) -> Indicator:
    return Indicator(code="X", name="Chỉ tiêu X", value_type=value_type, decimals=decimals)


YES_NO = [("có", 1), ("Không", 0), ("yes", 1), ("NO", 0), ("true", 1), ("false", 0), ("1", 1), ("0", 0)]


@pytest.mark.parametrize("convention", [VI, POINT])
@pytest.mark.parametrize(("text", "expected"), YES_NO)
def test_yes_no_words_in_either_convention(text, expected, convention):
    assert value_parse(indicator=indicator(ValueType.YES_NO), cell=text, convention=convention) == expected


@pytest.mark.parametrize(("cell", "expected"), [(939000, Decimal(939000)), (92.7, Decimal("92.7")),
                                                (0.45, Decimal("0.45")), (Decimal("1.5"), Decimal("1.5"))])
def test_workbook_number_cells_are_taken_as_they_are(cell, expected):
    assert value_parse(indicator=indicator(ValueType.DECIMAL, 2), cell=cell, convention=VI) == expected


@pytest.mark.parametrize(("cell", "convention", "message"), [
    ("-5", POINT, "âm"), ("1.234,5", VI, "số nguyên"), (float("nan"), VI, "quá lớn"),
])
def test_the_indicator_still_checks_what_was_read(cell, convention, message):
    with pytest.raises(ValidationError) as caught:
        value_parse(indicator=indicator(ValueType.INTEGER), cell=cell, convention=convention)
    assert message in caught.value.messages[0]
