"""The nbgrader benchmark builds a real nbgrader course (it is not timed or autograded here).

`benchmarks/nbgrader_vs_calcgrade.py` is run by hand (see benchmarks/README.md);
this only checks that its course still builds from the current solutions: the
instructor notebook, nbgrader's generated student version and two submissions,
all valid notebooks with nbgrader's cell metadata.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

BENCHMARK = ROOT / "benchmarks" / "nbgrader_vs_calcgrade.py"


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nbgrader_vs_calcgrade", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def nbgrader_cells(path: Path) -> dict[str, tuple[dict[str, object], str]]:
    """grade_id -> (nbgrader metadata, source) of a notebook's nbgrader cells."""
    notebook = json.loads(path.read_text())
    cells = {}
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader")
        if meta:
            cells[meta["grade_id"]] = (meta, "".join(cell["source"]))
    return cells


def test_builds_an_nbgrader_course_for_two_students(tmp_path: Path) -> None:
    import nbformat

    bench = load_benchmark()
    # no kernelspec, gradebook database or students: only `nbgrader autograde` needs them
    course = bench.build_course(tmp_path / "bench", 2, autograde=False)

    assert (course.root / "nbgrader_config.py").is_file()
    assert course.students == {"student001": "correct", "student002": "dW_transposed"}
    notebooks = [course.source_notebook, course.release_notebook]
    notebooks += [course.submission(student) for student in course.students]
    notebooks += [course.class_dir / student / bench.NOTEBOOK for student in course.students]
    for path in notebooks:
        assert path.is_file(), path
        nbformat.validate(nbformat.read(path, as_version=4))

    source = nbgrader_cells(course.source_notebook)
    tests = {gid: meta for gid, (meta, _) in source.items() if meta["grade"]}
    points = bench.exercise_points()
    assert tests.keys() == {f"test_{exercise}" for exercise in points}
    assert sum(float(meta["points"]) for meta in tests.values()) == sum(points.values())
    assert all(meta["locked"] and not meta["solution"] for meta in tests.values())
    assert all("### BEGIN HIDDEN TESTS" in source[gid][1] for gid in tests)
    solutions = [gid for gid, (meta, _) in source.items() if meta["solution"]]
    assert "linear_forward-linear_backward" in solutions

    released = nbgrader_cells(course.release_notebook)
    assert released.keys() == source.keys()
    for _, text in released.values():
        assert "### BEGIN SOLUTION" not in text
        assert "### BEGIN HIDDEN TESTS" not in text

    correct, transposed = (
        nbgrader_cells(course.submission(student))["linear_forward-linear_backward"][1]
        for student in course.students
    )
    assert "raise NotImplementedError()" in released["linear_forward-linear_backward"][1]
    assert "dW = X.T @ dZ" in correct and "NotImplementedError" not in correct
    assert "dW = (X.T @ dZ).T" in transposed
    for student in course.students:
        copy = course.class_dir / student / bench.NOTEBOOK
        assert copy.read_bytes() == course.submission(student).read_bytes()
