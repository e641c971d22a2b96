"""The final project's view: the student's XORNetwork learning, on an epoch slider."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

from .test_views import frame_traces, solution

pytest.importorskip("plotly")

from calcgrade.views import m6_xor_network as m6_views

LAST = f"epoch={m6_views.EPOCHS[-1]}"
# where the four XOR points sit on the view's grid: z[row of x2, column of x1]
CORNERS = [(int(np.argmin(abs(m6_views.GRID - x2))), int(np.argmin(abs(m6_views.GRID - x1))))
           for x1, x2 in m6_views.X_XOR]  # fmt: skip


@pytest.fixture(scope="module")
def m6() -> ModuleType:
    return solution("m6_xor_network")


@pytest.fixture(scope="module")
def figure(m6: ModuleType) -> Any:
    return m6_views.training_figure(m6.XORNetwork)


def test_one_slider_position_per_snapshot_of_training(figure: Any) -> None:
    assert [step["label"] for step in figure.layout.sliders[0].steps] == [
        str(epoch) for epoch in m6_views.EPOCHS
    ]
    assert len(figure.frames) == len(m6_views.EPOCHS)
    probability, _, _, hidden = frame_traces(figure, LAST)
    assert np.shape(probability.z) == (41, 41) and np.shape(hidden.customdata) == (16,)
    assert all(m6_views.GRID[row] in (0.0, 1.0) for row, _ in CORNERS)


def test_the_boundary_is_where_the_probability_crosses_one_half() -> None:
    across = np.tile(m6_views.GRID, (len(m6_views.GRID), 1))  # z = x1: the line x1 = 0.5
    xs, ys = m6_views.boundary(across)
    assert [x for x in xs if x is not None] == pytest.approx([0.5] * (len(xs) // 3 * 2))
    assert min(y for y in ys if y is not None) == -0.5
    assert max(y for y in ys if y is not None) == 1.5
    assert m6_views.boundary(np.zeros_like(across)) == ([], [])


def test_the_last_frame_has_learned_xor(figure: Any) -> None:
    probability, line, so_far, _ = frame_traces(figure, LAST)
    on_points = [probability.z[row][column] for row, column in CORNERS]
    assert [int(p >= 0.5) for p in on_points] == [0, 1, 1, 0]
    cut = np.array([(x, y) for x, y in zip(line.x, line.y, strict=True) if x is not None])
    assert len(cut) > 40  # the boundary runs between the points, never through one
    assert min(np.linalg.norm(cut - point, axis=1).min() for point in m6_views.X_XOR) > 0.2
    assert figure.frames[-1].layout.title.text == (
        "epoch 5000: loss 0.0009, predicts 0 1 1 0 for (0,0) (0,1) (1,0) (1,1): 4 of 4 right"
    )
    assert so_far.x[-1] == 5000 and so_far.y[-1] < 0.01 < so_far.y[0]
    first = frame_traces(figure, "epoch=0")[2]
    assert list(first.x) == [0] and first.y[-1] == pytest.approx(so_far.y[0])


def test_the_view_shows_the_students_network_as_trained(m6: ModuleType, figure: Any) -> None:
    network = m6.XORNetwork(hidden_size=4, seed=1)
    losses = network.train(m6.X_xor, m6.y_xor, lr=0.5, epochs=5000)
    probability, _, so_far, hidden = frame_traces(figure, LAST)
    params = network.params
    np.testing.assert_allclose(
        np.reshape(hidden.customdata, (4, 4)), np.tanh(m6.X_xor @ params["W1"] + params["b1"])
    )
    np.testing.assert_allclose(
        [probability.z[row][column] for row, column in CORNERS],
        network.forward(m6.X_xor)[:, 0],
    )
    shown = dict(zip(so_far.x[:-1], so_far.y[:-1], strict=True))
    assert shown[0] == losses[0] and shown[4980] == losses[4980]


def test_an_unlucky_seed_shows_training_stuck(m6: ModuleType) -> None:
    figure = m6_views.training_figure(m6.XORNetwork, seed=0)
    title = figure.frames[-1].layout.title.text
    assert title.startswith("epoch 5000: loss 0.3") and "4 of 4" not in title, title


def browser_check(page: Any, index: int, div: Any) -> None:
    """What the view shows once its slider is at the far right (test_views_browser)."""
    assert index == 0
    title = div.evaluate("gd => gd._fullLayout.title.text")
    assert title.startswith("epoch 5000: loss 0.0009, predicts 0 1 1 0"), title
    assert title.endswith("4 of 4 right"), title
    z = div.evaluate("gd => gd._fullData[0].z.map(row => Array.from(row))")
    assert [int(z[row][column] >= 0.5) for row, column in CORNERS] == [0, 1, 1, 0]
    loss = div.evaluate("gd => Array.from(gd.data[4].y)")
    assert loss[-1] < 0.001 < loss[0]
