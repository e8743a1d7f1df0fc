"""One write path for the catalogue, shared by the admin pages and the YAML
loader (kpis/services/catalogue.py).

A rule about one field of one object is the model's ``clean()``, so every
ModelForm and ``full_clean`` gets it. The rules here need the rest of the
database (the graph of formulas, the figures already entered, which formulas
and rules use a code); each refuses with a ValidationError keyed by field, so
the admin shows it on that field and the loader reports
``section[index] (code): field: message``. Both doors call the same
functions: the admin with the database as context, the loader with the
database plus the file being loaded."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kpis.aggregation import stale_mark
from kpis.formulas import FormulaError, check_formula, parse_formula, referenced_codes
from kpis.models import DataValue, Indicator, OrgUnit, Target, ValidationRule
from kpis.services.values import rule_check_formula

# Models whose change can change any aggregate (a tree, a formula, a target).
RECOMPUTED_AFTER = (OrgUnit, Indicator, Target)


@dataclass(frozen=True)
class FormulaGraph:
    """Every indicator code, and the codes each derived indicator's formula uses."""

    known_codes: frozenset[str]
    dependencies: Mapping[str, frozenset[str]]


def formula_references(text: str) -> frozenset[str] | None:
    """The codes a formula uses, or None if it does not parse (``clean()`` says why)."""
    try:
        return referenced_codes(parse_formula(text))
    except FormulaError:
        return None


def formula_graph_read() -> FormulaGraph:
    dependencies = {}
    for code, formula in Indicator.objects.exclude(formula="").values_list("code", "formula"):
        if (refs := formula_references(formula)) is not None:
            dependencies[code] = refs
    return FormulaGraph(frozenset(Indicator.objects.values_list("code", flat=True)), dependencies)


def _errors(errors: Mapping[str, list[str]]) -> None:
    if any(errors.values()):
        raise ValidationError({field: messages for field, messages in errors.items() if messages})


def indicator_check(*, indicator: Indicator, stored: Indicator | None, has_values: bool,
                    graph: FormulaGraph) -> None:
    """Refuse what the database triggers would refuse, a formula the graph
    cannot compute, and a new code that would break the formulas and rules
    using the old one. ``stored``: the indicator as it is in the database."""
    errors: dict[str, list[str]] = {"code": [], "sector": [], "formula": []}
    formula = indicator.formula if isinstance(indicator.formula, str) else ""
    if formula and formula_references(formula) is not None:
        try:
            # Its own code is known even before it is saved: referring to it is a self-reference.
            check_formula(formula, own_code=indicator.code, known_codes=graph.known_codes | {indicator.code},
                          dependencies=graph.dependencies)
        except FormulaError as error:
            errors["formula"].append(error.message)
    if stored is not None and has_values:
        if formula:
            errors["formula"].append(_("chỉ tiêu này đã có số liệu nhập nên không thể thành chỉ tiêu tính "
                                       "theo công thức; hãy tạo chỉ tiêu mới với mã khác."))
        if indicator.sector_id is not None and indicator.sector_id != stored.sector_id:
            errors["sector"].append(_("chỉ tiêu này đã có số liệu nhập trong báo cáo của lĩnh vực "
                                      "%(sector)s nên không thể chuyển sang lĩnh vực khác.")
                                    % {"sector": stored.sector.code})
    if stored is not None and indicator.code != stored.code and (users := indicator_users(code=stored.code)):
        errors["code"].append(_("mã %(code)s đang được dùng trong %(users)s; hãy sửa những chỗ đó trước khi "
                                "đổi mã.") % {"code": stored.code, "users": ", ".join(users)})
    _errors(errors)


def indicator_users(*, code: str) -> list[str]:
    """What refers to an indicator by its code: other formulas and rules."""
    users = []
    for other, formula in Indicator.objects.filter(formula__contains=code).exclude(code=code).values_list(
            "code", "formula"):
        if code in (formula_references(formula) or ()):
            users.append(_("công thức của %(code)s") % {"code": other})
    rules = ValidationRule.objects.filter(Q(left__contains=code) | Q(right__contains=code))
    for rule_code, left, right in rules.values_list("code", "left", "right"):
        if code in (formula_references(left) or ()) | (formula_references(right) or ()):
            users.append(_("quy tắc %(code)s") % {"code": rule_code})
    return users


def validation_rule_check(*, rule: ValidationRule, known_codes: Iterable[str]) -> None:
    """Both sides may only use indicators that exist."""
    known = set(known_codes)
    errors: dict[str, list[str]] = {"left": [], "right": []}
    for side in errors:
        text = getattr(rule, side)
        if not isinstance(text, str) or formula_references(text) is None:
            continue  # clean() has reported it
        try:
            rule_check_formula(text, known_codes=known)
        except FormulaError as error:
            errors[side].append(error.message)
    _errors(errors)


def catalogue_entry_check(*, entry: models.Model) -> None:
    """The rules beyond the entry's own fields, against the database."""
    if isinstance(entry, Indicator):
        stored = Indicator.objects.select_related("sector").filter(pk=entry.pk).first() if entry.pk else None
        has_values = stored is not None and DataValue.objects.filter(indicator_id=stored.pk).exists()
        indicator_check(indicator=entry, stored=stored, has_values=has_values, graph=formula_graph_read())
    elif isinstance(entry, ValidationRule):
        validation_rule_check(rule=entry, known_codes=Indicator.objects.values_list("code", flat=True))


@transaction.atomic
def catalogue_entry_save(*, entry: models.Model, reason: str = "") -> models.Model:
    """Check every rule (fields, then the database's) and save; a change that
    can move an aggregate marks them all for recomputing, in this transaction."""
    entry.full_clean()
    catalogue_entry_check(entry=entry)
    if reason:
        entry._change_reason = reason
    entry.save()
    if isinstance(entry, RECOMPUTED_AFTER):
        stale_mark(everything=True)
    return entry


def catalogue_entry_delete_check(*, entry: models.Model) -> None:
    if isinstance(entry, Indicator) and (users := indicator_users(code=entry.code)):
        raise ValidationError(_("Không thể xoá chỉ tiêu %(code)s: đang được dùng trong %(users)s.")
                              % {"code": entry.code, "users": ", ".join(users)})


@transaction.atomic
def catalogue_entry_delete(*, entry: models.Model) -> None:
    """Delete, unless formulas or rules still use it (the database's own
    PROTECT keys guard the figures)."""
    catalogue_entry_delete_check(entry=entry)
    entry.delete()
    if isinstance(entry, RECOMPUTED_AFTER):
        stale_mark(everything=True)
