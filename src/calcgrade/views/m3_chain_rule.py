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
    legend = (
        f"<span style='color:{FORWARD}'>●</span> value computed on the way forward   "
        f"<span style='color:{BACKWARD}'>●</span> gradient computed on the way back "
        "(edge width: size of ∂L/∂w)"
    )
    drawn = {"x": [-1.1, 5.6], "y": [-2.15, 1.75], "height": 560, "top": 60}
    return as_graph(figure, STEPS[0], names, legend, drawn)


def as_graph(figure: Any, title: str, names: list[str], legend: str, drawn: dict[str, Any]) -> Any:
    """``figure`` laid out as a graph on a blank plane: the first step's ``title``, a
    step slider over the frames ``names``, a ``legend`` line below, and the ``drawn``
    x and y ranges, height and top margin."""
    figure.add_annotation(
        x=0.5, y=-0.02, xref="paper", yref="paper", yanchor="top", showarrow=False,
        font={"size": 11, "color": "#555"}, text=legend,
    )  # fmt: skip
    figure.update_layout(
        title={"text": title},
        sliders=[slider([float(k) for k in range(len(names))], names, "step: ", 0)],
        xaxis={"range": drawn["x"], "visible": False},
        yaxis={"range": drawn["y"], "visible": False},
        showlegend=False,
        height=drawn["height"],
        margin={"t": drawn["top"], "b": 20, "l": 20, "r": 20},
        plot_bgcolor="white",
    )
    return figure


backprop = view(backprop_figure, "linear_forward", "linear_backward", "tanh_backward", "mse_loss")


# -- autograd: the student's Value on one neuron and its loss ----------------------------

INPUTS = {"x1": 2.0, "w1": -3.0, "x2": 0.5, "w2": 1.0, "b": 6.5}
TARGET = 0.2
MISMATCH = "#d62728"  # red: differs from the chain rule
LEFT = {"x1", "w1", "x2", "w2"}  # labelled on their left, with no caption
# the graph of L = (tanh(x1·w1 + x2·w2 + b) − TARGET)²: node, what makes it, where it sits
GRAPH = {
    "x1": ("an input", (0.0, 3.0)),
    "w1": ("a weight", (0.0, 2.0)),
    "x2": ("an input", (0.0, 1.0)),
    "w2": ("a weight", (0.0, 0.0)),
    "x1w1": ("x1 · w1", (1.2, 2.5)),
    "x2w2": ("x2 · w2", (1.2, 0.5)),
    "s": ("x1w1 + x2w2", (2.4, 1.5)),
    "b": ("the bias", (2.4, -0.2)),
    "n": ("s + b", (3.6, 0.9)),
    "o": ("tanh(n)", (4.8, 0.9)),
    "d": (f"o − {TARGET:g}", (6.0, 0.9)),
    "L": ("d · d", (7.2, 0.9)),
}
EDGES = [("x1", "x1w1"), ("w1", "x1w1"), ("x2", "x2w2"), ("w2", "x2w2"), ("x1w1", "s"),
         ("x2w2", "s"), ("s", "n"), ("b", "n"), ("n", "o"), ("o", "d")]  # fmt: skip
# the backward pass, a slider position per node (or nodes) it reaches: who, and why
BACKWARD_STEPS = [
    ((), "forward: your Value computed every .data (blue). Move the slider to run L.backward()"),
    (("L",), "backward 1/6: L.grad = 1, where every backward pass starts"),
    (("d",), "backward 2/6: L = d · d uses d twice: d.grad adds both paths, d·L.grad + d·L.grad"),
    (("o",), "backward 3/6: d = o − y: a difference passes d.grad on to o unchanged"),
    (("n",), "backward 4/6: o = tanh(n): n.grad = (1 − o²) · o.grad"),
    (("s", "b"), "backward 5/6: n = s + b: a sum passes n.grad on to both"),
    (("x1w1", "x2w2", "x1", "w1", "x2", "w2"),
     "backward 6/6: s passes its grad on; x1w1 = x1 · w1 gives x1.grad = w1 · x1w1.grad, "
     "w1.grad = x1 · x1w1.grad"),
]  # fmt: skip


