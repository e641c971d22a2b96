"""Every grader against the solutions, the stubs and the corpus of student submissions.

The corpus (tests/submissions/<module>/*.py) was written from the course contract
alone (docs/contract.md): each file is either correct (full marks) or holds one
common mistake, which must lose points on the named exercise, and only there, with
its hint.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from calcgrade.config import Course
from calcgrade.runner import load_grader

from .conftest import (
    CORPUS,
    ROOT,
    bound_names,
    corpus_submission,
    expectation,
    failures,
    grade,
    merged_source,
    solution,
)

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


@pytest.mark.parametrize("module", MODULES)
def test_every_listed_mistake_has_a_hint_and_a_corpus_case(module: str, course: Course) -> None:
    """The common mistakes of course_config.yml (docs/contract.md): each has a hint in
    the module's grader and a corpus case that loses points on that exercise with it."""
    if module not in course.spec.modules:
        pytest.skip(f"{module} is not graded yet")
    grader = load_grader(course, module)
    cases = {
        (case.exercise, case.hint)
        for case in map(expectation, (CORPUS / module).glob("*.py"))
        if not case.full_marks
    }
    listed = [
        (exercise, mistake)
        for exercise, spec in course.module(module).exercises.items()
        for mistake in spec.mistakes
    ]
    assert listed, f"{module}: course_config.yml lists no common mistakes"
    for exercise, mistake in listed:
        assert mistake in grader.hints, f"{module}: no hint for {mistake}"
        assert (exercise, mistake) in cases, f"{module}: no corpus case of {exercise} {mistake}"


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
def test_corpus_submission_is_graded_right(path: Path, course: Course, tmp_path: Path) -> None:
    module = path.parent.name
    if module not in course.spec.modules:
        pytest.skip(f"{module} is not graded yet")
    expect = expectation(path)
    result = grade(course, module, corpus_submission(path, tmp_path))
    if expect.full_marks:
        assert result.score == result.max_score, failures(result)
        return
    lost = {c.exercise for c in result.checks if c.status != "passed"}
    assert lost == {expect.exercise}, failures(result)
    hints = {c.hint_id for c in result.checks if c.status != "passed"}
    assert expect.hint in hints, failures(result)
    hinted = next(c for c in result.checks if c.hint_id == expect.hint)
    assert hinted.hint and len(hinted.hint) > 20


def definitions(statements: list[ast.stmt]) -> dict[str, str]:
    """Name -> the dumped syntax tree of each top-level function or class."""
    return {
        s.name: ast.dump(s)
        for s in statements
        if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


@pytest.mark.parametrize("module", MODULES)
def test_corpus_holds_only_mistaken_code_and_merges_to_the_whole_contract(
    module: str, course: Course
) -> None:
    """The rule of the corpus: a file holds only the code that differs from the solution
    (no definition with the solution's syntax tree), and the solution supplies the rest,
    so every file stands for a submission that defines every contract name, including
    one the solution gains later."""
    if module not in course.spec.modules:
        pytest.skip(f"{module} is not graded yet")
    theirs = definitions(list(solution(module).bindings))
    contract = list(course.spec.modules[module].exercises)
    for path in sorted((CORPUS / module).glob("*.py")):
        tree = ast.parse(path.read_text())
        copied = [name for name, dump in definitions(tree.body).items() if theirs.get(name) == dump]
        assert not copied, f"{path.name}: {copied} are the solution's own: leave them out"
        merged = ast.parse(merged_source(module, path.read_text())).body
        methods = {
            item.name
            for node in merged
            if isinstance(node, ast.ClassDef)
            for item in node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        missing = set(contract) - bound_names(merged) - methods
        assert not missing, f"{path.name}: merged, it does not define {sorted(missing)}"


@pytest.mark.parametrize("module", MODULES)
def test_a_file_that_defines_the_whole_contract_is_graded_as_it_is(module: str) -> None:
    text = (ROOT / "solutions" / f"{module}.py").read_text()
    assert merged_source(module, text) == text


@pytest.mark.slow
def test_order_dependent_gradients_get_the_same_grade_every_run(course: Course) -> None:
    """value_grad_overwritten's backward() is right or wrong depending on the order in
    which its set of children is visited (memory addresses): each expression in which a
    node feeds two others is built several times, so its grade does not depend on a
    run's luck, and the failure says that the builds disagreed."""
    path = corpus_submission(CORPUS / "m3_chain_rule" / "value_grad_overwritten.py")
    runs = [grade(course, "m3_chain_rule", path, exercise="Value") for _ in range(5)]
    outcomes = {tuple((c.id, c.status, c.score) for c in result.checks) for result in runs}
    assert len(outcomes) == 1, outcomes
    example = next(c for c in runs[0].checks if c.id == "value-course-example")
    assert example.status == "failed"
    assert "the same expression gave different gradients" in (example.detail or "")
