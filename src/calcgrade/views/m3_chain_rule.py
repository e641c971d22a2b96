"""Module 3's view: backpropagation through a 2-3-1 network drawn as layers, one step of
the forward and backward pass per slider position, computed by the student's layer
functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import slider, view

PARAMS = {
    "W1": np.array([[0.5, -0.3, 0.8], [0.2, 0.7, -0.4]]),
    "b1": np.array([0.1, -0.1, 0.2]),
    "W2": np.array([[0.6], [-0.5], [0.9]]),
    "b2": np.array([0.05]),
}
X = np.array([[1.0, -0.5]])
Y = np.array([[0.5]])

# where each node sits: a column per layer (x, z = x W1 + b1, h = tanh z, pred, loss)
COLUMNS = {"x": 0.0, "z": 2.0, "h": 3.0, "pred": 4.0, "loss": 5.0}
HEIGHTS = {1: [0.0], 2: [0.6, -0.6], 3: [1.2, 0.0, -1.2]}
SUB = "₁₂₃"
FORWARD, BACKWARD, WAITING = "#4c78a8", "#f58518", "#c8c8c8"  # blue, orange, gray

STEPS = [
    "the network: an input x, weights on the edges. Move the slider to run it",
    "forward 1/4: z = linear_forward(x, W1, b1)",
    "forward 2/4: h = tanh(z)",
    "forward 3/4: pred = linear_forward(h, W2, b2)",
    "forward 4/4: loss, dpred = mse_loss(pred, y)",
    "backward 1/4: start at the loss (∂L/∂L = 1); mse_loss gave ∂L/∂pred = 2 (pred − y) / N",
    "backward 2/4: dh, dW2, db2 = linear_backward(dpred, h, W2)",
    "backward 3/4: dz = tanh_backward(dh, z), the slope of tanh at z times dh",
    "backward 4/4: dx, dW1, db1 = linear_backward(dz, x, W1): every gradient, in one pass",
]
State = dict[str, np.ndarray]


def backprop_steps(
    linear_forward: Callable[..., Any],
    linear_backward: Callable[..., Any],
    tanh_backward: Callable[..., Any],
    mse_loss: Callable[..., Any],
    params: dict[str, np.ndarray] = PARAMS,
    x: np.ndarray = X,
    y: np.ndarray = Y,
) -> list[State]:
    """What is known after each step of STEPS: values on the way in, gradients on the
    way back, every one computed by the student's functions."""
    known: State = {"x": np.asarray(x, dtype=float)}
    states = [dict(known)]

    def record(**found: Any) -> None:
        known.update({name: np.asarray(value, dtype=float) for name, value in found.items()})
        states.append(dict(known))

    z = linear_forward(known["x"], params["W1"], params["b1"])
    record(z=z)
    h = np.tanh(known["z"])
    record(h=h)
    record(pred=linear_forward(h, params["W2"], params["b2"]))
    loss, dpred = mse_loss(known["pred"], y)
    record(loss=np.array([[loss]]))
    record(dloss=np.ones((1, 1)), dpred=dpred)
    dh, dW2, db2 = linear_backward(known["dpred"], known["h"], params["W2"])
    record(dh=dh, dW2=dW2, db2=db2)
    record(dz=tanh_backward(known["dh"], known["z"]))
    dx, dW1, db1 = linear_backward(known["dz"], known["x"], params["W1"])
    record(dx=dx, dW1=dW1, db1=db1)
    return states


def position(layer: str, index: int, size: int) -> tuple[float, float]:
    return COLUMNS[layer], HEIGHTS[size][index]


