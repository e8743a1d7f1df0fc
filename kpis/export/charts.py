"""Charts drawn on the server with matplotlib: SVG for the PDF (vector, sharp
in print) and PNG for the DOCX (Word cannot take SVG everywhere). Numbers on
axes and labels in the active language's format (9.391; 92,7).

matplotlib lays the text out with the report font's own metrics (the Tinos
files of fonts.py are registered with it). In the SVG the text stays text
("svg.fonttype": "none"): WeasyPrint draws it with the same embedded Tinos as
the body, so chart labels are selectable, searchable and identical on every
machine, and the SVG stays small (glyph outlines made WeasyPrint draw the
charts three to four times slower). In the PNG matplotlib draws the glyphs itself.

Only the object API (Figure, no pyplot): no global registry of figures to
leak memory in a long-lived worker. Fixed margins rather than a layout engine:
one drawing pass."""

import hashlib
import io
import threading
from decimal import Decimal

import matplotlib
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from kpis.export import fonts
from kpis.export.formatting import target_text
from kpis.export.selectors import TrendSeries, UnitComparison, unit_full_name
from kpis.formatting import figure, is_percent_unit, significant_decimals, unit_name
from kpis.rules import higher_is_better, indicator_is_level

VALUE_COLOUR = "#1f3b73"
TARGET_COLOUR = "#a11d21"
PARENT_COLOUR = "#555555"
TARGET_HORIZON = 6  # years: a nearer target year is drawn on the time axis
WIDTH_IN = 6.3  # the text width of an A4 page with the decree's margins (160 mm)
PNG_DPI = 200

_registered = threading.Lock()
_done = False


def _register_fonts() -> None:
    global _done
    with _registered:
        if not _done:
            for path in fonts.all_font_files():
                font_manager.fontManager.addfont(str(path))
            _done = True


def _style() -> dict:
    return {
        "font.family": [fonts.FAMILY, fonts.FALLBACK_FAMILY],  # per glyph: ≥ comes from the fallback
        "font.size": 9,
        "svg.fonttype": "none",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#444444",
        "axes.unicode_minus": True,
        "svg.hashsalt": "kpi-portal",  # stable ids: identical data gives identical files
        "path.simplify": True,
    }


def _axis_formatter(decimals: int) -> FuncFormatter:
    """Tick labels with as many decimals as the tick needs, at most the
    indicator's: 80 and 92,5, not 80,0."""
    def label(value: float, _pos) -> str:
        tick = Decimal(str(round(value, 6)))
        return figure(tick, min(decimals, significant_decimals(tick)))
    return FuncFormatter(label)


def _output(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":
        FigureCanvasSVG(fig)
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    else:
        FigureCanvasAgg(fig)
        fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _plot_values(ax, series: TrendSeries) -> None:
    """The line of figures. The reconstructed years come first (before the unit
    existed): their part of the line, up to the first real figure, is dashed with
    hollow points and its own legend entry, as on the dashboards' charts."""
    points = [(year, float(value)) for year, value in series.points]
    split = next((i for i, (year, _v) in enumerate(points) if year not in series.reconstructed_years), len(points))
    if split:
        dashed = points[:split + 1]
        ax.plot([y for y, _v in dashed], [v for _y, v in dashed], color=VALUE_COLOUR, linestyle=(0, (4, 2)),
                linewidth=1.5, marker="o", markevery=list(range(split)), markerfacecolor="white",
                markeredgecolor=VALUE_COLOUR, label=_("Số liệu dựng lại từ các đơn vị trước sáp nhập"))
    real = points[split:]
    if real:
        ax.plot([y for y, _v in real], [v for _y, v in real], color=VALUE_COLOUR, marker="o", linewidth=1.8,
                label=_("Thực hiện"))


def trend_chart(series: TrendSeries, *, fmt: str = "svg") -> bytes:
    """The indicator over the last years, with its target as a dashed line."""
    _register_fonts()
    indicator = series.indicator
    years = [year for year, _value in series.points]
    values = [value for _year, value in series.points]
    with matplotlib.rc_context(_style()):
        fig = Figure(figsize=(WIDTH_IN, 2.5))
        fig.subplots_adjust(left=0.1, right=0.98, top=0.93, bottom=0.12)  # fixed: one drawing pass
        ax = fig.add_subplot()
        _plot_values(ax, series)
        for year, value in series.points:
            ax.annotate(figure(value, indicator.decimals), (year, float(value)), textcoords="offset points",
                        xytext=(0, 6), ha="center", fontsize=8.5, color=VALUE_COLOUR)
        if series.target is not None:
            ax.axhline(float(series.target.value), color=TARGET_COLOUR, linestyle=(0, (5, 3)), linewidth=1.3,
                       label=_("Mục tiêu năm %(year)s: %(target)s") % {
                           "year": series.target.year, "target": target_text(indicator, series.target)})
        low, high = min(years), max(years)
        if series.target is not None and high < series.target.year <= high + TARGET_HORIZON:
            high = series.target.year  # show how far the target year is
            ax.plot([high], [float(series.target.value)], marker="D", markersize=6, linestyle="none",
                    markerfacecolor="white", markeredgecolor=TARGET_COLOUR)
        if low == high:
            low, high = low - 1, high + 1
        ax.set_xlim(low - 0.4, high + 0.4)
        ax.set_xticks(range(low, high + 1))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: str(int(value))))
        all_values = values + ([series.target.value] if series.target is not None else [])
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.yaxis.set_major_formatter(_axis_formatter(indicator.decimals))
        bottom, top = float(min(all_values)), float(max(all_values))
        pad = (top - bottom) * 0.25 or abs(top) * 0.1 or 1
        ax.set_ylim(min(0.0, bottom) if is_percent_unit(indicator.unit) else bottom - pad, top + pad)
        if unit_name(indicator):
            ax.set_ylabel(unit_name(indicator))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.legend(loc="lower right", frameon=False, fontsize=8.5)
        return _output(fig, fmt)


