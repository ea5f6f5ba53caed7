"""bot/billing/chart.py: a PNG of use per period against the allowed use, off the event loop."""

from __future__ import annotations

import asyncio
import io
import re
import threading
from decimal import Decimal

from matplotlib.image import imread

from bot.billing.chart import Labels, Point, build_figure, chart_png, render_png
from bot.billing.view import period_label
from bot.text.i18n import t

LABELS = Labels(t("chart.title"), t("chart.use"), t("chart.pattern"), t("chart.axis"),
                t("chart.current"))
POINTS = [Point(period_label(1403 + (i + 2) // 6, (i + 2) % 6 + 1), Decimal(20 + 3 * i),
                Decimal("36.6")) for i in range(12)]


def test_png_has_the_expected_size():
    png = render_png(POINTS, LABELS)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    height, width, _ = imread(io.BytesIO(png)).shape
    assert (width, height) == (800, 450)


def test_period_names_are_jalali_with_persian_digits():
    assert period_label(1404, 3) == "دوره ۳ - ۱۴۰۴"


def test_axes_have_persian_digits_only():
    """Issue 13, point 8: numbers on both axes in Persian digits."""
    points = [*POINTS, Point(t("chart.current_period", period=1, year=1406),
                             Decimal(9), Decimal(12), current=True)]
    figure = build_figure(points, LABELS)
    figure.canvas.draw()
    axes = figure.axes[0]
    shown = [tick.get_text() for tick in (*axes.get_xticklabels(), *axes.get_yticklabels())]
    assert len(shown) > 12 and all(text for text in shown)
    assert not [text for text in shown if re.search(r"[0-9]", text)], shown
    assert any("۱۴۰۵" in text for text in shown)
    hatched = [bar for bar in axes.patches if bar.get_hatch()]
    assert len(hatched) == 1 and hatched[0].get_height() == 9


def test_persian_is_given_to_matplotlib_as_it_is():
    """Matplotlib ≥ 3.11 joins the letters and orders right-to-left text itself: a string
    shaped or reversed beforehand would come out garbled."""
    figure = build_figure(POINTS, LABELS)
    axes = figure.axes[0]
    assert axes.get_title() == t("chart.title")
    assert [tick.get_text() for tick in axes.get_xticklabels()][-1] == "دوره ۲ - ۱۴۰۵"


async def test_render_runs_off_the_event_loop(monkeypatch):
    import bot.billing.chart as chart

    seen = []

    def spy(points, labels):
        seen.append(threading.get_ident())
        return render_png(points, labels)

    monkeypatch.setattr(chart, "render_png", spy)
    pngs = await asyncio.gather(*(chart_png(POINTS[:n], LABELS) for n in (1, 6, 12)))
    assert all(p.startswith(b"\x89PNG") for p in pngs)
    assert len(seen) == 3 and threading.get_ident() not in seen
