"""Generated YAML catalogues through catalogue_load_file (`manage.py
load_catalogue`, `load_demo`): a clear error listing the problems with the
database as it was, or a full load; never anything in between."""

import datetime
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from kpis.models import (
    DefinitionChange,
    Indicator,
    Milestone,
    OrgUnit,
    Sector,
    StaleMark,
    Target,
    ValidationRule,
)
from kpis.services.catalogue import SECTIONS, CatalogueError, catalogue_load_file
from tests.factories import put_values
from tests.fuzzing import fuzz_settings, rolled_back

SPECIAL = ["\x00", "\ufeff", "\u2028", "\r", '"', "'", ": ", "#", "\t", "&a", "*a", "!!python/object", "{", "["]
TEXT = st.text(st.characters(codec="utf-8"), max_size=10) | st.lists(
    st.sampled_from(SPECIAL) | st.sampled_from(["Hậu Giang", "a", " "]), max_size=4).map("".join)
# Anything YAML can hold, for a field that expects something else.
SCALAR = (TEXT | st.none() | st.booleans() | st.integers() | st.floats()
          | st.dates(datetime.date(1, 1, 1)) | st.just("x" * 1200))
ANY = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3)
                   | st.dictionaries(st.sampled_from(["code", "name", "x"]) | TEXT, inner, max_size=3), max_leaves=6)

UNITS = ["P", "P-D1", "P-D2", "N-1", "N-2"]  # N-* are new units
SECTORS = ["TELECOM", "POSTAL", "NEW_S"]
INDICATORS = ["BTS", "COVERAGE_PCT", "HAS_IOC", "BTS_DOUBLE", "POST_OFFICES", "NEW_A", "NEW_B"]
LEVELS = ["country", "province", "district", "commune"]
YEARS = st.integers(1990, 2100) | st.integers() | st.just(10**30)
OPERATORS = [">=", "<=", "="]
FORMULAS = ["BTS * 2", "NEW_A + 1", "NEW_B / BTS * 100", "BTS_DOUBLE + NEW_A", "(BTS", "BTS / 0", "NEW_A * NEW_A",
            "1e400", "9" * 400, "BTS +", "bts", ""]

# Valid values of each field, drawn most of the time; otherwise anything at all.
FIELDS = {
    "code": st.sampled_from(UNITS + SECTORS + INDICATORS + ["IOC_2021", "RULE_1"]),
    "name": TEXT.filter(str.strip), "name_en": TEXT, "note": TEXT, "description": TEXT, "source": TEXT,
    "level": st.sampled_from(LEVELS), "parent": st.sampled_from(UNITS),
    "valid_from": YEARS, "valid_to": YEARS, "successors": st.lists(st.sampled_from(UNITS), max_size=2),
    "position": st.integers(0, 100), "sector": st.sampled_from(SECTORS),
    "value_type": st.sampled_from(["integer", "decimal", "percent", "yes_no"]), "decimals": st.integers(0, 7),
    "direction": st.sampled_from(["higher", "lower"]),
    "aggregation": st.sampled_from(["sum", "average", "min", "max", "none", ""]),
    "formula": st.sampled_from(FORMULAS), "entry_levels": st.lists(st.sampled_from(LEVELS), max_size=3),
    "is_key": st.booleans(), "indicator": st.sampled_from(INDICATORS), "year": YEARS,
    "org_unit": st.sampled_from(UNITS), "operator": st.sampled_from(OPERATORS),
    "value": st.integers(0, 1000) | st.floats(allow_nan=True, allow_infinity=True) | st.just(10**30),
    "baseline_year": YEARS, "title": TEXT.filter(str.strip),
    "due": st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 12, 31)),
    "status": st.sampled_from(["not_started", "in_progress", "done", "cancelled"]),
    "completed_on": st.dates(), "evidence": TEXT,
    "left": st.sampled_from(FORMULAS), "right": st.sampled_from(FORMULAS), "message": TEXT.filter(str.strip),
    "is_active": st.booleans(),
}
SECTION_FIELDS = {
    "org_units": ["code", "name", "name_en", "level", "parent", "valid_from", "valid_to", "successors", "note"],
    "sectors": ["code", "name", "name_en", "description", "position"],
    "indicators": ["code", "name", "name_en", "sector", "unit", "value_type", "decimals", "direction",
                   "aggregation", "formula", "entry_levels", "source", "is_key", "position"],
    "definition_changes": ["indicator", "year", "description", "source"],
    "targets": ["indicator", "org_unit", "year", "operator", "value", "baseline_year", "source"],
    "milestones": ["code", "sector", "org_unit", "title", "due", "status", "completed_on", "evidence"],
    "validation_rules": ["code", "left", "operator", "right", "message", "is_active"],
}
FIELDS["unit"] = TEXT


