"""Which demo cells grading leaves out: only unchanged course demos nothing else reads."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from calcgrade.config import Course
from calcgrade.demo_cells import CourseCells, leave_out_demos, left_out, normalise
from calcgrade.errors import ConfigError
from calcgrade.submission import read_submission

from .conftest import ROOT, failures, grade

DEMO = """try:
    import matplotlib.pyplot as plt

    net = {"w": np.ones(3)}
    for _ in range(3):
        loss, grads = train_step(net)
    fig, ax = plt.subplots()
except NotImplementedError:
    print("Implement train_step to see this plot.")
"""
CHECK = 'check("m9", globals(), exercise="train_step")'
STUDENT = """def train_step(net):
    loss = float(np.sum(net["w"] ** 2))
    grads = {"w": 2 * net["w"]}
    return loss, grads
"""
COURSE = CourseCells(demos=frozenset({normalise(DEMO)}), known=frozenset({normalise(CHECK)}))


def skipped(*cells: str, course: CourseCells = COURSE) -> list[int]:
    return sorted(left_out(list(cells), course))


def test_an_unchanged_demo_that_nothing_reads_is_left_out() -> None:
    assert skipped("import numpy as np", STUDENT, CHECK, DEMO, "x = 1") == [3]


def test_an_edited_demo_runs() -> None:
    assert skipped("import numpy as np", STUDENT, DEMO.replace("range(3)", "range(4)")) == []


def test_trailing_spaces_and_blank_lines_do_not_count_as_edits() -> None:
    edited = "\n\n" + DEMO.replace("plt.subplots()", "plt.subplots()   ") + "\n\n"
    assert skipped(STUDENT, edited) == [1]


@pytest.mark.parametrize(
    "reader",
    [
        "def helper():\n    return net['w']",  # a function defined earlier, called later
        "class Model:\n    size = len(net)",  # a class body
        "scale = lambda: loss * 2",  # a lambda
        "def outer():\n    def inner():\n        return grads\n    return inner",
    ],
)
def test_a_name_the_demo_binds_read_by_a_function_anywhere_keeps_it(reader: str) -> None:
    assert skipped(STUDENT, reader, DEMO) == []
    assert skipped(STUDENT, DEMO, reader) == []


def test_a_function_with_a_local_of_the_same_name_does_not_keep_it() -> None:
    local = "def other(x):\n    net = x + 1\n    loss = net * 2\n    return loss"
    assert skipped(STUDENT, local, DEMO, local) == [2]


def test_top_level_reads_count_only_after_the_demo_and_before_a_rebinding() -> None:
    assert skipped(STUDENT, "print(loss)", DEMO) == [2]  # ran before the demo bound it
    assert skipped(STUDENT, DEMO, "print(loss)") == []
    assert skipped(STUDENT, DEMO, "loss, grads = train_step({'w': 1.0})\nprint(loss)") == [1]
    assert skipped(STUDENT, DEMO, "loss += 1") == []  # reads before it binds
    assert skipped(STUDENT, DEMO, "if True:\n    loss = 0\nprint(loss)") == []  # not certain
    assert skipped(STUDENT, DEMO, "total = [loss for _ in range(2)]") == []
    assert skipped(STUDENT, DEMO, "try:\n    loss = 0\n    print(loss)\nexcept E:\n    pass") == [1]
    assert skipped(STUDENT, DEMO, "try:\n    loss = f()\nexcept E:\n    print(loss)") == []
    assert skipped(STUDENT, DEMO, "with open(f) as loss:\n    print(loss)") == []


def test_reaching_the_namespace_by_name_keeps_every_demo() -> None:
    for reader in (
        "def peek():\n    return globals()['net']",
        "value = eval('loss')",
        "import sys",
        "def peek():\n    return peek.__globals__['net']",
        "from __main__ import net",
    ):
        assert skipped(STUDENT, DEMO, reader) == [], reader
    assert skipped(STUDENT, CHECK, DEMO) == [2]  # the course's check cells do nothing here


def test_a_cell_too_deep_or_too_long_to_read_keeps_every_demo() -> None:
    deep = "total = " + " + ".join(["loss"] * 100_000)  # beyond the parser's recursion
    long = "x = 1\n" * 40_000
    assert skipped(STUDENT, DEMO, deep) == []
    assert skipped(STUDENT, DEMO, long) == []
    assert skipped(STUDENT, DEMO, "x = 1\n" * 10) == [1]


def test_demos_that_read_each_other_go_together_and_stay_together() -> None:
    first = "try:\n    losses = [1.0, 0.5]\nexcept NotImplementedError:\n    losses = None"
    second = "try:\n    shown = list(losses)\nexcept TypeError:\n    pass"
    course = CourseCells(demos=frozenset({normalise(first), normalise(second)}))
    assert skipped(first, second, course=course) == [0, 1]
    # a student's function reads what the second binds: it runs, and so must the first
    reader = "def report():\n    return shown"
    assert skipped(first, second, reader, course=course) == []


def test_a_demo_whose_names_cannot_be_known_runs() -> None:
    starred = "try:\n    from math import *\nexcept NotImplementedError:\n    pass"
    course = CourseCells(demos=frozenset({normalise(starred)}))
    assert skipped("x = 1", starred, course=course) == []


def test_what_a_demo_deletes_or_declares_global_counts_as_bound() -> None:
    deleting = "try:\n    del net\nexcept NameError:\n    pass"
    declaring = "def setup():\n    global net\n    net = 1\n\n\nsetup()"
    for demo in (deleting, declaring):
        course = CourseCells(demos=frozenset({normalise(demo)}))
        assert skipped("net = 0", demo, "print(net)", course=course) == [], demo
        assert skipped("net = 0", demo, course=course) == [1], demo


COURSE_MODULES = ["m1_derivatives", "m2_gradients", "m3_chain_rule", "m4_gradient_descent"]
COURSE_MODULES += ["m5_optimization", "m6_xor_network"]


@pytest.mark.parametrize("module", COURSE_MODULES)
@pytest.mark.parametrize("folder", ["exercises", "solutions"])
@pytest.mark.parametrize("suffix", [".ipynb", ".py"])
def test_every_demo_of_the_course_notebooks_is_left_out(
    course: Course, module: str, folder: str, suffix: str
) -> None:
    cells = course.course_cells(module)
    notebook = json.loads(course.notebook_path(module).read_text())
    tagged = [cell for cell in notebook["cells"] if "demo" in cell["metadata"].get("tags", [])]
    assert cells.demos and len(cells.demos) == len(tagged)
    source = read_submission(ROOT / folder / f"{module}{suffix}")
    run = leave_out_demos(source, cells)
    assert "(the course's demo code, which you left unchanged) w" in run.notes[-1]
    if len(cells.demos) == 1 and suffix == ".ipynb":
        assert "was not run: it only shows examples and plots" in run.notes[-1]
    else:
        assert "were not run: they only show examples and plots" in run.notes[-1]
    if suffix == ".ipynb":
        assert len(source.cells) - len(run.cells) == len(tagged)
        assert {normalise(cell.source) for cell in run.cells}.isdisjoint(cells.demos)
    else:  # the demo lines are blanked, every other line stays where it was
        before, after = source.cells[0].source.splitlines(), run.cells[0].source.splitlines()
        assert len(before) == len(after)
        changed = [n for n, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
        assert all(after[n] == "" for n in changed)
        code_lines = [line for demo in cells.demos for line in demo.splitlines() if line.strip()]
        assert len(changed) == len(code_lines)


def test_a_script_whose_cell_markers_split_a_statement_is_left_whole(tmp_path: Path) -> None:
    path = tmp_path / "m9.py"
    path.write_text(f'x = """\n# %%\n{DEMO}"""\n')
    assert leave_out_demos(read_submission(path), COURSE) == read_submission(path)