def chain_rule_by_hand(
    inputs: dict[str, float] = INPUTS, y: float = TARGET
) -> dict[str, tuple[float, float]]:
    """Every node's (data, grad) of GRAPH, computed here with floats, not with Value."""
    x1, w1, x2, w2, b = (inputs[k] for k in ("x1", "w1", "x2", "w2", "b"))
    s = x1 * w1 + x2 * w2
    o = float(np.tanh(s + b))
    d = o - y
    grad_d = 2 * d
    grad_n = (1 - o**2) * grad_d
    return {
        "x1": (x1, w1 * grad_n), "w1": (w1, x1 * grad_n), "x2": (x2, w2 * grad_n),
        "w2": (w2, x2 * grad_n), "x1w1": (x1 * w1, grad_n), "x2w2": (x2 * w2, grad_n),
        "s": (s, grad_n), "b": (b, grad_n), "n": (s + b, grad_n), "o": (o, grad_d),
        "d": (d, grad_d), "L": (d * d, 1.0),
    }  # fmt: skip


def autograd_nodes(
    value_class: Callable[[float], Any], inputs: dict[str, float] = INPUTS, y: float = TARGET
) -> dict[str, tuple[float, float]]:
    """The loss built with the student's ``Value``, and ``L.backward()`` run: every node's
    (.data, .grad) as the student's class left them."""
    nodes = {name: value_class(value) for name, value in inputs.items()}
    nodes["x1w1"] = nodes["x1"] * nodes["w1"]
    nodes["x2w2"] = nodes["x2"] * nodes["w2"]
    nodes["s"] = nodes["x1w1"] + nodes["x2w2"]
    nodes["n"] = nodes["s"] + nodes["b"]
    nodes["o"] = nodes["n"].tanh()
    nodes["d"] = nodes["o"] - y
    nodes["L"] = nodes["d"] * nodes["d"]
    nodes["L"].backward()
    return {name: (_number(node, "data"), _number(node, "grad")) for name, node in nodes.items()}


def _number(node: Any, attribute: str) -> float:
    """``node.<attribute>`` as a float; NaN when it is missing or not a number."""
    try:
        return float(getattr(node, attribute))
    except (AttributeError, TypeError, ValueError):
        return float("nan")


def _agrees(got: float, expected: float) -> bool:
    return bool(np.isclose(got, expected, rtol=1e-6, atol=1e-9))


def verdict(
    got: dict[str, tuple[float, float]],
    expected: dict[str, tuple[float, float]],
    wrong_data: set[str],
    wrong_grad: set[str],
) -> str:
    """The last step's word: all agrees, or where the student's values first differ
    (forward order for .data, backward order for .grad: later nodes inherit the error)."""
    if wrong_data:
        first = next(n for n in GRAPH if n in wrong_data)
        return (f"⚠ .data first differs at {first}: {got[first][0]:+.4f}, by hand "
                f"{expected[first][0]:+.4f}; the nodes to its right use it (red)")  # fmt: skip
    if wrong_grad:
        first = next(n for who, _ in BACKWARD_STEPS for n in who if n in wrong_grad)
        return (f"⚠ .grad first differs at {first}: {got[first][1]:+.4f}, by the chain rule "
                f"{expected[first][1]:+.4f}; the nodes to its left inherit that (red)")  # fmt: skip
    return "✓ every .data and .grad agrees with the chain rule worked by hand"


