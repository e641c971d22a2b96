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
    close,
    mismatch,
    mismatch_dict,
    mismatch_steps,
    require,
    which_mistake,
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
    assert failure.hint is None
    assert mismatch_steps(expected, expected.copy(), "trajectory", TIGHT) is None
    losses = mismatch_steps(
        np.array([3.0, 1.0]), np.array([3.0, 2.0]), "losses", TIGHT, step="epoch"
    )
    assert losses is not None and losses.message.startswith("losses at epoch 1 is off")


def test_step_mistakes_name_the_trajectory_that_explains_the_first_difference() -> None:
    lr, x0 = 0.5, np.array([4.0, -2.0])
    right, uphill = [x0], [x0]
    for _ in range(4):
        right.append(right[-1] - lr * right[-1])
        uphill.append(uphill[-1] + lr * uphill[-1])
    expected, got = np.stack(right), np.stack(uphill)
    failure = mismatch_steps(got, expected, "x", TIGHT, mistakes={"step_uphill": got.copy()})
    assert failure is not None and failure.hint == "step_uphill"
    assert failure.message.startswith("x at step 1")
    assert failure.relation is None
    # a prediction needs to agree only up to the first step that differs, that one included
    prefix = np.concatenate([got[:2], np.full((3, 2), 99.0)])
    failure = mismatch_steps(got, expected, "x", TIGHT, mistakes=[("early", prefix)])
    assert failure is not None and failure.hint == "early"
    # one that already differs before it, or is too short, or is None, names nothing
    wrong_start = got.copy()
    wrong_start[0] += 1.0
    mistakes = {"a": wrong_start, "b": got[:1], "c": None}
    failure = mismatch_steps(got, expected, "x", TIGHT, mistakes=mistakes, hint="slip")
    assert failure is not None and failure.hint == "slip"


def test_a_trajectory_one_step_behind_has_its_relation() -> None:
    expected = np.array([[1.0], [2.0], [4.0], [8.0]])
    got = np.array([[1.0], [1.0], [2.0], [4.0]])
    failure = mismatch_steps(got, expected, "x", TIGHT)
    assert failure is not None and failure.relation is not None
    assert "behind" in failure.relation


def test_known_mistakes_name_their_hint() -> None:
    failure = mismatch(2.0, 3.0, "f'(x)", TIGHT, mistakes={"forward": 2.5, "slip": 2.0})
    assert failure is not None and failure.hint == "slip"
    assert failure.relation is None  # the mistake explains it: no relation line
    assert failure.message == "f'(x) is off: relative error 0.33 (wrong)"


def test_mistakes_may_be_pairs_with_several_predictions_per_hint() -> None:
    mistakes = [("not_summed", np.ones(3)), ("not_summed", np.full(3, 2.0)), ("sign", -np.ones(3))]
    failure = mismatch(np.full(3, 2.0), np.full(3, 6.0), "db", TIGHT, mistakes=mistakes)
    assert failure is not None and failure.hint == "not_summed"


def test_the_fallback_hint_comes_with_the_relation() -> None:
    got, expected = np.arange(1.0, 7.0).reshape(2, 3), np.arange(1.0, 7.0).reshape(2, 3) * 2
    failure = mismatch(got, expected, "dW", TIGHT, mistakes={"sign": -expected}, hint="slip")
    assert failure is not None and failure.hint == "slip"
    assert failure.relation is not None and "factor 1/2" in failure.relation
    assert failure.message.endswith(failure.relation)
    assert mismatch(expected, expected, "dW", TIGHT, hint="slip") is None


def test_require_raises_the_first_failure_given() -> None:
    require()
    require(None, mismatch(1.0, 1.0, "a", TIGHT))
    first, second = mismatch(1.0, 2.0, "a", TIGHT), mismatch(1.0, 3.0, "b", TIGHT)
    with pytest.raises(CheckFailure) as raised:
        require(None, first, second)
    assert raised.value is first


def test_close_compares_numbers_arrays_and_dicts() -> None:
    assert close(1.0, 1.0 + 1e-12, TIGHT) and not close(1.0, 1.1, TIGHT)
    assert not close(np.zeros((2, 3)), np.zeros((3, 2)), TIGHT)  # shape first
    assert close([1.0, 2.0], np.array([1.0, 2.0]), TIGHT)
    grads = {"W": np.ones((2, 2)), "b": np.zeros(2)}
    assert close(grads, {"W": np.ones((2, 2)), "b": np.zeros(2)}, TIGHT)
    assert not close(grads, {"W": np.ones((2, 2)), "b": np.ones(2)}, TIGHT)
    assert not close(grads, {"W": np.ones((2, 2))}, TIGHT)  # the same keys
    assert not close(np.ones(2), {"W": np.ones(2)}, TIGHT)


def test_which_mistake_names_the_first_prediction_matched() -> None:
    assert which_mistake(1.0, {"a": None, "b": 1.0 + 1e-12, "c": 1.0}, TIGHT) == "b"
    assert which_mistake(1.0, [("a", 2.0), ("b", 3.0)], TIGHT) is None
    assert which_mistake(np.ones(2), [("a", np.ones(3)), ("b", np.ones(2))], TIGHT) == "b"


def test_dict_mistakes_must_explain_every_key() -> None:
    expected = {"W1": np.ones((2, 3)), "b1": np.zeros(3), "W2": np.ones(3)}
    got = {"W1": np.ones((2, 3)), "b1": np.full(3, 0.5), "W2": np.full(3, 2.0)}
    half = {"W1": np.ones((2, 3)), "b1": np.full(3, 0.5), "W2": np.ones(3)}  # b1 only
    both = {"W1": np.ones((2, 3)), "b1": np.full(3, 0.5), "W2": np.full(3, 2.0), "extra": 1.0}
    failure = mismatch_dict(got, expected, "grads", TIGHT, mistakes={"half": half, "both": both})
    assert failure is not None and failure.hint == "both"  # keys beyond expected's ignored
    assert failure.relation is None
    failure = mismatch_dict(got, expected, "grads", TIGHT, mistakes={"half": half}, hint="slip")
    assert failure is not None and failure.hint == "slip"
    assert failure.relation == "W1 is right, b1 and W2 are wrong"
    assert mismatch_dict(expected, expected, "grads", TIGHT, mistakes={"half": half}) is None


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
