"""Classify map values into classes (quantiles, natural breaks, equal interval) with labels.

A thin wrapper over mapclassify: it picks the bins, then this module removes duplicate
bins (ties, many zeros), assigns every value to a class and writes the legend labels, so a
choropleth and its legend always state the same classes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mapclassify
import numpy as np

from geo.errors import InvalidInput
from geo.messages import Msg

#: Scheme code -> (Korean label, English label, mapclassify constructor taking (y, k)).
SCHEMES: dict[str, tuple[str, str, Callable]] = {
    "quantiles": ("분위수", "Quantiles", lambda y, k: mapclassify.Quantiles(y, k=k)),
    # Fisher-Jenks is the exact (deterministic) optimum of Jenks' natural breaks.
    "natural_breaks": (
        "자연 구분 (Jenks)",
        "Natural breaks (Jenks)",
        lambda y, k: mapclassify.FisherJenks(y, k=k),
    ),
    "equal_interval": ("등간격", "Equal interval", lambda y, k: mapclassify.EqualInterval(y, k=k)),
}

NO_DATA = -1
"""Class of a missing value (e.g. no population imported)."""


@dataclass(frozen=True)
class Classification:
    """Classes of a set of values.

    Attributes
    ----------
    bins
        Upper bound of each class, ascending; class ``i`` holds ``bins[i-1] < v <= bins[i]``
        (the first class starts at the minimum).
    lower
        Lower bound shown for each class (the minimum for the first one; for whole numbers
        the previous bound plus one).
    classes
        Class index of every value, :data:`NO_DATA` where the value is missing.
    counts
        Number of values in each class.
    labels
        ``"lower – upper"`` per class, formatted with ``decimals``.
    """

    scheme: str
    bins: tuple[float, ...]
    lower: tuple[float, ...]
    classes: np.ndarray
    counts: tuple[int, ...]
    labels: tuple[str, ...]
    no_data: int

    @property
    def k(self) -> int:
        """Number of classes actually formed (fewer than asked when values tie)."""
        return len(self.bins)


def _decimals(values: np.ndarray) -> int:
    """Decimals needed to tell classes apart: none for whole numbers, else by magnitude."""
    if values.size == 0 or np.allclose(values, np.round(values)):
        return 0
    top = float(np.nanmax(np.abs(values)))
    return 0 if top >= 100 else 1 if top >= 10 else 2


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def classify(values: Sequence[float], *, scheme: str = "quantiles", k: int = 5) -> Classification:
    """Put ``values`` into at most ``k`` classes by ``scheme``.

    Parameters
    ----------
    values
        Numbers to classify; NaN / None are "no data" (class :data:`NO_DATA`).
    scheme
        A key of :data:`SCHEMES`.
    k
        Classes wanted (2-9); fewer are formed when there are fewer distinct values.

    Returns
    -------
    Classification
    """
    if scheme not in SCHEMES:
        raise InvalidInput(Msg("classify.unknown_classification_scheme", scheme=scheme))
    if not 2 <= k <= 9:
        raise InvalidInput(Msg("classify.number_classes_must_2"))
    y = np.asarray(values, dtype=float)
    valid = ~np.isnan(y)
    data = y[valid]
    classes = np.full(y.shape, NO_DATA, dtype=int)
    if data.size == 0:
        return Classification(scheme, (), (), classes, (), (), int((~valid).sum()))
    distinct = np.unique(data)
    if distinct.size <= k:
        # Each distinct value is its own class: no scheme needed, nothing is hidden.
        bins = distinct
    else:
        with warnings.catch_warnings():
            # Ties leave fewer distinct bins than asked: mapclassify warns, we drop duplicates.
            warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
            # Without numba, Fisher-Jenks runs in plain Python: fine for 467 dongs (~0.4 s).
            warnings.filterwarnings("ignore", "Numba not installed", UserWarning)
            found = SCHEMES[scheme][2](data, k)
        bins = np.unique(np.asarray(found.bins, dtype=float))
        bins[-1] = max(bins[-1], float(data.max()))
    whole = bool(np.all(data == np.round(data)))
    if whole:
        # Counts: a class (a, b] of whole numbers is a+1..b, so say so ("6 – 11").
        bins = np.unique(np.floor(bins))
    classes[valid] = np.minimum(np.searchsorted(bins, data, side="left"), len(bins) - 1)
    counts = np.bincount(classes[valid], minlength=len(bins))
    lower = np.concatenate([[data.min()], bins[:-1] + (1 if whole else 0)])
    dec = 0 if whole else _decimals(np.concatenate([bins, lower]))
    labels = tuple(
        _fmt(hi, dec) if lo == hi else f"{_fmt(lo, dec)} – {_fmt(hi, dec)}"
        for lo, hi in zip(lower, bins, strict=True)
    )
    return Classification(
        scheme=scheme,
        bins=tuple(float(b) for b in bins),
        lower=tuple(float(v) for v in lower),
        classes=classes,
        counts=tuple(int(c) for c in counts),
        labels=labels,
        no_data=int((~valid).sum()),
    )
