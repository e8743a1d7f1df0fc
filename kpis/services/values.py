"""Checks every entered figure goes through, whatever the door (admin, import,
API): the indicator's value type and range, and the cross-indicator rules that
are kept as data (ValidationRule)."""

import logging
import operator as op
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kpis.formulas import Expr, FormulaError, evaluate, parse_formula, referenced_codes
from kpis.models import ComparisonOperator, DataValue, Indicator, OrgUnit, ValidationRule, ValueType
from kpis.numbers import NumberConvention, number_parse
from kpis.periods import YEAR_PART, Period, PeriodError, parse_period

_COMPARE = {
    ComparisonOperator.GTE: op.ge,
    ComparisonOperator.LTE: op.le,
    ComparisonOperator.EQ: op.eq,
}
_MAX_ABS = Decimal("1e14")
logger = logging.getLogger(__name__)  # what DecimalField(max_digits=20, decimal_places=6) holds


def value_check(*, indicator: Indicator, value: Decimal) -> Decimal:
    """Return ``value`` if ``indicator`` accepts it, else raise ValidationError
    with a message that names the indicator."""
    name = indicator.name
    if not value.is_finite() or abs(value) >= _MAX_ABS:
        raise ValidationError(_("%(name)s: giá trị quá lớn.") % {"name": name}, code="too_large")
    if value < 0:
        raise ValidationError(
            _("%(name)s: giá trị không được âm.") % {"name": name}, code="negative"
        )
    if indicator.value_type == ValueType.YES_NO and value not in (0, 1):
        raise ValidationError(
            _("%(name)s: chỉ nhận Có (1) hoặc Không (0).") % {"name": name}, code="yes_no"
        )
    if indicator.value_type == ValueType.INTEGER and value != value.to_integral_value():
        raise ValidationError(
            _("%(name)s: phải là số nguyên.") % {"name": name}, code="not_integer"
        )
    if indicator.value_type == ValueType.PERCENT and value > 100:
        raise ValidationError(
            _("%(name)s: tỷ lệ phần trăm phải từ 0 đến 100.") % {"name": name},
            code="percent_range",
        )
    if value != value.quantize(Decimal(1).scaleb(-indicator.decimals), rounding="ROUND_DOWN"):
        raise ValidationError(
            _("%(name)s: tối đa %(decimals)d chữ số thập phân.")
            % {"name": name, "decimals": indicator.decimals},
            code="too_many_decimals",
        )
    return value


def period_check(*, indicator: Indicator, period: Period | str | int) -> Period:
    """The period a figure of ``indicator`` is for, checked against the
    indicator's frequency: the one rule every door applies (a quarterly
    indicator takes 2025-Q3, a yearly one 2025). Raises ValidationError whose
    message names the indicator and what period it takes."""
    try:
        return parse_period(period.code if isinstance(period, Period) else period, frequency=indicator.frequency)
    except PeriodError as error:
        raise ValidationError(_("%(name)s: %(message)s") % {"name": indicator.name, "message": error},
                              code="period") from None


_YES_NO_WORDS = {"1": 1, "0": 0, "có": 1, "không": 0, "yes": 1, "no": 0, "true": 1, "false": 0}


def value_parse(*, indicator: Indicator, cell: str | int | float | Decimal,
                convention: NumberConvention) -> Decimal:
    """The figure a file cell holds for ``indicator``, checked: the one reader
    of numbers in files (CSV of either separator, workbook cells). Text goes
    through the number rules of kpis/numbers.py in ``convention``; yes/no
    indicators also take có/không, yes/no, true/false. A cell that a workbook
    already stores as a number is taken as it is."""
    if isinstance(cell, bool):
        value = Decimal(int(cell))
    elif isinstance(cell, (int, Decimal)):
        value = Decimal(cell)
    elif isinstance(cell, float):
        # Via the float's shortest repr: 92.7 must stay 92.7, not 92.700000000000003.
        value = Decimal(repr(cell))
    else:
        cleaned = cell.strip()
        if indicator.value_type == ValueType.YES_NO and cleaned.lower() in _YES_NO_WORDS:
            return Decimal(_YES_NO_WORDS[cleaned.lower()])
        value = number_parse(text=cleaned, convention=convention)
    return value_check(indicator=indicator, value=value)


