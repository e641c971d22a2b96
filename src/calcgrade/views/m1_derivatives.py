"""Module 1's views: the tangent line at a price on a slider, the error of forward and
central differences as the step ``h`` shrinks, and the price optimizer's looks at the
profit curve, step by step."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import slider, view

SHOP = {"unit_cost": 2.0, "base_demand": 100.0, "price_sensitivity": 5.0}  # peak at 11
TANGENT_PRICES = [float(p) for p in np.round(np.arange(3.0, 19.01, 0.5), 1)]
STEP_SIZES = [float(f"{m}e{e}") for e in range(-12, 0) for m in (1, 2, 5)] + [1.0]
MAX_STEPS = 80  # the optimizer view shows at most this many steps
Derivative = Callable[..., float]
Profit = Callable[..., Any]


def _signed(value: float, digits: int = 1) -> str:
    """``value`` with its sign, never "-0.0"."""
    return f"{round(value, digits) + 0.0:+.{digits}f}"


def tangent_figure(
    derivative: Derivative,
    profit: Profit,
    shop: dict[str, float] = SHOP,
    prices: list[float] = TANGENT_PRICES,
) -> Any:
    """The profit curve with its tangent line at each price of ``prices`` (on a slider);
    the tangent's slope is the student's ``derivative`` of their ``profit``."""
    import plotly.graph_objects as go

    def f(price: float) -> float:
        return float(profit(price, **shop))

    curve = np.linspace(2.0, 20.0, 200)
    heights = np.asarray(profit(curve, **shop), dtype=float)
    slopes = [float(derivative(f, p)) for p in prices]
    figure = go.Figure(
        go.Scatter(x=curve, y=heights, mode="lines", name="profit", line={"color": "gray"})
    )

    def traces(price: float, slope: float) -> list[Any]:
        near = np.array([price - 3.0, price + 3.0])
        return [
            go.Scatter(x=near, y=f(price) + slope * (near - price), mode="lines",
                       name="tangent", line={"color": "crimson", "dash": "dash", "width": 3},
                       hoverinfo="skip"),
            go.Scatter(x=[price], y=[f(price)], mode="markers", name="point",
                       marker={"size": 12, "color": "crimson"}),
        ]  # fmt: skip

    def title(price: float, slope: float) -> dict[str, str]:
        if slope > 0.05:
            where = "uphill: raising the price earns more"
        elif slope < -0.05:
            where = "downhill: lowering the price earns more"
        else:
            where = "flat: the top of the curve"
        return {"text": f"price {price:g}: slope {_signed(slope)} per unit of price, {where}"}

    first = prices.index(6.0) if 6.0 in prices else 0
    for trace in traces(prices[first], slopes[first]):
        figure.add_trace(trace)
    names = [f"price={p:g}" for p in prices]
    figure.frames = [
        go.Frame(name=name, data=traces(p, s), traces=[1, 2], layout={"title": title(p, s)})
        for name, p, s in zip(names, prices, slopes, strict=True)
    ]
    top = float(np.max(heights))
    figure.update_layout(
        title=title(prices[first], slopes[first]),
        sliders=[slider(prices, names, "price: ", first)],
        xaxis={"title": "price", "range": [2, 20]},
        yaxis={"title": "profit", "range": [-0.25 * top, 1.2 * top]},
        showlegend=False,
        height=440,
    )
    return figure


def step_size_figure(
    derivative: Derivative,
    f: Callable[[Any], Any] = np.sin,
    exact: Callable[[Any], Any] = np.cos,
    x: float = 1.0,
    steps: list[float] = STEP_SIZES,
    name: str = "sin x",
) -> Any:
    """How far the forward difference and the student's central ``derivative`` are from
    the exact slope of ``f`` at ``x``, for each step ``h`` of ``steps`` (on a slider): the
    secant lines beside the error of each on a log scale."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    true_slope = float(exact(x))
    hs = np.array(steps, dtype=float)
    forward = np.array([(float(f(x + h)) - float(f(x))) / h for h in hs])
    central = np.array([float(derivative(f, x, h)) for h in hs])
    tiny = 1e-17  # an error of exactly 0 still has a place on the log scale
    forward_error = np.maximum(np.abs(forward - true_slope), tiny)
    central_error = np.maximum(np.abs(central - true_slope), tiny)

    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"f(x) = {name} near x = {x:g}", "error of each estimate of f′(x)"),
        column_widths=[0.45, 0.55],
        horizontal_spacing=0.1,
    )
    near = np.linspace(x - 1.5, x + 1.5, 121)
    ends = np.array([x - 1.5, x + 1.5])
    static = [
        (go.Scatter(x=near, y=f(near), mode="lines", name="f", line={"color": "gray"},
                    hoverinfo="skip", showlegend=False), 1),
        (go.Scatter(x=ends, y=float(f(x)) + true_slope * (ends - x), mode="lines",
                    name="tangent (exact slope)", line={"color": "black", "dash": "dot"},
                    hoverinfo="skip"), 1),
        (go.Scatter(x=hs, y=forward_error, mode="lines", name="forward (f(x+h) − f(x)) / h",
                    line={"color": "darkorange"}), 2),
        (go.Scatter(x=hs, y=central_error, mode="lines",
                    name="central: your derivative(f, x, h)", line={"color": "royalblue"}), 2),
    ]  # fmt: skip
    for trace, col in static:
        figure.add_trace(trace, row=1, col=col)

    def traces(i: int) -> list[Any]:
        h = hs[i]
        return [
            go.Scatter(x=ends, y=float(f(x)) + forward[i] * (ends - x), mode="lines",
                       line={"color": "darkorange"}, hoverinfo="skip", showlegend=False),
            go.Scatter(x=ends, y=float(f(x)) + central[i] * (ends - x), mode="lines",
                       line={"color": "royalblue"}, hoverinfo="skip", showlegend=False),
            go.Scatter(x=[x - h, x, x + h], y=[f(x - h), f(x), f(x + h)], mode="markers",
                       marker={"color": "black", "size": 8}, showlegend=False),
            go.Scatter(x=[h, h], y=[forward_error[i], central_error[i]], mode="markers",
                       marker={"color": ["darkorange", "royalblue"], "size": 12},
                       showlegend=False),
        ]  # fmt: skip

    def title(i: int) -> dict[str, str]:
        return {
            "text": f"h = {hs[i]:g}: forward is off by {forward_error[i]:.1e}, "
            f"central (your derivative) by {central_error[i]:.1e}"
        }

    first = steps.index(0.5) if 0.5 in steps else len(steps) - 1
    for trace, col in zip(traces(first), (1, 1, 1, 2), strict=True):
        figure.add_trace(trace, row=1, col=col)
    names = [f"h={h:g}" for h in steps]
    figure.frames = [
        go.Frame(name=name, data=traces(i), traces=[4, 5, 6, 7], layout={"title": title(i)})
        for i, name in enumerate(names)
    ]
    span = float(np.ptp(f(near)))
    low = float(np.min(f(near)))
    figure.update_xaxes(title_text="x", range=[x - 1.5, x + 1.5], row=1, col=1)
    figure.update_yaxes(range=[low - 0.15 * span, low + 1.15 * span], row=1, col=1)
    figure.update_xaxes(title_text="step h", type="log", exponentformat="power", row=1, col=2)
    figure.update_yaxes(
        title_text="|estimate − exact slope|",
        type="log",
        range=[-17.3, 0.5],
        exponentformat="power",
        row=1,
        col=2,
    )
    figure.update_layout(
        title=title(first),
        sliders=[slider(steps, names, "step h: ", first)],
        legend={
            "x": 0.44,
            "xanchor": "right",
            "y": 0.02,
            "yanchor": "bottom",
            "bgcolor": "rgba(255, 255, 255, 0.8)",
            "font": {"size": 11},
        },
        height=520,
        margin={"t": 90},
    )
    return figure


