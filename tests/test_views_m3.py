"""Module 3's view: backpropagation through a 2-3-1 network, one step per slider position."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from .conftest import ROOT
from .test_views import frame_traces, solution, stub

pytest.importorskip("plotly")

from calcgrade.views import m3_chain_rule as m3_views

LAST = f"step={len(m3_views.STEPS) - 1}"


def loss_of(W1: Any, W2: Any, x: Any = m3_views.X) -> float:
    """The view's network and loss, written out independently of any student code."""
    params = m3_views.PARAMS
    pred = np.tanh(x @ W1 + params["b1"]) @ W2 + params["b2"]
    return float(np.mean((pred - m3_views.Y) ** 2))


def central_differences(f: Any, array: np.ndarray, h: float = 1e-6) -> np.ndarray:
    slopes = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        up, down = array.copy(), array.copy()
        up[index] += h
        down[index] -= h
        slopes[index] = (f(up) - f(down)) / (2 * h)
    return slopes


@pytest.fixture(scope="module")
def m3() -> ModuleType:
    return solution("m3_chain_rule")


@pytest.fixture(scope="module")
def figure(m3: ModuleType) -> Any:
    return m3_views.backprop_figure(
        m3.linear_forward, m3.linear_backward, m3.tanh_backward, m3.mse_loss
    )


def shown(figure: Any, name: str) -> tuple[list[Any], list[Any]]:
    """(the gradient on each weighted edge, [value, gradient] on each node) at a step."""
    *_, labels, nodes = frame_traces(figure, name)
    return list(labels.customdata), [list(pair) for pair in nodes.customdata]


def test_one_slider_position_per_step_of_the_passes(figure: Any) -> None:
    assert [step["label"] for step in figure.layout.sliders[0].steps] == [str(k) for k in range(9)]
    titles = [frame.layout.title.text for frame in figure.frames]
    assert titles == m3_views.STEPS
    assert titles[1].startswith("forward 1/4") and titles[-1].startswith("backward 4/4")


def test_values_appear_on_the_way_in_and_gradients_on_the_way_back(figure: Any) -> None:
    edges, nodes = shown(figure, "step=0")
    assert all(g is None for g in edges)
    assert [value is not None for value, _ in nodes] == [True, True] + [False] * 8
    _, nodes = shown(figure, "step=4")  # forward done: every value, no gradient
    assert all(value is not None and grad is None for value, grad in nodes)
    _, nodes = shown(figure, "step=5")  # the loss and pred get theirs first
    assert [grad is not None for _, grad in nodes] == [False] * 8 + [True, True]
    edges, nodes = shown(figure, "step=6")  # then layer 2's weights and h
    assert [g is not None for g in edges] == [False] * 6 + [True] * 3
    assert [grad is not None for _, grad in nodes] == [False] * 5 + [True] * 5


def test_the_gradients_shown_at_the_end_are_the_derivatives_of_the_loss(figure: Any) -> None:
    params = m3_views.PARAMS
    edges, nodes = shown(figure, LAST)
    dW1 = central_differences(lambda W1: loss_of(W1, params["W2"]), params["W1"])
    dW2 = central_differences(lambda W2: loss_of(params["W1"], W2), params["W2"])
    dx = central_differences(lambda x: loss_of(params["W1"], params["W2"], x), m3_views.X)
    # edges: W1[i, j] for j then i, then W2[j, 0]; nodes: x1 x2 z1-3 h1-3 pred loss
    np.testing.assert_allclose(edges[:6], dW1.T.ravel(), rtol=1e-6)
    np.testing.assert_allclose(edges[6:], dW2.ravel(), rtol=1e-6)
    np.testing.assert_allclose([grad for _, grad in nodes[:2]], dx.ravel(), rtol=1e-6)
    z = m3_views.X @ params["W1"] + params["b1"]
    np.testing.assert_allclose([value for value, _ in nodes[2:5]], z.ravel())
    np.testing.assert_allclose([value for value, _ in nodes[5:8]], np.tanh(z).ravel())
    assert nodes[9] == [pytest.approx(loss_of(params["W1"], params["W2"])), 1.0]


def test_the_view_shows_the_students_own_gradients(m3: ModuleType) -> None:
    def slope_at_the_activation(dA: Any, Z: Any) -> Any:  # the classic slip
        return dA * (1 - np.tanh(np.tanh(Z)) ** 2)

    figure = m3_views.backprop_figure(
        m3.linear_forward, m3.linear_backward, slope_at_the_activation, m3.mse_loss
    )
    right = m3_views.backprop_figure(
        m3.linear_forward, m3.linear_backward, m3.tanh_backward, m3.mse_loss
    )
    assert shown(figure, LAST)[0][6:] == shown(right, LAST)[0][6:]  # layer 2 is not affected
    assert shown(figure, LAST)[0][:6] != pytest.approx(shown(right, LAST)[0][:6])