@st.composite
def entries(draw, section: str) -> dict:
    names = draw(st.lists(st.sampled_from(SECTION_FIELDS[section]), unique=True, min_size=1))
    entry = {name: draw(ANY) if draw(st.integers(0, 9)) == 0 else draw(FIELDS[name]) for name in names}
    if draw(st.integers(0, 19)) == 0:
        entry[draw(TEXT)] = draw(ANY)  # a field that does not exist
    return entry


@st.composite
def catalogues(draw) -> dict:
    sections = draw(st.lists(st.sampled_from(SECTIONS), unique=True, max_size=4))
    document = {section: draw(st.lists(entries(section), max_size=3)) for section in sections}
    if draw(st.integers(0, 19)) == 0:
        document[draw(TEXT)] = draw(ANY)  # a section that does not exist
    return document


@st.composite
def yaml_texts(draw) -> str:
    """A generated catalogue written as YAML, now and then damaged by hand."""
    text = yaml.safe_dump(draw(catalogues()), allow_unicode=True, sort_keys=False,
                          default_flow_style=draw(st.sampled_from([False, None])))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        chunk = draw(st.sampled_from(["\t", ": ", "- ", "\n  ", "&x ", "*x", '"', "\x00", "{", "]"]) | TEXT)
        text = text[:at] + chunk + text[at + draw(st.integers(0, 3)):]
    return text


# Aliases: a structure that holds itself, and one that doubles at every level.
HOSTILE = [
    "org_units: &a [*a]\n",
    "org_units:\n  - &a {code: X1, name: A, level: province, note: *a}\n",
    "indicators:\n  - &a {code: NEW_A, name: A, sector: TELECOM, value_type: integer, aggregation: sum,"
    " entry_levels: &l [province, *l]}\n",
    "a: &a [x, x]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}]\n"
                               for i in range(24)),
    "sectors: [{code: S, name: \"a\\0b\"}]\n",
    "? [a, b]\n: 1\n",
    "org_units: !!python/object/apply:os.system [echo]\n",
]


def database_state() -> dict:
    state = {model.__name__: list(model.objects.order_by("pk").values())
             for model in (OrgUnit, Sector, Indicator, DefinitionChange, Target, Milestone, ValidationRule)}
    state["successors"] = sorted(OrgUnit.successors.through.objects.values_list("from_orgunit", "to_orgunit"))
    state["history"] = [model.history.count() for model in (Indicator, Target, Milestone)]
    state["stale"] = StaleMark.objects.count()
    return state



@pytest.fixture
def catalogue_world(world):
    put_values([(world.bts, world.province, 2020, 939)])  # BTS has figures: its sector and kind are fixed
    return world


def outcome(name: str) -> None:
    if currently_in_test_context():  # the statistics of a hypothesis run
        event(name)


def load(text: str) -> dict | None:
    """Load ``text``; None if refused, after checking the refusal left nothing behind."""
    before = database_state()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "danh_muc.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            counts = catalogue_load_file(path=path)
        except CatalogueError as error:
            outcome("refused")
            assert error.errors and all(isinstance(m, str) and m.strip() for m in error.errors), error.errors
            assert database_state() == before, "a refused catalogue changed the database"
            return None
    outcome("loaded")
    return counts


def assert_fully_loaded(document: dict, counts: dict) -> None:
    for section in SECTIONS:
        entries_ = document.get(section) or []
        assert sum(counts[section].values()) == len(entries_), (section, counts[section])
    for entry in document.get("org_units") or []:
        unit = OrgUnit.objects.get(code=entry["code"])
        assert unit.name == entry["name"] and unit.level == entry["level"]
    for entry in document.get("indicators") or []:
        indicator = Indicator.objects.get(code=entry["code"])
        assert indicator.name == entry["name"] and indicator.sector.code == entry["sector"]


@fuzz_settings(ci_examples=150)
@given(document=catalogues())
def test_generated_catalogues_load_fully_or_not_at_all(catalogue_world, document):
    with rolled_back():
        counts = load(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
        if counts is not None:
            assert_fully_loaded(document, counts)


@fuzz_settings(ci_examples=100)
@given(text=yaml_texts())
def test_damaged_yaml_is_refused_clearly_or_loaded(catalogue_world, text):
    with rolled_back():
        load(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_yaml_is_refused_clearly_or_loaded(catalogue_world, text):
    load(text)
