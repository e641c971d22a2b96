"""Module 2's views: the profit landscape over price and ad spend (a 3-D surface beside
its contour map) with the gradient arrow at a point on a slider, and the gradient
ascent path on the same landscape, step by step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import slider, view

SHOP = {"unit_cost": 2.0, "base_demand": 100.0, "price_sensitivity": 5.0, "ad_effect": 2.0}
PRICE_RANGE = (3.0, 20.0)
AD_RANGE = (0.0, 250.0)
ARROW = 0.12  # the arrow's length, as a fraction of the map's width and height
# the points the arrow visits: price by price, ad spend up and down (a snake over the map)
POINTS = [
    (float(price), float(ad))
    for i, price in enumerate(range(4, 20, 2))
    for ad in (range(25, 250, 50) if i % 2 == 0 else range(225, 0, -50))
]
START = (5.0, 25.0)
ASCENT_STEPS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750,
                1000, 1500, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]  # fmt: skip
Function = Callable[..., Any]


def _landscape(business_profit: Function, shop: dict[str, float]) -> Any:
    """Prices, ad spends and the student's profit at every point of the map's grid."""
    prices = np.linspace(*PRICE_RANGE, 42)
    ads = np.linspace(*AD_RANGE, 41)
    heights = np.array(
        [[float(business_profit(np.array([p, a]), **shop)) for p in prices] for a in ads]
    )
    return prices, ads, heights


def _base(prices: np.ndarray, ads: np.ndarray, heights: np.ndarray, titles: tuple[str, str]) -> Any:
    """A figure with the profit surface (left, 3-D) and its contour map (right), both static."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figure = make_subplots(
        rows=1,
        cols=2,
        specs=[[{"type": "scene"}, {"type": "xy"}]],
        subplot_titles=titles,
        column_widths=[0.5, 0.5],
        horizontal_spacing=0.08,
    )
    figure.add_trace(
        go.Surface(x=prices, y=ads, z=heights, colorscale="Viridis", showscale=False,
                   opacity=0.85, hoverinfo="skip", name="profit"),
        row=1, col=1,
    )  # fmt: skip
    figure.add_trace(
        go.Contour(x=prices, y=ads, z=heights, colorscale="Viridis", ncontours=24,
                   showscale=False, contours={"coloring": "lines", "showlabels": True,
                                              "labelfont": {"size": 9, "color": "gray"}},
                   name="profit", hovertemplate="price %{x:.2f}<br>ad spend %{y:.1f}"
                   "<br>profit %{z:.1f}<extra></extra>"),
        row=1, col=2,
    )  # fmt: skip
    low, high = float(np.min(heights)), float(np.max(heights))
    figure.update_layout(
        scene={
            "xaxis": {"title": {"text": "price"}, "range": list(PRICE_RANGE)},
            "yaxis": {"title": {"text": "ad spend"}, "range": list(AD_RANGE)},
            "zaxis": {"title": {"text": "profit"}, "range": [low - 20, high + 40], "nticks": 5},
            "aspectmode": "manual",
            "aspectratio": {"x": 1, "y": 1, "z": 0.7},
            "camera": {"eye": {"x": -1.3, "y": -1.7, "z": 1.3}},
        },
        showlegend=False,
        height=560,
        margin={"t": 100, "l": 10, "r": 10},
    )
    span_p, span_a = PRICE_RANGE[1] - PRICE_RANGE[0], AD_RANGE[1] - AD_RANGE[0]
    figure.update_xaxes(
        title_text="price", range=list(PRICE_RANGE), constrain="domain", row=1, col=2
    )
    figure.update_yaxes(  # a square map: the arrow then crosses the contour lines at right angles
        title_text="ad spend",
        range=list(AD_RANGE),
        scaleanchor="x",
        scaleratio=span_p / span_a,
        constrain="domain",
        row=1,
        col=2,
    )
    return figure


def arrow_end(point: tuple[float, float], gradient: np.ndarray) -> tuple[float, float]:
    """Where the map's arrow for ``gradient`` at ``point`` ends: the direction of steepest
    ascent in the map's own proportions (each axis measured in its span), of length
    ``ARROW`` of the map. On the square map it crosses the contour lines at right angles."""
    span = np.array([PRICE_RANGE[1] - PRICE_RANGE[0], AD_RANGE[1] - AD_RANGE[0]])
    scaled = np.asarray(gradient, dtype=float) * span  # the gradient per map width / height
    length = float(np.linalg.norm(scaled))
    if length == 0.0 or not np.isfinite(length):
        return point
    end = np.array(point) + ARROW * span * scaled / length
    return float(end[0]), float(end[1])