def test_before_backward_is_written_the_view_says_which_functions_it_needs(
    m3: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    m3_views.backprop(m3.linear_forward, stub, m3.tanh_backward, m3.mse_loss)
    assert capsys.readouterr().out == (
        "Implement `linear_forward`, `linear_backward`, `tanh_backward` and `mse_loss` "
        "above, then run this cell again to see the view.\n"
    )


# -- the autograd view: the student's Value -----------------------------------------------


def value_class(
    *replaced: tuple[str, str], folder: str = "solutions", file: Path | None = None
) -> type:
    """The Value class of ``folder``'s m3 file, each ``(old, new)`` of ``replaced``
    replaced in its source; kept in ``file`` (so that tracebacks show its lines), if given."""
    source = (ROOT / folder / "m3_chain_rule.py").read_text()
    source = source[source.index("class Value:") :]
    source = source[: source.index("# %%")]
    for old, new in replaced:
        assert old in source, old
        source = source.replace(old, new)
    namespace: dict[str, Any] = {"np": np}
    if file is not None:
        file.write_text(source)
    exec(compile(source, str(file or "<value>"), "exec"), namespace)
    value: type = namespace["Value"]
    return value


def autograd_nodes_shown(figure: Any, step: int) -> tuple[list[str], list[Any]]:
    nodes = frame_traces(figure, f"step={step}")[0]
    return list(nodes.marker.color), [list(pair) for pair in nodes.customdata]


def leaf_loss(leaf: str, at: float) -> float:
    """The view's loss written out with floats, ``leaf`` moved to ``at``."""
    inputs = {**m3_views.INPUTS, leaf: at}
    o = np.tanh(inputs["x1"] * inputs["w1"] + inputs["x2"] * inputs["w2"] + inputs["b"])
    return float((o - m3_views.TARGET) ** 2)


def test_the_autograd_view_shows_the_values_grads_then_agreement() -> None:
    figure = m3_views.autograd_figure(value_class())
    names = list(m3_views.GRAPH)
    colours, nodes = autograd_nodes_shown(figure, 0)
    assert set(colours) == {m3_views.FORWARD} and all(grad is None for _, grad in nodes)
    colours, nodes = autograd_nodes_shown(figure, 2)  # L, then d
    assert [grad is not None for _, grad in nodes] == [n in ("L", "d") for n in names]
    last = len(m3_views.BACKWARD_STEPS) - 1
    colours, nodes = autograd_nodes_shown(figure, last)
    assert set(colours) == {m3_views.BACKWARD}
    for name, (_, grad) in zip(names, nodes, strict=True):
        if name in m3_views.INPUTS:  # a leaf: its grad is the loss's slope along it
            at, h = m3_views.INPUTS[name], 1e-6
            slope = (leaf_loss(name, at + h) - leaf_loss(name, at - h)) / (2 * h)
            assert grad == pytest.approx(slope, rel=1e-6), name
    assert figure.frames[last].layout.title.text.endswith("worked by hand")


def test_a_value_that_does_not_accumulate_goes_red_where_the_node_is_used_twice() -> None:
    no_accumulation = value_class(
        ("self.grad += other.data * out.grad", "self.grad = other.data * out.grad"),
        ("other.grad += self.data * out.grad", "other.grad = self.data * out.grad"),
    )
    figure = m3_views.autograd_figure(no_accumulation)
    names = list(m3_views.GRAPH)
    colours, _ = autograd_nodes_shown(figure, 2)  # L and d have their grads
    assert colours[names.index("d")] == m3_views.MISMATCH
    assert colours[names.index("L")] == m3_views.BACKWARD
    title = figure.frames[-1].layout.title.text
    assert "⚠ .grad first differs at d: +0.5616, by the chain rule +1.1232" in title


def test_a_wrong_tanh_shows_in_the_forward_pass() -> None:
    wrong = value_class(("t = float(np.tanh(self.data))", "t = float(np.sinh(self.data))"))
    figure = m3_views.autograd_figure(wrong)
    colours, _ = autograd_nodes_shown(figure, 0)
    assert colours[list(m3_views.GRAPH).index("o")] == m3_views.MISMATCH
    assert figure.frames[0].layout.title.text.startswith("forward: .data differs")
    assert "⚠ .data first differs at o" in figure.frames[-1].layout.title.text


def test_before_value_is_written_the_autograd_view_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    m3_views.autograd(value_class(folder="exercises"))
    assert capsys.readouterr().out == (
        "Implement `Value` above, then run this cell again to see the view.\n"
    )


def test_a_value_that_raises_gets_a_word_naming_the_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    slip = ("t = float(np.tanh(self.data))", "t = float(np.tanh(self.data)) / 0")
    m3_views.autograd(value_class(slip, file=tmp_path / "value.py"))
    assert capsys.readouterr().out == (
        "The view could not be drawn: your `Value` raised ZeroDivisionError: float division "
        "by zero at `t = float(np.tanh(self.data)) / 0`. Run the check cells above to see "
        "what to fix, then run this cell again.\n"
    )


def browser_check(page: Any, index: int, div: Any) -> None:
    """What the view shows once its slider is at the far right (test_views_browser)."""
    if index == 1:  # the autograd view: the solution's Value agrees everywhere
        title = div.evaluate("gd => gd._fullLayout.title.text")
        assert title.startswith("backward 6/6") and title.endswith("worked by hand"), title
        grads = div.evaluate("gd => Array.from(gd.data[2].customdata).map(pair => pair[1])")
        assert None not in grads and grads[-1] == 1.0
        return
    assert index == 0
    title = div.evaluate("gd => gd._fullLayout.title.text")
    assert title.startswith("backward 4/4: dx, dW1, db1 = linear_backward"), title
    edges = div.evaluate("gd => Array.from(gd.data[gd.data.length - 2].customdata)")
    params = m3_views.PARAMS
    dW2 = central_differences(lambda W2: loss_of(params["W1"], W2), params["W2"])
    np.testing.assert_allclose(edges[6:], dW2.ravel(), rtol=1e-6)
    assert None not in edges
    text = div.evaluate("gd => gd.data[gd.data.length - 1].text.join(' | ')")
    assert "∂L/∂x₁ = " in text and "∂L/∂loss = +1.000" in text, text
