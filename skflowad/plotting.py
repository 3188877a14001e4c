"""2-D region boundaries: draw them, and measure their length and enclosed area.

matplotlib is imported only when a figure is drawn (``pip install skflowad[plot]``).
"""

from __future__ import annotations

__all__ = ["plot_boundaries", "curve_length_and_area"]

from collections.abc import Mapping

import numpy as np


def curve_length_and_area(curve: np.ndarray) -> tuple[float, float]:
    """Length and enclosed area (shoelace formula) of a closed 2-D curve.

    Parameters
    ----------
    curve : ndarray of shape (n_points, 2)
        Ordered points; the last one is joined back to the first.

    Returns
    -------
    length, area : float

    Examples
    --------
    >>> square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    >>> curve_length_and_area(square)
    (4.0, 1.0)
    """
    closed = np.vstack([curve, curve[:1]])
    length = float(np.linalg.norm(np.diff(closed, axis=0), axis=1).sum())
    x, y = closed[:, 0], closed[:, 1]
    area = 0.5 * abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])))
    return length, area


def plot_boundaries(X, boundaries: Mapping[str, np.ndarray], *, y=None, ax=None, title=None):
    """Scatter 2-D data and draw closed boundary curves (e.g. ``OneFlow.boundary()``).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Data to scatter.
    boundaries : mapping of str to ndarray of shape (n_points, 2)
        Legend label -> ordered boundary points (closed automatically).
    y : array-like of shape (n_samples,), optional
        0/1 labels; rows with 1 are drawn in a second colour.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure's).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    X = np.asarray(X)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    marks = np.zeros(len(X), bool) if y is None else np.asarray(y) == 1
    ax.scatter(*X[~marks].T, s=4, c="tab:gray", alpha=0.5, label="data")
    if marks.any():
        ax.scatter(*X[marks].T, s=8, c="tab:red", label="marked (y = 1)")
    for label, curve in boundaries.items():
        closed = np.vstack([curve, curve[:1]])
        ax.plot(*closed.T, lw=2, label=label)
    ax.set_aspect("equal")
    ax.legend(loc="best", fontsize="small")
    if title:
        ax.set_title(title)
    return ax
