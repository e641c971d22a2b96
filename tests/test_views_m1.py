"""Module 1's views: the tangent at a price, the step size h, and the optimizer's looks."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from .test_views import frame_traces, solution, stub

pytest.importorskip("plotly")

from calcgrade.views import m1_derivatives as m1_views

COST, DEMAND, SENSITIVITY = 2.0, 100.0, 5.0  # the views' shop: the peak is at 11


def exact_profit(price: Any) -> Any:
    return (price - COST) * (DEMAND - SENSITIVITY * price)


def exact_slope(price: float) -> float:
    return DEMAND - 2 * SENSITIVITY * price + SENSITIVITY * COST


@pytest.fixture(scope="module")
def m1() -> ModuleType:
    return solution("m1_derivatives")


def test_the_tangent_touches_the_curve_with_the_slope_of_the_derivative(m1: ModuleType) -> None:
    figure = m1_views.tangent_figure(m1.derivative, m1.profit)
    assert [step["label"] for step in figure.layout.sliders[0].steps] == [
        f"{p:g}" for p in m1_views.TANGENT_PRICES
    ]
    for price in m1_views.TANGENT_PRICES:
        line, point = frame_traces(figure, f"price={price:g}")
        slope = (line.y[1] - line.y[0]) / (line.x[1] - line.x[0])
        assert slope == pytest.approx(exact_slope(price), abs=1e-5)
        assert point.x[0] == price and point.y[0] == pytest.approx(exact_profit(price))
        middle = (line.x[0] + line.x[1]) / 2  # the segment is centred on the point it touches
        assert middle == pytest.approx(price)
    titles = {f.name: f.layout.title.text for f in figure.frames}
    assert titles["price=6"].startswith("price 6: slope +50.0 per unit of price, uphill")
    assert titles["price=11"].startswith("price 11: slope +0.0 per unit of price, flat")
    assert "downhill" in titles["price=16"]


def test_the_step_size_view_shows_forward_error_like_h_and_central_like_h_squared(
    m1: ModuleType,
) -> None:
    figure = m1_views.step_size_figure(m1.derivative)
    _, _, forward_curve, central_curve = figure.data[:4]
    assert list(forward_curve.x) == m1_views.STEP_SIZES
    for h in (1e-1, 1e-2, 1e-3):
        *_, errors = frame_traces(figure, f"h={h:g}")
        forward_error, central_error = errors.y
        assert forward_error == pytest.approx(math.sin(1.0) * h / 2, rel=0.05)
        assert central_error == pytest.approx(math.cos(1.0) * h**2 / 6, rel=0.05)
    forward_line, central_line, points, _ = frame_traces(figure, "h=0.5")
    assert list(points.x) == [0.5, 1.0, 1.5] and points.y[2] == pytest.approx(math.sin(1.5))
    central_slope = (central_line.y[1] - central_line.y[0]) / (
        central_line.x[1] - central_line.x[0]
    )
    assert central_slope == pytest.approx((math.sin(1.5) - math.sin(0.5)) / 1.0)
    forward_slope = (forward_line.y[1] - forward_line.y[0]) / (
        forward_line.x[1] - forward_line.x[0]
    )
    assert forward_slope == pytest.approx((math.sin(1.5) - math.sin(1.0)) / 0.5)
    best = m1_views.STEP_SIZES[int(np.argmin(central_curve.y))]
    assert 1e-7 <= best <= 1e-3  # rounding takes over for smaller steps
    assert figure.frames[0].layout.title.text.startswith("h = 1e-12: forward is off by")


def test_a_forward_difference_derivative_shows_on_top_of_the_forward_curve(m1: ModuleType) -> None:
    def forward(f: Any, x: float, h: float = 1e-5) -> float:
        return float((f(x + h) - f(x)) / h)

    figure = m1_views.step_size_figure(forward)
    _, _, forward_curve, central_curve = figure.data[:4]
    assert list(central_curve.y) == list(forward_curve.y)


def test_the_optimizer_view_shows_each_look_of_the_bisection(m1: ModuleType) -> None:
    figure = m1_views.optimizer_figure(m1.optimal_price, m1.profit)
    looks = len(figure.frames)
    assert 20 <= looks <= 30  # one derivative estimate per halving of [3, 20] down to 1e-6
    expected = [3.0, 20.0, 11.5, 7.25, 9.375, 10.4375]  # the ends, then the middles
    for k, price in enumerate(expected, start=1):
        seen, _, here, star, distance = frame_traces(figure, f"look={k}")
        assert here.x[0] == pytest.approx(price, abs=1e-9)
        assert here.y[0] == pytest.approx(exact_profit(price), abs=1e-6)
        assert len(seen.x) == 2 * k  # every call: two a hair apart per look
        assert np.allclose(seen.y, exact_profit(np.array(seen.x)))
        assert len(star.x) == 0 and len(distance.y) == k
    _, _, _, star, distance = frame_traces(figure, f"look={looks}")
    assert star.x[0] == pytest.approx(11.0, abs=1e-6)
    assert star.y[0] == pytest.approx(405.0)
    assert distance.y[-1] < 1e-6
    line = frame_traces(figure, "look=3")[1]
    slope = (line.y[1] - line.y[0]) / (line.x[1] - line.x[0])
    assert slope == pytest.approx(exact_slope(11.5), rel=1e-6)
    title = figure.frames[2].layout.title.text
    assert title == f"look 3 of {looks}: price 11.5000, slope -5: the peak is to the left"
    assert "optimal_price returns 11.0000 (profit 405.00)" in figure.frames[-1].layout.title.text


def test_an_optimizer_that_scans_a_grid_is_shown_one_call_per_look(m1: ModuleType) -> None:
    def scan(profit_fn: Any, low: float, high: float, tol: float = 1e-6) -> float:
        prices = np.linspace(low, high, 1001)
        return float(prices[np.argmax(profit_fn(prices))])

    figure = m1_views.optimizer_figure(scan, m1.profit)
    assert len(figure.frames) == 1
    seen, slope_line, _, star, _ = frame_traces(figure, "look=1")
    assert (
        len(seen.x) == 1001
        and len(slope_line.x) == 0
        and star.x[0] == pytest.approx(11.0, abs=0.01)
    )


def test_before_the_functions_exist_each_view_says_which_to_write(
    capsys: pytest.CaptureFixture[str],
) -> None:
    m1_views.step_size(stub)
    m1_views.tangent(stub, stub)
    m1_views.optimizer(stub, stub)
    assert capsys.readouterr().out.splitlines() == [
        "Implement `derivative` above, then run this cell again to see the view.",
        "Implement `derivative` and `profit` above, then run this cell again to see the view.",
        "Implement `optimal_price` and `profit` above, then run this cell again to see the view.",
    ]


def browser_check(page: Any, index: int, div: Any) -> None:
    """What each view shows once its slider is at the far right (test_views_browser)."""
    title = div.evaluate("gd => gd._fullLayout.title.text")
    if index == 0:  # the step size, at h = 1
        assert title.startswith("h = 1: forward is off by 4.7e-01, central"), title
        errors = div.evaluate("gd => Array.from(gd._fullData[7].y)")
        assert errors[0] == pytest.approx(abs(math.sin(2.0) - math.sin(1.0) - math.cos(1.0)))
        assert errors[1] == pytest.approx(abs((math.sin(2.0) - math.sin(0.0)) / 2 - math.cos(1.0)))
    elif index == 1:  # the tangent at price 19
        assert title.startswith("price 19: slope -80.0 per unit of price, downhill"), title
        line = div.evaluate("gd => [Array.from(gd._fullData[1].x), Array.from(gd._fullData[1].y)]")
        assert (line[1][1] - line[1][0]) / (line[0][1] - line[0][0]) == pytest.approx(-80.0)
    else:  # the optimizer, at its last look
        assert "optimal_price returns 11.0000 (profit 405.00)" in title, title
        star = div.evaluate("gd => Array.from(gd._fullData[4].x)")
        assert star[0] == pytest.approx(11.0, abs=1e-6)
