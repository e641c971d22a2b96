"""Module 5's view: the optimizers' race on the Rosenbrock valley, its step slider and
its tuning panel (ipywidgets)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

from .test_views import frame_traces, solution, stub

pytest.importorskip("plotly")

import calcgrade.views
from calcgrade.views import m5_optimization as m5_views

ORDER = ("SGD", "Momentum", "RMSProp", "Adam")  # the order of the race's traces


@pytest.fixture(scope="module")
def m5() -> ModuleType:
    return solution("m5_optimization")


def classes(m5: ModuleType) -> list[Any]:
    return [m5.SGD, m5.Momentum, m5.Adam, m5.RMSProp, m5.run_optimizer]


def trajectory(m5: ModuleType, name: str, settings: dict[str, float]) -> np.ndarray:
    """The solution's own run of one contestant, from the race's start."""
    start = np.array([-1.5, 1.5])
    run: np.ndarray = m5.run_optimizer(
        getattr(m5, name)(**settings), m5.rosenbrock_gradient, start, 1000
    )
    return run


def racers(figure: Any, frame: str) -> dict[str, tuple[Any, tuple[float, float], Any]]:
    """Each optimizer's (path, current point, loss curve) at a slider position."""
    _, heads, *data = frame_traces(figure, frame)  # after the scoreboard
    return {
        name: (data[2 * i], (heads.x[i], heads.y[i]), data[2 * i + 1])
        for i, name in enumerate(heads.text)
    }


def test_the_race_draws_each_students_trajectory_up_to_the_step_on_the_slider(
    m5: ModuleType,
) -> None:
    figure = m5_views.race_figure(*classes(m5))
    assert [step["label"] for step in figure.layout.sliders[0].steps] == [
        str(k) for k in range(0, 1001, 20)
    ]
    assert len(figure.frames) == 51
    assert [trace.name for trace in figure.data[:4]] == [
        "landscape",
        "minimum",
        "start",
        "scoreboard",
    ]
    assert all(frame.traces == tuple(range(3, 13)) for frame in figure.frames)
    runs = {name: trajectory(m5, name, m5_views.SETTINGS[name]) for name in ORDER}
    for k in (0, 20, 500, 1000):
        shown = racers(figure, f"step={k}")
        assert list(shown) == list(ORDER)
        for name, (path, head, loss) in shown.items():
            assert (path.x[0], path.y[0]) == (-1.5, 1.5)
            np.testing.assert_allclose([path.x[-1], path.y[-1]], runs[name][k], rtol=1e-12)
            np.testing.assert_allclose(head, runs[name][k], rtol=1e-12)
            assert loss.x[-1] == k
            assert loss.y[-1] == pytest.approx(m5.rosenbrock(runs[name][k]), rel=1e-12)
            assert len(path.x) <= 52  # every 20th step and the current one
    assert list(frame_traces(figure, "step=1000")[0].text) == [
        "distance to (1, 1) at step 1000:",
        "SGD: 1.52",
        "Momentum: 0.60",
        "RMSProp: 0.43",
        "Adam: 0.50",
    ]


def test_adam_ends_nearer_the_minimum_than_plain_descent(m5: ModuleType) -> None:
    shown = racers(m5_views.race_figure(*classes(m5)), "step=1000")

    def distance(name: str) -> float:
        head = shown[name][1]
        return float(np.hypot(head[0] - 1, head[1] - 1))

    assert distance("Adam") < distance("SGD") / 2
    assert all(distance(name) < distance("SGD") for name in ("Momentum", "RMSProp"))


def test_a_diverging_walk_is_drawn_up_to_where_it_leaves_the_map(m5: ModuleType) -> None:
    settings = {**m5_views.SETTINGS, "SGD": {"lr": 5e-3}}  # diverges within 5 steps
    figure = m5_views.race_figure(*classes(m5), settings=settings)
    path, head, _ = racers(figure, "step=1000")["SGD"]
    assert np.all(np.isfinite(path.x)) and np.max(np.abs(path.y)) <= m5_views.MAP
    assert len(path.x) < 5 and head == (path.x[-1], path.y[-1])
    assert frame_traces(figure, "step=1000")[0].text[1] == "SGD: diverged at step 4"
    assert frame_traces(figure, "step=0")[0].text[1] == "SGD: 2.55"  # not yet at step 0
    assert figure.data[5].name == "SGD (lr 0.005)"


def test_an_optimizer_not_written_yet_is_left_out_of_the_race(m5: ModuleType) -> None:
    class RMSProp:
        def __init__(self, lr: float, beta: float) -> None:
            pass

        def step(self, params: Any, grads: Any) -> None:
            raise NotImplementedError("per key: ...")

    figure = m5_views.race_figure(m5.SGD, m5.Momentum, m5.Adam, RMSProp, m5.run_optimizer)
    assert list(racers(figure, "step=1000")) == ["SGD", "Momentum", "Adam"]
    assert figure.frames[0].traces == tuple(range(3, 11))
    notes = [a.text for a in figure.layout.annotations]
    assert "not racing yet: RMSProp (implement it above)" in notes


