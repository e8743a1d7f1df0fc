"""Every package the code imports is declared, runtime and test-only packages apart."""
import ast
import importlib.metadata
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = {"kpis", "portal", "tests", "bench"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(path: Path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(_canonical(re.split(r"[\[=<>~! ;]", line, maxsplit=1)[0]))
    return names


def _imported_modules(*folders: str) -> dict[str, Path]:
    """Top-level module name → one file importing it (imports inside functions included)."""
    found = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    found.setdefault(module.split(".")[0], path.relative_to(ROOT))
    return {name: path for name, path in found.items()
            if name not in sys.stdlib_module_names and name not in LOCAL}


def _undeclared(modules: dict[str, Path], declared: set[str]) -> list[str]:
    distributions = importlib.metadata.packages_distributions()
    problems = []
    for module, path in sorted(modules.items()):
        providers = {_canonical(name) for name in distributions.get(module, [])}
        if not providers:
            problems.append(f"{module} (imported in {path}) is not installed by any distribution")
        elif not providers & declared:
            problems.append(f"{module} (imported in {path}) comes from {sorted(providers)}, not declared")
    return problems


def test_every_import_of_the_portal_is_a_runtime_requirement():
    runtime = _declared(ROOT / "requirements.txt")
    assert _undeclared(_imported_modules("kpis", "portal"), runtime) == []


def test_every_import_of_the_tests_is_declared():
    declared = _declared(ROOT / "requirements.txt") | _declared(ROOT / "requirements-test.txt")
    assert _undeclared(_imported_modules("tests"), declared) == []


def test_test_only_packages_stay_out_of_the_runtime_requirements():
    runtime = _declared(ROOT / "requirements.txt")
    test_only = _declared(ROOT / "requirements-test.txt")
    assert {"pytest", "pytest-django", "hypothesis", "factory-boy", "playwright"} <= test_only
    assert runtime & test_only == set()
