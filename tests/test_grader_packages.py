"""A grader split into a package (``graders/<module>/__init__.py`` and sibling modules
imported relatively) is found, imported, hashed into the course version, shipped in the
Gradescope zip and carried to cluster workers like a single-file grader."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from calcgrade import gradescope as gs
from calcgrade.config import Course, load_course
from calcgrade.errors import ConfigError
from calcgrade.runner import check_namespace, load_grader

from .conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny_course"

CHECKS = '''"""Grader of the tiny test course, as a package."""

from calcgrade import CheckFailure, Context, Grader, Submission, as_array, as_float
from calcgrade import mismatch, require

from .cases import VALUES, hidden_values
from .diagnosis import HINTS, square_mistakes

grader = Grader("t1_squares", HINTS)


@grader.check("square-values", exercise="square")
def square_values(sub: Submission, ctx: Context) -> None:
    """square squares every entry"""
    got = as_array(sub.call("square", VALUES.copy()), "square(x)", VALUES.shape)
    expected = ctx.reference.square(VALUES)
    require(mismatch(got, expected, "square(x)", ctx.analytic, mistakes=square_mistakes(VALUES)))


@grader.check("square-hidden", exercise="square")
def square_hidden(sub: Submission, ctx: Context) -> None:
    """square matches on hidden inputs"""
    x = hidden_values(ctx.rng)
    got = as_array(sub.call("square", x.copy()), "square(x)", x.shape)
    expected = ctx.reference.square(x)
    require(mismatch(got, expected, "square(x)", ctx.analytic, mistakes=square_mistakes(x)))


@grader.check("square-leaves-input", exercise="square")
def square_leaves_input(sub: Submission, ctx: Context) -> None:
    """square leaves its input unchanged"""
    called = sub.call_keep("square", VALUES.copy())
    if not (called.args[0] == VALUES).all():
        raise CheckFailure("square(x) modified its input x; work on a copy")


@grader.check("add-one-value", exercise="add_one")
def add_one_value(sub: Submission, ctx: Context) -> None:
    """add_one adds one"""
    got = as_float(sub.call("add_one", 2.0), "add_one(2.0)")
    require(mismatch(got, 3.0, "add_one(2.0)", ctx.analytic))
'''

CASES = """import numpy as np

VALUES = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])


def hidden_values(rng: np.random.Generator) -> np.ndarray:
    return rng.normal(size=(4, 3))
"""

DIAGNOSIS = """from typing import Any

HINTS = {"cubed": "You cubed x; square it instead: x ** 2."}


def square_mistakes(x: Any) -> dict[str, Any]:
    return {"cubed": x**3}
