"""Diagnosis by slips: the one small change of the reference that gives a student's numbers.

Unit tests on a small reference written here, then the real thing: a wrong
submission graded by the engine gets the slip as its hint, in the reference's
words, and never a guess.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from calcgrade import Tolerance
from calcgrade.config import load_course
from calcgrade.diagnosis import diagnose, explain
from calcgrade.gradebook import Row
from calcgrade.handle import Raised, Record, RemoteObject
from calcgrade.html_report import class_page
from calcgrade.results import SLIP, ModuleResult
from calcgrade.runner import Options, grade_file
from calcgrade.slips import slips

from .conftest import ROOT
from .test_html_report import check, result

TOL = Tolerance(rtol=1e-6, atol=1e-10)

REFERENCE = """
import numpy as np


def derivative(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def scale(a, k):
    return k * np.asarray(a, dtype=float)


def count_up(n):
    i = 0
    while i < n:
        i += 1
    return i


class Counter:
    def __init__(self, step=1.0):
        self.step = step
        self.total = 0.0

    def add(self, x):
        self.total += self.step * x
        return self.total
"""
CONTRACT = ["derivative", "scale", "count_up", "Counter"]


def cube(x: float) -> float:
    return x**3


def test_slips_are_single_changes_of_the_contract_code() -> None:
    found = slips(REFERENCE, ["derivative"])
    assert {slip.scope for slip in found} == {"derivative"}
    plus = [s for s in found if s.operator == "add_to_sub" and s.changed == "x + h"]
    assert len(plus) == 1 and plus[0].replacement == "x - h"
    assert "f((x - h)) - f(x - h)" in plus[0].source
    assert all(slip.source != REFERENCE for slip in found)


def test_the_slip_that_gives_the_students_numbers_is_named() -> None:
    # a student who wrote (f(x + h) - f(x - h)) * (2 * h)
    got = (cube(2.1) - cube(1.9)) * 0.2
    records = [Record.of("derivative", None, (cube, 2.0, 0.1), {}, got)]
    found = diagnose(REFERENCE, CONTRACT, "derivative", records, TOL, 5.0)
    assert found is not None
    assert [(s.changed, s.replacement) for s in found] == [
        ("(f(x + h) - f(x - h)) / (2 * h)", "(f(x + h) - f(x - h)) * (2 * h)")
    ]
    text = explain("derivative", found)
    assert "computes `(f(x + h) - f(x - h)) / (2 * h)`" in text
    assert "yours computes `(f(x + h) - f(x - h)) * (2 * h)`" in text


def test_every_call_must_be_reproduced() -> None:
    right = Record.of("scale", None, ([1.0, 2.0], 3.0), {}, np.array([3.0, 6.0]))
    wrong = Record.of("scale", None, ([1.0, 2.0], 3.0), {}, np.array([3.0, 1.5]))  # k / a
    assert diagnose(REFERENCE, CONTRACT, "scale", [wrong], TOL, 5.0) is not None
    # the reference gives the student's numbers: nothing to diagnose
    assert diagnose(REFERENCE, CONTRACT, "scale", [right], TOL, 5.0) is None
    # one call that no slip explains: no diagnosis (a slip must explain them all)
    odd = Record.of("scale", None, ([1.0, 2.0], 2.0), {}, np.array([5.0, -1.0]))
    assert diagnose(REFERENCE, CONTRACT, "scale", [wrong, odd], TOL, 5.0) is None


def test_ambiguous_numbers_name_a_few_slips_or_none() -> None:
    # f(x + h) - f(x + h) and f(x - h) - f(x - h) both give 0: two candidates, both named
    records = [Record.of("derivative", None, (cube, 2.0, 0.1), {}, 0.0)]
    found = diagnose(REFERENCE, CONTRACT, "derivative", records, TOL, 5.0)
    assert found is not None and len(found) == 2
    assert "one of these: (1)" in explain("derivative", found)
    # numbers no slip gives: nothing
    records = [Record.of("derivative", None, (cube, 2.0, 0.1), {}, 1234.5)]
    assert diagnose(REFERENCE, CONTRACT, "derivative", records, TOL, 5.0) is None


def test_a_slip_that_loops_forever_ends_the_search_not_the_grader() -> None:
    # count_up with `i -= 1` never ends; the student's 6 for n = 5 (`<=`) is a slip,
    # but the search meets the endless one first and stops at its deadline
    records = [Record.of("count_up", None, (5,), {}, 6)]
    started = time.monotonic()
    assert diagnose(REFERENCE, CONTRACT, "count_up", records, TOL, 0.3) is None
    assert time.monotonic() - started < 2.0


def test_an_objects_life_is_replayed_method_by_method() -> None:
    obj = RemoteObject(7, "Counter", 0)
    records = [
        Record.of("Counter", None, (), {"step": 2.0}, obj),
        Record.of(7, "add", (1.0,), {}, 2.0),
        Record.of(7, "add", (1.0,), {}, 2.0),  # `=` for `+=`: the total never grows
    ]
    found = diagnose(REFERENCE, CONTRACT, "Counter", records, TOL, 5.0)
    assert found is not None and [s.operator for s in found] == ["aug_to_assign"]
    assert "`self.total += self.step * x` is written `self.total = self.step * x`" in explain(
        "Counter", found
    )


def test_calls_with_student_objects_in_their_arguments_are_not_replayed() -> None:
    obj = RemoteObject(3, "Thing", 0)
    records = [Record.of("scale", None, (obj, 3.0), {}, np.array([1.0]))]
    assert diagnose(REFERENCE, CONTRACT, "scale", records, TOL, 5.0) is None


def test_a_wrong_submission_gets_the_slip_as_its_hint(tmp_path: Path) -> None:
    course = load_course(ROOT / "course_config.yml")
    text = (ROOT / "solutions" / "m3_chain_rule.py").read_text()
    wrong = text.replace("    dX = dZ @ W.T\n", "    dX = -(dZ @ W.T)\n")
    assert wrong != text
    path = tmp_path / "m3_chain_rule.py"
    path.write_text(wrong)
    result = grade_file(course, "m3_chain_rule", path, Options(seed=1))
    lost = [c for c in result.checks if c.exercise == "linear_backward" and c.score < c.max_score]
    assert lost
    slipped = [c for c in lost if c.hint_id == SLIP]
    assert slipped, [(c.id, c.hint_id, c.message) for c in lost]
    assert all("yours computes `-(dZ @ W.T)`" in (c.hint or "") for c in slipped)


def test_a_crash_is_named_by_the_slip_that_raises_the_same_error(tmp_path: Path) -> None:
    course = load_course(ROOT / "course_config.yml")
    text = (ROOT / "solutions" / "m3_chain_rule.py").read_text()
    wrong = text.replace("        self.grad = 0.0\n", "        pass\n", 1)
    assert wrong != text
    path = tmp_path / "m3_chain_rule.py"
    path.write_text(wrong)
    result = grade_file(course, "m3_chain_rule", path, Options(seed=1))
    lost = [c for c in result.checks if c.exercise == "Value" and c.score < c.max_score]
    assert lost and all("AttributeError" in c.message for c in lost)
    assert all(c.hint_id == SLIP for c in lost), [(c.id, c.hint_id) for c in lost]
    assert all(
        (c.hint or "").startswith(
            "A correct `Value` raises this same error with one small change: "
            "the step `self.grad = 0.0` is missing"
        )
        for c in lost
    )


def test_a_crash_is_replayed_by_type_and_message() -> None:
    made = Record.of("Counter", None, (), {}, RemoteObject(1, "Counter", 0))
    missing = Raised("AttributeError", "'Counter' object has no attribute 'total'")
    records = [made, Record.of(1, "add", (2.0,), {}, missing)]
    found = diagnose(REFERENCE, CONTRACT, "Counter", records, TOL, 5.0)
    assert found is not None
    assert [(slip.kind, slip.changed) for slip in found] == [("delete", "self.total = 0.0")]
    assert explain("Counter", found, raised=True) == (
        "A correct `Counter` raises this same error with one small change: "
        "the step `self.total = 0.0` is missing. Find that spot in your code."
    )
    other = Raised("AttributeError", "my own words")  # no slip raises that: nothing is said
    records = [made, Record.of(1, "add", (2.0,), {}, other)]
    assert diagnose(REFERENCE, CONTRACT, "Counter", records, TOL, 5.0) is None


def test_the_class_report_lists_each_diagnosed_slip_as_a_mistake_of_its_own() -> None:

    plus = "Your results match a correct `square` with one small change: `x + 1` ... (plus)"
    times = "Your results match a correct `square` with one small change: `x * 2` ... (times)"

    def graded(hint: str) -> ModuleResult:
        return result(check("square-values", hint_id=SLIP, hint=hint))

    rows = [
        Row("ann", {"t1_squares": graded(plus)}, {}),
        Row("ben", {"t1_squares": graded(plus)}, {}),
        Row("cy", {"t1_squares": graded(times)}, {}),
    ]
    page = class_page(rows, [])
    section = page[page.index('id="mistakes"') :]
    assert '<td class="num">2</td><td>t1_squares › square</td><td><code>slip</code>' in section
    assert '<td class="num">1</td><td>t1_squares › square</td><td><code>slip</code>' in section
    assert "(plus)" in section and "(times)" in section


def test_a_function_exercise_named_like_a_method_is_the_function() -> None:
    # m3's contract has relu(Z) and Value.relu(); a relu record is about the function
    source = (
        REFERENCE
        + """

def relu(Z):
    return np.maximum(Z, 0.0)


class Node:
    def relu(self):
        return self
"""
    )
    Z = np.array([-2.0, -0.5, 1.5, 3.0])
    records = [Record.of("relu", None, (Z,), {}, -np.maximum(Z, 0.0))]
    found = diagnose(source, [*CONTRACT, "relu", "Node"], "relu", records, TOL, 5.0)
    assert found is not None and [s.operator for s in found] == ["neg_added"]


def test_an_infinite_model_value_is_not_close_to_a_finite_one() -> None:
    # with NumPy numbers, (f(x + h) - f(x - h)) / (0 * h) is inf, not an error: it must
    # not "explain" a finite result
    def cube64(x: float) -> np.float64:
        return np.float64(x) ** 3

    records = [Record.of("derivative", None, (cube64, 2.0, 0.1), {}, 12.345)]
    assert diagnose(REFERENCE, CONTRACT, "derivative", records, TOL, 5.0) is None
