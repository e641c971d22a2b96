"""Making a check's figure data (docs/figures.md): small, drawable, never in the way.

Graders record a picture with ``ctx.figure_of(title, build)``; these helpers make
the data ``build`` returns: paths thinned to at most ``PATH_POINTS`` points,
numbers rounded to what a plot shows, a frame around the paths that a run gone
astray cannot blow up, a function's values on a ``GRID`` x ``GRID`` grid for its
contours, curves thinned alike, and a run's points as the rows of a path.
``error_heatmap`` records the relative error of every entry of some gradients.
Calls into the student's code made only for a picture go inside ``unrecorded``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from .numerics import relative_error

if TYPE_CHECKING:
    from .checks import Context
    from .handle import Submission

PATH_POINTS = 200  # a longer path or curve is thinned to about this many points
GRID = 40  # contours are computed on a GRID x GRID grid

Built = tuple[str, dict[str, Any]] | None  # a figure's kind and data, or no figure


def thinned(rows: np.ndarray) -> np.ndarray:
    """At most PATH_POINTS rows, evenly spread, the first and the last kept."""
    if len(rows) <= PATH_POINTS:
        return rows
    return rows[np.unique(np.linspace(0, len(rows) - 1, PATH_POINTS).round().astype(int))]


def rounded(values: np.ndarray, digits: int = 4) -> np.ndarray:
    """Values to ``digits`` significant digits (enough to draw; keeps the JSON small)."""
    with np.errstate(all="ignore"):
        finite = np.isfinite(values) & (values != 0)
        power = np.where(finite, np.floor(np.log10(np.abs(np.where(finite, values, 1.0)))), 0.0)
        scale = 10.0 ** (digits - 1 - power)
        return np.where(finite, np.round(values * scale) / scale, values)


def frame(paths: Sequence[np.ndarray], focus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corners of a plot around the paths (2-D rows), with a margin.

    A run that went far astray leaves the frame: it reaches at most three times the
    extent of ``focus`` (the expected path) from the centre of that path.
    """
    points = np.vstack(paths)
    points = points[np.isfinite(points).all(axis=1)]
    focus = focus[np.isfinite(focus).all(axis=1)]
    base = focus if len(focus) else points
    centre = (base.min(axis=0) + base.max(axis=0)) / 2
    reach = max(float(np.ptp(base, axis=0).max()) / 2, 1e-3 * max(1.0, float(np.abs(centre).max())))
    low = np.maximum(points.min(axis=0), centre - 3 * reach)
    high = np.minimum(points.max(axis=0), centre + 3 * reach)
    span = max(float((high - low).max()), 2 * reach)
    middle = (low + high) / 2
    half = np.maximum((high - low) / 2, 0.25 * span) + 0.1 * span
    return middle - half, middle + half


def contours(f: Callable[[np.ndarray], float], low: np.ndarray, high: np.ndarray) -> dict[str, Any]:
    """f on a GRID x GRID grid: len(y) rows of len(x) values."""
    x, y = np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID)
    with np.errstate(all="ignore"):
        z = np.array([[f(np.array([u, v])) for u in x] for v in y], dtype=np.float64)
    return {"x": rounded(x, 6), "y": rounded(y, 6), "z": rounded(z)}


def curves(series: Mapping[str, Any], xlabel: str, ylabel: str) -> Built:
    """Curves on a log scale, each thinned to every k-th value (the same k for all, so
    that they stay comparable: k = 1 up to PATH_POINTS values)."""
    values = {name: np.asarray(v, dtype=np.float64).reshape(-1) for name, v in series.items()}
    every = max(1, -(-max(len(v) for v in values.values()) // PATH_POINTS))
    return "curves", {
        "series": {name: v[::every] for name, v in values.items()},
        "xlabel": xlabel if every == 1 else f"{xlabel} ÷ {every}",
        "ylabel": ylabel,
        "log": True,
    }


def path_of(points: Sequence[Any] | np.ndarray, end: Any = None) -> np.ndarray:
    """A run's points as rows (each flattened), repeats in a row dropped, ``end`` appended."""
    rows: list[np.ndarray] = []
    for point in [*points, *([] if end is None else [end])]:
        row = np.asarray(point, dtype=np.float64).ravel()
        if not rows or not np.array_equal(rows[-1], row):
            rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(rows), -1)


def point_or_none(value: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """A returned x as a float array of ``shape``, or None if it is not one."""
    try:
        point = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return point if point.shape == shape else None


def error_heatmap(
    ctx: Context, title: str, got: Mapping[str, Any], expected: Mapping[str, Any]
) -> None:
    """A heatmap of the relative error of every entry of every gradient in ``expected``
    (a vector as one row, more dimensions flattened after the first).

    A gradient of the wrong shape has no entry-by-entry error: the title names it.
    A picture never changes a grade: if its data cannot be made, it is left out.
    """
    blocks, unlike = {}, []
    try:
        for name, wanted in expected.items():
            mine = np.asarray(got[name], dtype=np.float64)
            wanted = np.asarray(wanted, dtype=np.float64)
            if mine.shape == wanted.shape and mine.size:
                error = relative_error(mine, wanted)
                rows = error.reshape(1, -1) if error.ndim < 2 else error.reshape(len(error), -1)
                blocks[name] = rounded(rows, 3)
            else:
                unlike.append(name)
    except Exception:
        return
    if unlike:
        title += f"; not drawn, of the wrong shape: {', '.join(unlike)}"
    if blocks:
        ctx.figure("heatmap", title, blocks=blocks, label="relative error")


@contextmanager
def unrecorded(sub: Submission) -> Iterator[None]:
    """Calls into the student's code made inside, for a picture only, are left out of
    what the check records for the diagnosis by slips (``calcgrade.diagnosis`` replays
    the check's calls): a picture never changes a hint, nor the time its search takes."""
    kept, sub.recording = sub.recording, None
    try:
        yield
    finally:
        sub.recording = kept
