"""`calcgrade new-exercise`: what it writes, what it refuses, and that a refusal writes nothing.

The whole path (scaffold, then the guide's steps, then grading) is followed by
tests/test_authoring.py; these are the fast cases, in a copy of the course's files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from calcgrade.cli import cli
from calcgrade.config import load_course
from calcgrade.errors import ConfigError
from calcgrade.runner import load_grader
from calcgrade.scaffold import new_exercise, write

from .conftest import ROOT

MODULE = "m1_derivatives"


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    target = tmp_path / "course"
    target.mkdir()
    shutil.copy2(ROOT / "course_config.yml", target)
    for folder in ("graders", "reference", "solutions"):
        shutil.copytree(
            ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return target


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_the_new_exercise_is_in_every_file_and_its_grader_loads(course_dir: Path) -> None:
    course = load_course(course_dir)
    changes = new_exercise(course, MODULE, "second_derivative")
    assert sorted(str(c.path.relative_to(course_dir)) for c in changes) == [
        "course_config.yml",
        f"graders/{MODULE}.py",
        f"reference/{MODULE}.py",
        f"solutions/{MODULE}.py",
    ]
    write(changes)
    loaded = load_course(course_dir)
    checks = loaded.module(MODULE).exercises["second_derivative"].checks
    assert {check: spec.visibility for check, spec in checks.items()} == {
        "second_derivative-course-example": "public",
        "second_derivative-hidden": "hidden",
    }
    grader = load_grader(loaded, MODULE)  # validated against the config on load
    assert {c.id for c in grader.checks if c.exercise == "second_derivative"} == set(checks)
    solution = (course_dir / "solutions" / f"{MODULE}.py").read_text()
    assert 'check("m1_derivatives", globals(), exercise="second_derivative")' in solution
    assert "### BEGIN SOLUTION\n    # stub: raise NotImplementedError(" in solution
    # the other exercises are untouched
    assert list(loaded.module(MODULE).exercises)[:-1] == list(course.module(MODULE).exercises)


@pytest.mark.parametrize(
    ("module", "name", "error"),
    [
        (MODULE, "Second-derivative", "is not a usable exercise name"),
        (MODULE, "class", "is not a usable exercise name"),
        (MODULE, "derivative", "already has an exercise 'derivative'"),
        ("m9_missing", "anything", "unknown module 'm9_missing'"),
    ],
)
def test_bad_requests_are_refused(course_dir: Path, module: str, name: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        new_exercise(load_course(course_dir), module, name)


def test_a_name_a_file_already_defines_is_refused(course_dir: Path) -> None:
    reference = course_dir / "reference" / f"{MODULE}.py"
    reference.write_text(reference.read_text() + "\n\ndef helper(x):\n    return x\n")
    with pytest.raises(ConfigError, match=f"reference/{MODULE}.py already defines 'helper'"):
        new_exercise(load_course(course_dir), MODULE, "helper")


def test_a_refusal_writes_nothing(course_dir: Path) -> None:
    grader = course_dir / "graders" / f"{MODULE}.py"
    grader.write_text(grader.read_text().replace("import numpy as np\n", "", 1))
    before = contents(course_dir)
    ran = CliRunner().invoke(
        cli, ["new-exercise", MODULE, "second_derivative", "--course", str(course_dir)]
    )
    assert isinstance(ran.exception, ConfigError)  # `calcgrade` prints it and exits 1
    assert "expected `import numpy as np` (the new checks use it)" in str(ran.exception)
    assert contents(course_dir) == before
