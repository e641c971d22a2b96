"""Every grader against the solutions, the stubs and the corpus of student submissions.

The corpus (tests/submissions/<module>/*.py) was written from CURRICULUM.md
alone: each file is either correct (full marks) or holds one common mistake,
which must lose points on the named exercise, and only there, with its hint.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from calcgrade.config import Course
from calcgrade.runner import load_grader

from .conftest import CORPUS, ROOT, expectation, failures, grade

MODULES = [
    "m0_readiness",
    "m1_derivatives",
    "m2_gradients",
    "m3_chain_rule",
    "m4_gradient_descent",
    "m5_optimization",
    "m6_xor_network",
]
CORPUS_FILES = sorted(CORPUS.glob("m*/*.py"))

# Each common mistake of CURRICULUM.md and the hint a grader gives for it.
CURRICULUM_MISTAKES = {
    "m0_readiness": ["slope_vertical_no_error", "dot_length_mismatch"],
    "m1_derivatives": [
        "forward_difference",
        "precedence_slip",
        "derivative_missing_cost",
        "derivative_sign",
        "optimal_price_minimum",
        "optimal_price_interval",
    ],
    "m2_gradients": [
        "all_coordinates_at_once",
        "input_mutated",
        "one_d_only",
        "components_swapped",
        "ascent_wrong_sign",
    ],
    "m3_chain_rule": [
        "dW_transposed",
        "db_not_summed",
        "db_averaged",
        "derivative_of_activation",
        "relu_mask_on_output_grad",
        "mse_missing_factor_2",
        "mse_missing_1_over_n",
        "missing_tanh_chain",
    ],
    "m4_gradient_descent": [
        "stop_test_after_step",
        "off_by_one_steps",
        "losses_after_update",
        "lambda_min",
        "one_over_lambda_max",
    ],
    "m5_optimization": [
        "momentum_dampening",
        "adam_no_bias_correction",
        "t_per_key",
        "t_never_incremented",
        "eps_placement",
        "state_shared_across_keys",
        "trajectory_without_x0",
    ],
    "m6_xor_network": [
        "forbidden_import",
        "output_derivative_double_counted",
        "predict_probabilities",
        "gradients_summed",
        "does_not_learn",
    ],
}


@pytest.mark.parametrize("module", MODULES)
def test_every_curriculum_mistake_has_a_hint_and_a_corpus_case(module: str, course: Course) -> None:
    if module not in course.spec.modules:
        pytest.skip(f"{module} is not graded yet")
    grader = load_grader(course, module)
    cases = {expectation(path).hint for path in (CORPUS / module).glob("*.py")}
    for mistake in CURRICULUM_MISTAKES[module]:
        assert mistake in grader.hints, f"{module}: no hint for {mistake}"
        assert mistake in cases, f"{module}: no corpus case for {mistake}"


@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("kind", ["py", "ipynb"])
def test_solution_scores_full_marks(module: str, kind: str, course: Course) -> None:
    if module not in course.spec.modules:
        pytest.skip(f"{module} is not graded yet")
    result = grade(course, module, ROOT / "solutions" / f"{module}.{kind}")
    assert result.score == result.max_score > 0, failures(result)


@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("kind", ["py", "ipynb"])
def test_stub_scores_zero_without_crashing(module: str, kind: str, course: Course) -> None:
    if module not in course.spec.modules:
        pytest.skip(f"{module} is not graded yet")
    result = grade(course, module, ROOT / "exercises" / f"{module}.{kind}")
    assert result.score == 0
    for check in result.checks:
        assert check.status == "failed", (check.id, check.status, check.message)
        assert "not implemented yet" in check.message, (check.id, check.message)


@pytest.mark.slow
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_corpus_submission_is_graded_right(path: Path, course: Course) -> None:
    module = path.parent.name
    if module not in course.spec.modules:
        pytest.skip(f"{module} is not graded yet")
    expect = expectation(path)
    result = grade(course, module, path)
    if expect.full_marks:
        assert result.score == result.max_score, failures(result)
        return
    lost = {c.exercise for c in result.checks if c.status != "passed"}
    assert lost == {expect.exercise}, failures(result)
    hints = {c.hint_id for c in result.checks if c.status != "passed"}
    assert expect.hint in hints, failures(result)
    hinted = next(c for c in result.checks if c.hint_id == expect.hint)
    assert hinted.hint and len(hinted.hint) > 20