def autograd_figure(value_class: Callable[[float], Any]) -> Any:
    """The graph of one neuron's squared error, built with the student's ``Value``: its
    .data on every node, then, one slider position per step of the backward pass, the
    .grad that ``L.backward()`` left there (red where it differs from the chain rule)."""
    import plotly.graph_objects as go

    got = autograd_nodes(value_class)
    expected = chain_rule_by_hand()
    names = list(GRAPH)
    wrong_data = {n for n in names if not _agrees(got[n][0], expected[n][0])}
    wrong_grad = {n for n in names if not _agrees(got[n][1], expected[n][1])}

    def colour(name: str, reached: set[str]) -> str:
        if name in wrong_data or (name in reached and name in wrong_grad):
            return MISMATCH
        return BACKWARD if name in reached else FORWARD

    def text(name: str, reached: set[str]) -> str:
        data, grad = got[name]
        lines = [f"<b>{name}</b> = {data:+.4f}"]
        if name in reached:
            lines.append(f"grad {grad:+.4f}")
        return "<br>".join(lines)

    def hover(name: str) -> str:
        (data, grad), (data_ok, grad_ok) = got[name], expected[name]
        return (f"{name} = {GRAPH[name][0]}<br>.data {data:+.6f} (chain rule {data_ok:+.6f})"
                f"<br>.grad {grad:+.6f} (chain rule {grad_ok:+.6f})")  # fmt: skip

    def nodes(reached: set[str]) -> Any:
        return go.Scatter(
            x=[GRAPH[n][1][0] for n in names],
            y=[GRAPH[n][1][1] for n in names],
            mode="markers+text",
            marker={"size": 30, "color": [colour(n, reached) for n in names],
                    "line": {"color": "white", "width": 2}},
            text=[text(n, reached) for n in names],
            textposition=["middle left" if n in LEFT else "top center" for n in names],
            textfont={"size": 11},
            customdata=[[got[n][0], got[n][1] if n in reached else None] for n in names],
            hovertext=[hover(n) for n in names],
            hoverinfo="text",
        )  # fmt: skip

    figure = go.Figure()
    xs: list[float | None] = []
    ys: list[float | None] = []
    for start, end in EDGES:
        (x0, y0), (x1, y1) = GRAPH[start][1], GRAPH[end][1]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    (x0, y0), (x1, y1) = GRAPH["d"][1], GRAPH["L"][1]
    for bend in (0.35, -0.35):  # d feeds L twice (L = d · d): two edges
        xs += [x0, (x0 + x1) / 2, x1, None]
        ys += [y0, y0 + bend, y1, None]
    figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip",
                                line={"color": WAITING, "width": 2}))  # fmt: skip
    figure.add_trace(
        go.Scatter(x=[GRAPH[n][1][0] for n in names], y=[GRAPH[n][1][1] - 0.33 for n in names],
                   mode="text", text=["" if n in LEFT else GRAPH[n][0] for n in names],
                   hoverinfo="skip",
                   textfont={"size": 10, "color": "#555"})
    )  # fmt: skip
    reached: set[str] = set()
    frames = []
    for step, (who, why) in enumerate(BACKWARD_STEPS):
        reached |= set(who)
        title = why
        if step == 0 and wrong_data:
            at = ", ".join(n for n in names if n in wrong_data)
            title = f"forward: .data differs from the value worked by hand at {at} (red)"
        if step == len(BACKWARD_STEPS) - 1:
            title += "<br>" + verdict(got, expected, wrong_data, wrong_grad)
        frames.append(go.Frame(name=f"step={step}", data=[nodes(set(reached))], traces=[2],
                               layout={"title": {"text": title}}))  # fmt: skip
    figure.add_trace(frames[0].data[0])
    figure.frames = frames
    leaves = ", ".join(f"{k} = {v:g}" for k, v in INPUTS.items())
    legend = (
        f"L = (tanh(x1·w1 + x2·w2 + b) − {TARGET:g})² with {leaves}   "
        f"<span style='color:{FORWARD}'>●</span> .data   "
        f"<span style='color:{BACKWARD}'>●</span> .grad from L.backward()   "
        f"<span style='color:{MISMATCH}'>●</span> differs from the chain rule"
    )
    drawn = {"x": [-1.3, 7.8], "y": [-0.8, 3.6], "height": 520, "top": 80}
    return as_graph(figure, frames[0].layout.title.text, [f.name for f in frames], legend, drawn)


autograd = view(autograd_figure, "Value")
