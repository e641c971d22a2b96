"""Module 4's views: a learning rate on a slider over a descent on a 2-D bowl, and a
start point on a slider over the double well."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import slider, view

BOWL = np.array([[5.5, 4.5], [4.5, 5.5]])  # eigenvalues 10 and 1: 2 / lambda_max = 0.2
START = np.array([-2.0, 1.0])
RATES = [float(r) for r in np.round(np.arange(0.01, 0.2501, 0.01), 2)]
STARTS = [float(s) for s in np.round(np.linspace(-2.0, 2.0, 41), 2)]
Descent = Callable[..., Any]


def descent_path(
    gradient_descent: Descent,
    grad_fn: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    lr: float,
    steps: int,
) -> np.ndarray:
    """Every point the student's gradient_descent visits, from x0 to where it ends."""
    path: list[np.ndarray] = []

    def recording(x: np.ndarray) -> np.ndarray:
        path.append(np.array(x, dtype=float))
        return grad_fn(x)

    end, _ = gradient_descent(recording, x0, lr=lr, max_iters=steps)
    return np.array([*path, np.asarray(end, dtype=float)])


def regime(lr: float, limit: float) -> str:
    """How a walk on the bowl behaves at ``lr``, given its stable limit 2 / lambda_max."""
    if lr >= limit:
        return "explodes: every step overshoots by more than it corrects"
    if lr > limit / 2:
        return "zig-zags across the steep direction, but converges"
    if lr >= 0.05:
        return "glides in"
    return "crawls: the flat direction barely moves"


def learning_rate_figure(
    gradient_descent: Descent,
    max_stable_learning_rate: Callable[[np.ndarray], float],
    A: np.ndarray = BOWL,
    start: np.ndarray = START,
    rates: list[float] = RATES,
    steps: int = 30,
) -> Any:
    """The bowl 0.5 x^T A x with the descent path at each learning rate of ``rates`` (on a
    slider), beside the loss per step on a log scale."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    limit = float(max_stable_learning_rate(A))

    def loss(points: np.ndarray) -> np.ndarray:
        return 0.5 * np.einsum("ni,ij,nj->n", points, A, points)

    paths = [descent_path(gradient_descent, lambda x: A @ x, start, lr, steps) for lr in rates]
    grid = np.linspace(-3, 3, 61)
    xs, ys = np.meshgrid(grid, grid)
    bowl = 0.5 * (A[0, 0] * xs**2 + (A[0, 1] + A[1, 0]) * xs * ys + A[1, 1] * ys**2)
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("path on the bowl", "loss per step"),
        column_widths=[0.55, 0.45],
    )
    figure.add_trace(
        go.Contour(
            x=grid,
            y=grid,
            z=bowl,
            ncontours=20,
            showscale=False,
            colorscale="Viridis",
            contours={"coloring": "lines"},
            hoverinfo="skip",
            name="bowl",
        ),
        row=1,
        col=1,
    )

    def traces(path: np.ndarray) -> list[Any]:
        shown = np.clip(path, -1e6, 1e6)  # an exploding walk leaves the picture, not the plot
        return [
            go.Scatter(x=shown[:, 0], y=shown[:, 1], mode="lines+markers", name="path",
                       line={"color": "crimson"}, marker={"size": 5}),
            go.Scatter(x=np.arange(len(path)), y=np.clip(loss(shown), 1e-9, 1e9),
                       mode="lines+markers", name="loss", line={"color": "crimson"},
                       marker={"size": 4}),
        ]  # fmt: skip

    def title(lr: float) -> dict[str, str]:
        return {"text": f"lr = {lr:g}: {regime(lr, limit)}"}

    first = rates.index(0.1) if 0.1 in rates else 0
    path_trace, loss_trace = traces(paths[first])
    figure.add_trace(path_trace, row=1, col=1)
    figure.add_trace(loss_trace, row=1, col=2)
    names = [f"lr={lr:g}" for lr in rates]
    figure.frames = [
        go.Frame(name=name, data=traces(path), traces=[1, 2], layout={"title": title(lr)})
        for name, lr, path in zip(names, rates, paths, strict=True)
    ]
    figure.update_xaxes(range=[-3, 3], row=1, col=1)
    figure.update_yaxes(range=[-3, 3], scaleanchor="x", row=1, col=1)
    figure.update_yaxes(type="log", range=[-9, 9], row=1, col=2, exponentformat="power")
    figure.update_xaxes(range=[-1, steps + 1], row=1, col=2)
    figure.update_xaxes(title_text="step", row=1, col=2)
    figure.update_layout(
        title=title(rates[first]),
        sliders=[slider(rates, names, f"learning rate (limit 2/λmax = {limit:.3g}): ", first)],
        showlegend=False,
        height=480,
        margin={"t": 80},
    )
    return figure


def double_well_figure(
    gradient_descent: Descent, starts: list[float] = STARTS, lr: float = 0.01, steps: int = 2000
) -> Any:
    """f(x) = x^4 - 3x^2 + x with the descent from each start of ``starts`` (on a slider):
    which valley a walk ends in depends on where it starts."""
    import plotly.graph_objects as go

    def f(x: np.ndarray) -> np.ndarray:
        return x**4 - 3 * x**2 + x

    def grad(x: np.ndarray) -> np.ndarray:
        return 4 * x**3 - 6 * x + 1

    paths = [descent_path(gradient_descent, grad, np.array([s]), lr, steps)[:, 0] for s in starts]
    curve = np.linspace(-2.2, 2.2, 200)
    figure = go.Figure(
        go.Scatter(
            x=curve, y=f(curve), mode="lines", name="f", line={"color": "gray"}, hoverinfo="skip"
        )
    )

    def traces(path: np.ndarray) -> list[Any]:
        return [
            go.Scatter(x=path, y=f(path), mode="markers", name="steps",
                       marker={"size": 5, "color": "crimson", "opacity": 0.4}),
            go.Scatter(x=path[-1:], y=f(path[-1:]), mode="markers", name="end",
                       marker={"size": 14, "color": "crimson", "symbol": "star"}),
        ]  # fmt: skip

    def title(start: float, path: np.ndarray) -> dict[str, str]:
        valley = "the deeper valley" if path[-1] < 0 else "the shallower valley"
        return {"text": f"start {start:+g}: ends at x = {path[-1]:+.3f}, in {valley}"}

    first = starts.index(0.5) if 0.5 in starts else 0
    for trace in traces(paths[first]):
        figure.add_trace(trace)
    names = [f"start={s:g}" for s in starts]
    figure.frames = [
        go.Frame(name=name, data=traces(path), traces=[1, 2], layout={"title": title(s, path)})
        for name, s, path in zip(names, starts, paths, strict=True)
    ]
    figure.update_layout(
        title=title(starts[first], paths[first]),
        sliders=[slider(starts, names, "start point: ", first)],
        xaxis={"title": "x", "range": [-2.3, 2.3]},
        yaxis={"title": "f(x) = x⁴ − 3x² + x", "range": [-5, 6]},
        showlegend=False,
        height=420,
    )
    return figure


learning_rates = view(learning_rate_figure, "gradient_descent", "max_stable_learning_rate")
double_well = view(double_well_figure, "gradient_descent")
