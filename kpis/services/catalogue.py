"""Load the catalogue (org units, sectors, indicators, definition changes,
targets, milestones, validation rules) from YAML: an idempotent upsert by
natural key, all or nothing. The format is described in docs/formats.md.

Each entry describes its whole object: a field left out takes the model's
default, so deleting a line from the file clears that field on the next load.
Objects missing from the file are left alone (never deleted)."""

import copy
import difflib
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils.translation import gettext as _

from kpis.aggregation import stale_mark
from kpis.formulas import find_cycle
from kpis.models import (
    AuditAction,
    DataValue,
    DefinitionChange,
    Indicator,
    Milestone,
    OrgUnit,
    OrgUnitLevel,
    Sector,
    SectorVersion,
    Target,
    ValidationRule,
    ValueType,
    parent_cycle_message,
)
from kpis.numbers import NumberConvention, number_parse
from kpis.services.audit import audit_record
from kpis.services.catalogue_entries import (
    FormulaGraph,
    formula_references,
    indicator_check,
    validation_rule_check,
)

# Natural key of each section, in the order sections are loaded: a section
# only refers to the ones before it.
_KEYS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "org_units": (OrgUnit, ("code",)),
    "sectors": (Sector, ("code",)),
    "indicators": (Indicator, ("code",)),
    "definition_changes": (DefinitionChange, ("indicator", "year")),
    "targets": (Target, ("indicator", "org_unit", "year")),
    "milestones": (Milestone, ("code",)),
    "validation_rules": (ValidationRule, ("code",)),
}
SECTIONS = tuple(_KEYS)
# Keys of an entry that are not fields of its model: a sector's dated names (SectorVersion rows).
_EXTRA_KEYS = {"sectors": ("names",)}
_NAME_KEYS = ("from", "name", "name_en", "owner")
_SECTION_OF_MODEL = {OrgUnit: "org_units", Sector: "sectors", Indicator: "indicators"}
OUTCOMES = ("created", "updated", "unchanged")
_UNRESOLVED = object()  # a field whose value could not be used; its error is already recorded

Key = tuple[str, ...]
# Values quoted in messages are cut short: YAML aliases can make a list of millions.
_BRIEF = reprlib.Repr()
_BRIEF.maxlevel, _BRIEF.maxlist, _BRIEF.maxdict, _BRIEF.maxstring, _BRIEF.maxother = 2, 4, 4, 60, 60
# Most nodes a JSON field's value may have; also stops a structure that contains itself.
_JSON_MAX_NODES = 1000


