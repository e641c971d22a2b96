"""Drawing a check's figure data (docs/figures.md) as an inline SVG string.

Each kind has one small drawing function over plain JSON data: ``path``,
``curves``, ``heatmap`` and ``boundary``. The SVG is self-contained: text stays
text (``svg.fonttype = none``, drawn in the reader's sans-serif font), images are
inlined as data URIs, nothing points to a URL. Figure data is never trusted to
be well formed: a missing optional field is skipped, null (NaN) values leave
gaps, and an unknown kind or data that cannot be drawn gives a small SVG note
instead of an exception, so one bad figure never breaks a report.

matplotlib is imported on first use (``check`` without ``--html`` never pays for
it); without matplotlib every figure is a note saying how to install it.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import re
import textwrap
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .results import Figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

WIDTH_IN = 6.4
HEIGHT_IN = 4.2
MAX_POINTS = 2000  # longer paths and curves are thinned (keeping the first and last point)
LARGEST = 1e15  # coordinates beyond this are not drawn (a run that ran off to infinity)
ANNOTATE_UP_TO = 30  # heatmap blocks with at most this many entries show their values
REFERENCE_NAMES = re.compile(r"reference|expected", re.IGNORECASE)
ID = re.compile(r'\b(id)="([^"]+)"')
HREF = re.compile(r'\b((?:xlink:)?href)="#([^"]+)"')
URL = re.compile(r"url\(#([^)]+)\)")


class FigureDataError(ValueError):
    """The data of a figure does not have the shape its kind needs."""


def render_svg(figure: Figure) -> str:
    """``figure`` as an ``<svg>`` element; a small note when it cannot be drawn."""
    draw = DRAWERS.get(figure.kind)
    if draw is None:
        return note_svg(f"cannot draw this figure: unknown kind {figure.kind!r}")
    data: object = figure.data  # from JSON: not necessarily the dict it should be
    if not isinstance(data, Mapping):
        return note_svg("cannot draw this figure: its data is not a mapping")
    return _render(lambda fig: draw(fig, data))


def histogram_svg(scores: list[float], max_score: float, xlabel: str = "points") -> str:
    """How many submissions got each score, from 0 to ``max_score`` (the class report)."""

    def draw(fig: MplFigure) -> None:
        from matplotlib.ticker import MaxNLocator

        values = np.asarray(scores, dtype=float)
        top = max(float(max_score), float(values.max(initial=0.0)), 1.0)
        bins = math.ceil(top) if top <= 20 else 10
        counts, edges = np.histogram(values, bins=bins, range=(0.0, top))
        ax = fig.subplots()
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="#4c72b0", ec="white")
        ax.set_xlim(0.0, top)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("submissions")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)

    return _render(draw, size=(5.2, 2.6))


def note_svg(text: str) -> str:
    """A small SVG saying why there is no picture (no matplotlib involved)."""
    lines = textwrap.wrap(text, 90)[:4] or [""]
    height = 12 + 16 * len(lines)
    spans = "".join(
        f'<tspan x="10" dy="{16 if i else 0}">{html.escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="figure-note" width="560" '
        f'height="{height}" viewBox="0 0 560 {height}" role="img">'
        f'<rect width="560" height="{height}" rx="4" fill="#fff8e6" stroke="#e0c48a"/>'
        f'<text x="10" y="20" font-family="sans-serif" font-size="13" fill="#6b4a00">'
        f"{spans}</text></svg>"
    )


def _render(
    draw: Callable[[MplFigure], None], size: tuple[float, float] = (WIDTH_IN, HEIGHT_IN)
) -> str:
    try:
        import matplotlib
        from matplotlib.figure import Figure as MplFigure
    except ImportError:
        return note_svg("plots need matplotlib: pip install 'matplotlib>=3.8'")
    try:
        style = matplotlib.rc_context(
            {
                "svg.fonttype": "none",
                "text.parse_math": False,  # names are plain text; mathtext is slow, too
                "svg.hashsalt": "calcgrade",  # the same figure, the same SVG
                "font.family": "sans-serif",
                "font.size": 9.0,
                "axes.titlesize": 10.0,
                "axes.labelsize": 9.0,
                "legend.fontsize": 8.0,
                "figure.dpi": 72.0,
                "savefig.dpi": 96.0,  # the resolution of the rare raster part (a large heatmap)
            }
        )
        with style, warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # "no contour levels", log of zero...: drawn anyway
            fig = MplFigure(figsize=size, layout="constrained")
            draw(fig)
            buffer = io.StringIO()
            no_metadata = {"Date": None, "Creator": None, "Format": None, "Type": None}
            fig.savefig(buffer, format="svg", metadata=no_metadata)
    # A report must survive any figure data; matplotlib raises many kinds of errors.
    except Exception as error:
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        return note_svg(f"cannot draw this figure: {reason}")
    svg = buffer.getvalue()
    return _unique_ids(svg[svg.index("<svg") :].strip())


def _unique_ids(svg: str) -> str:
    """Prefix every id (and every reference to one) with a hash of the drawing, so that
    the SVGs inline in one page never share an id (matplotlib names them figure_1...)."""
    prefix = "cg" + hashlib.sha256(svg.encode()).hexdigest()[:10] + "-"
    svg = ID.sub(lambda m: f'{m.group(1)}="{prefix}{m.group(2)}"', svg)
    svg = HREF.sub(lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', svg)
    return URL.sub(lambda m: f"url(#{prefix}{m.group(1)})", svg)


# ---- the data -----------------------------------------------------------------


def _numbers(value: Any, what: str) -> np.ndarray:
    """A float array from JSON numbers; null becomes NaN."""
    if value is None:
        raise FigureDataError(f"{what} is missing")
    try:
        array = np.array(_nulls_as_nan(value), dtype=float)
    except (TypeError, ValueError) as error:
        raise FigureDataError(f"{what} is not a list of numbers") from error
    array[np.abs(array) > LARGEST] = np.nan
    return array


def _nulls_as_nan(value: Any) -> Any:
    if value is None:
        return math.nan
    if isinstance(value, list | tuple):
        return [_nulls_as_nan(item) for item in value]
    if isinstance(value, bool):
        return float(value)
    return value


def _named(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping) or not value:
        raise FigureDataError(f"{key!r} must map names to data")
    return {str(name): item for name, item in value.items()}


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return str(value) if value is not None else None


def _thinned(array: np.ndarray) -> np.ndarray:
    if len(array) <= MAX_POINTS:
        return array
    keep = np.unique(np.linspace(0, len(array) - 1, MAX_POINTS).round().astype(int))
    return array[keep]


def _labels(ax: Axes, data: Mapping[str, Any]) -> None:
    xlabel, ylabel = _text(data, "xlabel"), _text(data, "ylabel")
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)


def _note(fig: MplFigure, lines: list[str]) -> None:
    if lines:
        fig.supxlabel("; ".join(lines), fontsize=8, color="#6b4a00")


# ---- one drawing per kind -----------------------------------------------------


def draw_path(fig: MplFigure, data: Mapping[str, Any]) -> None:
    """The paths (student, reference) over the contour lines of the function."""
    ax = fig.subplots()
    notes: list[str] = []
    box = None
    contours = data.get("contours")
    if isinstance(contours, Mapping):
        x = _numbers(contours.get("x"), "contours.x")
        y = _numbers(contours.get("y"), "contours.y")
        z = _numbers(contours.get("z"), "contours.z")
        if z.shape != (len(y), len(x)):
            raise FigureDataError(
                f"contours.z has shape {z.shape}, expected (len(y), len(x)) = ({len(y)}, {len(x)})"
            )
        if np.isfinite(z).any():
            lines = ax.contour(x, y, np.ma.masked_invalid(z), levels=14, cmap="viridis")
            lines.set_linewidth(0.8)
            fig.colorbar(lines, ax=ax, shrink=0.8, label=_text(data, "zlabel") or "f(x)")
        box = (np.nanmin(x), np.nanmax(x), np.nanmin(y), np.nanmax(y))
    colours = iter(["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"])
    outside = 0
    for name, points in _named(data, "paths").items():
        xy = _numbers(points, f"paths[{name!r}]")
        if xy.size == 0:
            continue
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise FigureDataError(f"paths[{name!r}] must be a list of [x, y] points")
        if box is not None:
            inside = (
                (xy[:, 0] >= box[0])
                & (xy[:, 0] <= box[1])
                & (xy[:, 1] >= box[2])
                & (xy[:, 1] <= box[3])
            )
            outside += int((~inside & np.isfinite(xy).all(axis=1)).sum())
        outside += int((~np.isfinite(xy).all(axis=1)).sum())
        xy = _thinned(xy)
        reference = bool(REFERENCE_NAMES.search(name))
        colour = "black" if reference else next(colours, "#7f7f7f")
        ax.plot(
            xy[:, 0],
            xy[:, 1],
            color=colour,
            ls="--" if reference else "-",
            lw=1.4 if reference else 1.6,
            marker=".",
            ms=4,
            label=name,
        )
        finite = xy[np.isfinite(xy).all(axis=1)]
        if len(finite):
            ax.plot(*finite[0], "o", mfc="white", mec=colour, ms=7)
            ax.plot(*finite[-1], "*", color=colour, ms=10)
    if box is not None:
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
    if outside:
        notes.append(f"{outside} point(s) lie outside the plotted area or are not finite")
    _labels(ax, data)
    ax.legend(loc="best", title="○ start, ★ end", title_fontsize=7)
    _note(fig, notes)


def draw_curves(fig: MplFigure, data: Mapping[str, Any]) -> None:
    """One line per series against the step (loss curves)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    ax = fig.subplots()
    log = bool(data.get("log"))
    drawn = 0
    shown = [np.nan]
    for name, values in _named(data, "series").items():
        y = _numbers(values, f"series[{name!r}]").reshape(-1)
        if y.size == 0:
            continue
        steps = _thinned(np.arange(len(y)))
        y = y[steps]
        if log:
            y = np.where(y > 0, y, np.nan)
        reference = bool(REFERENCE_NAMES.search(name))
        ax.plot(
            steps,
            y,
            ls="--" if reference else "-",
            color="black" if reference else None,
            marker="." if len(y) <= 60 else None,
            label=name,
        )
        drawn += int(np.isfinite(y).any())
        shown += list(y[np.isfinite(y)])
    if log and drawn:
        ax.set_yscale("log")
        plain = FuncFormatter(lambda value, _: f"{value:g}")  # 0.01, 1e-05: no mathtext
        ax.yaxis.set_major_formatter(plain)
        low, high = np.nanmin(shown), np.nanmax(shown)
        ax.yaxis.set_minor_formatter(plain if high < 30 * low else NullFormatter())
    _labels(ax, data)
    if not ax.get_xlabel():
        ax.set_xlabel("step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    if not drawn:
        _note(
            fig, ["no finite value to draw" + (" (log scale needs positive values)" if log else "")]
        )


def draw_heatmap(fig: MplFigure, data: Mapping[str, Any]) -> None:
    """One heatmap per block (per parameter), all on one colour scale."""
    from matplotlib import colormaps, colors
    from matplotlib.ticker import LogFormatter

    blocks = {}
    for name, values in _named(data, "blocks").items():
        block = _numbers(values, f"blocks[{name!r}]")
        if block.ndim < 2:
            block = block.reshape(1, -1)
        elif block.ndim > 2:
            block = block.reshape(block.shape[0], -1)
        blocks[name] = block
    finite = np.concatenate([b[np.isfinite(b)] for b in blocks.values()])
    norm: colors.Normalize
    cmap_name, floor = "magma_r", -math.inf
    positive = finite[finite > 0]
    if finite.size == 0:
        norm = colors.Normalize(0.0, 1.0)
    elif finite.min() < 0:
        bound = float(np.abs(finite).max()) or 1.0
        norm, cmap_name = colors.Normalize(-bound, bound), "RdBu_r"
    elif positive.size and positive.max() / positive.min() > 100:
        floor = max(float(positive.min()), float(positive.max()) * 1e-16)
        norm = colors.LogNorm(floor, float(positive.max()), clip=True)
    else:
        low, high = float(finite.min()), float(finite.max())
        norm = colors.Normalize(low, high if high > low else low + 1.0)
    log = isinstance(norm, colors.LogNorm)
    cmap = colormaps[cmap_name].with_extremes(bad="#bbbbbb")
    columns = min(len(blocks), 3)
    rows = math.ceil(len(blocks) / columns)
    fig.set_size_inches(min(2.4 * columns + 1.2, 8.0), 2.3 * rows + 0.4)
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).reshape(-1)
    image = None
    for ax, (name, block) in zip(axes, blocks.items(), strict=False):
        shown = np.maximum(block, floor) if log else block  # an exact 0 is the best colour
        image = ax.imshow(
            np.ma.masked_invalid(shown),
            norm=norm,
            cmap=cmap,
            aspect="auto",
            interpolation="nearest",
        )
        ax.set_title(f"{name} ({block.shape[0]}×{block.shape[1]})")
        ax.set_xticks(range(block.shape[1]) if block.shape[1] <= 10 else [])
        ax.set_yticks(range(block.shape[0]) if block.shape[0] <= 10 else [])
        if block.size <= ANNOTATE_UP_TO:
            _annotate(ax, block, shown, norm, log)
    for ax in axes[len(blocks) :]:
        ax.set_visible(False)
    if image is not None:
        fig.colorbar(
            image,
            ax=list(axes[: len(blocks)]),
            shrink=0.9,
            label=_text(data, "label"),
            format=LogFormatter() if log else None,
        )
    if any(not np.isfinite(b).all() for b in blocks.values()):
        _note(fig, ["grey: not a finite number"])


