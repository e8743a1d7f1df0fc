"""Periods of a year: the year itself, half-years, quarters and months.

A period is stored as two small columns, the year and the part of it
(``period``): 0 is the whole year, 101–102 the half-years, 201–204 the
quarters, 301–312 the months, so ``period // 100`` is its frequency and
``period % 100`` its number in the year. Every yearly row is ``period = 0``,
which is how the yearly data that existed before periods migrated unchanged.
Written in files, URLs and the API as ``2025``, ``2025-H1``, ``2025-Q3``,
``2025-07`` (docs/periods.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

YEAR_PART = 0


class Frequency(models.TextChoices):
    YEAR = "year", _("Năm")
    HALF_YEAR = "half_year", _("6 tháng")
    QUARTER = "quarter", _("Quý")
    MONTH = "month", _("Tháng")


class TimeAggregation(models.TextChoices):
    SUM = "sum", _("Cộng các kỳ (chỉ tiêu lưu lượng)")
    LAST = "last", _("Lấy số cuối kỳ (chỉ tiêu thời điểm)")
    AVERAGE = "average", _("Trung bình các kỳ")
    NONE = "none", _("Không tính kỳ dài hơn")


# Frequency → (code digit of its parts, parts in a year).
_KIND = {Frequency.YEAR: (0, 1), Frequency.HALF_YEAR: (1, 2), Frequency.QUARTER: (2, 4), Frequency.MONTH: (3, 12)}
_FREQUENCY_OF_KIND = {kind: frequency for frequency, (kind, _parts) in _KIND.items()}
# Each shorter kind and the kind its parts make up, with how many parts: months make quarters, etc.
COMPOSITION = ((3, 2, 3), (2, 1, 2), (1, 0, 2))
_CODE = re.compile(r"^\s*(\d{4})(?:-(?:(H)([12])|(Q)([1-4])|(0[1-9]|1[0-2])))?\s*$", re.IGNORECASE)


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    year: int
    part: int = YEAR_PART

    # -- construction ---------------------------------------------------
    @classmethod
    def parse(cls, text: object) -> Period:
        """``2025``, ``2025-H1``, ``2025-Q3`` or ``2025-07``; an int is a year."""
        if isinstance(text, int) and not isinstance(text, bool):
            return cls(text)
        match = _CODE.match(str(text)) if isinstance(text, str) else None
        if not match:
            raise PeriodError(_("“%(text)s” không phải là kỳ báo cáo: viết 2025, 2025-H1, 2025-Q3 hoặc 2025-07.")
                              % {"text": str(text)[:40]})
        year, _h, half, _q, quarter, month = match.groups()
        if half:
            return cls(int(year), 100 + int(half))
        if quarter:
            return cls(int(year), 200 + int(quarter))
        if month:
            return cls(int(year), 300 + int(month))
        return cls(int(year))

    @classmethod
    def of(cls, frequency: str, year: int, number: int = 1) -> Period:
        kind, parts = _KIND[Frequency(frequency)]
        if not 1 <= number <= parts:
            raise PeriodError(f"{frequency} {number}")
        return cls(year, kind * 100 + number if kind else YEAR_PART)

    @classmethod
    def all_of(cls, frequency: str, year: int) -> list[Period]:
        """Every period of the frequency in the year, in order."""
        kind, parts = _KIND[Frequency(frequency)]
        return [cls(year)] if not kind else [cls(year, kind * 100 + n) for n in range(1, parts + 1)]

    # -- what it is -----------------------------------------------------
    @property
    def kind(self) -> int:
        return self.part // 100

    @property
    def number(self) -> int:
        return self.part % 100 if self.part else 1

    @property
    def frequency(self) -> str:
        return _FREQUENCY_OF_KIND[self.kind].value

    @property
    def is_year(self) -> bool:
        return self.part == YEAR_PART

    @property
    def code(self) -> str:
        if self.is_year:
            return str(self.year)
        prefix = {1: "H", 2: "Q", 3: ""}[self.kind]
        return f"{self.year}-{prefix}{self.number:02d}" if self.kind == 3 else f"{self.year}-{prefix}{self.number}"

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        """As people say it: "Quý 3/2025", "6 tháng đầu năm 2025", "Tháng 7/2025", "2025"."""
        if self.is_year:
            return str(self.year)
        if self.kind == 1:
            text = (pgettext_lazy("period", "6 tháng đầu năm %(year)s") if self.number == 1
                    else pgettext_lazy("period", "6 tháng cuối năm %(year)s"))
            return str(text) % {"year": self.year}
        if self.kind == 2:
            return str(pgettext_lazy("period", "Quý %(number)s/%(year)s")) % {"number": self.number, "year": self.year}
        return str(pgettext_lazy("period", "Tháng %(number)s/%(year)s")) % {"number": self.number, "year": self.year}

    @property
    def short_label(self) -> str:
        """Without the year, for chart axes within a year: "Q3", "H1", "T7"."""
        if self.is_year:
            return str(self.year)
        return {1: f"H{self.number}", 2: f"Q{self.number}", 3: f"T{self.number}"}[self.kind]

    # -- time -----------------------------------------------------------
    @property
    def first_day(self) -> date:
        if self.is_year:
            return date(self.year, 1, 1)
        return date(self.year, (self.number - 1) * 12 // _parts(self.kind) + 1, 1)

    @property
    def last_day(self) -> date:
        following = self.following()
        return date.fromordinal(following.first_day.toordinal() - 1)

    def previous(self) -> Period:
        """The period of the same length just before."""
        if self.is_year or self.number == 1:
            return Period(self.year - 1, self.kind * 100 + _parts(self.kind) if self.kind else YEAR_PART)
        return Period(self.year, self.part - 1)

    def following(self) -> Period:
        if self.is_year or self.number == _parts(self.kind):
            return Period(self.year + 1, self.kind * 100 + 1 if self.kind else YEAR_PART)
        return Period(self.year, self.part + 1)

    def a_year_earlier(self) -> Period:
        return Period(self.year - 1, self.part)

    def to_date(self) -> list[Period]:
        """The periods of its length from the year's start up to it, itself included (year-to-date)."""
        return [Period(self.year, self.kind * 100 + n) for n in range(1, self.number + 1)] if self.kind else [self]

    def parts(self, frequency: str) -> list[Period]:
        """The shorter periods of the frequency that make it up (all must be there to compute it)."""
        kind, count = _KIND[Frequency(frequency)]
        if kind <= self.kind:
            return [self]
        start = (self.first_day.month - 1) * count // 12
        length = count // (_parts(self.kind) if self.kind else 1)
        return [Period(self.year, kind * 100 + start + n) for n in range(1, length + 1)]


def _parts(kind: int) -> int:
    return {0: 1, 1: 2, 2: 4, 3: 12}[kind]


def parts_in_year(frequency: str) -> int:
    return _KIND[Frequency(frequency)][1]


def kind_of(frequency: str) -> int:
    return _KIND[Frequency(frequency)][0]


def parse_period(text: object, *, frequency: str | None = None) -> Period:
    """A period, checked against the indicator's (or report's) frequency when given."""
    period = Period.parse(text)
    if frequency is not None and period.frequency != frequency:
        raise PeriodError(_("Kỳ %(period)s không hợp với tần suất “%(frequency)s”: cần một kỳ như %(example)s.")
                          % {"period": period.code, "frequency": Frequency(frequency).label,
                             "example": Period.of(frequency, period.year).code})
    return period