class CatalogueError(Exception):
    """The catalogue was not loaded; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def _concrete_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _field_names(model: type[models.Model]) -> list[str]:
    return [field.name for field in _concrete_fields(model)] + [
        field.name for field in model._meta.many_to_many
    ]


def _snapshot(obj: models.Model) -> dict[str, object]:
    return {field.attname: getattr(obj, field.attname) for field in _concrete_fields(type(obj))}


def _key_of(obj: models.Model, key_fields: tuple[str, ...]) -> Key:
    parts = []
    for name in key_fields:
        value = getattr(obj, name)
        parts.append(value.code if isinstance(value, models.Model) else str(value))
    return tuple(parts)


@dataclass(frozen=True)
class _Entry:
    section: str
    index: int
    data: Mapping
    key: Key  # empty when the entry lacks its key fields

    @property
    def code(self) -> str:
        return self.key[0]


class _Loader:
    """One load: collects every error instead of stopping at the first, so a
    file is fixed in one round trip."""

    def __init__(self, lines: Mapping[tuple[str, int], int]) -> None:
        self.lines = lines
        self.errors: list[tuple[tuple[int, int], str]] = []
        self.outcomes: dict[tuple[str, int], str] = {}

    # -- errors ---------------------------------------------------------------

    def where(self, section: str, index: int, key: Key = ()) -> str:
        label = f"{section}[{index}]" + (f" ({', '.join(key)})" if key else "")
        line = self.lines.get((section, index))
        if line is None:
            return label
        return _("dòng %(line)d") % {"line": line} + ": " + label

    def error(self, entry: _Entry, field: str | None, message: str) -> None:
        self.error_at(entry.section, entry.index, entry.key, field, message)

    def error_at(self, section: str, index: int, key: Key, field: str | None, message: str) -> None:
        where = self.where(section, index, key)
        text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        self.errors.append(((SECTIONS.index(section), index), text))

    def error_top(self, message: str) -> None:
        self.errors.append(((-1, 0), message))

    def sorted_errors(self) -> list[str]:
        return [text for _key, text in sorted(self.errors, key=lambda item: item[0])]

    def validation_errors(self, entry: _Entry, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.error(entry, None, message)
            return
        for field, messages in error.message_dict.items():
            for message in messages:
                self.error(entry, None if field == NON_FIELD_ERRORS else field, message)

    # -- reading the structure -------------------------------------------------

    def sections(self, data: object) -> dict[str, list[_Entry]]:
        if not isinstance(data, Mapping):
            self.error_top(_("Tệp danh mục phải là một bảng gồm các khóa: %(keys)s.")
                           % {"keys": ", ".join(SECTIONS)})
            return {section: [] for section in SECTIONS}
        for name in data:
            if name not in SECTIONS:
                self.error_top(_("Khóa '%(key)s' ở cấp trên cùng không hợp lệ%(hint)s; các khóa hợp lệ: "
                                 "%(keys)s.") % {"key": name, "hint": _hint(str(name), SECTIONS),
                                                 "keys": ", ".join(SECTIONS)})
        return {section: self.entries(section, data.get(section)) for section in SECTIONS}

    def entries(self, section: str, items: object) -> list[_Entry]:
        if items is None:
            return []
        if not isinstance(items, list):
            self.error_top(_("%(section)s: phải là một danh sách, mỗi mục bắt đầu bằng '- '.")
                           % {"section": section})
            return []
        model, key_fields = _KEYS[section]
        allowed = _field_names(model) + list(_EXTRA_KEYS.get(section, ()))
        seen: dict[Key, _Entry] = {}
        result = []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                self.error_at(section, index, (), None,
                              _("mỗi mục phải là một bảng 'tên: giá trị', ví dụ {code: ..., name: ...}."))
                continue
            entry = _Entry(section, index, item, self.entry_key(section, index, item, key_fields))
            for name in item:
                if name not in allowed:
                    self.error(entry, str(name), _("trường không hợp lệ%(hint)s; các trường hợp lệ: %(fields)s.")
                               % {"hint": _hint(str(name), allowed), "fields": ", ".join(allowed)})
            if not entry.key:
                continue
            if entry.key in seen:
                other = seen[entry.key]
                self.error(entry, None, _("trùng với %(other)s.")
                           % {"other": self.where(section, other.index, other.key)})
                continue
            seen[entry.key] = entry
            result.append(entry)
        return result

    def entry_key(self, section: str, index: int, item: Mapping, key_fields: tuple[str, ...]) -> Key:
        key, ok = [], True
        for name in key_fields:
            value = item.get(name)
            if value is None or value == "":
                self.error_at(section, index, (), name, _("bắt buộc phải có."))
                ok = False
            elif name != "year" and not isinstance(value, str):
                # YAML reads 01 as 1 and yes as True: a code must be written as text.
                self.error_at(section, index, (), name,
                              _("%(value)r phải là một mã dạng chữ; hãy đặt nó trong dấu nháy, ví dụ \"%(value)s\".")
                              % {"value": _Brief(value)})
                ok = False
            else:
                key.append(str(value))
        return tuple(key) if ok else ()

    # -- loading ---------------------------------------------------------------

    def load(self, data: object) -> dict[str, dict[str, int]]:
        sections = self.sections(data)
        self.objects = {section: self.existing(section) for section in SECTIONS}
        self.declared = {section: {entry.key for entry in sections[section]} for section in SECTIONS}
        self.with_values = set(
            DataValue.objects.filter(indicator__code__in=[key[0] for key in self.declared["indicators"]])
            .values_list("indicator_id", flat=True).distinct()
        )
        self.org_units(sections["org_units"])
        for entry in sections["sectors"]:
            if self.upsert(entry) is not None:
                self.sector_names(entry)
        self.graph = self.formula_graph(sections["indicators"])
        for entry in sections["indicators"]:
            self.upsert(entry, check=self.indicator_check, defaults=_indicator_defaults)
        for section in ("definition_changes", "targets", "milestones"):
            for entry in sections[section]:
                self.upsert(entry)
        for entry in sections["validation_rules"]:
            self.upsert(entry, check=self.rule_check)
        return self.counts()

    def existing(self, section: str) -> dict[Key, models.Model]:
        model, key_fields = _KEYS[section]
        related = [name for name in key_fields if name in ("indicator", "org_unit")]
        return {_key_of(obj, key_fields): obj for obj in model.objects.select_related(*related)}

    def counts(self) -> dict[str, dict[str, int]]:
        counts = {section: dict.fromkeys(OUTCOMES, 0) for section in SECTIONS}
        for (section, _index), outcome in self.outcomes.items():
            counts[section][outcome] += 1
        return counts

    def resolve(self, entry: _Entry, name: str, model: type[models.Model], raw: object) -> object:
        """The object a reference (a code) in field ``name`` points to, or _UNRESOLVED."""
        section = _SECTION_OF_MODEL[model]
        if not isinstance(raw, str):
            self.error(entry, name, _("%(value)r phải là một mã dạng chữ.") % {"value": _Brief(raw)})
            return _UNRESOLVED
        if (target := self.objects[section].get((raw,))) is not None:
            return target
        if (raw,) not in self.declared[section]:
            self.error(entry, name, _("không có %(what)s mã '%(code)s' trong tệp hay trong cơ sở dữ liệu.")
                       % {"what": model._meta.verbose_name, "code": raw})
        # Declared in the file but not loadable: that entry's own error says why.
        return _UNRESOLVED

    def plain(self, entry: _Entry, field: models.Field, raw: object) -> object:
        # `valid_from: ""` is a field left blank: a number or date field must not
        # keep the empty text, which full_clean lets through to the constraint checks.
        if raw is None or (raw == "" and not isinstance(field, (models.CharField, models.TextField))):
            return field.get_default()
        if isinstance(raw, (list, dict)) and not isinstance(field, models.JSONField):
            self.error(entry, field.name, _("phải là một giá trị đơn, không phải danh sách hay bảng."))
            return _UNRESOLVED
        if isinstance(raw, (list, dict)) and not _json_small(raw):
            self.error(entry, field.name,
                       _("danh sách quá lớn, hoặc dùng lại chính nó qua tham chiếu YAML (& và *)."))
            return _UNRESOLVED
        if isinstance(raw, str) and "\x00" in raw:
            # PostgreSQL cannot store it; YAML writes it "\0" inside double quotes.
            self.error(entry, field.name, _("có ký tự NUL (\\0), không lưu được; hãy xóa nó."))
            return _UNRESOLVED
        if isinstance(raw, float) and isinstance(field, models.DecimalField):
            # Via the float's shortest repr: 92.7 must stay 92.7, not 92.700000000000003.
            return Decimal(repr(raw))
        if isinstance(field, models.DateField) and not isinstance(raw, date):
            try:
                return date.fromisoformat(str(raw))
            except ValueError:
                self.error(entry, field.name, _("'%(value)s' không phải là ngày dạng YYYY-MM-DD, ví dụ 2021-06-30.")
                           % {"value": raw})
                return _UNRESOLVED
        return raw

    def upsert(self, entry: _Entry, *, check: Callable | None = None, defaults: Callable | None = None,
               skip: frozenset[str] = frozenset()) -> models.Model | None:
        model, _key_fields = _KEYS[entry.section]
        existing = self.objects[entry.section].get(entry.key)
        # A copy, so that a rejected entry leaves the object others refer to untouched.
        obj = copy.copy(existing) if existing is not None else model()
        before = _snapshot(obj) if existing is not None else None
        excluded = set(skip)
        for field in _concrete_fields(model):
            if field.name in skip:
                continue
            raw = entry.data.get(field.name)
            if field.is_relation:
                value = None if raw is None else self.resolve(entry, field.name, field.related_model, raw)
            else:
                value = self.plain(entry, field, raw)
            if value is _UNRESOLVED:
                excluded.add(field.name)
            else:
                setattr(obj, field.name if field.is_relation else field.attname, value)
        if defaults is not None:
            defaults(entry, obj)
        valid = not excluded
        try:
            obj.full_clean(exclude=excluded)
        except ValidationError as error:
            self.validation_errors(entry, error)
            valid = False
        # Checked even when a field is wrong, so that every error shows in one go.
        if check is not None and not check(entry, obj, existing):
            valid = False
        if not valid:
            return None
        if before is not None and _snapshot(obj) == before:
            outcome = "unchanged"
        elif self.save(entry, obj):
            outcome = "created" if existing is None else "updated"
        else:
            return None
        self.outcomes[(entry.section, entry.index)] = outcome
        self.objects[entry.section][entry.key] = obj
        return obj

    def save(self, entry: _Entry, obj: models.Model) -> bool:
        obj._change_reason = _("Nạp danh mục")
        try:
            # A savepoint, so that a refusal by the database (a trigger) does not
            # abort the transaction and hide the errors of the later entries.
            with transaction.atomic():
                obj.save()
        except DatabaseError as error:
            self.error(entry, None, _("cơ sở dữ liệu từ chối: %(error)s") % {"error": error})
            return False
        return True

    # -- org units -------------------------------------------------------------

    def org_units(self, entries: list[_Entry]) -> None:
        by_code = {entry.code: entry for entry in entries}
        in_cycle = self.parent_cycles(by_code)
        for entry in _parents_first(by_code):
            self.upsert(entry, skip=frozenset({"parent"}) if entry.code in in_cycle else frozenset())
        for entry in entries:
            if (entry.section, entry.index) in self.outcomes:
                self.successors(entry)

    def parent_cycles(self, by_code: Mapping[str, _Entry]) -> set[str]:
        """Codes of the file's units whose parent chain loops; each is reported."""
        code_by_id = {obj.pk: code for (code,), obj in self.objects["org_units"].items()}
        graph: dict[str, set[str]] = {
            code: {code_by_id[obj.parent_id]} if obj.parent_id else set()
            for (code,), obj in self.objects["org_units"].items()
        }
        for code, entry in by_code.items():
            parent = entry.data.get("parent")
            graph[code] = {parent} if isinstance(parent, str) else set()
        in_cycle: set[str] = set()
        while cycle := find_cycle(graph):
            for code in dict.fromkeys(cycle):
                graph[code] = set()  # break it, then look for another
                if code in by_code:
                    in_cycle.add(code)
                    self.error(by_code[code], "parent", parent_cycle_message(cycle))
        return in_cycle

    def successors(self, entry: _Entry) -> None:
        obj = self.objects["org_units"][entry.key]
        raw = entry.data.get("successors") or []
        if not isinstance(raw, list) or not all(isinstance(code, str) for code in raw):
            self.error(entry, "successors", _("phải là danh sách mã đơn vị, ví dụ [HG-VT, HG-NB]."))
            return
        targets = [self.resolve(entry, "successors", OrgUnit, code) for code in raw]
        if any(target is _UNRESOLVED for target in targets):
            return
        outcome = self.outcomes[(entry.section, entry.index)]
        current = set() if outcome == "created" else set(obj.successors.values_list("code", flat=True))
        if current != set(raw):
            obj.successors.set(targets)
            if outcome == "unchanged":
                self.outcomes[(entry.section, entry.index)] = "updated"

    # -- sectors ---------------------------------------------------------------

    def sector_names(self, entry: _Entry) -> None:
        """The entry's ``names`` are all the sector's dated names: the file
        adds, changes and removes them (as a left-out field is cleared)."""
        versions = self.dated_names(entry, entry.data.get("names"))
        if versions is None:
            return
        sector = self.objects["sectors"][entry.key]
        stored = {(v.valid_from, v.name, v.name_en, v.owner_agency) for v in sector.versions.all()} \
            if sector.pk else set()
        wanted = {(v.valid_from, v.name, v.name_en, v.owner_agency) for v in versions}
        if stored == wanted:
            return
        sector.versions.all().delete()
        for version in versions:
            version.sector = sector
            version.save()
        if self.outcomes[(entry.section, entry.index)] == "unchanged":
            self.outcomes[(entry.section, entry.index)] = "updated"

    def dated_names(self, entry: _Entry, raw: object) -> list[SectorVersion] | None:
        """The ``names`` list as unsaved versions, or None after recording its
        errors. A name left out keeps the one before (an owner-only change)."""
        if raw is None:
            return []
        example = _("ví dụ [{from: 2025-03-01, name: ..., owner: ...}]")
        if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
            self.error(entry, "names", _("phải là danh sách tên theo ngày, %(example)s.") % {"example": example})
            return None
        items = []
        for number, item in enumerate(raw):
            unknown = [str(key) for key in item if key not in _NAME_KEYS]
            start = _date_or_none(item.get("from"))
            texts = [item.get(key) for key in ("name", "name_en", "owner")]
            if unknown or start is None or not all(text is None or isinstance(text, str) for text in texts):
                self.error(entry, f"names[{number}]", _("mỗi tên cần from (ngày YYYY-MM-DD); có thể có name, "
                                                        "name_en, owner (chữ); %(example)s.") % {"example": example})
                return None
            items.append((start, number, item))
        return self.versions_in_order(entry, sorted(items, key=lambda found: found[0]))

    def versions_in_order(self, entry: _Entry, items: list[tuple[date, int, Mapping]]) -> list[SectorVersion] | None:
        name, name_en = str(entry.data.get("name") or ""), str(entry.data.get("name_en") or "")
        versions = []
        for start, number, item in items:
            if versions and versions[-1].valid_from == start:
                self.error(entry, f"names[{number}]", _("hai tên cùng bắt đầu từ %(date)s.") % {"date": start})
                return None
            name = (item.get("name") or name).strip()
            name_en = (item.get("name_en") or name_en).strip()
            versions.append(SectorVersion(valid_from=start, name=name, name_en=name_en,
                                          owner_agency=(item.get("owner") or "").strip()))
        return versions

    # -- indicators and rules --------------------------------------------------

    def indicator_check(self, entry: _Entry, obj: Indicator, existing: Indicator | None) -> bool:
        """The admin's rules (kpis/services/catalogue_entries.py), with the
        file's indicators already part of the formula graph."""
        has_values = existing is not None and existing.pk in self.with_values
        try:
            indicator_check(indicator=obj, stored=existing, has_values=has_values, graph=self.graph)
        except ValidationError as error:
            self.validation_errors(entry, error)
            return False
        return True

    def formula_graph(self, entries: list[_Entry]) -> FormulaGraph:
        """The formulas as they will be once the file is loaded, so that an
        indicator may use one defined further down the file."""
        dependencies: dict[str, frozenset[str]] = {}
        for (code,), indicator in self.objects["indicators"].items():
            if indicator.formula and (refs := formula_references(indicator.formula)) is not None:
                dependencies[code] = refs
        for entry in entries:
            text = entry.data.get("formula")
            refs = formula_references(str(text)) if text else None
            if refs is None:
                dependencies.pop(entry.code, None)
            else:
                dependencies[entry.code] = refs
        return FormulaGraph(frozenset(self.indicator_codes()), dependencies)

    def indicator_codes(self) -> set[str]:
        return {key[0] for key in self.objects["indicators"]} | {key[0] for key in self.declared["indicators"]}

    def rule_check(self, entry: _Entry, obj: ValidationRule, existing: ValidationRule | None) -> bool:
        try:
            validation_rule_check(rule=obj, known_codes=self.indicator_codes())
        except ValidationError as error:
            self.validation_errors(entry, error)
            return False
        return True


