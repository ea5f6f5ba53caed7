"""The consumption chart: use per period against the allowed use, as a PNG.

Axes and labels are in Persian with Persian digits («دوره ۵ - ۱۴۰۵»). After the billed
periods comes the current one when the subscriber declared a reading since the last bill:
its use so far, against the use allowed for the same number of days (not for a whole
period), drawn hatched.

Matplotlib's object API on the Agg canvas (no pyplot, no global state), so renders can run in
worker threads (`asyncio.to_thread`) without blocking the event loop. Matplotlib 3.11 lays
out complex text itself (joined letters, right-to-left order), so Persian strings are given
as they are: shaping or reordering them beforehand (arabic_reshaper, python-bidi, needed by
older versions) now garbles them. DejaVu Sans (shipped with matplotlib) has the glyphs.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter

from bot.billing.meter_check import estimate
from bot.store.models import Bill, Reading, Subscriber
from bot.text.normalise import to_persian_digits

FONT = FontProperties(family="DejaVu Sans", size=10)
TITLE_FONT = FontProperties(family="DejaVu Sans", size=12, weight="bold")
USE_COLOUR, OVER_COLOUR, PATTERN_COLOUR = "#3b82c4", "#d9534f", "#2e7d32"
SIZE, DPI = (8, 4.5), 100


@dataclass(frozen=True)
class Point:
    """One period of the chart: its label, the use and the allowed use (m³); `current` for
    the period under way (use so far, allowed use for the same days)."""

    label: str
    use: Decimal
    allowed: Decimal
    current: bool = False


@dataclass(frozen=True)
class Labels:
    """The chart's Persian texts (from the locale)."""

    title: str
    use: str
    allowed: str
    axis: str
    current: str = ""


def current_point(subscriber: Subscriber, last_bill: Bill, reading: Reading | None,
                  label: str) -> Point | None:
    """The period under way, from a reading declared after the last bill: the use since
    the bill and the use allowed for those same days (the tariff engine's mid-period bill)."""
    if reading is None or reading.read_on <= last_bill.curr_reading_date:
        return None
    found = estimate(subscriber, last_bill, None, reading.reading, reading.read_on)
    if found is None:
        return None
    return Point(label, Decimal(found.use), found.result.allowed, current=True)


def build_figure(points: Sequence[Point], labels: Labels) -> Figure:
    """The chart: bars of use (red above the allowed use, hatched for the current period)
    and a line of the allowed use; every number on it in Persian digits."""
    figure = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    xs = range(len(points))
    uses = [float(p.use) for p in points]
    allowed = [float(p.allowed) for p in points]
    colours = [OVER_COLOUR if p.use > p.allowed else USE_COLOUR for p in points]
    bars = axes.bar(xs, uses, color=colours, width=0.6, label=labels.use)
    for bar, point in zip(bars, points, strict=True):
        if point.current:
            bar.set_alpha(0.55)
            bar.set_hatch("//")
            bar.set_label(labels.current)
    axes.plot(xs, allowed, color=PATTERN_COLOUR, marker="o", linewidth=2,
              label=labels.allowed)
    axes.set_xticks(list(xs), [p.label for p in points], fontproperties=FONT,
                    rotation=35 if len(points) > 6 else 0, ha="right" if len(points) > 6 else "center",
                    rotation_mode="anchor")
    axes.yaxis.set_major_formatter(FuncFormatter(_persian_tick))
    for tick in axes.get_yticklabels():
        tick.set_fontproperties(FONT)
    axes.set_ylabel(labels.axis, fontproperties=FONT)
    axes.set_title(labels.title, fontproperties=TITLE_FONT, pad=28)
    axes.legend(prop=FONT, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def _persian_tick(value: float, _position: int) -> str:
    """A y-axis number in Persian digits (whole numbers plain)."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return to_persian_digits(text.replace(",", "٬").replace(".", "٫"))


def render_png(points: Sequence[Point], labels: Labels) -> bytes:
    """The chart as PNG bytes."""
    out = io.BytesIO()
    build_figure(points, labels).savefig(out, format="png")
    return out.getvalue()


async def chart_png(points: Sequence[Point], labels: Labels) -> bytes:
    """Render the chart in a worker thread, off the event loop."""
    return await asyncio.to_thread(render_png, list(points), labels)
