"""How a number written in a file is read (DESIGN.md, "Numbers in files";
user guide in docs/formats.md). One grammar for every door that reads file
numbers (value files through kpis/services/values.value_parse, and the
floats of a catalogue YAML file), so that the same text never means two
things in two places.

- Vietnamese convention (semicolon CSV files, text cells of a workbook): the
  comma is the decimal mark and the point groups thousands: 9.391, 92,7,
  1.234.567,5.
- Point convention (comma CSV files): the point is the decimal mark and there
  are no thousands separators: 9391, 92.7. A quoted decimal comma ("92,7") is
  understood too, as it always was.
- In either, spaces may group thousands (9 391) since they mean one thing only.
- A text that the point convention would read one way and a thousands
  separator another (939.000, 1,234) is refused with both readings: never
  guessed.
"""

import re
from decimal import Decimal
from enum import Enum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NumberConvention(Enum):
    VIETNAMESE = "vi"
    POINT = "point"


_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_MINUS = ("-", "\u2212")
_PLAIN = re.compile(r"[0-9]+")
# An integer part grouped by thousands: a first group of 1 to 3 digits not
# starting with 0, then groups of exactly three.
_GROUPED = r"[1-9][0-9]{0,2}(?:%s[0-9]{3})+"
_SPACE_GROUPED = re.compile(_GROUPED % " ")
_POINT_GROUPED = re.compile(_GROUPED % r"\.")
_COMMA_GROUPED = re.compile(_GROUPED % ",")
_FIRST_GROUP = re.compile(r"[1-9][0-9]{0,2}")


def number_parse(*, text: str, convention: NumberConvention) -> Decimal:
    """The number ``text`` means in ``convention``; ValidationError (code
    ``ambiguous``, ``convention``, ``percent`` or ``not_number``) naming the
    text otherwise. The sign is read (a negative figure is the indicator's
    business to refuse, with its own message)."""
    if text.isdigit() and text.isascii():
        return Decimal(text)  # the common case, read alike in both conventions
    cleaned = text.translate(_SPACES).strip()
    negative = cleaned[:1] in _MINUS
    body = cleaned[1:].lstrip() if negative else cleaned
    if body.endswith("%"):
        raise ValidationError(_("'%(text)s': bỏ dấu %%, chỉ ghi con số: %(fixed)s.")
                              % {"text": cleaned, "fixed": cleaned[:-1].strip()}, code="percent")
    if convention is NumberConvention.VIETNAMESE:
        integer, fraction = _split_vietnamese(body, cleaned)
    else:
        integer, fraction = _split_point(body, cleaned, "-" if negative else "")
    digits = integer.replace(" ", "").replace(".", "").replace(",", "") + ("." + fraction if fraction else "")
    value = Decimal(digits)
    return -value if negative else value


def _not_number(text: str) -> ValidationError:
    return ValidationError(_("'%(text)s' không phải là số.") % {"text": text}, code="not_number")


def _integer_ok(integer: str, grouped_by: re.Pattern | None) -> bool:
    return bool(_PLAIN.fullmatch(integer) or _SPACE_GROUPED.fullmatch(integer)
                or (grouped_by is not None and grouped_by.fullmatch(integer)))


def _split_vietnamese(body: str, text: str) -> tuple[str, str]:
    integer, _comma, fraction = body.partition(",")
    if _integer_ok(integer, _POINT_GROUPED) and (not _comma or _PLAIN.fullmatch(fraction)):
        return integer, fraction
    if re.fullmatch(r"[0-9]+\.[0-9]+", body):
        raise ValidationError(
            _("'%(text)s': trong tệp này dấu chấm phân cách hàng nghìn (9.391) và dấu phẩy là dấu thập phân; "
              "nếu là số thập phân hãy viết %(fixed)s.") % {"text": text, "fixed": text.replace(".", ",")},
            code="convention")
    raise _not_number(text)


def _split_point(body: str, text: str, sign: str) -> tuple[str, str]:
    if _PLAIN.fullmatch(body) or _SPACE_GROUPED.fullmatch(body):
        return body, ""
    match = re.fullmatch(r"([0-9 ]+)([.,])([0-9]+)", body)
    if match is None or not _integer_ok(match[1], None):
        if _POINT_GROUPED.fullmatch(body.partition(",")[0]) or _COMMA_GROUPED.fullmatch(body.partition(".")[0]):
            raise ValidationError(
                _("'%(text)s': tệp phân cách bằng dấu phẩy ghi số không có dấu phân cách hàng nghìn, với dấu "
                  "chấm thập phân (ví dụ 1234567 hoặc 1234567.5); hoặc lưu tệp với dấu chấm phẩy (;) để viết "
                  "theo kiểu Việt Nam 1.234.567,5.") % {"text": text}, code="convention")
        raise _not_number(text)
    integer, mark, fraction = match[1], match[2], match[3]
    if len(fraction) == 3 and (_FIRST_GROUP.fullmatch(integer) or _SPACE_GROUPED.fullmatch(integer)):
        raise _ambiguous(text, sign, integer, mark, fraction)
    return integer, fraction


def _ambiguous(text: str, sign: str, integer: str, mark: str, fraction: str) -> ValidationError:
    significant = fraction.rstrip("0")
    decimal = sign + integer + ("," + significant if significant else "")
    point = sign + integer.replace(" ", "") + ("." + significant if significant else "")
    thousands = sign + integer + " " + fraction
    return ValidationError(
        _("'%(text)s' có thể là %(decimal)s hoặc %(thousands)s: dấu %(mark)s theo sau đúng ba chữ số có thể là "
          "dấu phân cách hàng nghìn. Hãy ghi %(plain)s nếu là %(thousands)s, hoặc %(point)s nếu là %(decimal)s.")
        % {"text": text, "decimal": decimal, "thousands": thousands, "mark": mark,
           "plain": sign + (integer + fraction).replace(" ", ""), "point": point},
        code="ambiguous")
