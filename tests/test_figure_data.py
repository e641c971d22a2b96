"""The helpers that make figure data: small, drawable, never in the way of a grade."""

from __future__ import annotations

import types

import numpy as np

from calcgrade.checks import Context
from calcgrade.config import Tolerances
from calcgrade.figure_data import (
    PATH_POINTS,
    contours,
    curves,
    error_heatmap,
    frame,
    path_of,
    rounded,
    thinned,
)


def context(hidden: bool = False) -> Context:
    rng = np.random.default_rng(0)
    return Context("m9", "check", rng, Tolerances(), types.ModuleType("reference"), hidden)


def test_a_long_path_is_thinned_keeping_its_ends() -> None:
    rows = np.arange(2000.0).reshape(1000, 2)
    kept = thinned(rows)
    assert len(kept) <= PATH_POINTS
    assert (kept[0] == rows[0]).all() and (kept[-1] == rows[-1]).all()
    assert len(thinned(rows[:5])) == 5


def test_a_run_gone_astray_does_not_blow_up_the_frame() -> None:
    expected = np.array([[0.0, 0.0], [1.0, 1.0]])
    astray = np.array([[0.0, 0.0], [1e9, -1e9], [np.nan, 1.0]])
    low, high = frame([expected, astray], expected)
    assert (high - low).max() < 10


def test_numbers_are_rounded_to_significant_digits() -> None:
    assert rounded(np.array([123456.0, 0.000123456, 0.0, np.inf]), 3).tolist() == [
        123000.0,
        0.000123,
        0.0,
        np.inf,
    ]


def test_contours_are_a_grid_of_the_function() -> None:
    data = contours(lambda p: float(p[0] + 10 * p[1]), np.array([0.0, 0.0]), np.array([1.0, 2.0]))
    z = np.array(data["z"])
    assert z.shape == (len(data["y"]), len(data["x"]))
    assert z[-1, 0] == 20.0 and z[0, -1] == 1.0


def test_curves_are_thinned_alike() -> None:
    kind, data = curves({"yours": np.ones(1000), "reference": np.ones(10)}, "step", "loss")
    assert kind == "curves" and data["xlabel"] == "step ÷ 5"
    assert len(data["series"]["yours"]) == 200 and len(data["series"]["reference"]) == 2


def test_a_path_drops_repeats_and_ends_at_the_end() -> None:
    path = path_of([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0]], end=np.array([3.0, 4.0]))
    assert path.tolist() == [[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]]


def test_a_figure_that_cannot_be_made_is_left_out() -> None:
    ctx = context()

    def broken() -> tuple[str, dict[str, object]]:
        raise RuntimeError("student code failed")

    ctx.figure_of("broken", broken)
    ctx.figure_of("nothing", lambda: None)
    ctx.figure_of("fine", lambda: ("curves", {"series": {"a": [1.0]}}))
    assert [figure.title for figure in ctx.figures] == ["fine"]


def test_a_heatmap_names_the_gradients_of_the_wrong_shape() -> None:
    ctx = context(hidden=True)
    got = {"W": np.ones((2, 3)), "b": np.ones(2)}
    expected = {"W": np.full((2, 3), 2.0), "b": np.ones(3)}
    error_heatmap(ctx, "gradients", got, expected)
    (figure,) = ctx.figures
    assert figure.title == "gradients; not drawn, of the wrong shape: b"
    assert figure.data["blocks"] == {"W": [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]}
    assert figure.audience == "instructor"
