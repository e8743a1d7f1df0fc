"""How a figure and its unit read, in the active language: 9.391 and 92,7 in
Vietnamese, 9,391 and 92.7 in English. The one home of these rules: pages,
template filters, exports, charts and the summary text all call these."""

import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kpis.models import ValueType
from kpis.rules import unit_abolished_on

MINUS = "\u2212"  # a real minus sign, not a hyphen
PERCENT_UNIT = "%"


def rounded(value: Decimal | int | float | str, decimals: int) -> Decimal:
    """A figure rounded to ``decimals`` places, half up (41,3965 → 41,4; 2,5 → 3):
    on pages, in exports and in spreadsheet cells alike. (Django's
    number_format would cut the digits; Python's round() rounds half to even.)"""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-int(decimals)), rounding=ROUND_HALF_UP)


def number(value: Decimal | int | float | str | None, decimals: int = 0) -> str:
    """A figure with grouping, rounded half up; empty for no value. Keeps
    Django's hyphen-minus (for input fields and scripts)."""
    if value is None or value == "":
        return ""
    places = int(decimals)
    return number_format(rounded(value, places), places, use_l10n=True, force_grouping=True)


def figure(value: Decimal | int | float | None, decimals: int = 0, value_type: str = "") -> str:
    """A figure as a reader sees it: 9.391, 92,7, −1,5 with a real minus sign,
    ``Có``/``Không`` for a yes/no indicator; empty for no value."""
    if value is None:
        return ""
    if value_type == ValueType.YES_NO:
        return _("Có") if value else _("Không")
    return number(value, decimals).replace("-", MINUS)


def signed(value: Decimal | int | float | None, decimals: int) -> str:
    """A change with its sign: +33, −1,5, and 0 for a change that rounds to
    nothing (never "−0,0")."""
    if value is None:
        return ""
    shown = rounded(value, decimals)
    text = number(abs(shown), decimals)
    if shown > 0:
        return f"+{text}"
    if shown < 0:
        return f"{MINUS}{text}"
    return text


def significant_decimals(value: Decimal | int | float) -> int:
    """60.000000 → 0, 92.50 → 1: a target reads as it was set."""
    return max(0, -Decimal(str(value)).normalize().as_tuple().exponent)


def unit_name(indicator) -> str:
    """The indicator's unit in the active language (``unit_en`` in English
    when it is filled in)."""
    if (get_language() or "vi").startswith("en") and getattr(indicator, "unit_en", ""):
        return indicator.unit_en
    return indicator.unit or ""


def is_percent_unit(unit: str) -> bool:
    return unit == PERCENT_UNIT


def unit_gap(unit: str) -> str:
    """No space before a per cent sign (92,7%), a space before words (939 trạm)."""
    return "" if is_percent_unit(unit) else " "


def with_unit(text: str, unit: str, value_type: str = "") -> str:
    """A formatted figure and its unit (``unit_gap`` between); yes/no has no unit."""
    if not text or not unit or value_type == ValueType.YES_NO:
        return text
    return f"{text}{unit_gap(unit)}{unit}"


def unit_period(valid_from: int | None, valid_to: int | None) -> str:
    """The years a unit exists: "từ năm 2025", "đến hết năm 2024", "từ năm 2020 đến hết năm 2024"."""
    if valid_from is None and valid_to is None:
        return _("mọi năm")
    if valid_from is None:
        return _("đến hết năm %(end)d") % {"end": valid_to}
    if valid_to is None:
        return _("từ năm %(start)d") % {"start": valid_from}
    return _("từ năm %(start)d đến hết năm %(end)d") % {"start": valid_from, "end": valid_to}


def unit_name_on(name: str, *, valid_to: int | None, day: date) -> str:
    """A unit's name as a document or a page of ``day`` writes it: with "(cũ)"
    ("(former)") after it when the unit was abolished before that year, so the
    old Cần Thơ city does not read as the new one."""
    if unit_abolished_on(valid_to=valid_to, day=day):
        return _("%(name)s (cũ)") % {"name": name}
    return name


# Vietnamese alphabetical order: letters with a breve, circumflex or horn, and đ,
# are letters of their own; tones only break ties, in dictionary order (a à ả ã á ạ).
_ALPHABET = {letter: rank for rank, letter in enumerate("aăâbcdđeêghiklmnoôơpqrstuưvxy")}
_LETTER_MARKS = {"\u0306": {"a": "ă"}, "\u0302": {"a": "â", "e": "ê", "o": "ô"}, "\u031b": {"o": "ơ", "u": "ư"}}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_order(text: str) -> tuple:
    """A sort key putting names in Vietnamese alphabetical order (An Giang,
    Bạc Liêu, Bình Dương, Cà Mau, Cao Bằng, Cần Thơ, Đà Nẵng, Gia Lai), which
    code-point order (Đ after Z, Bình before Bạc) and the database's C
    collation do not. Not PyICU: it needs the ICU headers to build, and only
    this order is needed."""
    letters, tones = [], []
    for char in unicodedata.normalize("NFD", text.casefold()):
        if unicodedata.combining(char):
            if char in _TONES and tones:
                tones[-1] = _TONES[char]
            elif letters and letters[-1][0] == 1:
                base = _LETTER_MARKS.get(char, {}).get(letters[-1][2])
                if base:
                    letters[-1] = (1, _ALPHABET[base], base)
            continue
        rank = _ALPHABET.get(char)
        letters.append((1, rank, char) if rank is not None else (0 if not char.isalpha() else 2, ord(char), char))
        tones.append(0)
    return tuple(letter[:2] for letter in letters), tuple(tones), text
