"""The usage dashboard's charts (QtCharts), drawn in the app's own quiet colours.

Each builder takes the usage service's values and returns a QChart; the numbers a chart holds
are floats because that is what QtCharts draws (money is exact everywhere else, and every
amount shown as text goes through format_usd).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QPieSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QCursor, QFont, QPainter, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from app.core.errors import HearthError
from app.core.money import format_usd
from app.providers.registry import get_provider
from app.services.usage import short_name
from app.store.usage import DayTotals, LocalVsCloud, ModelTotals, ProviderTotals
from app.ui.shell.theme import Theme

MAX_MODELS = 8
# Slices and bars beyond the accent: warm and calm, told apart in light and dark mode.
PALETTE_LIGHT = ("#C8602F", "#7A93AC", "#8BAA7E", "#D9A441", "#A37EB0", "#5E9E9A", "#B5846B")
PALETTE_DARK = ("#E07A4A", "#8FA9C2", "#9DC08F", "#E4B65A", "#B895C4", "#72B5B0", "#C89A82")
# On this computer / online: the where-badges' green and amber, softened for large areas.
SHARE_LIGHT = ("#6AAF7E", "#D9A441")
SHARE_DARK = ("#8BD3A0", "#E4B65A")


def palette(theme: Theme) -> Sequence[str]:
    return PALETTE_DARK if theme.dark else PALETTE_LIGHT


def provider_name(provider_id: str) -> str:
    if provider_id == "local":
        return "On this computer"
    try:
        return get_provider(provider_id).display_name
    except HearthError:
        return provider_id


def model_name(model_id: str) -> str:
    return short_name(model_id)


def day_labels(days: list[DayTotals]) -> list[str]:
    """The day of the month; unique across 30 days, as a category axis needs."""
    return [str(d.day.day) for d in days]


def day_text(day: DayTotals) -> str:
    """ "Mon 3 Nov" (strftime's %-d is not portable)."""
    return f"{day.day:%a} {day.day.day} {day.day:%b}"


# -- building blocks -----------------------------------------------------------------------------


def new_chart(theme: Theme, *, legend: bool = False) -> QChart:
    chart = QChart()
    chart.setBackgroundVisible(False)
    chart.setPlotAreaBackgroundVisible(False)
    chart.setMargins(QMargins(0, 0, 0, 0))
    chart.layout().setContentsMargins(0, 0, 0, 0)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setVisible(legend)
    chart.legend().setLabelColor(QColor(theme.muted))
    chart.legend().setFont(_small_font())
    return chart


def chart_view(chart: QChart, parent: QWidget | None = None, height: int = 220) -> QChartView:
    view = QChartView(chart, parent)
    view.setObjectName("usageChart")
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(height)
    view.setStyleSheet("background: transparent;")
    return view


def _small_font() -> QFont:
    font = QFont()
    font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
    return font


def _style_axis(axis, theme: Theme, *, grid: bool) -> None:
    axis.setLabelsColor(QColor(theme.muted))
    axis.setLabelsFont(_small_font())
    axis.setLinePen(QPen(QColor(theme.border)))
    axis.setGridLineVisible(grid)
    axis.setGridLinePen(QPen(QColor(theme.border), 1, Qt.PenStyle.DotLine))
    axis.setMinorGridLineVisible(False)


def money_axis(theme: Theme, highest: float) -> QValueAxis:
    axis = QValueAxis()
    top = highest if highest > 0 else 0.01
    axis.setRange(0, top * 1.1)
    axis.setTickCount(4)
    axis.applyNiceNumbers()  # $0.02 steps, not $0.0183
    step = axis.max() / max(axis.tickCount() - 1, 1)
    decimals = 0 if step >= 10 else 2 if step >= 0.01 else 3 if step >= 0.001 else 4
    axis.setLabelFormat(f"$%.{decimals}f")
    _style_axis(axis, theme, grid=True)
    return axis


def count_axis(theme: Theme, highest: float) -> QValueAxis:
    axis = QValueAxis()
    axis.setRange(0, max(highest, 10) * 1.1)
    axis.setTickCount(4)
    axis.applyNiceNumbers()
    axis.setLabelFormat("%.0f")
    _style_axis(axis, theme, grid=True)
    return axis


def category_axis(labels: list[str], theme: Theme) -> QBarCategoryAxis:
    axis = QBarCategoryAxis()
    axis.append(labels)
    _style_axis(axis, theme, grid=False)
    return axis


def _bar_set(label: str, values: list[float], colour: str) -> QBarSet:
    bars = QBarSet(label)
    bars.append(values)
    bars.setColor(QColor(colour))
    bars.setBorderColor(QColor(colour))
    return bars


def _tip_on_hover(bars: QBarSet, texts: list[str]) -> None:
    def hovered(inside: bool, index: int) -> None:
        if inside and 0 <= index < len(texts):
            QToolTip.showText(QCursor.pos(), texts[index])
        else:
            QToolTip.hideText()

    bars.hovered.connect(hovered)


# -- the charts ----------------------------------------------------------------------------------


def spend_per_day(days: list[DayTotals], theme: Theme) -> QChart:
    chart = new_chart(theme)
    values = [float(d.totals.cost_usd) for d in days]
    bars = _bar_set("Spent", values, theme.accent)
    _tip_on_hover(bars, [f"{day_text(d)}: {format_usd(d.totals.cost_usd)}" for d in days])
    series = QBarSeries()
    series.setBarWidth(0.7)
    series.append(bars)
    chart.addSeries(series)
    _attach(chart, series, category_axis(day_labels(days), theme), money_axis(theme, max(values)))
    return chart


def tokens_per_day(days: list[DayTotals], theme: Theme) -> QChart:
    chart = new_chart(theme, legend=True)
    ins = [float(d.totals.input_tokens) for d in days]
    outs = [float(d.totals.output_tokens) for d in days]
    series = QStackedBarSeries()
    series.setBarWidth(0.7)
    in_bars = _bar_set("Tokens in", ins, theme.chart_second)
    out_bars = _bar_set("Tokens out", outs, theme.accent)
    tips = [
        f"{day_text(d)}: {d.totals.input_tokens:,} in · {d.totals.output_tokens:,} out"
        for d in days
    ]
    _tip_on_hover(in_bars, tips)
    _tip_on_hover(out_bars, tips)
    series.append(in_bars)
    series.append(out_bars)
    chart.addSeries(series)
    highest = max((i + o for i, o in zip(ins, outs, strict=True)), default=0)
    _attach(chart, series, category_axis(day_labels(days), theme), count_axis(theme, highest))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
    return chart


def spend_by_model(models: list[ModelTotals], theme: Theme) -> QChart:
    """This month's spending per online model, most first (at the top)."""
    chart = new_chart(theme)
    shown = [m for m in models if m.totals.cost_usd > 0][:MAX_MODELS]
    shown.reverse()  # a horizontal bar chart draws its first category at the bottom
    values = [float(m.totals.cost_usd) for m in shown]
    bars = _bar_set("Spent", values, theme.accent)
    _tip_on_hover(bars, [f"{m.model_id}: {format_usd(m.totals.cost_usd)}" for m in shown])
    series = QHorizontalBarSeries()
    series.setBarWidth(0.6)
    series.append(bars)
    chart.addSeries(series)
    labels = [model_name(m.model_id) for m in shown]
    axis_y = category_axis(labels, theme)
    axis_x = money_axis(theme, max(values, default=0))
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_x)
    series.attachAxis(axis_y)
    return chart


