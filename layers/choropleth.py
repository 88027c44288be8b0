"""Choropleth colours (areas filled by class) and their legends as plain HTML beside the map.

The coverage page's maps (our own map component, :func:`layers.mapview.area_map`) fill each
area with :func:`fill_colors`; the legend is an HTML table the page puts next to the map.
The colours of the map and of the legend come from the same
:class:`geo.classify.Classification` and palette.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

from geo.classify import Classification

#: ColorBrewer YlGnBu (9 classes), light to dark: sequential, colour-blind safe, prints well.
SEQUENTIAL = (
    "#ffffd9",
    "#edf8b1",
    "#c7e9b4",
    "#7fcdbb",
    "#41b6c4",
    "#1d91c0",
    "#225ea8",
    "#253494",
    "#081d58",
)
NO_DATA_COLOR = "#bdbdbd"


def class_colors(k: int) -> list[str]:
    """``k`` colours from :data:`SEQUENTIAL`, evenly spaced, light (low) to dark (high)."""
    if k <= 0:
        return []
    if k == 1:
        return [SEQUENTIAL[4]]
    idx = np.round(np.linspace(1, len(SEQUENTIAL) - 1, k)).astype(int)
    return [SEQUENTIAL[i] for i in idx]


def fill_colors(classification: Classification) -> list[str]:
    """The fill colour of every classified value (grey where there is no data)."""
    colors = np.array([*class_colors(classification.k), NO_DATA_COLOR])
    return colors[classification.classes].tolist()  # class -1 picks the last: no data


def legend_html(
    title: str,
    labels: Sequence[str],
    colors: Sequence[str],
    *,
    counts: Sequence[int] | None = None,
    note: str = "",
) -> str:
    """An HTML legend: one swatch, label (and count of areas) per class, in map order."""
    rows = []
    for i, (label, color) in enumerate(zip(labels, colors, strict=True)):
        count = f"<td style='text-align:right;color:#555'>{counts[i]:,}</td>" if counts else ""
        rows.append(
            "<tr><td><span style='display:inline-block;width:1.4em;height:1em;"
            f"background:{color};border:1px solid #777'></span></td>"
            f"<td>{escape(label)}</td>{count}</tr>"
        )
    foot = f"<div style='font-size:0.8em;color:#555'>{escape(note)}</div>" if note else ""
    return (
        f"<div class='maeul-legend'><strong>{escape(title)}</strong>"
        f"<table style='border:none;font-size:0.9em'>{''.join(rows)}</table>{foot}</div>"
    )


def classification_legend(
    title: str, classification: Classification, *, no_data_label: str, note: str = ""
) -> str:
    """The legend of a classified choropleth: the classes' ranges, colours and counts."""
    labels = list(classification.labels)
    colors = class_colors(classification.k)
    counts = list(classification.counts)
    if classification.no_data:
        labels.append(no_data_label)
        colors.append(NO_DATA_COLOR)
        counts.append(classification.no_data)
    return legend_html(title, labels, colors, counts=counts, note=note)