def _annotate(ax: Axes, block: np.ndarray, shown: np.ndarray, norm: Any, log: bool) -> None:
    for (i, j), value in np.ndenumerate(block):
        if not np.isfinite(value):
            continue
        shade = float(norm(shown[i, j]))
        dark = abs(shade - 0.5) > 0.3 if norm.vmin < 0 else shade > 0.55
        ax.text(
            j,
            i,
            "0" if value == 0 else f"{value:.0e}" if log else f"{value:.2g}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if dark else "black",
        )


def draw_boundary(fig: MplFigure, data: Mapping[str, Any]) -> None:
    """The learned probability over the plane, its 0.5 contour, and the data points."""
    ax = fig.subplots()
    grid = data.get("grid")
    if isinstance(grid, Mapping):
        x = _numbers(grid.get("x"), "grid.x")
        y = _numbers(grid.get("y"), "grid.y")
        p = _numbers(grid.get("p"), "grid.p")
        if p.shape != (len(y), len(x)):
            raise FigureDataError(
                f"grid.p has shape {p.shape}, expected (len(y), len(x)) = ({len(y)}, {len(x)})"
            )
        p = np.ma.masked_invalid(p)
        filled = ax.contourf(
            x, y, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.75, extend="both"
        )
        fig.colorbar(filled, ax=ax, shrink=0.8, label="probability of label 1")
        if p.count() and p.min() < 0.5 < p.max():
            ax.contour(x, y, p, levels=[0.5], colors="black", linewidths=2)
            ax.plot([], [], color="black", lw=2, label="p = 0.5")
    points = data.get("points") or []
    xyl = _numbers(points, "points")
    if xyl.size:
        if xyl.ndim != 2 or xyl.shape[1] != 3:
            raise FigureDataError("points must be a list of [x, y, label]")
        ones = xyl[:, 2] >= 0.5
        for mask, label, marker, colour in ((~ones, 0, "s", "#2166ac"), (ones, 1, "o", "#b2182b")):
            if mask.any():
                ax.scatter(
                    xyl[mask, 0],
                    xyl[mask, 1],
                    marker=marker,
                    s=70,
                    c=colour,
                    edgecolors="black",
                    zorder=3,
                    label=f"label {label}",
                    clip_on=False,  # a point on the edge of the grid is drawn whole
                )
    elif not isinstance(grid, Mapping):
        raise FigureDataError("neither a probability grid nor data points")
    _labels(ax, data)
    ax.legend(loc="upper right", framealpha=0.9)


DRAWERS: dict[str, Callable[[MplFigure, Mapping[str, Any]], None]] = {
    "path": draw_path,
    "curves": draw_curves,
    "heatmap": draw_heatmap,
    "boundary": draw_boundary,
}
