"""Shared fixtures: the course of this repository and helpers to grade files."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from calcgrade.config import Course, load_course
from calcgrade.results import ModuleResult
from calcgrade.runner import Options, grade_file

# Hidden checks draw from this secret in every test (and every process a test starts),
# never from a .grading-secret file that a grade run would otherwise make in the checkout;
# tests of the secret itself unset it.
os.environ["CALCGRADE_SECRET"] = "calcgrade test suite"

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "submissions"
HEADER = re.compile(r"#\s*expect:\s*(?P<body>.*)")


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(ROOT / "course_config.yml")


def grade(course: Course, module: str, path: Path, **options: object) -> ModuleResult:
    return grade_file(course, module, path, Options(**options))  # type: ignore[arg-type]


def failures(result: ModuleResult) -> str:
    """The lost checks of a result, for assertion messages."""
    return "\n".join(
        f"{c.exercise}/{c.id} [{c.status}] {c.detail or c.message} (hint {c.hint_id})"
        for c in result.checks
        if c.status != "passed"
    )


@dataclass(frozen=True)
class Expectation:
    full_marks: bool
    exercise: str | None = None
    hint: str | None = None


def expectation(path: Path) -> Expectation:
    """Parse a corpus file's header: `# expect: full-marks` or `exercise=X hint=Y`."""
    match = HEADER.match(path.read_text().splitlines()[0])
    assert match, f"{path}: first line must be an '# expect:' header"
    body = match.group("body").strip()
    if body == "full-marks":
        return Expectation(True)
    fields = dict(part.split("=", 1) for part in body.split())
    return Expectation(False, fields["exercise"], fields["hint"])