def _looks(calls: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The optimizer's calls of the profit function, grouped into looks: two calls at prices
    a hair apart (one derivative estimate) are one look, any other call is a look of its
    own; at most ``MAX_STEPS`` looks."""
    looks: list[tuple[list[np.ndarray], list[np.ndarray]]] = []
    for prices, values in calls:
        alone = looks and len(looks[-1][0]) == 1 and prices.size == 1 == looks[-1][0][0].size
        if alone and abs(float(prices[0]) - float(looks[-1][0][0][0])) < 1e-3:
            looks[-1][0].append(prices)
            looks[-1][1].append(values)
            continue
        looks.append(([prices], [values]))
    if len(looks) > MAX_STEPS:  # a search calling it very often: shown in MAX_STEPS steps
        bounds = np.linspace(0, len(looks), MAX_STEPS + 1).astype(int)
        looks = [
            (
                [p for look in looks[a:b] for p in look[0]],
                [v for look in looks[a:b] for v in look[1]],
            )
            for a, b in itertools.pairwise(bounds)
        ]
    return [(np.concatenate(p), np.concatenate(v)) for p, v in looks]


def optimizer_figure(
    optimal_price: Callable[..., float],
    profit: Profit,
    shop: dict[str, float] = SHOP,
    low: float = 3.0,
    high: float = 20.0,
) -> Any:
    """The profit curve with every price the student's ``optimal_price`` looks at, one look
    per slider step (the calls it makes to the profit function it is given, recorded),
    and how far each look is from the price it returns."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    calls: list[tuple[np.ndarray, np.ndarray]] = []

    def recording(price: Any) -> Any:
        value = profit(price, **shop)
        prices = np.atleast_1d(np.array(price, dtype=float)).ravel()
        calls.append((prices, np.atleast_1d(np.array(value, dtype=float)).ravel()))
        return value

    best = float(optimal_price(recording, low, high))
    best_profit = float(profit(best, **shop))
    looks = _looks(calls)
    centres = np.array([float(np.mean(p)) for p, _ in looks])
    distance = np.maximum(np.abs(centres - best), 1e-12)

    def slope(look: tuple[np.ndarray, np.ndarray]) -> float | None:
        prices, values = look
        if prices.size < 2 or np.ptp(prices) == 0 or np.ptp(prices) > 1e-2:
            return None  # one price, or prices far apart: no slope measured
        left, right = int(np.argmin(prices)), int(np.argmax(prices))
        return float((values[right] - values[left]) / (prices[right] - prices[left]))

    slopes = [slope(look) for look in looks]
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("where the optimizer looks", "how far each look is from the answer"),
        column_widths=[0.6, 0.4],
        horizontal_spacing=0.1,
    )
    curve = np.linspace(min(2.0, low), max(20.0, high), 200)
    heights = np.asarray(profit(curve, **shop), dtype=float)
    figure.add_trace(
        go.Scatter(x=curve, y=heights, mode="lines", line={"color": "gray"}, hoverinfo="skip"),
        row=1,
        col=1,
    )
    figure.add_vrect(x0=low, x1=high, fillcolor="gold", opacity=0.12, line_width=0, row=1, col=1,
                     annotation_text=f"the interval [{low:g}, {high:g}]",
                     annotation_position="top left")  # fmt: skip

    def traces(k: int) -> list[Any]:
        seen = np.concatenate([p for p, _ in looks[: k + 1]])
        seen_profit = np.concatenate([v for _, v in looks[: k + 1]])
        here = centres[k]
        here_profit = float(profit(here, **shop))
        tangent: tuple[list[float], list[float]] = ([], [])
        seen_slope = slopes[k]
        if seen_slope is not None:
            tangent = (
                [here - 1.5, here + 1.5],
                [here_profit - 1.5 * seen_slope, here_profit + 1.5 * seen_slope],
            )
        last = k == len(looks) - 1
        return [
            go.Scatter(x=seen, y=seen_profit, mode="markers", name="looked at",
                       marker={"size": 7, "color": "crimson", "opacity": 0.35}),
            go.Scatter(x=tangent[0], y=tangent[1], mode="lines", name="slope seen",
                       line={"color": "crimson", "dash": "dash", "width": 3}, hoverinfo="skip"),
            go.Scatter(x=[here], y=[here_profit], mode="markers", name="this look",
                       marker={"size": 13, "color": "crimson"}),
            go.Scatter(x=[best] if last else [], y=[best_profit] if last else [],
                       mode="markers", name="returned",
                       marker={"size": 18, "color": "gold", "symbol": "star",
                               "line": {"color": "black", "width": 1}}),
            go.Scatter(x=np.arange(1, k + 2), y=distance[: k + 1], mode="lines+markers",
                       name="distance", line={"color": "crimson"}, marker={"size": 5}),
        ]  # fmt: skip

    def title(k: int) -> dict[str, str]:
        text = f"look {k + 1} of {len(looks)}: price {centres[k]:.4f}"
        seen_slope = slopes[k]
        if seen_slope is not None and abs(seen_slope) < 1e-3:
            text += f", slope {seen_slope:+.1e}: flat, the peak is right here"
        elif seen_slope is not None:
            direction = "right" if seen_slope > 0 else "left"
            text += f", slope {seen_slope:+.3g}: the peak is to the {direction}"
        if k == len(looks) - 1:
            text += f"<br>optimal_price returns {best:.4f} (profit {best_profit:.2f})"
        return {"text": text}

    steps = list(range(len(looks)))
    for trace, col in zip(traces(0), (1, 1, 1, 1, 2), strict=True):
        figure.add_trace(trace, row=1, col=col)
    names = [f"look={k + 1}" for k in steps]
    figure.frames = [
        go.Frame(name=name, data=traces(k), traces=[1, 2, 3, 4, 5], layout={"title": title(k)})
        for k, name in zip(steps, names, strict=True)
    ]
    top = float(np.max(heights))
    figure.update_xaxes(title_text="price", range=[curve[0], curve[-1]], row=1, col=1)
    figure.update_yaxes(title_text="profit", range=[-0.25 * top, 1.2 * top], row=1, col=1)
    figure.update_xaxes(title_text="look", range=[0, len(looks) + 1], row=1, col=2)
    figure.update_yaxes(
        title_text="|price − returned price|",
        type="log",
        range=[-12.5, np.log10(max(high - low, 1.0)) + 0.5],
        exponentformat="power",
        row=1,
        col=2,
    )
    figure.update_layout(
        title=title(0),
        sliders=[slider([k + 1 for k in steps], names, "look: ", 0)],
        showlegend=False,
        height=480,
        margin={"t": 100},
    )
    return figure


tangent = view(tangent_figure, "derivative", "profit")
step_size = view(step_size_figure, "derivative")
optimizer = view(optimizer_figure, "optimal_price", "profit")