"""


def package_course(folder: Path) -> Path:
    """The tiny course with its grader split into graders/t1_squares/{__init__,cases,
    diagnosis}.py; returns its config."""
    (folder / "reference").mkdir(parents=True)
    reference = TINY / "reference" / "t1_squares.py"
    (folder / "reference" / "t1_squares.py").write_text(reference.read_text())
    package = folder / "graders" / "t1_squares"
    package.mkdir(parents=True)
    for name, text in (("__init__", CHECKS), ("cases", CASES), ("diagnosis", DIAGNOSIS)):
        (package / f"{name}.py").write_text(text)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "cases.cpython-311.pyc").write_bytes(b"not shipped")
    config = folder / "course_config.yml"
    config.write_text((TINY / "course_config.yml").read_text())
    return config


def square(x: np.ndarray) -> np.ndarray:
    return np.asarray(x) ** 2


def cube(x: np.ndarray) -> np.ndarray:
    return np.asarray(x) ** 3


def add_one(x: float) -> float:
    return x + 1.0


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return load_course(package_course(tmp_path / "course"))


def test_a_package_grader_is_found_imported_and_grades(course: Course) -> None:
    path = course.grader_path("t1_squares")
    assert path == course.root / "graders" / "t1_squares" and path.is_dir()
    grader = load_grader(course, "t1_squares")
    assert [check.id for check in grader.checks] == [
        "square-values",
        "square-hidden",
        "square-leaves-input",
        "add-one-value",
    ]
    right = check_namespace(course, "t1_squares", {"square": square, "add_one": add_one})
    assert right.score == right.max_score > 0
    wrong = check_namespace(course, "t1_squares", {"square": cube, "add_one": add_one})
    hints = {check.id: check.hint_id for check in wrong.checks if check.status == "failed"}
    assert hints == {"square-values": "cubed", "square-hidden": "cubed"}


def test_two_courses_with_a_package_of_the_same_name_keep_their_own_modules(
    tmp_path: Path,
) -> None:
    first = load_course(package_course(tmp_path / "first"))
    second_config = package_course(tmp_path / "second")
    diagnosis = tmp_path / "second" / "graders" / "t1_squares" / "diagnosis.py"
    diagnosis.write_text(DIAGNOSIS.replace("x**3", "x**2 + 1"))
    second = load_course(second_config)
    load_grader(first, "t1_squares")
    load_grader(second, "t1_squares")
    for course, hinted in ((first, True), (second, False)):
        result = check_namespace(course, "t1_squares", {"square": cube, "add_one": add_one})
        hints = {check.hint_id for check in result.checks if check.status == "failed"}
        assert ("cubed" in hints) == hinted


def test_a_grader_as_a_file_and_as_a_package_is_refused(tmp_path: Path) -> None:
    config = package_course(tmp_path)
    (tmp_path / "graders" / "t1_squares.py").write_text("")
    with pytest.raises(ConfigError, match="two graders for t1_squares"):
        load_course(config).grader_path("t1_squares")


def test_the_course_version_covers_every_module_of_a_package(tmp_path: Path) -> None:
    config = package_course(tmp_path)
    before = load_course(config).version
    cases = tmp_path / "graders" / "t1_squares" / "cases.py"
    cases.write_text(cases.read_text() + "\n# another case\n")
    assert load_course(config).version != before
    (tmp_path / "graders" / "t1_squares" / "__pycache__" / "x.pyc").write_bytes(b"cache")
    assert load_course(config).version == load_course(config).version


def test_the_gradescope_zip_holds_the_package(course: Course, tmp_path: Path) -> None:
    out = gs.build_autograder(course, "t1_squares", tmp_path / "autograder.zip")
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert {
            "course/graders/t1_squares/__init__.py",
            "course/graders/t1_squares/cases.py",
            "course/graders/t1_squares/diagnosis.py",
        } <= names
        assert archive.read("course/graders/t1_squares/cases.py").decode() == CASES
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_cluster_plugin_carries_the_package_to_a_worker(course: Course) -> None:
    pytest.importorskip("distributed")
    from calcgrade.cluster import CoursePlugin, course_files

    files = course_files(course)
    assert {
        "graders/t1_squares/__init__.py",
        "graders/t1_squares/cases.py",
        "graders/t1_squares/diagnosis.py",
    } <= set(files)
    assert not [name for name in files if "__pycache__" in name]
    plugin = pickle.loads(pickle.dumps(CoursePlugin(course, "basic")))
    try:
        assert plugin._load() is None  # the worker's copy makes the same course version
        assert plugin.course is not None and plugin.course.version == course.version
        grader = load_grader(plugin.course, "t1_squares")
        assert len(grader.checks) == 4
    finally:
        plugin.teardown()


def test_the_m4_grader_is_a_package() -> None:
    course = load_course(ROOT / "course_config.yml")
    path = course.grader_path("m4_gradient_descent")
    assert path.is_dir()
    assert {"__init__.py", "cases.py", "diagnosis.py", "figures.py"} <= {
        file.name for file in path.glob("*.py")
    }
    assert len(load_grader(course, "m4_gradient_descent").checks) == 14
