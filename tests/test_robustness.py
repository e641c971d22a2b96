"""Broken and misbehaving submissions: each gets a clear failed check, never a crash.

Graded through real worker processes against the tiny test course, whose grader
has a public value check, a hidden check, an input-mutation check (exercise
`square`) and an independent exercise `add_one` that must still be graded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calcgrade.config import Course, load_course
from calcgrade.results import ModuleResult
from calcgrade.runner import Options, grade_file

pytestmark = pytest.mark.slow

TINY = Path(__file__).parent / "fixtures" / "tiny_course"
GOOD_ADD_ONE = "def add_one(x):\n    return x + 1.0\n"


@pytest.fixture(scope="module")
def tiny() -> Course:
    return load_course(TINY)


def run(tiny: Course, tmp_path: Path, source: str, name: str = "t1_squares.py") -> ModuleResult:
    path = tmp_path / name
    path.write_text(source)
    return grade_file(tiny, "t1_squares", path, Options())


def by_id(result: ModuleResult) -> dict[str, object]:
    return {check.id: check for check in result.checks}


def square_checks(result: ModuleResult) -> list[object]:
    return [c for c in result.checks if c.exercise == "square"]


def assert_add_one_still_graded(result: ModuleResult) -> None:
    check = by_id(result)["add-one-value"]
    assert check.status == "passed", check  # type: ignore[attr-defined]


def test_correct_submission_gets_full_marks(tiny: Course, tmp_path: Path) -> None:
    result = run(tiny, tmp_path, "def square(x):\n    return x ** 2\n" + GOOD_ADD_ONE)
    assert result.score == result.max_score == 5
    assert result.isolation == "basic"


def test_endless_loop_times_out_and_other_checks_still_run(tiny: Course, tmp_path: Path) -> None:
    result = run(tiny, tmp_path, "def square(x):\n    while True:\n        pass\n" + GOOD_ADD_ONE)
    for check in square_checks(result):
        assert check.status == "timeout"  # type: ignore[attr-defined]
        assert "did not finish within 2.5 s" in check.message  # type: ignore[attr-defined]
    assert_add_one_still_graded(result)


def test_exception_names_the_function_the_error_and_the_line(tiny: Course, tmp_path: Path) -> None:
    source = "def square(x):\n    y = x ** 2\n    return y / 0 + undefined\n" + GOOD_ADD_ONE
    check = by_id(run(tiny, tmp_path, source))["square-values"]
    assert check.status == "failed"  # type: ignore[attr-defined]
    assert check.message == (  # type: ignore[attr-defined]
        "`square` raised NameError: name 'undefined' is not defined "
        "(t1_squares.py, line 3, in square: `return y / 0 + undefined`)"
    )
    assert_add_one_still_graded(run(tiny, tmp_path, source))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return 'ok'", "square(x): got a str, expected a NumPy array"),
        ("return None", "square(x): got None, expected a NumPy array"),
        ("return x.ravel() ** 2", "square(x): got shape (6,), expected shape (2, 3)"),
        ("return x.T ** 2", "square(x): got shape (3, 2), expected shape (2, 3)"),
        ("return x * float('nan')", "square(x): 6 non-finite entries: got nan at index [0, 0]"),
        ("return (x ** 2).astype(bool)", "square(x): got booleans, expected real numbers"),
        (
            "class A(np.ndarray):\n        pass\n    return (x ** 2).view(A)",
            "square(x): got an A object, expected a NumPy array",
        ),
    ],
)
def test_wrong_type_shape_or_nan_is_a_clear_failure(
    tiny: Course, tmp_path: Path, body: str, message: str
) -> None:
    source = f"import numpy as np\ndef square(x):\n    {body}\n" + GOOD_ADD_ONE
    result = run(tiny, tmp_path, source)
    check = by_id(result)["square-values"]
    assert check.status == "failed"  # type: ignore[attr-defined]
    assert check.message.startswith(message), check.message  # type: ignore[attr-defined]
    assert_add_one_still_graded(result)


def test_wrong_values_are_localised_and_diagnosed(tiny: Course, tmp_path: Path) -> None:
    result = run(tiny, tmp_path, "def square(x):\n    return x ** 3\n" + GOOD_ADD_ONE)
    public, hidden = by_id(result)["square-values"], by_id(result)["square-hidden"]
    assert public.message.splitlines()[0] == (  # type: ignore[attr-defined]
        "square(x): 5 of 6 entries (83%) differ (rtol=1e-07, atol=1e-12)"
    )
    assert (
        "worst at index [1, 2]: got -3.375, expected 2.25 (relative error 1.7, wrong)"
        in public.message
    )  # type: ignore[attr-defined]
    assert public.hint_id == "cubed"  # type: ignore[attr-defined]
    assert hidden.hint_id == "cubed"  # type: ignore[attr-defined]
    assert "got" not in hidden.message and "expected" not in hidden.message  # type: ignore[attr-defined]
    assert "got" in hidden.detail  # type: ignore[attr-defined]


def test_mutating_the_input_loses_the_mutation_check_only(tiny: Course, tmp_path: Path) -> None:
    source = "def square(x):\n    x **= 2\n    return x\n" + GOOD_ADD_ONE
    result = run(tiny, tmp_path, source)
    lost = {c.id for c in result.checks if c.status != "passed"}
    assert lost == {"square-leaves-input"}
    assert "modified its input" in by_id(result)["square-leaves-input"].message  # type: ignore[attr-defined]


def test_stub_is_not_implemented_yet(tiny: Course, tmp_path: Path) -> None:
    stub = "    raise NotImplementedError\n"
    source = f"def square(x):\n{stub}def add_one(x):\n{stub}"
    result = run(tiny, tmp_path, source)
    assert result.score == 0
    assert all(
        c.message.endswith("is not implemented yet (it raises NotImplementedError)")
        for c in result.checks
    )


@pytest.mark.parametrize(
    "exit_call", ["sys.exit(0)", "os._exit(0)", "raise SystemExit(3)", "os.kill(os.getpid(), 9)"]
)
def test_exiting_the_process_fails_the_check_and_grading_goes_on(
    tiny: Course, tmp_path: Path, exit_call: str
) -> None:
    source = f"import os, sys\ndef square(x):\n    {exit_call}\n" + GOOD_ADD_ONE
    result = run(tiny, tmp_path, source)
    assert all(c.status == "failed" for c in square_checks(result))
    assert_add_one_still_graded(result)


def test_output_is_capped_and_never_parsed(tiny: Course, tmp_path: Path) -> None:
    fake = json.dumps({"kind": "result", "ok": True, "value": 1})
    source = (
        f"print({fake!r})\nprint('x' * 10_000_000)\n"
        "def square(x):\n    return x ** 3\n" + GOOD_ADD_ONE
    )
    result = run(tiny, tmp_path, source)
    assert by_id(result)["square-values"].status == "failed"  # type: ignore[attr-defined]
    assert len(result.output) < 5000
    assert "more bytes of output not kept" in result.output


def test_syntax_error_is_reported_per_exercise(tiny: Course, tmp_path: Path) -> None:
    result = run(tiny, tmp_path, "def square(x)\n    return x ** 2\n" + GOOD_ADD_ONE)
    assert result.score == 0
    message = by_id(result)["add-one-value"].message  # type: ignore[attr-defined]
    assert message.startswith(
        "`add_one` is not defined in your submission; your code raised SyntaxError"
    )
    assert "t1_squares.py, line 1: `def square(x)`" in message


def test_exception_at_top_level_keeps_the_names_defined_before_it(
    tiny: Course, tmp_path: Path
) -> None:
    source = GOOD_ADD_ONE + "1 / 0\ndef square(x):\n    return x ** 2\n"
    result = run(tiny, tmp_path, source)
    assert by_id(result)["add-one-value"].status == "passed"  # type: ignore[attr-defined]
    message = by_id(result)["square-values"].message  # type: ignore[attr-defined]
    assert (
        "`square` is not defined in your submission; your code raised ZeroDivisionError" in message
    )
    assert any("ZeroDivisionError" in note for note in result.load_notes)


def test_endless_loop_at_top_level(tiny: Course, tmp_path: Path) -> None:
    result = run(tiny, tmp_path, "while True:\n    pass\n")
    assert result.score == 0
    assert {c.status for c in result.checks} == {"timeout"}
    assert result.checks[0].message == (
        "your code did not finish running within 4 s "
        "(an endless loop or a long computation at top level?)"
    )


def notebook(*cells: str, metadata: dict[str, object] | None = None) -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": metadata or {},
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                    "source": cell.splitlines(True),
                }
                for cell in cells
            ],
        }
    )


def test_notebook_cells_run_in_order_skipping_magics_and_failing_cells(
    tiny: Course, tmp_path: Path
) -> None:
    source = notebook(
        "%matplotlib inline\nimport numpy as np\n!pip install nothing",
        "raise RuntimeError('a plot cell that fails')",
        "def square(x):\n    if True:\n        %time y = 1\n    return x ** 2",
        "%%timeit\nsquare(1)",
        GOOD_ADD_ONE,
        "from calcgrade import check\ncheck('t1_squares', globals())",
    )
    result = run(tiny, tmp_path, source, "t1_squares.ipynb")
    assert result.score == result.max_score
    notes = "\n".join(result.load_notes)
    assert "t1_squares.ipynb, cell 1: skipped IPython-only line `%matplotlib inline`" in notes
    assert "cell 3: skipped IPython-only line `%time y = 1`" in notes
    assert "cell 4: skipped IPython-only line `%%timeit`" in notes
    assert "RuntimeError: a plot cell that fails (t1_squares.ipynb, cell 2, line 1" in notes


def test_nbformat_3_notebook(tiny: Course, tmp_path: Path) -> None:
    source = json.dumps(
        {
            "nbformat": 3,
            "worksheets": [
                {
                    "cells": [
                        {"cell_type": "code", "input": ["def square(x):\n", "    return x ** 2\n"]},
                        {"cell_type": "code", "input": GOOD_ADD_ONE},
                    ]
                }
            ],
        }
    )
    result = run(tiny, tmp_path, source, "t1_squares.ipynb")
    assert result.score == result.max_score


@pytest.mark.parametrize("text", ["{not json", "[]", '{"cells": 3}', "\xff\xfe"])
def test_malformed_notebook_is_reported_per_exercise(
    tiny: Course, tmp_path: Path, text: str
) -> None:
    result = run(tiny, tmp_path, text, "t1_squares.ipynb")
    assert result.score == 0
    assert all("not a readable Jupyter notebook" in c.message for c in result.checks)


def test_monkeypatched_numpy_in_the_student_process_changes_nothing(
    tiny: Course, tmp_path: Path
) -> None:
    source = (
        "import numpy as np\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.isfinite = lambda x: np.ones(np.shape(x), dtype=bool)\n"
        "def square(x):\n    return x * float('nan')\n" + GOOD_ADD_ONE
    )
    result = run(tiny, tmp_path, source)
    assert {c.exercise for c in result.checks if c.status == "failed"} == {"square"}
    assert "non-finite" in by_id(result)["square-values"].message  # type: ignore[attr-defined]


def test_an_object_with_a_lying_eq_is_not_accepted(tiny: Course, tmp_path: Path) -> None:
    source = (
        "class Anything:\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __float__(self):\n        return 3.0\n"
        "    def __array__(self, *a, **k):\n        import numpy\n        return numpy.ones(3)\n"
        "def square(x):\n    return Anything()\n"
        "def add_one(x):\n    return Anything()\n"
    )
    result = run(tiny, tmp_path, source)
    assert result.score == 1  # only the mutation check: the input is left alone
    assert by_id(result)["add-one-value"].message == (  # type: ignore[attr-defined]
        "add_one(2.0): got an Anything object, expected a number"
    )


def test_notebook_with_reordered_duplicated_and_stripped_cells(
    tiny: Course, tmp_path: Path
) -> None:
    source = notebook(
        "from calcgrade import check\ncheck('t1_squares', globals())",  # a check cell moved up
        GOOD_ADD_ONE,
        "def square(x):\n    return x",  # a first attempt, redefined below
        "import numpy as np",
        "def square(x):\n    return np.square(x)",
        GOOD_ADD_ONE,  # duplicated
        metadata={"kernelspec": {"name": "python2"}, "nbgrader": {"tampered": True}},
    )
    result = run(tiny, tmp_path, source, "t1_squares.ipynb")
    assert result.score == result.max_score
