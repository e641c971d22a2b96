"""Feedback wording is part of the product: the comparators' messages, pinned."""

from __future__ import annotations

import numpy as np
import pytest

from calcgrade import (
    CheckFailure,
    Tolerance,
    as_array,
    as_float,
    as_tuple,
    away_from_kinks,
    central_gradient,
    diagnose,
    mismatch,
    mismatch_dict,
    mismatch_steps,
    require_close,
)

TIGHT = Tolerance(rtol=1e-7, atol=1e-12)


def test_scalar_mismatch_has_got_expected_and_band() -> None:
    failure = mismatch(2.5, 3.0, "f'(x)", TIGHT)
    assert failure is not None
    assert failure.detail == "f'(x): got 2.5, expected 3 (relative error 0.17, wrong)"
    assert failure.message == "f'(x) is off: relative error 0.17 (wrong)"


def test_array_mismatch_is_localised_to_the_worst_index() -> None:
    expected = np.arange(12.0).reshape(3, 4)
    got = expected.copy()
    got[2, 1] += 1e-3
    got[0, 3] = -3.0
    failure = mismatch(got, expected, "dW", TIGHT)
    assert failure is not None
    assert failure.detail == (
        "dW: 2 of 12 entries (17%) differ (rtol=1e-07, atol=1e-12)\n"
        "  worst at index [0, 3]: got -3, expected 3 (relative error 2, wrong)\n"
        "  max absolute difference 6"
    )
    assert failure.message == (
        "dW: 2 of 12 entries (17%) differ; worst at index [0, 3], relative error 2 (wrong)"
    )


def test_shape_comes_first() -> None:
    failure = mismatch(np.zeros((4, 3)), np.zeros((3, 4)), "dW", TIGHT)
    assert failure is not None and failure.message == "dW: got shape (4, 3), expected shape (3, 4)"


def test_dicts_report_every_differing_key() -> None:
    expected = {"W1": np.ones((2, 3)), "b1": np.zeros(3)}
    got = {"W1": np.ones((2, 3)), "b1": np.full(3, 0.5)}
    failure = mismatch_dict(got, expected, "grads", TIGHT)
    assert failure is not None
    assert failure.message.startswith("grads['b1']: 3 of 3 entries (100%) differ")
    assert "W1" not in failure.message


def test_trajectories_report_the_first_step_that_differs() -> None:
    expected = np.cumsum(np.ones((5, 2)), axis=0)
    got = expected.copy()
    got[3:] += 0.1
    failure = mismatch_steps(got, expected, "trajectory", TIGHT)
    assert failure is not None and failure.message.startswith("trajectory at step 3: 2 of 2")


def test_known_mistakes_name_their_hint() -> None:
    with pytest.raises(CheckFailure) as raised:
        require_close(2.0, 3.0, "f'(x)", TIGHT, {"forward": 2.5, "slip": 2.0})
    assert raised.value.hint == "slip"
    assert diagnose(1.0, {"a": None, "b": 1.0 + 1e-12}, TIGHT) == "b"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "x: got a bool (True), expected a number"),
        ("1", "x: got a str, expected a number"),
        (np.ones(1), "x: got an array of shape (1,) and dtype float64, expected a single number"),
        (float("inf"), "x: got inf, expected finite numbers"),
        (1 + 2j, "x: got a complex, expected a number"),
    ],
)
def test_as_float_messages(value: object, message: str) -> None:
    with pytest.raises(CheckFailure) as raised:
        as_float(value, "x")
    assert raised.value.message.startswith(message)


def test_as_float_accepts_numbers_of_any_kind() -> None:
    for value in (2, 2.0, np.float32(2.0), np.int64(2), np.array(2.0)):
        assert as_float(value, "x") == 2.0


def test_as_array_accepts_lists_and_integer_arrays() -> None:
    assert as_array([[1, 2]], "a", (1, 2)).dtype == np.float64
    assert as_array(np.arange(3, dtype=np.int16), "a", (3,)).tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(CheckFailure, match=r"a: got shape \(3,\), expected shape \(3, 1\)"):
        as_array(np.arange(3), "a", (3, 1))
    with pytest.raises(CheckFailure, match="not a numeric array"):
        as_array([[1, 2], [3]], "a")


def test_as_tuple_counts_values() -> None:
    with pytest.raises(CheckFailure, match="linear_backward: got 2 values, expected 3"):
        as_tuple((1, 2), "linear_backward", 3)


def test_central_gradient_matches_the_analytic_gradient() -> None:
    x = np.array([[0.3, -1.2, 2.0], [5.0, -0.7, 0.1]])
    grad = central_gradient(lambda v: float(np.sum(np.sin(v) * v**2)), x)
    np.testing.assert_allclose(grad, np.cos(x) * x**2 + 2 * x * np.sin(x), rtol=1e-8)


def test_samples_stay_away_from_kinks() -> None:
    z = away_from_kinks(np.random.default_rng(0), (1000,), scale=0.2, margin=0.05)
    assert np.min(np.abs(z)) >= 0.05
