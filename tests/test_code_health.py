"""Functions that fit in a head: none of kpis/ or portal/ (migrations aside,
they are generated) may go above radon's grade C, a cyclomatic complexity of
20. A function that does several jobs is split along them instead."""

from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kpis", "portal")
MAX_COMPLEXITY = 20  # the top of radon's grade C


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def _too_complex(path: Path) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{block.lineno} {block.fullname} ({block.complexity})"
            for block in cc_visit(path.read_text(encoding="utf-8"))
            if isinstance(block, Function) and block.complexity > MAX_COMPLEXITY]


def test_the_check_reads_every_module():
    paths = [path.relative_to(ROOT).as_posix() for path in _sources()]
    assert "kpis/export/selectors.py" in paths and "portal/settings.py" in paths
    assert not any("/migrations/" in path for path in paths)


def test_no_function_is_above_grade_c():
    found = [line for path in _sources() for line in _too_complex(path)]
    assert not found, "Split these functions along their jobs (radon cc -s -n D kpis portal):\n" + "\n".join(found)