def test_a_script_keeps_its_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m9.py"
    path.write_text(f"import numpy as np\n# %%\n{STUDENT}\n# %%\n{DEMO}\n# %%\n1 / 0\n")
    run = leave_out_demos(read_submission(path), COURSE)
    assert run.notes[0].startswith("lines 9–17 (the course's demo code")
    lines = run.cells[0].source.splitlines()
    assert lines[19] == "1 / 0" and lines[7] == "# %%" and lines[8:18] == [""] * 10


def test_a_script_without_cell_markers_is_left_whole(tmp_path: Path) -> None:
    path = tmp_path / "m9.py"
    path.write_text(f"import numpy as np\n{STUDENT}\n{DEMO}")
    assert leave_out_demos(read_submission(path), COURSE) == read_submission(path)


def test_a_missing_course_notebook_leaves_everything_in(tmp_path: Path) -> None:
    assert CourseCells.read(tmp_path / "nothing.ipynb") == CourseCells()


def test_a_broken_course_notebook_is_a_clear_config_error(tmp_path: Path) -> None:
    broken = tmp_path / "m9.ipynb"
    broken.write_text('{"cells": ')
    with pytest.raises(ConfigError, match=r"m9\.ipynb: cannot read the course notebook"):
        CourseCells.read(broken)