def spend_by_provider(providers: list[ProviderTotals], theme: Theme) -> QChart:
    chart = new_chart(theme, legend=True)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    series = QPieSeries()
    series.setHoleSize(0.55)
    colours = palette(theme)
    for i, p in enumerate(x for x in providers if x.totals.cost_usd > 0):
        label = f"{provider_name(p.provider)}  {format_usd(p.totals.cost_usd)}"
        piece = series.append(label, float(p.totals.cost_usd))
        piece.setColor(QColor(colours[i % len(colours)]))
        piece.setBorderColor(QColor(theme.surface))
    chart.addSeries(series)
    return chart


def local_vs_online(split: LocalVsCloud, theme: Theme) -> QChart:
    """This month's replies: written on this computer (free) or sent to an online service."""
    chart = new_chart(theme, legend=True)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    series = QPieSeries()
    series.setHoleSize(0.55)
    here, online = SHARE_DARK if theme.dark else SHARE_LIGHT
    for label, replies, colour in (
        ("On this computer", split.local.replies, here),
        ("Online", split.cloud.replies, online),
    ):
        piece = series.append(f"{label}  {replies:,}", float(replies))
        piece.setColor(QColor(colour))
        piece.setBorderColor(QColor(theme.surface))
    chart.addSeries(series)
    return chart


def _attach(chart: QChart, series, axis_x, axis_y) -> None:
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_x)
    series.attachAxis(axis_y)
