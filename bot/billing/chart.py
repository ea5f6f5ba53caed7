"""The consumption chart: use per period against the allowed use, as a PNG.

Matplotlib's object API on the Agg canvas (no pyplot, no global state), so renders can run in
worker threads (`asyncio.to_thread`) without blocking the event loop. Persian text is shaped
with arabic_reshaper and reordered with python-bidi, because matplotlib draws glyphs left to
right without joining; DejaVu Sans (shipped with matplotlib) has the Arabic-script glyphs.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import arabic_reshaper
from bidi.algorithm import get_display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

FONT = FontProperties(family="DejaVu Sans", size=10)
TITLE_FONT = FontProperties(family="DejaVu Sans", size=12, weight="bold")
USE_COLOUR, OVER_COLOUR, PATTERN_COLOUR = "#3b82c4", "#d9534f", "#2e7d32"
SIZE, DPI = (8, 4.5), 100


@dataclass(frozen=True)
class Point:
    """One period of the chart: its label, the use and the allowed use (m³)."""

    label: str
    use: Decimal
    allowed: Decimal


@dataclass(frozen=True)
class Labels:
    """The chart's Persian texts (from the locale)."""

    title: str
    use: str
    allowed: str
    axis: str


@cache
def persian(text: str) -> str:
    """Persian text shaped (joined letters) and in visual right-to-left order for matplotlib."""
    return get_display(arabic_reshaper.reshape(text))


def render_png(points: Sequence[Point], labels: Labels) -> bytes:
    """The chart as PNG bytes: bars of use (red above the allowed use) and a line of it."""
    figure = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    xs = range(len(points))
    uses = [float(p.use) for p in points]
    allowed = [float(p.allowed) for p in points]
    colours = [OVER_COLOUR if p.use > p.allowed else USE_COLOUR for p in points]
    axes.bar(xs, uses, color=colours, width=0.6, label=persian(labels.use))
    axes.plot(xs, allowed, color=PATTERN_COLOUR, marker="o", linewidth=2,
              label=persian(labels.allowed))
    axes.set_xticks(list(xs), [persian(p.label) for p in points], fontproperties=FONT,
                    rotation=45 if len(points) > 8 else 0)
    for tick in axes.get_yticklabels():
        tick.set_fontproperties(FONT)
    axes.set_ylabel(persian(labels.axis), fontproperties=FONT)
    axes.set_title(persian(labels.title), fontproperties=TITLE_FONT)
    axes.legend(prop=FONT, loc="upper left")
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


async def chart_png(points: Sequence[Point], labels: Labels) -> bytes:
    """Render the chart in a worker thread, off the event loop."""
    return await asyncio.to_thread(render_png, list(points), labels)