def backprop_figure(
    linear_forward: Callable[..., Any],
    linear_backward: Callable[..., Any],
    tanh_backward: Callable[..., Any],
    mse_loss: Callable[..., Any],
    params: dict[str, np.ndarray] = PARAMS,
    x: np.ndarray = X,
    y: np.ndarray = Y,
) -> Any:
    """The 2-3-1 network with one slider position per step of ``STEPS``: node values
    (blue) appear on the way in, gradients (orange) on the way back."""
    import plotly.graph_objects as go

    states = backprop_steps(linear_forward, linear_backward, tanh_backward, mse_loss, params, x, y)
    target = float(np.asarray(y).ravel()[0])
    sizes = {"x": 2, "z": 3, "h": 3, "pred": 1, "loss": 1}
    nodes = [(layer, i) for layer, size in sizes.items() for i in range(size)]
    # weighted edges: (weight name, row, column, from node, to node)
    weighted = [("W1", i, j, ("x", i), ("z", j)) for j in range(3) for i in range(2)]
    weighted += [("W2", j, 0, ("h", j), ("pred", 0)) for j in range(3)]
    plain = [(("z", j), ("h", j)) for j in range(3)] + [(("pred", 0), ("loss", 0))]

    def at(node: tuple[str, int]) -> tuple[float, float]:
        return position(node[0], node[1], sizes[node[0]])

    def name(layer: str, i: int) -> str:
        return layer + (SUB[i] if sizes[layer] > 1 else "")

    def node_text(state: State, layer: str, i: int) -> str:
        if layer not in state:
            return f"{name(layer, i)} = ?"
        lines = [f"{name(layer, i)} = {state[layer][0, i]:+.3f}"]
        if layer == "loss":
            lines[0] += f" (y = {target:g})"
        if "d" + layer in state:
            lines.append(f"∂L/∂{name(layer, i)} = {state['d' + layer][0, i]:+.3f}")
        return "<br>".join(lines)

    def weight_text(state: State, key: str, row: int, col: int) -> str:
        weight = f"{key}[{row},{col}]"
        text = f"{weight} = {params[key][row, col]:+.2f}"
        if "d" + key in state:
            text += f"<br>∂L/∂{weight} = {state['d' + key][row, col]:+.3f}"
        return text

    def traces(state: State) -> list[Any]:
        grads = [state["d" + key][r, c] for key, r, c, _, _ in weighted if "d" + key in state]
        largest = max([abs(g) for g in grads], default=1.0) or 1.0
        edges = []
        for key, row, col, start, end in weighted:
            (x0, y0), (x1, y1) = at(start), at(end)
            if "d" + key in state:
                width = 1.5 + 5 * abs(state["d" + key][row, col]) / largest
                line = {"color": BACKWARD, "width": width}
            else:
                line = {"color": FORWARD if end[0] in state else WAITING, "width": 1.5}
            edges.append(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", line=line,
                                    hoverinfo="skip"))  # fmt: skip
        fraction = [0.65 if key == "W1" else 0.45 for key, *_ in weighted]
        spots = [
            (at(a)[0] + f * (at(b)[0] - at(a)[0]), at(a)[1] + f * (at(b)[1] - at(a)[1]))
            for f, (*_, a, b) in zip(fraction, weighted, strict=True)
        ]
        labels = go.Scatter(
            x=[spot[0] for spot in spots],
            y=[spot[1] for spot in spots],
            mode="text",
            text=[weight_text(state, key, row, col) for key, row, col, _, _ in weighted],
            customdata=[
                state["d" + key][row, col] if "d" + key in state else None
                for key, row, col, _, _ in weighted
            ],
            textfont={
                "size": 10,
                "color": "#222",
                "shadow": "1px 1px 2px white, -1px -1px 2px white",
            },
            hoverinfo="skip",
        )
        colours = [
            BACKWARD if "d" + layer in state else FORWARD if layer in state else WAITING
            for layer, _ in nodes
        ]
        circles = go.Scatter(
            x=[at(node)[0] for node in nodes],
            y=[at(node)[1] for node in nodes],
            mode="markers+text",
            marker={"size": 26, "color": colours, "line": {"color": "white", "width": 2}},
            text=[node_text(state, layer, i) for layer, i in nodes],
            textposition=["middle left" if layer == "x" else "top center" for layer, _ in nodes],
            textfont={"size": 11},
            customdata=[
                [
                    state[layer][0, i] if layer in state else None,
                    state["d" + layer][0, i] if "d" + layer in state else None,
                ]
                for layer, i in nodes
            ],
            hoverinfo="skip",
        )
        return [*edges, labels, circles]

    figure = go.Figure()
    for start, end in plain:  # static: tanh and the loss have no weights
        (x0, y0), (x1, y1) = at(start), at(end)
        dotted = {"color": WAITING, "width": 1.5, "dash": "dot"}
        figure.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", line=dotted,
                                    hoverinfo="skip"))  # fmt: skip
    for trace in traces(states[0]):
        figure.add_trace(trace)
    moving = list(range(len(plain), len(plain) + len(weighted) + 2))
    names = [f"step={k}" for k in range(len(states))]
    figure.frames = [
        go.Frame(name=nm, data=traces(state), traces=moving, layout={"title": {"text": text}})
        for nm, state, text in zip(names, states, STEPS, strict=True)
    ]
    b1 = ", ".join(f"{b:+.2f}" for b in params["b1"])
    b2 = f"{params['b2'][0]:+.2f}"
    captions = {"x": "input x", "z": f"z = x W1 + b1<br>b1 = ({b1})", "h": "h = tanh(z)",
                "pred": f"pred = h W2 + b2<br>b2 = {b2}", "loss": "mse loss"}  # fmt: skip
    for layer, caption in captions.items():
        figure.add_annotation(x=COLUMNS[layer], y=-1.6, yanchor="top", text=caption,
                              showarrow=False, font={"size": 12})  # fmt: skip
    figure.add_annotation(
        x=0.5, y=-0.02, xref="paper", yref="paper", yanchor="top", showarrow=False,
        font={"size": 11, "color": "#555"},
        text=f"<span style='color:{FORWARD}'>●</span> value computed on the way forward   "
        f"<span style='color:{BACKWARD}'>●</span> gradient computed on the way back "
        "(edge width: size of ∂L/∂w)",
    )  # fmt: skip
    figure.update_layout(
        title={"text": STEPS[0]},
        sliders=[slider([float(k) for k in range(len(states))], names, "step: ", 0)],
        xaxis={"range": [-1.1, 5.6], "visible": False},
        yaxis={"range": [-2.15, 1.75], "visible": False},
        showlegend=False,
        height=560,
        margin={"t": 60, "b": 20, "l": 20, "r": 20},
        plot_bgcolor="white",
    )
    return figure


backprop = view(backprop_figure, "linear_forward", "linear_backward", "tanh_backward", "mse_loss")
