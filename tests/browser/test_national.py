"""The national view in a real Chromium: a merged province's reconstructed
past drawn dashed with its own legend entry, accessible and within the CSP."""

import pytest

from tests.factories import make_nation

pytestmark = pytest.mark.browser


def test_the_national_trend_draws_the_reconstructed_past_differently_with_a_legend(demo, page):
    make_nation()
    response = page.goto(page.base + "/national/?indicator=BTS&unit=AB")
    page.wait_for_selector("#trend-chart[data-chart-ready=true]")
    page.wait_for_selector("#bar-chart[data-chart-ready=true]")
    drawn = page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById('trend-chart'));
        const line = chart.data.datasets[0];
        const segments = chart.getDatasetMeta(0).dataset;
        return {values: line.data, points: line.pointStyle,
                legend: chart.legend.legendItems.map(item => [item.text, item.pointStyle]),
                dashed: line.segment.borderDash({p0DataIndex: 0, p1DataIndex: 1}),
                bars: Chart.getChart(document.getElementById('bar-chart')).data.labels};
    }""")
    assert drawn["values"] == [150, 200] and drawn["points"] == ["triangle", "circle"]
    assert drawn["dashed"] == [6, 4]
    # The legend's keys are point styles: the hollow triangle of the reconstructed points has its own entry.
    assert drawn["legend"] == [["Tỉnh An Bình", "circle"],
                               ["Dựng lại từ các đơn vị trước sáp nhập (nét đứt)", "triangle"]]
    assert drawn["bars"] == ["Tỉnh An Bình", "Tỉnh Cường", "Tỉnh Dương Em"]
    assert "unsafe-inline" not in response.headers.get("content-security-policy", "")
    assert page.evaluate("window.__cspViolations") == [] and page.problems == []

    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")] == []
    page.screenshot(path="/tmp/national-page.png", full_page=True)
