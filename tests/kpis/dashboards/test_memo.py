"""Page parts kept per process until the data version changes (kpis.dashboards.memo)."""

from django.utils import translation

from kpis.aggregation.version import DataVersion
from kpis.dashboards import memo


def version(run_id: int) -> DataVersion:
    return DataVersion(run_id, None, False, (0, 0, 0, 0))


def test_a_part_is_built_once_per_data_version_and_language():
    built = []

    def build():
        built.append(translation.get_language())
        return f"part {len(built)}"

    assert memo.remembered("part", version(1), build) == "part 1"
    assert memo.remembered("part", version(1), build) == "part 1"
    with translation.override("en"):
        assert memo.remembered("part", version(1), build) == "part 2"
    assert memo.remembered("part", version(2), build) == "part 3"  # the data changed
    assert memo.remembered("part", version(2), build) == "part 3"
    assert len(built) == 3


def test_a_newer_version_drops_the_older_parts_and_nothing_is_kept_for_none():
    assert memo.remembered("a", version(1), lambda: "old") == "old"
    assert memo.remembered("b", version(2), lambda: "new") == "new"
    assert memo.remembered("a", version(2), lambda: "rebuilt") == "rebuilt"
    assert memo.remembered("none", version(2), lambda: None) is None
    assert memo.remembered("none", version(2), lambda: "now there") == "now there"