def demo_cells(notebook: dict[str, Any]) -> list[int]:
    """The numbers (from 1) of a notebook's cells tagged demo."""
    cells = enumerate(notebook["cells"], 1)
    return [n for n, cell in cells if "demo" in cell.get("metadata", {}).get("tags", [])]


def said_left_out(notes: Sequence[str]) -> list[int]:
    """The cell numbers of the load note that says which demo cells were not run."""
    said = [note for note in notes if "(the course's demo code" in note]
    assert len(said) == 1 and said[0].startswith("cells "), notes
    return [int(n) for n in re.findall(r"\d+", said[0].split("(")[0])]


@pytest.mark.slow
def test_grading_leaves_the_demos_out_unless_asked_and_the_grade_is_the_same(
    course: Course,
) -> None:
    path = ROOT / "solutions" / "m3_chain_rule.ipynb"
    quick = grade(course, "m3_chain_rule", path)
    full = grade(course, "m3_chain_rule", path, run_demo_cells=True)
    assert quick.score == full.score == quick.max_score
    assert [c.status for c in quick.checks] == [c.status for c in full.checks]
    assert said_left_out(quick.load_notes) == demo_cells(json.loads(path.read_text()))
    assert not any("demo code" in note for note in full.load_notes)
    assert "a.grad =" in full.output and "a.grad =" not in quick.output  # the Value demo prints


@pytest.mark.slow
def test_a_student_function_that_reads_a_demo_name_still_finds_it(
    course: Course, tmp_path: Path
) -> None:
    notebook = json.loads((ROOT / "solutions" / "m3_chain_rule.ipynb").read_text())
    value = next(c for c in notebook["cells"] if "".join(c["source"]).startswith("class Value"))
    # a tanh that (needlessly) looks at the demo's trained network: it must have run
    value["source"] = "".join(value["source"]).replace(
        "    def tanh(self):\n", "    def tanh(self):\n        assert net['W1'].shape == (1, 16)\n"
    )
    path = tmp_path / "m3_chain_rule.ipynb"
    path.write_text(json.dumps(notebook))
    result = grade(course, "m3_chain_rule", path)
    assert result.score == result.max_score, failures(result)
    notes = result.load_notes
    training = [number for number, cell in enumerate(notebook["cells"], 1)
                if "net = " in "".join(cell["source"])]  # fmt: skip
    assert len(training) == 1 and training[0] in demo_cells(notebook)
    assert said_left_out(notes) == [n for n in demo_cells(notebook) if n not in training], notes