class _Brief:
    """A value quoted in a message, as repr() shows it but cut short."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        return _BRIEF.repr(self.value)

    __str__ = __repr__


def _json_small(value: object) -> bool:
    """Whether ``value`` has at most _JSON_MAX_NODES nodes and none of them
    twice: YAML aliases can build cycles or trees of exponential size."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, dict)):
            if id(node) in seen or len(seen) >= _JSON_MAX_NODES:
                return False
            seen.add(id(node))
            stack.extend(node.values() if isinstance(node, dict) else node)
    return True


_DECIMALS_BY_TYPE = {ValueType.INTEGER: 0, ValueType.YES_NO: 0, ValueType.PERCENT: 1, ValueType.DECIMAL: 2}


def _indicator_defaults(entry: _Entry, indicator: Indicator) -> None:
    """The catalogue defaults of DESIGN.md: an entered indicator written
    without ``entry_levels`` is entered at every level (stored as the full
    list, so that every reader of entry_levels needs no special case), and
    ``decimals`` follows the value type when not written."""
    if entry.data.get("entry_levels") in (None, "") and not entry.data.get("formula"):
        indicator.entry_levels = list(OrgUnitLevel.values)
    if entry.data.get("decimals") in (None, "") and indicator.value_type in _DECIMALS_BY_TYPE:
        indicator.decimals = _DECIMALS_BY_TYPE[indicator.value_type]