def test_before_the_optimizers_exist_the_race_says_which_to_write(
    capsys: pytest.CaptureFixture[str],
) -> None:
    m5_views.race(stub, stub, stub, stub, stub)
    assert capsys.readouterr().out == (
        "Implement `SGD`, `Momentum`, `Adam` and `run_optimizer` above, "
        "then run this cell again to see the view.\n"
    )


def test_outside_a_live_kernel_the_precomputed_race_is_what_shows(
    m5: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[Any] = []
    monkeypatch.setattr(m5_views, "show", shown.append)
    m5_views.race(*classes(m5))
    assert len(shown) == 1 and len(shown[0].frames) == 51


def test_the_tuning_panel_races_again_with_the_students_classes(m5: ModuleType) -> None:
    pytest.importorskip("ipywidgets")
    redrawn: list[Any] = []
    _, sliders = m5_views.tuning_panel(*classes(m5), redraw=redrawn.append)
    assert set(sliders) == set(ORDER) and set(sliders["Adam"]) == {"lr", "beta1", "beta2"}
    assert sliders["SGD"]["lr"].value == pytest.approx(1e-3) and redrawn == []
    before = racers(m5_views.race_figure(*classes(m5)), "step=1000")

    sliders["SGD"]["lr"].value = 5e-4
    assert len(redrawn) == 1
    after = racers(redrawn[0], "step=1000")
    assert list(after["SGD"][0].x) != list(before["SGD"][0].x)
    assert list(after["Adam"][0].x) == list(before["Adam"][0].x)
    assert redrawn[0].data[5].name == "SGD (lr 0.0005)"
    head = after["SGD"][1]
    np.testing.assert_allclose(head, trajectory(m5, "SGD", {"lr": 5e-4})[1000], rtol=1e-12)

    sliders["Momentum"]["beta"].value = 0.0  # momentum without memory is plain descent
    momentum = racers(redrawn[1], "step=1000")["Momentum"][0]
    plain = trajectory(m5, "SGD", {"lr": 2e-4})
    np.testing.assert_allclose([momentum.x[-1], momentum.y[-1]], plain[1000], rtol=1e-12)
    assert redrawn[1].data[5].name == "SGD (lr 0.0005)"  # the other sliders are kept


def test_the_tuning_panel_shows_what_the_students_code_raised(m5: ModuleType) -> None:
    pytest.importorskip("ipywidgets")

    class Adam(m5.Adam):  # the solution's Adam, failing for small beta1
        def step(self, params: Any, grads: Any) -> None:
            if self.beta1 < 0.5:
                raise ValueError("beta1 < 0.5 <not supported>")
            super().step(params, grads)

    redrawn: list[Any] = []
    panel, sliders = m5_views.tuning_panel(
        m5.SGD, m5.Momentum, Adam, m5.RMSProp, m5.run_optimizer, redraw=redrawn.append
    )
    sliders["Adam"]["beta1"].value = 0.2
    assert redrawn == []
    assert (
        "Your code raised ValueError: beta1 &lt; 0.5 &lt;not supported&gt;"
        in panel.children[2].value
    )


def test_in_a_live_kernel_the_panel_redraws_the_figure_in_place(
    m5: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ipywidgets")
    import IPython.display

    outputs: list[Any] = []
    updates: list[Any] = []

    class Handle:
        def update(self, shown: Any) -> None:
            updates.append(shown)

    def display(shown: Any, display_id: bool = False) -> Handle | None:
        outputs.append(shown)
        return Handle() if display_id else None

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(m5_views, "live_kernel", lambda: True)
    monkeypatch.setattr(calcgrade.views, "_plotly_sent", False)
    m5_views.race(*classes(m5))
    plotly_js, figure, panel = outputs
    assert "plotly.js" in plotly_js.data and "plotly.js" not in figure.data
    assert "step=1000" in figure.data and calcgrade.views._plotly_sent
    sgd_lr = panel.children[1].children[0].children[1]
    assert sgd_lr.description == "lr"
    sgd_lr.value = 5e-4
    assert len(updates) == 1 and "SGD (lr 0.0005)" in updates[0].data
    assert "plotly.js" not in updates[0].data


def browser_check(page: Any, index: int, div: Any) -> None:
    """What the view shows once its slider is at the far right (test_views_browser)."""
    assert index == 0
    scoreboard = div.evaluate("gd => Array.from(gd._fullData[3].text)")
    assert scoreboard == [
        "distance to (1, 1) at step 1000:",
        "SGD: 1.52",
        "Momentum: 0.60",
        "RMSProp: 0.43",
        "Adam: 0.50",
    ], scoreboard
    drawn = div.evaluate(
        "gd => Array.from(gd.querySelectorAll('.textpoint')).map(t => t.textContent)"
    )
    assert "distance to (1, 1) at step 1000:" in drawn, drawn  # on screen, not only in the data
    x, y = div.evaluate("gd => [Array.from(gd._fullData[4].x), Array.from(gd._fullData[4].y)]")
    sgd, momentum, rmsprop, adam = np.hypot(np.array(x) - 1, np.array(y) - 1)
    assert adam < sgd / 2 and momentum < sgd and rmsprop < sgd
    lengths = div.evaluate("gd => [5, 7, 9, 11].map(i => gd._fullData[i].x.length)")
    assert lengths == [51] * 4, lengths  # every 20th of the 1000 steps, and the start