def comparison_chart(comparison: UnitComparison, *, fmt: str = "svg") -> bytes:
    """The units below compared on one indicator, with the overall level."""
    _register_fonts()
    indicator = comparison.indicator
    rows = sorted(comparison.values, key=lambda item: (item[1], item[0].code),
                  reverse=not higher_is_better(indicator.direction))
    names = [unit_full_name(unit) for unit, _value in rows]
    values = [float(value) for _unit, value in rows]
    with matplotlib.rc_context(_style()):
        height = 0.9 + 0.28 * len(rows)
        fig = Figure(figsize=(WIDTH_IN, height))
        label_in = 0.2 + max(len(name) for name in names) * 9 * 0.5 / 72  # about half an em per letter
        fig.subplots_adjust(left=min(0.45, label_in / WIDTH_IN), right=0.95, top=1 - 0.1 / height,
                            bottom=0.55 / height)
        ax = fig.add_subplot()
        bars = ax.barh(names, values, color=VALUE_COLOUR, height=0.6)
        for bar, (_unit, value) in zip(bars, rows, strict=False):
            ax.annotate(figure(value, indicator.decimals), (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                        textcoords="offset points", xytext=(3, 0), va="center", fontsize=8)
        # The parent's figure is a yardstick only for a level: a count grows with the unit's size.
        if comparison.parent_value is not None and indicator_is_level(indicator):
            ax.axvline(float(comparison.parent_value), color=PARENT_COLOUR, linestyle=(0, (4, 2)), linewidth=1.2,
                       label=_("Mức chung: %(value)s") % {"value": figure(comparison.parent_value,
                                                                         indicator.decimals)})
            ax.legend(loc="lower right", frameon=False, fontsize=8.5)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.xaxis.set_major_formatter(_axis_formatter(indicator.decimals))
        ax.set_xlim(0, max(values) * 1.15 or 1)
        if unit_name(indicator):
            ax.set_xlabel(unit_name(indicator))
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        return _output(fig, fmt)


CHART_VERSION = "1"  # bump when the drawing changes, so cached charts are not reused
CHART_CACHE_SECONDS = 7 * 24 * 3600


def _content_key(kind: str, data: TrendSeries | UnitComparison, fmt: str) -> str:
    """Everything a chart's drawing reads, so equal keys mean equal drawings:
    a change of figures, names, units or language gives another key, and the
    cache never needs invalidating."""
    indicator = data.indicator
    drawn = [kind, fmt, CHART_VERSION, get_language(), sorted(str(p) for p in fonts.all_font_files()),
             indicator.pk, indicator.name, indicator.name_en, indicator.unit, indicator.unit_en,
             indicator.decimals, indicator.value_type, indicator.direction]
    if isinstance(data, TrendSeries):
        target = data.target
        drawn += [[(year, str(value)) for year, value in data.points], sorted(data.reconstructed_years),
                  None if target is None else (target.operator, str(target.value), target.year)]
    else:
        drawn += [str(data.parent_value), [(unit_full_name(unit), str(value)) for unit, value in data.values]]
    return "chart:" + hashlib.sha256(repr(drawn).encode()).hexdigest()


def chart(kind: str, data: TrendSeries | UnitComparison, *, fmt: str = "svg") -> bytes:
    """The chart, drawn once for given content and kept in the cache: the
    same report asked again, or another report sharing a chart, skips
    matplotlib (about half a second a chart)."""
    key = _content_key(kind, data, fmt)
    drawing = cache.get(key)
    if drawing is None:
        drawing = trend_chart(data, fmt=fmt) if kind == "trend" else comparison_chart(data, fmt=fmt)
        cache.set(key, drawing, CHART_CACHE_SECONDS)
    return drawing
