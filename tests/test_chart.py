"""bot/billing/chart.py: a PNG of use per period against the allowed use, off the event loop."""

from __future__ import annotations

import asyncio
import io
import threading
from decimal import Decimal

from matplotlib.image import imread

from bot.billing.chart import Labels, Point, chart_png, persian, render_png
from bot.billing.view import period_label
from bot.text.i18n import t

LABELS = Labels(t("chart.title"), t("chart.use"), t("chart.pattern"), t("chart.axis"))
POINTS = [Point(period_label(1403 + (i + 2) // 6, (i + 2) % 6 + 1), Decimal(20 + 3 * i),
                Decimal("36.6")) for i in range(12)]


def test_png_has_the_expected_size():
    png = render_png(POINTS, LABELS)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    height, width, _ = imread(io.BytesIO(png)).shape
    assert (width, height) == (800, 450)


def test_period_names_are_jalali_with_persian_digits():
    assert period_label(1404, 3) == "۱۴۰۴-۳"


def test_persian_is_shaped_and_right_to_left():
    shaped = persian("مصرف شما")
    assert shaped != "مصرف شما"
    assert "\ufeea" in shaped or "\ufee3" in shaped  # presentation forms (joined letters)
    assert shaped.split()[0] != persian("مصرف")  # visual order: the last word comes first


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
