"""Relations between a wrong value and the expected one, checked on the numbers.

The sentences are feedback wording: pinned here, one per relation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from calcgrade import (
    CheckFailure,
    Tolerance,
    mismatch,
    mismatch_dict,
    mismatch_steps,
    require,
)
from calcgrade.config import load_course
from calcgrade.gradebook import Row
from calcgrade.html_report import class_page
from calcgrade.relations import blocks, recognise, relation, steps_shift
from calcgrade.results import CheckResult, ModuleResult
from calcgrade.runner import check_namespace

from .conftest import ROOT
from .test_html_report import check, result

TIGHT = Tolerance(rtol=1e-7, atol=1e-12)
RNG = np.random.default_rng(20240601)
E = RNG.normal(size=(8, 3))  # 8 rows, 3 columns
SQUARE = RNG.normal(size=(4, 4))
V = RNG.normal(size=5)
OTHER = RNG.normal(size=(3, 8))
PREVIOUS = RNG.normal(size=(8, 3))
LONG = RNG.normal(size=20)

TRANSPOSED = "it looks transposed: got.T matches the expected values"
TRANSPOSED_SHAPE = (
    "it has the transposed shape, but got.T does not match the expected values either"
)

CASES: list[tuple[str, Any, Any, dict[str, Any], str | None]] = [
    ("transposed", E.T, E, {}, TRANSPOSED),
    ("transposed shape", OTHER, E, {}, TRANSPOSED_SHAPE),
    ("square transposed", SQUARE.T, SQUARE, {}, TRANSPOSED),
    (
        "previous call",
        PREVIOUS,
        E,
        {"previous": PREVIOUS},
        "it matches what the previous call returned, as if the state had not been updated",
    ),
    ("sign", -E, E, {}, "the sign is flipped: got = -expected"),
    ("factor 2", 2 * E, E, {}, "off by a factor 2: got = 2 * expected"),
    ("factor 1/2", E / 2, E, {}, "off by a factor 1/2: got = expected / 2"),
    (
        "rows",
        8 * E,
        E,
        {},
        "off by a factor N = 8 (the number of rows): got = N * expected",
    ),
    (
        "1/rows",
        E / 8,
        E,
        {},
        "off by a factor 1/N, N = 8 (the number of rows): got = expected / N",
    ),
    (
        "columns",
        3 * E,
        E,
        {},
        "off by a factor N = 3 (the number of columns): got = N * expected",
    ),
    (
        "all entries",
        E / 24,
        E,
        {},
        "off by a factor 1/N, N = 24 (the number of entries): got = expected / N",
    ),
    (
        "entries",
        5 * V,
        V,
        {},
        "off by a factor N = 5 (the number of entries): got = N * expected",
    ),
    (
        "summed",
        6 * E,
        E,
        {"batch": 6},
        "summed instead of averaged over the N = 6 rows? got = N * expected",
    ),
    (
        "averaged",
        E / 6,
        E,
        {"batch": 6},
        "averaged instead of summed over the N = 6 rows? got = expected / N",
    ),
    (
        "batch before the axis",
        8 * E,
        E,
        {"batch": 8},
        "summed instead of averaged over the N = 8 rows? got = N * expected",
    ),
    (
        "named factor",
        0.1 * E,
        E,
        {"factors": {"the learning rate": 0.1}},
        "off by a factor equal to the learning rate: got = the learning rate * expected",
    ),
    (
        "named factor, inverse",
        E / 0.1,
        E,
        {"factors": {"the learning rate": 0.1}},
        "off by a factor 1/(the learning rate): got = expected / the learning rate",
    ),
    ("constant", 3.7 * E, E, {}, "off by a constant factor 3.7: got = 3.7 * expected"),
    ("negative constant", -2.5 * E, E, {}, "off by a constant factor -2.5: got = -2.5 * expected"),
    ("whole constant", 7 * E, E, {}, "off by a constant factor 7: got = 7 * expected"),
    ("inverse constant", E / 7, E, {}, "off by a constant factor 1/7: got = expected / 7"),
    (
        "constant, shown rounded",
        3.71234 * E,
        E,
        {},
        "off by a constant factor about 3.7: got ≈ 3.7 * expected",
    ),
    (
        "sign before swapped",
        np.array([-1.5, 1.5]),
        np.array([1.5, -1.5]),
        {},
        "the sign is flipped: got = -expected",
    ),
    ("swapped", np.array([2.5, 1.5]), np.array([1.5, 2.5]), {}, "the two components are swapped"),
    ("two of five swapped", V[[0, 3, 2, 1, 4]], V, {}, "two components are swapped"),
    ("reversed", V[::-1], V, {}, "the components are in reverse order"),
    ("permuted", V[[1, 2, 0, 3, 4]], V, {}, "the components are in another order"),
    ("rows swapped", E[[1, 0, 2, 3, 4, 5, 6, 7]], E, {}, "two rows are swapped"),
    ("rows reversed", E[::-1], E, {}, "the rows are in reverse order"),
    ("columns permuted", E[:, [2, 0, 1]], E, {}, "the columns are in another order"),
    ("scalar, factor 2", 2.6, 1.3, {}, "off by a factor 2: got = 2 * expected"),
    ("scalar, sign", -1.3, 1.3, {}, "the sign is flipped: got = -expected"),
    (
        "scalar, named",
        1.3 * 0.1,
        1.3,
        {"factors": {"the learning rate": 0.1}},
        "off by a factor equal to the learning rate: got = the learning rate * expected",
    ),
    # nothing holds, or nothing can be told: None
    ("noise", E + 0.1 * RNG.normal(size=E.shape), E, {}, None),
    ("expected all zeros", np.ones((8, 3)), np.zeros((8, 3)), {}, None),
    ("one entry, any factor", np.array([3.7]), np.array([1.0]), {}, None),
    ("scalar, any factor", 2.5, 3.0, {}, None),
    ("not a number", np.full(3, np.nan), V[:3], {}, None),
    ("infinite expected", V, np.full(5, np.inf), {}, None),
    ("other shape", V, E, {}, None),
    ("equal", E, E, {}, None),
    ("a long vector permuted", LONG[::-1], LONG, {}, None),
    ("an offset", E + 1, E, {}, None),
]


@pytest.mark.parametrize(
    ("got", "expected", "extra", "sentence"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_relations(got: Any, expected: Any, extra: dict[str, Any], sentence: str | None) -> None:
    assert relation(got, expected, TIGHT, **extra) == sentence


def test_sentences_show_no_values() -> None:
    for _, got, expected, _, sentence in CASES:
        if sentence is None:
            continue
        for value in np.ravel(expected).tolist() + np.ravel(got).tolist():
            assert f"{value:.3g}" not in sentence, sentence


BEHIND = "your sequence is one step behind the expected one"
AHEAD = "your sequence is one step ahead of the expected one"
SHIFTS: list[tuple[str, Callable[[np.ndarray], np.ndarray], str | None]] = [
    ("behind", lambda s: np.concatenate([s[:1], s[:-1]]), BEHIND),
    ("ahead", lambda s: np.concatenate([s[1:], s[-1:]]), AHEAD),
    ("lacks first", lambda s: s[1:], f"{AHEAD}: it lacks the first step"),
    ("lacks last", lambda s: s[:-1], "your sequence stops one step early: it lacks the last step"),
    ("extra first", lambda s: np.concatenate([s[:1], s]), f"{BEHIND}: it has an extra first step"),
    (
        "extra last",
        lambda s: np.concatenate([s, s[-1:]]),
        "your sequence goes one step too far: it has an extra last step",
    ),
    ("noise", lambda s: s + 0.1, None),
    ("equal", lambda s: s, None),
    ("two short", lambda s: s[:-2], None),
]


@pytest.mark.parametrize(
    ("change", "sentence"), [case[1:] for case in SHIFTS], ids=[case[0] for case in SHIFTS]
)
def test_steps_shift(change: Callable[[np.ndarray], np.ndarray], sentence: str | None) -> None:
    trajectory = np.cumsum(RNG.normal(size=(6, 2)), axis=0)
    assert steps_shift(change(trajectory), trajectory, TIGHT) == sentence
    losses = np.exp(-np.arange(6.0))  # a 1-D sequence: a list of losses
    assert steps_shift(change(losses), losses, TIGHT) == sentence


def test_a_sequence_that_does_not_change_has_no_shift() -> None:
    flat = np.ones((5, 2))
    assert steps_shift(flat[1:], flat, TIGHT) is None
    assert steps_shift(np.array([1.0, 2.0]), np.array([2.0, 3.0]), TIGHT) is None  # too short


def test_blocks() -> None:
    assert blocks(["W1", "b1"], ["W2", "b2"]) == "W2 and b2 are right, W1 and b1 are wrong"
    assert blocks(["W1"], ["b1", "W2", "b2"]) == "b1, W2 and b2 are right, W1 is wrong"
    explained = {frozenset({"W1", "b1"}): "the error is in the backward pass before the output"}
    assert blocks(["W1", "b1"], ["W2", "b2"], explained) == (
        "W2 and b2 are right, W1 and b1 are wrong: "
        "the error is in the backward pass before the output"
    )
    assert blocks(["W2", "b2"], ["W1", "b1"], explained) == (
        "W1 and b1 are right, W2 and b2 are wrong"
    )
    assert blocks(["W", "b"], [], relation="the sign is flipped: got = -expected") == (
        "W and b are all wrong (the sign is flipped: got = -expected)"
    )


# ---- in the comparators' texts ------------------------------------------------------


def test_mismatch_appends_the_relation_as_a_last_line() -> None:
    expected = np.arange(1.0, 13.0).reshape(3, 4)
    failure = mismatch(2 * expected, expected, "dW", TIGHT)
    assert failure is not None
    assert failure.relation == "off by a factor 2: got = 2 * expected"
    assert failure.message == (
        "dW: 12 of 12 entries (100%) differ; worst at index [0, 0], relative error 0.5 (wrong)\n"
        "  off by a factor 2: got = 2 * expected"
    )
    assert failure.detail == (
        "dW: 12 of 12 entries (100%) differ (rtol=1e-07, atol=1e-12)\n"
        "  worst at index [0, 0]: got 2, expected 1 (relative error 0.5, wrong)\n"
        "  max absolute difference 12\n"
        "  off by a factor 2: got = 2 * expected"
    )


def test_mismatch_of_scalars_and_shapes() -> None:
    failure = mismatch(-3.0, 3.0, "f'(x)", TIGHT)
    assert failure is not None
    assert failure.message == (
        "f'(x) is off: relative error 2 (wrong)\n  the sign is flipped: got = -expected"
    )
    expected = np.arange(1.0, 7.0).reshape(2, 3)
    failure = mismatch(expected.T, expected, "dW", TIGHT)
    assert failure is not None and failure.detail is None
    assert failure.message == f"dW: got shape (3, 2), expected shape (2, 3)\n  {TRANSPOSED}"


def test_mismatch_passes_the_callers_knowledge_on() -> None:
    state = np.array([1.0, -2.0, 0.5])
    failure = mismatch(state, state - 0.1, "x after step", TIGHT, previous=state)
    assert failure is not None and failure.relation is not None
    assert failure.relation.startswith("it matches what the previous call returned")
    failure = mismatch(4 * state, state, "grad", TIGHT, batch=4)
    assert failure is not None
    assert failure.relation == "summed instead of averaged over the N = 4 rows? got = N * expected"


def test_no_relation_adds_nothing() -> None:
    failure = mismatch(2.5, 3.0, "f'(x)", TIGHT)
    assert failure is not None and failure.relation is None
    assert failure.message == "f'(x) is off: relative error 0.17 (wrong)"


def test_a_known_mistake_keeps_its_hint_and_adds_no_relation() -> None:
    with pytest.raises(CheckFailure) as raised:
        require(mismatch(2.0, 1.0, "f'(x)", TIGHT, mistakes={"doubled": 2.0}))
    assert raised.value.hint == "doubled" and raised.value.relation is None
    assert raised.value.message == "f'(x) is off: relative error 0.5 (wrong)"
    assert raised.value.detail == "f'(x): got 2, expected 1 (relative error 0.5, wrong)"


def test_without_a_known_mistake_the_relation_stays_beside_the_fallback_hint() -> None:
    with pytest.raises(CheckFailure) as raised:
        require(mismatch(2.0, 1.0, "f'(x)", TIGHT, mistakes={"halved": 0.5}, hint="fallback"))
    assert raised.value.hint == "fallback"
    assert raised.value.relation == "off by a factor 2: got = 2 * expected"
    assert raised.value.message.endswith("\n  off by a factor 2: got = 2 * expected")
    assert raised.value.detail is not None
    assert raised.value.detail.endswith("\n  off by a factor 2: got = 2 * expected")


GRADS = {"W1": E, "b1": E[0], "W2": E[:, :1], "b2": E[0, :1]}


def test_dicts_say_which_blocks_are_right() -> None:
    got = {**GRADS, "W1": GRADS["W1"] + 1, "b1": GRADS["b1"] - 1}
    explained = {frozenset({"W1", "b1"}): "the error is in the backward pass before the output"}
    failure = mismatch_dict(got, GRADS, "grads", TIGHT, explanations=explained)
    assert failure is not None
    assert failure.message.splitlines()[0].startswith("grads['W1']: 24 of 24 entries")
    assert failure.message.splitlines()[1].startswith("grads['b1']: 3 of 3 entries")
    assert failure.relation == (
        "W2 and b2 are right, W1 and b1 are wrong: "
        "the error is in the backward pass before the output"
    )
    assert failure.message.endswith(f"\n  {failure.relation}")
    failure = mismatch_dict(got, GRADS, "grads", TIGHT)
    assert failure is not None
    assert failure.relation == "W2 and b2 are right, W1 and b1 are wrong"


def test_dicts_name_what_the_wrong_blocks_share() -> None:
    halved = {**GRADS, "W1": GRADS["W1"] / 2, "b1": GRADS["b1"] / 2}
    failure = mismatch_dict(halved, GRADS, "grads", TIGHT)
    assert failure is not None and failure.relation == (
        "W2 and b2 are right, W1 and b1 are wrong (off by a factor 1/2: got = expected / 2)"
    )
    summed = {key: 8 * value for key, value in GRADS.items()}
    failure = mismatch_dict(summed, GRADS, "grads", TIGHT, batch=8)
    assert failure is not None and failure.relation == (
        "W1, b1, W2 and b2 are all wrong "
        "(summed instead of averaged over the N = 8 rows? got = N * expected)"
    )
    one = {**GRADS, "W2": -GRADS["W2"]}
    failure = mismatch_dict(one, GRADS, "grads", TIGHT)
    assert failure is not None and failure.relation == "the sign is flipped: got = -expected"
    shifted = {key: value + 1 for key, value in GRADS.items()}
    failure = mismatch_dict(shifted, GRADS, "grads", TIGHT)
    assert failure is not None and failure.relation is None


def test_trajectories_one_step_behind() -> None:
    expected = np.cumsum(RNG.normal(size=(5, 2)), axis=0)
    got = np.vstack([expected[:1], expected[:-1]])
    failure = mismatch_steps(got, expected, "trajectory", TIGHT)
    assert failure is not None
    assert failure.message.startswith("trajectory at step 1: 2 of 2 entries (100%) differ")
    assert failure.relation == "your sequence is one step behind the expected one"
    assert failure.detail is not None and failure.detail.endswith(f"\n  {failure.relation}")
    failure = mismatch_steps(expected[1:], expected, "trajectory", TIGHT)
    assert failure is not None
    assert failure.message == (
        "trajectory: got shape (4, 2), expected shape (5, 2)\n"
        "  your sequence is one step ahead of the expected one: it lacks the first step"
    )


def test_trajectories_fall_back_on_the_first_step_that_differs() -> None:
    expected = np.cumsum(RNG.normal(size=(5, 2)), axis=0)
    got = expected.copy()
    got[3] = expected[3, ::-1]
    failure = mismatch_steps(got, expected, "trajectory", TIGHT)
    assert failure is not None and failure.message.startswith("trajectory at step 3")
    assert failure.relation == "the two components are swapped"


@pytest.mark.parametrize("case", [case for case in CASES if case[4] is not None], ids=str)
def test_results_find_the_sentence_in_the_text(case: tuple[Any, ...]) -> None:
    sentence = case[4]
    assert recognise(f"dW: 3 of 6 entries (50%) differ\n  {sentence}") == sentence
    assert recognise(f"context:\nx is off\n  {sentence}\nnote") == sentence
    assert recognise(f"x is off\n  {sentence}") == sentence


def test_results_find_no_sentence_in_other_texts() -> None:
    failure = mismatch(np.array([1.0, 5.0]), np.array([1.0, 2.0]), "x", TIGHT)
    assert failure is not None and failure.detail is not None
    assert recognise(failure.detail) is None and recognise(failure.message) is None
    assert recognise("off by a factor 2: got = 2 * expected") is None  # not a line of its own
    assert recognise("x: got shape (3,), expected shape (2,)") is None


# ---- properties -------------------------------------------------------------------------

EXPECTED = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=6),
    elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
).filter(lambda a: bool(np.any(np.abs(a) > 1e-3)))


@settings(derandomize=True, max_examples=300, deadline=None)
@given(EXPECTED)
def test_twice_the_expected_values_is_factor_2(expected: np.ndarray) -> None:
    assert relation(2 * expected, expected, TIGHT) == "off by a factor 2: got = 2 * expected"


@settings(derandomize=True, max_examples=300, deadline=None)
@given(EXPECTED, st.integers(0, 2**32 - 1))
def test_noise_has_no_relation(expected: np.ndarray, seed: int) -> None:
    noise = np.random.default_rng(seed).normal(size=expected.shape) * (np.abs(expected) + 1)
    assert relation(expected + noise, expected, TIGHT) is None


# ---- results and the class report ------------------------------------------------------


def test_results_carry_the_relation_and_read_old_ones() -> None:
    lost = check("square-hidden", relation="off by a factor 2: got = 2 * expected")
    data = result(lost).to_dict()
    assert data["checks"][0]["relation"] == "off by a factor 2: got = 2 * expected"
    assert ModuleResult.from_dict(data).checks[0] == lost
    del data["checks"][0]["relation"]  # a result written before relations
    assert ModuleResult.from_dict(data).checks[0].relation is None


def test_the_runner_records_the_relation() -> None:
    tiny = load_course(ROOT / "tests" / "fixtures" / "tiny_course")
    names: dict[str, Any] = {"__name__": "__main__"}
    exec("def square(x):\n    return -x ** 2\ndef add_one(x):\n    return x + 1\n", names)
    checks = {c.id: c for c in check_namespace(tiny, "t1_squares", names).checks}
    for check_id in ("square-values", "square-hidden"):
        assert checks[check_id].relation == "the sign is flipped: got = -expected"
        assert checks[check_id].message.endswith("\n  the sign is flipped: got = -expected")
    exec("def square(x):\n    return x ** 3\n", names)  # a known mistake: the hint, no relation
    checks = {c.id: c for c in check_namespace(tiny, "t1_squares", names).checks}
    assert checks["square-values"].hint_id == "cubed" and checks["square-values"].relation is None
    assert checks["add-one-value"].relation is None  # passed


def test_the_class_report_groups_unrecognised_losses_by_relation() -> None:
    factor = "off by a factor 1/N, N = 4 (the number of rows): got = expected / N"

    def graded(relation: str | None, hint_id: str | None = None) -> ModuleResult:
        return result(
            check("square-values", hint_id=hint_id, hint="a hint" if hint_id else None),
            check("square-hidden", visibility="hidden", relation=relation),
            check("add-one", status="passed", exercise="add_one"),
        )

    rows = [
        Row("ann", {"t1_squares": graded(factor)}, {}),
        Row("ben", {"t1_squares": graded(factor)}, {}),
        Row("cy", {"t1_squares": graded(factor, hint_id="cubed")}, {}),
        Row("dee", {"t1_squares": graded("the sign is flipped: got = -expected")}, {}),
        Row("eve", {"t1_squares": graded(None)}, {}),
    ]
    page = class_page(rows, [])
    start = page.index('<h4 id="relations">')
    section = page[start : page.index("</table>", start)]
    assert "<h3>Points lost without a recognised mistake</h3>" in page
    expected_rows = [
        f'<tr><td class="num">3</td><td>t1_squares › square-hidden</td><td>{factor}</td></tr>',
        '<tr><td class="num">4</td><td>t1_squares › square-values</td>'
        '<td><span class="meta">no relation found</span></td></tr>',
        '<tr><td class="num">1</td><td>t1_squares › square-hidden</td>'
        '<td><span class="meta">no relation found</span></td></tr>',
        '<tr><td class="num">1</td><td>t1_squares › square-hidden</td>'
        "<td>the sign is flipped: got = -expected</td></tr>",
    ]
    for row in expected_rows:
        assert row in section, row
    # most students first; one row per check and relation
    assert section.index(expected_rows[1]) < section.index(expected_rows[0])
    assert section.index(expected_rows[2]) > section.index(expected_rows[3])
    assert section.count("<tr><td") == 4


def test_the_class_report_escapes_relations() -> None:
    evil = "W<b>1 is right, b1 is wrong"
    lost = CheckResult("c", "square", 0.0, 1.0, "failed", "wrong", relation=evil)
    page = class_page([Row("ann", {"t1_squares": result(lost)}, {})], [])
    assert "W&lt;b&gt;1 is right" in page and "<b>" not in page


def test_an_arbitrary_factor_is_withheld_in_a_hidden_check() -> None:
    """The student's code picks the factor, so it could write a hidden input into it."""
    from calcgrade.checks import running_check
    from calcgrade.relations import WITHHELD_FACTOR

    expected = np.array([1.0, 2.0, 3.0, 4.0])
    tol = Tolerance(rtol=1e-7, atol=1e-9)
    assert relation(0.537 * expected, expected, tol) is not None
    assert "0.54" in str(relation(0.537 * expected, expected, tol))
    with running_check(True):
        assert relation(0.537 * expected, expected, tol) == WITHHELD_FACTOR
        assert relation(2 * expected, expected, tol) == "off by a factor 2: got = 2 * expected"


