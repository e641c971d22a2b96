"""`calcgrade.check` inside a learner's notebook: the same graders, in process."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import calcgrade

from .conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny_course"


def namespace(source: str) -> dict[str, Any]:
    names: dict[str, Any] = {"__name__": "__main__"}
    exec(source, names)
    return names


def test_check_grades_the_names_in_a_namespace(capsys: pytest.CaptureFixture[str]) -> None:
    names = namespace("def square(x):\n    return x ** 3\ndef add_one(x):\n    return x + 1\n")
    result = calcgrade.check("t1_squares", names, course=TINY)
    assert (result.score, result.max_score, result.isolation) == (2.0, 5.0, "in-process")
    printed = capsys.readouterr().out
    assert "t1_squares: 2 / 5 points" in printed
    assert "hint: You cubed x; square it instead: x ** 2." in printed


def test_check_one_exercise_public_only(capsys: pytest.CaptureFixture[str]) -> None:
    names = namespace("def square(x):\n    return x ** 2\n")
    result = calcgrade.check("t1_squares", names, "square", course=TINY, public_only=True)
    assert [c.id for c in result.checks] == ["square-values"]
    assert result.score == result.max_score


def test_in_process_values_are_copies_and_validated() -> None:
    seen: list[np.ndarray] = []

    def square(x: np.ndarray) -> np.ndarray:
        seen.append(x)
        x *= x
        return x

    result = calcgrade.check("t1_squares", {"square": square}, "square", course=TINY)
    statuses = {c.id: c.status for c in result.checks}
    assert statuses == {
        "square-values": "passed",
        "square-hidden": "passed",
        "square-leaves-input": "failed",
    }


def test_an_endless_loop_is_stopped_in_process() -> None:
    def square(x: np.ndarray) -> np.ndarray:
        while True:
            pass

    result = calcgrade.check(
        "t1_squares", {"square": square}, "square", course=TINY, public_only=True
    )
    assert result.checks[0].status == "timeout"


def test_missing_names_are_reported() -> None:
    result = calcgrade.check("t1_squares", {}, course=TINY)
    assert result.score == 0
    assert result.checks[0].message == "`square` is not defined in your submission"


def test_call_varied_changes_one_entry_per_call_in_one_request() -> None:
    from calcgrade.handle import StudentError, Submission
    from calcgrade.inprocess import InProcessTransport

    seen: list[list[float]] = []

    def f(x: np.ndarray, scale: float) -> float:
        seen.append(x.tolist())
        if x.min() < 0:
            raise ValueError("negative")
        return float(x.sum() * scale)

    transport = InProcessTransport({"f": f}, call_timeout_s=5)
    sub = Submission(transport, {"f": "function"})
    x = np.array([1.0, 2.0])
    assert sub.call_varied("f", (x, 2.0), (0,), [(0, 5.0), (1, 0.5)]) == [14.0, 3.0]
    assert seen == [[5.0, 2.0], [1.0, 0.5]]  # each call changes one entry of its own copy
    with pytest.raises(StudentError, match="ValueError: negative") as raised:
        sub.call_varied("f", (x, 2.0), (0,), [(0, 3.0), (0, -1.0)])
    assert raised.value.call == "f"
    assert x.tolist() == [1.0, 2.0]
