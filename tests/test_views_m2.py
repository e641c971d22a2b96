"""Module 2's views: the gradient arrow on the profit landscape, and the ascent path."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from .test_views import frame_traces, solution, stub

pytest.importorskip("plotly")

from calcgrade.views import m2_gradients as m2_views

COST, DEMAND, SENSITIVITY, AD_EFFECT = 2.0, 100.0, 5.0, 2.0  # the views' shop


def exact_profit(price: float, ad: float) -> float:
    return (price - COST) * (DEMAND - SENSITIVITY * price + AD_EFFECT * math.sqrt(ad)) - ad


def exact_gradient(price: float, ad: float) -> np.ndarray:
    units = DEMAND - SENSITIVITY * price + AD_EFFECT * math.sqrt(ad)
    return np.array(
        [units - SENSITIVITY * (price - COST), (price - COST) * AD_EFFECT / (2 * math.sqrt(ad)) - 1]
    )


@pytest.fixture(scope="module")
def m2() -> ModuleType:
    return solution("m2_gradients")


def test_the_landscape_is_the_profit_surface_and_its_map(m2: ModuleType) -> None:
    figure = m2_views.gradient_figure(m2.business_profit, m2.business_profit_gradient)
    surface, contour = figure.data[:2]
    assert surface.type == "surface" and contour.type == "contour"
    for i, j in [(0, 0), (10, 31), (40, 41)]:
        assert surface.z[i][j] == pytest.approx(exact_profit(surface.x[j], surface.y[i]))
    assert np.array_equal(surface.z, contour.z)


def test_the_arrow_at_each_point_is_the_gradient_there(m2: ModuleType) -> None:
    figure = m2_views.gradient_figure(m2.business_profit, m2.business_profit_gradient)
    assert len(figure.frames) == len(m2_views.POINTS) == 40
    span = np.array([17.0, 250.0])
    for price, ad in m2_views.POINTS:
        _, marker3d, arrow = frame_traces(figure, f"point={price:g},{ad:g}")
        gradient = exact_gradient(price, ad)
        assert np.allclose(arrow.customdata, [gradient, gradient], rtol=1e-9)
        assert (arrow.x[0], arrow.y[0]) == (price, ad)
        assert marker3d.z[0] == pytest.approx(exact_profit(price, ad) + 6.0)
        on_map = np.array([arrow.x[1] - price, arrow.y[1] - ad]) / span  # in the map's widths
        assert np.linalg.norm(on_map) == pytest.approx(m2_views.ARROW)
        along = gradient * span  # the gradient per map width: parallel, the same way
        assert on_map @ along == pytest.approx(np.linalg.norm(on_map) * np.linalg.norm(along))
    titles = {f.name: f.layout.title.text for f in figure.frames}
    assert titles["point=18,25"] == (
        "price 18, ad spend 25: profit 295.0, gradient (-60.00, +2.200)<br>"
        "uphill from here: lower the price and spend more on ads"
    )
    assert titles["point=4,25"].endswith("mostly raise the price, a little spend less on ads")


def test_the_ascent_view_follows_the_students_steps(m2: ModuleType) -> None:
    figure = m2_views.ascent_figure(
        m2.business_profit, m2.business_profit_gradient, m2.gradient_ascent
    )
    labels = [step["label"] for step in figure.layout.sliders[0].steps]
    assert labels == [str(k) for k in m2_views.ASCENT_STEPS]  # max_steps is 10000
    x = np.array(m2_views.START)
    walk = [x]
    for _ in range(10000):
        x = x + 0.1 * exact_gradient(*x)
        walk.append(x)
    for k in (0, 1, 2, 50, 10000):
        path3d, here3d, path, here = frame_traces(figure, f"step={k}")
        assert np.allclose([here.x[0], here.y[0]], walk[k], rtol=1e-9)
        shown = np.column_stack([path.x, path.y])
        assert np.allclose(shown[0], walk[0]) and np.allclose(shown[-1], walk[k])
        assert len(shown) == k + 1 or (k > 60 and len(shown) <= 261)
        over = np.column_stack([path3d.x, path3d.y])  # the same, and more along long steps
        assert all(any(np.array_equal(row, q) for q in over) for row in shown)
        lifted = np.array([exact_profit(*q) for q in over]) + 6.0
        assert np.allclose(path3d.z, lifted)  # on the surface, a little above it
        assert here3d.z[0] == pytest.approx(exact_profit(*walk[k]) + 6.0)
    assert np.allclose(walk[1], [12.0, 24.96])
    last = figure.frames[-1].layout.title.text
    assert last.startswith("step 10000: price 13.23, ad spend 124.2, profit 506.24 (start 230)")
    assert last.endswith("gradient_ascent stops here, after 10000 steps of lr = 0.1")


def test_an_ascent_asking_twice_per_step_draws_the_same_path(m2: ModuleType) -> None:
    def twice(
        grad_fn: Any, x0: Any, lr: float = 0.01, max_steps: int = 100, tol: float = 1e-8
    ) -> Any:
        x = np.array(x0, dtype=float)
        for _ in range(max_steps):
            if np.linalg.norm(grad_fn(x)) < tol:
                break
            x += lr * grad_fn(x)  # in place: the recorded points must be copies
        return x

    def grad(x: np.ndarray) -> np.ndarray:
        return np.array(m2.business_profit_gradient(x, COST, DEMAND, SENSITIVITY, AD_EFFECT))

    path = m2_views.ascent_path(twice, grad, np.array([5.0, 25.0]), lr=0.1)
    assert len(path) == 101
    assert np.allclose(path[:3], [[5.0, 25.0], [12.0, 24.96], [11.99919968, 25.06016019]])


def test_before_the_functions_exist_each_view_says_which_to_write(
    capsys: pytest.CaptureFixture[str],
) -> None:
    m2_views.gradient(stub, stub)
    m2_views.ascent(stub, stub, stub)
    assert capsys.readouterr().out.splitlines() == [
        "Implement `business_profit` and `business_profit_gradient` above, "
        "then run this cell again to see the view.",
        "Implement `business_profit`, `business_profit_gradient` and `gradient_ascent` above, "
        "then run this cell again to see the view.",
    ]


def browser_check(page: Any, index: int, div: Any) -> None:
    """What each view shows once its slider is at the far right (test_views_browser)."""
    title = div.evaluate("gd => gd._fullLayout.title.text")
    if index == 0:  # the gradient arrow at price 18, ad spend 25
        assert title.startswith("price 18, ad spend 25: profit 295.0, gradient (-60.00, +2.200)")
        arrow = div.evaluate("gd => gd._fullData[4].customdata[0]")
        assert np.allclose(arrow, exact_gradient(18.0, 25.0))
    else:  # the ascent, where it stops
        assert title.startswith("step 10000: price 13.23, ad spend 124.2"), title
        here = div.evaluate("gd => [gd._fullData[5].x[0], gd._fullData[5].y[0]]")
        assert here == pytest.approx([13.2293, 124.2402], abs=1e-3)