@dataclass(frozen=True)
class ActiveRule:
    rule: ValidationRule
    left: Expr
    right: Expr
    left_codes: frozenset[str]
    right_codes: frozenset[str]
    codes: frozenset[str]


@dataclass(frozen=True)
class RuleViolation:
    rule: ValidationRule
    left: Decimal
    right: Decimal
    codes: frozenset[str]
    left_codes: frozenset[str]
    right_codes: frozenset[str] = frozenset()
    # Codes whose figures the reader may not see (another sector's draft):
    # a side that reads one of them shows a neutral word instead of its number.
    hidden_codes: frozenset[str] = frozenset()

    @property
    def message(self) -> str:
        text = self.rule.message
        if translation.get_language() == "en" and self.rule.message_en:
            text = self.rule.message_en
        return "%s (%s %s %s)" % (
            text, self._side(self.left, self.left_codes), self.rule.get_operator_display(),
            self._side(self.right, self.right_codes),
        )

    def _side(self, figure: Decimal, codes: frozenset[str]) -> str:
        if codes & self.hidden_codes:
            return _("số liệu không được xem")
        return number_format(figure, use_l10n=True, force_grouping=True)


def rule_check_formula(text: str, *, known_codes: set[str]) -> None:
    """Raise FormulaError if a rule side does not parse or names unknown codes."""
    unknown = referenced_codes(parse_formula(text)) - known_codes
    if unknown:
        raise FormulaError(
            _("Mã chỉ tiêu không tồn tại: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}, None
        )


def rules_active() -> list[ActiveRule]:
    """The active rules, parsed once (one query). Rules are checked when saved;
    one that no longer parses is skipped and logged rather than blocking entry."""
    active = []
    for rule in ValidationRule.objects.filter(is_active=True):
        try:
            left, right = parse_formula(rule.left), parse_formula(rule.right)
        except FormulaError:
            logger.error("Validation rule %s does not parse; it is not applied.", rule.code)
            continue
        left_codes, right_codes = referenced_codes(left), referenced_codes(right)
        active.append(ActiveRule(rule=rule, left=left, right=right, left_codes=left_codes,
                                 right_codes=right_codes, codes=left_codes | right_codes))
    return active


def rules_check(values: Mapping[str, Decimal | None], *, rules: list[ActiveRule] | None = None,
                hidden_codes: frozenset[str] = frozenset()) -> list[RuleViolation]:
    """The rules broken by one org unit's figures for one year. A rule whose
    side lacks a figure is not applied: it is checked once both exist. The
    figures of ``hidden_codes`` count but never appear in a message."""
    violations = []
    for active in rules_active() if rules is None else rules:
        left, right = evaluate(active.left, values), evaluate(active.right, values)
        if left is None or right is None:
            continue
        if not _COMPARE[active.rule.operator](left, right):
            violations.append(RuleViolation(rule=active.rule, left=left, right=right, codes=active.codes,
                                            left_codes=active.left_codes, right_codes=active.right_codes,
                                            hidden_codes=hidden_codes))
    return violations


def org_unit_year_figures(*, org_unit: OrgUnit, year: int, period: int = YEAR_PART) -> dict[str, tuple[Decimal, int]]:
    """Every entered figure of one unit and period (the year by default), across
    sectors, by code: (value, id of its report). Rules compare figures of one period."""
    return {code: (value, report_id) for code, value, report_id in DataValue.objects.filter(
        org_unit=org_unit, year=year, period=period).values_list("indicator__code", "value", "report_id")}