def _date_or_none(raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None


def _hint(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return _(" (có phải '%(name)s'?)") % {"name": close[0]} if close else ""


def _parents_first(by_code: Mapping[str, _Entry]) -> list[_Entry]:
    """The file's units ordered so that a parent comes before its children."""
    placed: set[str] = set()
    order: list[_Entry] = []
    for start in by_code:
        chain, code = [], start
        while code in by_code and code not in placed:
            placed.add(code)
            chain.append(by_code[code])
            parent = by_code[code].data.get("parent")
            code = parent if isinstance(parent, str) else None
        order.extend(reversed(chain))
    return order


@transaction.atomic
def _catalogue_apply(data: object, lines: Mapping[tuple[str, int], int], *, source: str,
                     run_by: str) -> dict[str, dict[str, int]]:
    loader = _Loader(lines)
    counts = loader.load(data)
    if loader.errors:
        # Raising inside the atomic block rolls back what the valid entries wrote.
        raise CatalogueError(loader.sorted_errors())
    if any(section["created"] or section["updated"] for section in counts.values()):
        stale_mark(everything=True)  # formulas, trees or targets may have changed
    audit_record(action=AuditAction.CATALOGUE_CHANGED, detail=_catalogue_summary(counts, source, run_by))
    return counts


def _catalogue_summary(counts: Mapping[str, Mapping[str, int]], source: str, run_by: str) -> str:
    lines = [_("Nạp danh mục từ %(source)s") % {"source": source or _("dữ liệu truyền vào")}]
    if run_by:
        lines.append(_("Tài khoản máy chủ chạy lệnh: %(account)s") % {"account": run_by})
    lines += [_("%(section)s: tạo mới %(created)d, cập nhật %(updated)d, không đổi %(unchanged)d")
              % {"section": section, **outcome} for section, outcome in counts.items()]
    return "\n".join(lines)


def catalogue_load(*, data: Mapping, run_by: str = "") -> dict[str, dict[str, int]]:
    """Create or update the catalogue described by ``data`` (the YAML structure)
    in one transaction, recording one audit event with the counts (``run_by``:
    the server account that ran a command, if any). Returns {section:
    {"created": n, "updated": n, "unchanged": n}}; raises CatalogueError
    listing every problem, with the database left as it was."""
    return _catalogue_apply(data, {}, source="", run_by=run_by)


def catalogue_load_file(*, path: str | Path, run_by: str = "") -> dict[str, dict[str, int]]:
    """Same as catalogue_load, from a UTF-8 YAML file; errors name the line."""
    data, lines = _read_yaml(Path(path))
    return _catalogue_apply(data, lines, source=str(path), run_by=run_by)


def _read_yaml(path: Path) -> tuple[object, dict[tuple[str, int], int]]:
    limit = settings.CATALOGUE_MAX_MB * 1024 * 1024
    try:
        with path.open("rb") as file:
            raw = file.read(limit + 1)  # never more than the limit in memory
    except OSError as error:
        raise CatalogueError([_("Không đọc được tệp %(path)s: %(error)s.")
                              % {"path": path, "error": error.strerror or error}]) from None
    if len(raw) > limit:
        raise CatalogueError([_("Tệp %(path)s lớn hơn %(limit)d MB, giới hạn của một tệp danh mục "
                                "(CATALOGUE_MAX_MB); hãy chia thành nhiều tệp.")
                              % {"path": path, "limit": settings.CATALOGUE_MAX_MB}])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CatalogueError([_("Tệp %(path)s không phải UTF-8 (ký tự không hợp lệ ở dòng %(line)d); "
                                "hãy lưu lại với bảng mã UTF-8.") % {"path": path, "line": line}]) from None
    try:
        loader = _CatalogueYamlLoader(text, aliased_characters_limit=limit)
    except yaml.reader.ReaderError as error:
        # Raised for the whole text up front: a control character YAML does not allow.
        line = text[: error.position].count("\n") + 1
        raise CatalogueError([_("dòng %(line)d: YAML không cho phép ký tự điều khiển U+%(code)04X; hãy xóa nó.")
                              % {"line": line, "code": error.character}]) from None
    try:
        node = loader.get_single_node()
        duplicates = _duplicate_keys(node)
        if duplicates:
            raise CatalogueError(duplicates)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        raise CatalogueError([_yaml_message(error)]) from None
    except yaml.YAMLError as error:
        raise CatalogueError([_("Lỗi cú pháp YAML: %(problem)s") % {"problem": error}]) from None
    finally:
        loader.dispose()
    return data, _entry_lines(node)


class _CatalogueYamlLoader(yaml.SafeLoader):
    """YAML as the catalogue needs it, with a size known before anything is built.

    An alias may repeat a text or a number (``source: *decree``), never a list
    or a mapping: aliases of collections nest, and ten lines of them expand to
    a billion entries (the "billion laughs"), or refer to themselves. The
    characters all aliases repeat are counted against the file-size limit, so
    the expanded document is at most twice that limit; nesting is bounded
    because the composer recurses once per level."""

    MAX_DEPTH = 20  # the catalogue needs five levels

    def __init__(self, text: str, *, aliased_characters_limit: int) -> None:
        super().__init__(text)
        self._depth = 0
        self._aliased_characters = 0
        self._aliased_characters_limit = aliased_characters_limit

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._count_alias(self.peek_event())
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > self.MAX_DEPTH:
                raise CatalogueError([_("dòng %(line)d: YAML lồng quá %(depth)d cấp; tệp danh mục không "
                                        "cần nhiều cấp như vậy.") % {"line": self._line(self.peek_event()),
                                                                     "depth": self.MAX_DEPTH}])
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _count_alias(self, event: yaml.AliasEvent) -> None:
        node = self.anchors.get(event.anchor)
        if node is None:
            return  # the composer reports the undefined alias itself
        if not isinstance(node, yaml.ScalarNode):
            raise CatalogueError([_("dòng %(line)d: bí danh *%(alias)s trỏ tới một danh sách hoặc một bảng; "
                                    "trong tệp danh mục bí danh (&tên, *tên) chỉ được lặp lại một giá trị "
                                    "chữ hoặc số.") % {"line": self._line(event), "alias": event.anchor}])
        self._aliased_characters += len(node.value)
        if self._aliased_characters > self._aliased_characters_limit:
            raise CatalogueError([_("dòng %(line)d: các bí danh (*tên) lặp lại quá nhiều chữ, hơn cả giới hạn "
                                    "kích thước tệp danh mục.") % {"line": self._line(event)}])

    @staticmethod
    def _line(event: yaml.Event) -> int:
        return event.start_mark.line + 1

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        """YAML reads ``value: 733.000`` as 733: the number rule of every file
        door (kpis/numbers.py, point convention) refuses it with both readings."""
        try:
            number_parse(text=node.value, convention=NumberConvention.POINT)
        except ValidationError as error:
            if error.code == "ambiguous":  # YAML's own forms (1e5, .inf, 1_000.5) stay YAML's business
                raise CatalogueError([_("dòng %(line)d: %(message)s") % {
                    "line": node.start_mark.line + 1, "message": error.messages[0]}]) from None
        return super().construct_yaml_float(node)


_CatalogueYamlLoader.add_constructor("tag:yaml.org,2002:float", _CatalogueYamlLoader.construct_yaml_float)


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    problem = " ".join(part for part in (error.context, error.problem) if part)
    if mark is None:
        return _("Lỗi cú pháp YAML: %(problem)s.") % {"problem": problem}
    return _("Lỗi cú pháp YAML ở dòng %(line)d, cột %(column)d: %(problem)s. Hãy kiểm tra thụt lề và đặt "
             "trong dấu nháy những giá trị bắt đầu bằng > < = : # hoặc có dấu ': '.") % {
        "line": mark.line + 1, "column": mark.column + 1, "problem": problem}


def _duplicate_keys(node: yaml.Node | None) -> list[str]:
    """A key written twice in one mapping: YAML silently keeps the last one,
    which would hide a typo or a copy-paste slip."""
    errors: list[tuple[int, str]] = []
    stack = [node] if node is not None else []
    # An alias makes the node tree a graph, possibly with cycles (&a [*a]) or
    # exponentially many paths (nested aliases): visit each node once.
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode):
                    line = key_node.start_mark.line + 1
                    if key_node.value in first_line:
                        errors.append((line, _("dòng %(line)d: khóa '%(key)s' bị lặp lại (đã có ở dòng "
                                               "%(first)d).") % {"line": line, "key": key_node.value,
                                                                 "first": first_line[key_node.value]}))
                    first_line.setdefault(key_node.value, line)
                stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return [message for _line, message in sorted(errors)]


def _entry_lines(node: yaml.Node | None) -> dict[tuple[str, int], int]:
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and isinstance(value_node, yaml.SequenceNode):
                for index, item in enumerate(value_node.value):
                    lines[(key_node.value, index)] = item.start_mark.line + 1
    return lines
