"""Figures of fitted detectors: region boundaries (and their length and area), decision
regions, per-feature explanations.

matplotlib is imported only when a figure is drawn (``pip install skflowad[plot]``).
"""

from __future__ import annotations

__all__ = [
    "flow_region_boundary", "plot_boundaries", "plot_decision_regions", "plot_explanation",
    "curve_length_and_area", "save_figure",
]

from collections.abc import Mapping

import numpy as np

from .flows import sphere_preimage


def flow_region_boundary(detector, radius: float, n_points: int = 200) -> np.ndarray:
    """Pre-image of the latent sphere of ``radius`` through a fitted detector's ``flow_``.

    Works for any fitted detector with ``flow_``, ``scaler_`` and ``kept_features_``
    on 2-D or 3-D data: :class:`~skflowad.OneFlow` (``radius_``), or
    :class:`~skflowad.FlowDensity` with ``radius = sqrt(chi2_D.ppf(1 - alpha))`` for
    the LL-Flow region of the paper's figures.

    Parameters
    ----------
    detector : FlowDetector
        Fitted, with a ``flow_`` whose transform maps data to the latent space.
    radius : float
        Radius of the latent sphere.
    n_points : int, default=200
        2-D: points of an ordered closed curve; 3-D: a Fibonacci lattice on the sphere.

    Returns
    -------
    ndarray of shape (n_points, n_features_in_)
        Boundary points in data units (2-D: an ordered closed curve).
    """
    n_features = detector.n_features_in_
    if n_features not in (2, 3) or not detector.kept_features_.all():
        raise ValueError(
            f"boundary needs 2-D or 3-D data with no constant feature; got {n_features} "
            f"features, {int(detector.kept_features_.sum())} non-constant."
        )
    points = sphere_preimage(detector.flow_, radius, n_features, n_points, detector.device_)
    return detector.scaler_.inverse_transform(points.numpy())


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


def plot_decision_regions(detector, X, *, y=None, ax=None, title=None, resolution=150,
                          margin=0.5):
    """Shade a fitted 2-D detector's anomaly score and draw its ``threshold_`` contour.

    Works for any fitted PyOD-style detector (skflowad's or PyOD's): the score is
    ``decision_function`` on a grid around ``X``, shown by rank (quantiles), so detectors
    with very different score scales share one colour map; the line is the decision
    boundary of ``predict`` (score = ``threshold_``).

    Parameters
    ----------
    detector : fitted detector with ``decision_function`` and ``threshold_``
    X : array-like of shape (n_samples, 2)
        Data to scatter; the grid covers it with ``margin`` (relative) around.
    y : array-like of shape (n_samples,), optional
        0/1 labels; rows with 1 are drawn in red.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    resolution : int, default=150
        Grid points per axis.
    margin : float, default=0.5
        Extra room around the data, as a fraction of its range.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    X = np.asarray(X, dtype=np.float64)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    low, high = X.min(axis=0), X.max(axis=0)
    pad = margin * (high - low)
    xs, ys = (np.linspace(low[k] - pad[k], high[k] + pad[k], resolution) for k in (0, 1))
    grid_x, grid_y = np.meshgrid(xs, ys)
    scores = np.asarray(detector.decision_function(np.c_[grid_x.ravel(), grid_y.ravel()]))
    ranks = scores.argsort().argsort().reshape(grid_x.shape) / scores.size
    ax.contourf(grid_x, grid_y, ranks, levels=20, cmap="viridis_r", alpha=0.8)
    ax.contour(grid_x, grid_y, scores.reshape(grid_x.shape), levels=[detector.threshold_],
               colors="white", linewidths=1.5)
    marks = np.zeros(len(X), bool) if y is None else np.asarray(y) == 1
    ax.scatter(*X[~marks].T, s=3, c="black", alpha=0.6)
    if marks.any():
        ax.scatter(*X[marks].T, s=6, c="tab:red")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize="small")
    return ax


def plot_explanation(contributions, feature_names=None, *, ax=None, top=10, title=None):
    """Bar chart of one row's feature contributions (a row of ``detector.explain(X)``).

    The ``top`` features with the largest absolute contribution are drawn, the largest at
    the top; positive bars (the feature makes the row more abnormal) in red, negative in
    blue.

    Parameters
    ----------
    contributions : array-like of shape (n_features,)
    feature_names : sequence of str, optional
        Default: ``feature 0``, ``feature 1``, ...
    ax : matplotlib.axes.Axes, optional
    top : int or None, default=10
        Number of features drawn (None: all).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    values = np.asarray(contributions, dtype=np.float64).ravel()
    names = ([f"feature {j}" for j in range(values.size)] if feature_names is None
             else [str(n) for n in feature_names])
    if len(names) != values.size:
        raise ValueError(f"{len(names)} feature names for {values.size} contributions.")
    order = np.argsort(-np.abs(values))[: values.size if top is None else top][::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 0.35 * len(order) + 1))
    colours = ["tab:red" if v > 0 else "tab:blue" for v in values[order]]
    ax.barh([names[j] for j in order], values[order], color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("contribution to the anomaly score")
    if title:
        ax.set_title(title)
    return ax


def save_figure(fig, path, dpi: int = 100):
    """Lay ``fig`` out tightly and write it to ``path`` (folders created); return the path."""
    from pathlib import Path

    path = Path(path)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