def test_two_layer_gradients_say_where_backpropagation_went_wrong() -> None:
    from calcgrade.relations import TWO_LAYER_BLOCKS

    expected = {key: RNG.normal(size=shape) for key, shape in PARAM_SHAPES.items()}
    got = dict(expected, W1=expected["W1"] * 1.7 + 0.1, b1=expected["b1"] - 0.3)
    failure = mismatch_dict(got, expected, "grads", TIGHT, explanations=TWO_LAYER_BLOCKS)
    assert failure is not None
    assert failure.relation == (
        "W2 and b2 are right, W1 and b1 are wrong: the error is in the backward pass before "
        "the output layer (the gradient sent back through W2, or the hidden activation's "
        "derivative)"
    )
    assert recognise(failure.message) == failure.relation


PARAM_SHAPES = {"W1": (2, 3), "b1": (3,), "W2": (3, 1), "b2": (1,)}


def test_an_update_off_by_the_learning_rate_is_named_on_the_update() -> None:
    from calcgrade.relations import step_relation

    before, grad, lr = RNG.normal(size=(3, 2)), RNG.normal(size=(3, 2)), 0.1
    expected, got = before - lr * grad, before - grad  # the learning rate left out
    factors = {"the learning rate": lr}
    sentence = step_relation(before, got, expected, TIGHT, factors=factors)
    assert sentence == (
        "the update (after - before): off by a factor 1/(the learning rate): "
        "got = expected / the learning rate"
    )
    assert recognise(f"params differ\n  {sentence}") == sentence
    assert step_relation(before, expected, expected, TIGHT, factors=factors) is None
    assert step_relation(before, before + 3.0, expected, TIGHT, factors=factors) is None
