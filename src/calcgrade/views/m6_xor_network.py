"""The final project's view: the student's XORNetwork learning XOR, on an epoch slider:
the probability it gives over the input square with its decision boundary, the loss
curve so far, and what the hidden units compute on the four XOR points."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import slider, view

X_XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y_XOR = np.array([[0.0], [1.0], [1.0], [0.0]])
# denser where the boundary moves most: the first few hundred epochs
EPOCHS = [0, 10, 20, 30, 40, 50, 60, 80, 100, 125, 150, 175, 200, 250, 300, 400, 500,
          750, 1000, 1500, 2000, 3000, 4000, 5000]  # fmt: skip
GRID = np.linspace(-0.5, 1.5, 41)  # holds 0 and 1 exactly: the four points are on it
POINTS = ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]


def snapshots(
    network_class: Callable[..., Any],
    hidden_size: int = 4,
    seed: int = 1,
    lr: float = 0.5,
    epochs: list[int] = EPOCHS,
) -> tuple[list[float], list[dict[str, np.ndarray]]]:
    """Train the student's network on XOR with its own ``train``, stopping at each
    epoch of ``epochs``: the losses of every epoch, and at each stop the probabilities
    on GRID, the hidden activations on the four points, and the loss there."""
    network = network_class(hidden_size=hidden_size, seed=seed)
    xs, ys = np.meshgrid(GRID, GRID)
    square = np.column_stack([xs.ravel(), ys.ravel()])
    losses: list[float] = []
    taken = []
    for epoch in epochs:
        if epoch > len(losses):
            losses.extend(
                float(v) for v in network.train(X_XOR, Y_XOR, lr=lr, epochs=epoch - len(losses))
            )
        params = network.params
        taken.append(
            {
                "probability": np.asarray(network.forward(square), dtype=float).reshape(xs.shape),
                "hidden": np.tanh(X_XOR @ params["W1"] + params["b1"]),
                "on_points": np.asarray(network.forward(X_XOR), dtype=float)[:, 0],
                "loss": np.array(float(network.loss(X_XOR, Y_XOR))),
            }
        )
    return losses, taken


def boundary(z: np.ndarray, level: float = 0.5) -> tuple[list[Any], list[Any]]:
    """The line where ``z`` (on GRID x GRID, rows along x2) crosses ``level``, as
    segments separated by None: marching squares, with a straight cut across each cell."""
    xs: list[Any] = []
    ys: list[Any] = []
    for i in range(len(GRID) - 1):
        for j in range(len(GRID) - 1):
            corners = [(i, j), (i, j + 1), (i + 1, j + 1), (i + 1, j)]
            cuts = []
            for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
                if (z[a] >= level) != (z[b] >= level):
                    t = (level - z[a]) / (z[b] - z[a])
                    cuts.append((GRID[a[1]] + t * (GRID[b[1]] - GRID[a[1]]),
                                 GRID[a[0]] + t * (GRID[b[0]] - GRID[a[0]])))  # fmt: skip
            for start, end in zip(cuts[::2], cuts[1::2], strict=True):
                xs += [float(start[0]), float(end[0]), None]
                ys += [float(start[1]), float(end[1]), None]
    return xs, ys


def shown_epochs(total: int) -> np.ndarray:
    """The epochs the loss curve draws: every one at first, then every 20th."""
    return np.unique(np.concatenate([np.arange(min(total, 200)), np.arange(200, total, 20)]))


def training_figure(
    network_class: Callable[..., Any],
    hidden_size: int = 4,
    seed: int = 1,
    lr: float = 0.5,
    epochs: list[int] = EPOCHS,
) -> Any:
    """The XOR network of the student's class learning, one slider position per epoch of
    ``epochs``: probability of label 1 with the 0.5 boundary, loss so far, hidden units."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    losses, taken = snapshots(network_class, hidden_size, seed, lr, epochs)
    grid = GRID.tolist()  # plain lists, not NumPy arrays: a frame redraws faster
    units = [f"h{i + 1}" for i in range(hidden_size)]
    rows = [f"{p} → {int(t)}" for p, t in zip(POINTS, Y_XOR[:, 0], strict=True)]
    figure = make_subplots(
        rows=1,
        cols=3,
        column_widths=[0.4, 0.32, 0.28],
        horizontal_spacing=0.09,
        subplot_titles=(
            "P(label 1): red 1, blue 0, black line 0.5",
            "loss (binary cross-entropy)",
            "hidden units on the four points",
        ),
    )

    def traces(epoch: int, snap: dict[str, np.ndarray]) -> list[Any]:
        upto = shown_epochs(epoch)
        line = boundary(snap["probability"])
        hidden = snap["hidden"].ravel().tolist()
        return [
            go.Heatmap(x=grid, y=grid, z=snap["probability"].tolist(), zsmooth="fast",
                       zmin=0, zmax=1, colorscale="RdBu_r", showscale=False,
                       hovertemplate="x1 %{x:.2f}, x2 %{y:.2f}: p = %{z:.2f}<extra></extra>"),
            go.Scatter(x=line[0], y=line[1], mode="lines", hoverinfo="skip",
                       line={"color": "black", "width": 2}),
            go.Scatter(x=[*upto.tolist(), epoch],
                       y=[*(losses[i] for i in upto), float(snap["loss"])],
                       mode="lines+markers", line={"color": "crimson", "width": 2},
                       marker={"size": [0] * len(upto) + [9], "color": "crimson"},
                       hoverinfo="skip"),
            go.Scatter(x=[*units] * len(rows), y=[row for row in rows for _ in units],
                       mode="markers+text", text=[f"{h:+.2f}" for h in hidden],
                       customdata=hidden, hoverinfo="skip",
                       textfont={"size": 11, "color": ["white" if abs(h) > 0.6 else "black"
                                                       for h in hidden]},
                       marker={"symbol": "square", "size": 44, "color": hidden,
                               "cmin": -1, "cmax": 1, "colorscale": "PuOr"}),
        ]  # fmt: skip

    def title(epoch: int, snap: dict[str, np.ndarray]) -> dict[str, str]:
        labels = (snap["on_points"] >= 0.5).astype(int)
        right = int(np.sum(labels == Y_XOR[:, 0]))
        said = " ".join(str(label) for label in labels)
        return {
            "text": f"epoch {epoch}: loss {float(snap['loss']):.4f}, "
            f"predicts {said} for (0,0) (0,1) (1,0) (1,1): {right} of 4 right"
        }

    probability, line, so_far, hidden = traces(epochs[0], taken[0])
    figure.add_trace(probability, row=1, col=1)
    figure.add_trace(line, row=1, col=1)
    figure.add_trace(
        go.Scatter(x=X_XOR[:, 0], y=X_XOR[:, 1], mode="markers+text",
                   text=[str(int(t)) for t in Y_XOR[:, 0]], textfont={"color": "white"},
                   marker={"size": 22, "color": Y_XOR[:, 0], "colorscale": "RdBu_r", "cmin": -0.2,
                           "cmax": 1.2, "line": {"color": "black", "width": 2}},
                   hoverinfo="skip"),
        row=1, col=1,
    )  # fmt: skip
    curve = shown_epochs(len(losses))
    figure.add_trace(
        go.Scatter(x=curve.tolist(), y=[losses[i] for i in curve], mode="lines", hoverinfo="skip",
                   line={"color": "#cccccc", "width": 1.5}),
        row=1, col=2,
    )  # fmt: skip
    figure.add_trace(so_far, row=1, col=2)
    figure.add_trace(hidden, row=1, col=3)
    names = [f"epoch={epoch}" for epoch in epochs]
    figure.frames = [
        go.Frame(name=name, data=traces(epoch, snap), traces=[0, 1, 4, 5],
                 layout={"title": title(epoch, snap)})
        for name, epoch, snap in zip(names, epochs, taken, strict=True)
    ]  # fmt: skip
    low = min([*losses, *(float(s["loss"]) for s in taken)])
    figure.update_xaxes(title_text="x1", range=[-0.5, 1.5], constrain="domain", row=1, col=1)
    figure.update_yaxes(title_text="x2", range=[-0.5, 1.5], scaleanchor="x", row=1, col=1)
    figure.update_xaxes(title_text="epoch", range=[0, max(epochs)], row=1, col=2)
    figure.update_yaxes(type="log", range=[np.log10(low) - 0.2, 0.1], row=1, col=2)
    figure.update_yaxes(autorange="reversed", row=1, col=3)
    figure.update_layout(
        title=title(epochs[0], taken[0]),
        sliders=[slider([float(e) for e in epochs], names, "epoch: ", 0)],
        showlegend=False,
        height=480,
        margin={"t": 90},
    )
    return figure


training = view(training_figure, "XORNetwork")