def _advice(gradient: np.ndarray) -> str:
    """Which way is uphill, in words: the larger move (in the map's proportions) first."""
    price = "raise the price" if gradient[0] > 0 else "lower the price"
    ads = "spend more on ads" if gradient[1] > 0 else "spend less on ads"
    on_map = np.abs(gradient) * [PRICE_RANGE[1] - PRICE_RANGE[0], AD_RANGE[1] - AD_RANGE[0]]
    first, second = (price, ads) if on_map[0] >= on_map[1] else (ads, price)
    if max(on_map) > 3 * min(on_map):
        return f"mostly {first}, a little {second}"
    return f"{first} and {second}"


def gradient_figure(
    business_profit: Function,
    business_profit_gradient: Function,
    shop: dict[str, float] = SHOP,
    points: list[tuple[float, float]] = POINTS,
) -> Any:
    """The profit landscape in 3-D and as a contour map, with the gradient arrow of the
    student's ``business_profit_gradient`` at each point of ``points`` (on a slider)."""
    import plotly.graph_objects as go

    prices, ads, heights = _landscape(business_profit, shop)
    figure = _base(prices, ads, heights, ("the profit surface", "the contour map, from above"))
    gradients = [np.asarray(business_profit_gradient(np.array(p), **shop), dtype=float)
                 for p in points]  # fmt: skip

    def height(price: float, ad: float) -> float:
        return float(business_profit(np.array([price, ad]), **shop))

    def traces(point: tuple[float, float], gradient: np.ndarray) -> list[Any]:
        end = arrow_end(point, gradient)
        t = np.linspace(0.0, 1.0, 8)
        along = [
            (point[0] + s * (end[0] - point[0]), point[1] + s * (end[1] - point[1])) for s in t
        ]
        lift = 6.0  # just above the surface, so that it is not hidden in it
        here = height(*point)
        return [
            go.Scatter3d(x=[q[0] for q in along], y=[q[1] for q in along],
                         z=[height(*q) + lift for q in along], mode="lines",
                         line={"color": "crimson", "width": 8}, hoverinfo="skip"),
            go.Scatter3d(x=[point[0]], y=[point[1]], z=[here + lift], mode="markers",
                         marker={"size": 6, "color": "crimson"}, hoverinfo="skip"),
            go.Scatter(x=[point[0], end[0]], y=[point[1], end[1]], mode="lines+markers",
                       line={"color": "crimson", "width": 3},
                       marker={"size": [9, 16], "color": "crimson",
                               "symbol": ["circle", "arrow"], "angleref": "previous"},
                       customdata=[list(gradient), list(gradient)],
                       hovertemplate="gradient (%{customdata[0]:.3f}, %{customdata[1]:.3f})"
                       "<extra></extra>"),
        ]  # fmt: skip

    def title(point: tuple[float, float], gradient: np.ndarray) -> dict[str, str]:
        return {
            "text": f"price {point[0]:g}, ad spend {point[1]:g}: profit {height(*point):.1f}, "
            f"gradient ({gradient[0]:+.2f}, {gradient[1]:+.3f})<br>"
            f"uphill from here: {_advice(gradient)}"
        }

    first = points.index((8.0, 75.0)) if (8.0, 75.0) in points else 0
    for trace in traces(points[first], gradients[first]):
        figure.add_trace(trace, row=1, col=1 if trace.type == "scatter3d" else 2)
    names = [f"point={p:g},{a:g}" for p, a in points]
    figure.frames = [
        go.Frame(name=name, data=traces(p, g), traces=[2, 3, 4], layout={"title": title(p, g)})
        for name, p, g in zip(names, points, gradients, strict=True)
    ]
    labels = [f"({p:g}, {a:g})" for p, a in points]
    figure.update_layout(
        title=title(points[first], gradients[first]),
        sliders=[{**slider(labels, names, "point (price, ad spend): ", first), "pad": {"t": 30}}],
    )
    return figure


def ascent_path(
    gradient_ascent: Function,
    grad_fn: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    lr: float,
) -> np.ndarray:
    """Every point the student's gradient_ascent visits (the points where it asks for the
    gradient, each once, in order), ending where it stops."""
    path: list[np.ndarray] = []

    def recording(x: np.ndarray) -> np.ndarray:
        point = np.array(x, dtype=float)
        if not path or not np.array_equal(point, path[-1]):
            path.append(point)
        return grad_fn(x)

    end = np.array(gradient_ascent(recording, np.array(x0, dtype=float), lr=lr), dtype=float)
    if not path or not np.array_equal(end, path[-1]):
        path.append(end)
    return np.array(path)


