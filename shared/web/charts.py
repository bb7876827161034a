"""Charts drawn on the server as SVG: a page loads no charting library (an office's network
may be closed), and the numbers stay in a table beside the chart for screen readers."""

from collections.abc import Sequence
from dataclasses import dataclass

# Colours told apart by people with the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
LABEL_WIDTH = 170
BAR_HEIGHT = 22
GAP = 10


@dataclass(frozen=True, slots=True)
class Segment:
    x: float
    width: float
    value: float
    colour: str
    series: str


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    y: float
    segments: tuple[Segment, ...]
    total: float


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart, stacked when each row has several series."""

    title: str
    series: tuple[tuple[str, str], ...]  # (name, colour), for the legend
    rows: tuple[Row, ...]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(
    title: str,
    series: Sequence[str],
    rows: Sequence[tuple[str, Sequence[float]]],
    width: int = 640,
) -> BarChart:
    """`rows` are (label, one value per series); each bar is scaled to the largest total."""
    largest = max((sum(values) for _, values in rows), default=0) or 1
    room = width - LABEL_WIDTH - 60  # what the longest bar may take, its total beside it
    drawn = []
    for index, (label, values) in enumerate(rows):
        x = float(LABEL_WIDTH)
        segments = []
        for name, colour, value in zip(series, PALETTE, values, strict=False):
            length = room * value / largest
            segments.append(Segment(x, length, value, colour, name))
            x += length
        drawn.append(Row(label, index * (BAR_HEIGHT + GAP), tuple(segments), sum(values)))
    legend = tuple(zip(series, PALETTE, strict=False))
    height = len(rows) * (BAR_HEIGHT + GAP) + 10
    return BarChart(title, legend, tuple(drawn), width, max(height, BAR_HEIGHT + GAP))
