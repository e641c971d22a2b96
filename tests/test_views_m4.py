"""Module 4's views: the learning rate slider and the double well."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from .test_views import frame_traces, solution

pytest.importorskip("plotly")

from calcgrade.views import m4_gradient_descent as m4_views


@pytest.fixture(scope="module")
def m4() -> ModuleType:
    return solution("m4_gradient_descent")


def test_the_learning_rate_view_shows_each_regime_of_the_students_descent(m4: ModuleType) -> None:
    figure = m4_views.learning_rate_figure(m4.gradient_descent, m4.max_stable_learning_rate)
    assert [step["label"] for step in figure.layout.sliders[0].steps] == [
        f"{lr:g}" for lr in m4_views.RATES
    ]
    assert len(figure.frames) == len(m4_views.RATES)
    for lr in m4_views.RATES:
        path, loss = frame_traces(figure, f"lr={lr:g}")
        assert len(path.x) == 31 and len(loss.y) == 31  # the start and 30 steps
        if lr > 0.2:  # above 2 / lambda_max = 0.2: the walk grows
            assert loss.y[-1] > 100 * loss.y[0]
        else:
            assert loss.y[-1] < loss.y[0]
    titles = {f.name: f.layout.title.text for f in figure.frames}
    assert titles["lr=0.01"].endswith("crawls: the flat direction barely moves")
    assert "zig-zags" in titles["lr=0.19"] and "explodes" in titles["lr=0.21"]
    assert "2/λmax = 0.2" in figure.layout.sliders[0].currentvalue.prefix


def test_the_double_well_view_ends_in_the_valley_of_its_start(m4: ModuleType) -> None:
    figure = m4_views.double_well_figure(m4.gradient_descent)
    _, end = frame_traces(figure, "start=-2")
    assert end.x[0] == pytest.approx(-1.3008, abs=1e-3)
    _, end = frame_traces(figure, "start=2")
    assert end.x[0] == pytest.approx(1.1309, abs=1e-3)


def browser_check(page: Any, index: int, div: Any) -> None:
    """What each view shows once its slider is at the far right (test_views_browser)."""
    title = div.evaluate("gd => gd._fullLayout.title.text")
    if index == 0:  # the learning rate view, at lr = 0.25 > 2 / lambda_max = 0.2
        assert title.startswith("lr = 0.25: explodes"), title
        loss = div.evaluate("gd => Array.from(gd._fullData[2].y)")
        assert loss[-1] > 100 * loss[0]
    else:  # the double well, from x = 2
        assert title.startswith("start +2: ends at x = +1.131"), title