def ascent_figure(
    business_profit: Function,
    business_profit_gradient: Function,
    gradient_ascent: Function,
    shop: dict[str, float] = SHOP,
    start: tuple[float, float] = START,
    lr: float = 0.1,
    steps: list[int] = ASCENT_STEPS,
) -> Any:
    """The student's gradient ascent from ``start`` on the profit landscape: its path after
    each number of steps of ``steps`` (on a slider), on the surface and on the map."""
    import plotly.graph_objects as go

    prices, ads, heights = _landscape(business_profit, shop)
    figure = _base(prices, ads, heights, ("the climb on the surface", "the climb on the map"))
    path = ascent_path(
        gradient_ascent, lambda x: business_profit_gradient(x, **shop), np.array(start), lr
    )
    last = len(path) - 1
    shown = sorted({k for k in steps if k < last} | {last})
    climbed = np.array([float(business_profit(x, **shop)) for x in path])
    span = np.array([PRICE_RANGE[1] - PRICE_RANGE[0], AD_RANGE[1] - AD_RANGE[0]])
    between: dict[int, np.ndarray] = {}  # a long step, drawn over the surface, not through it
    for i in range(min(len(path) - 1, 60)):
        if np.linalg.norm((path[i + 1] - path[i]) / span) > 0.02:
            t = np.linspace(0.0, 1.0, 17)[1:-1, None]
            points = path[i] + t * (path[i + 1] - path[i])
            heights = [float(business_profit(q, **shop)) for q in points]
            between[i] = np.column_stack([points, heights])

    def over_surface(keep: np.ndarray) -> np.ndarray:
        """The kept points with their profit, and the points in between long steps."""
        rows = []
        for i in keep:
            rows.append([path[i, 0], path[i, 1], climbed[i]])
            if i + 1 in keep and i in between:
                rows.extend(between[i].tolist())
        return np.array(rows)

    def traces(k: int) -> list[Any]:
        every = np.arange(min(k, 60) + 1)  # the first steps, then 200 along the rest
        keep = np.unique(np.concatenate([every, np.linspace(0, k, 200).round().astype(int)]))
        walk = path[keep]
        lift = 6.0
        above = over_surface(keep)
        return [
            go.Scatter3d(x=above[:, 0], y=above[:, 1], z=above[:, 2] + lift,
                         mode="lines", line={"color": "crimson", "width": 6}, hoverinfo="skip"),
            go.Scatter3d(x=[path[k, 0]], y=[path[k, 1]], z=[climbed[k] + lift], mode="markers",
                         marker={"size": 6, "color": "crimson"}, hoverinfo="skip"),
            go.Scatter(x=walk[:, 0], y=walk[:, 1], mode="lines", line={"color": "crimson"},
                       hoverinfo="skip"),
            go.Scatter(x=[path[k, 0]], y=[path[k, 1]], mode="markers",
                       marker={"size": 12, "color": "crimson",
                               "symbol": "star" if k == last else "circle"},
                       hovertemplate="price %{x:.3f}<br>ad spend %{y:.2f}<extra></extra>"),
        ]  # fmt: skip

    def title(k: int) -> dict[str, str]:
        text = (
            f"step {k}: price {path[k, 0]:.2f}, ad spend {path[k, 1]:.1f}, "
            f"profit {climbed[k]:.2f} (start {climbed[0]:.0f})"
        )
        if k == last:
            text += f"<br>gradient_ascent stops here, after {last} steps of lr = {lr:g}"
        elif k > 0:
            text += "<br>" + (
                "one big first step: to about the best price for this ad spend"
                if k == 1
                else "creeping along the ridge: the slope there is gentle, so steps are small"
            )
        return {"text": text}

    for trace in traces(shown[0]):
        figure.add_trace(trace, row=1, col=1 if trace.type == "scatter3d" else 2)
    figure.add_trace(
        go.Scatter(x=[start[0]], y=[start[1]], mode="markers", hoverinfo="skip",
                   marker={"size": 9, "color": "white", "line": {"color": "crimson", "width": 2}}),
        row=1, col=2,
    )  # fmt: skip
    names = [f"step={k}" for k in shown]
    figure.frames = [
        go.Frame(name=name, data=traces(k), traces=[2, 3, 4, 5], layout={"title": title(k)})
        for name, k in zip(names, shown, strict=True)
    ]
    figure.update_layout(
        title=title(shown[0]),
        sliders=[{**slider([str(k) for k in shown], names, "steps taken: ", 0), "pad": {"t": 30}}],
    )
    return figure


gradient = view(gradient_figure, "business_profit", "business_profit_gradient")
ascent = view(ascent_figure, "business_profit", "business_profit_gradient", "gradient_ascent")
