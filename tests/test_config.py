"""course_config.yml is validated on load; errors name the file, the key and what was expected."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from calcgrade.config import load_course
from calcgrade.errors import ConfigError
from calcgrade.runner import load_grader

from .conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny_course"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course_config.yml"
    path.write_text(text)
    return path


def test_the_course_config_loads_and_matches_every_grader() -> None:
    course = load_course(ROOT / "course_config.yml")
    for module in course.spec.modules:
        grader = load_grader(course, module)
        assert grader.module == module
        assert all(text.strip() for text in grader.hints.values())


def test_a_bad_value_names_the_file_and_the_key(tmp_path: Path) -> None:
    text = (TINY / "course_config.yml").read_text().replace("{points: 2,", "{points: -2,")
    with pytest.raises(ConfigError) as raised:
        load_course(write(tmp_path, text))
    message = str(raised.value)
    assert message.startswith(
        f"{tmp_path / 'course_config.yml'}: 1 problem(s) in the course config"
    )
    assert "modules.t1_squares.exercises.square.checks.square-values.points: " in message
    assert "greater than or equal to 0 (got -2)" in message


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (("visibility: public", "visibility: secret"), "visibility"),
        (("seed: 7", "seed: seven"), "seed"),
        (("memory_mb: 1024", "memory_mb: 10"), "limits.memory_mb"),
        (("title: Squares", "title: Squares\n    extra: 1"), "modules.t1_squares.extra"),
    ],
)
def test_each_kind_of_mistake_is_named(tmp_path: Path, change: tuple[str, str], key: str) -> None:
    text = (TINY / "course_config.yml").read_text().replace(*change, 1)
    with pytest.raises(ConfigError, match=re.escape(key)):
        load_course(write(tmp_path, text))


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the course config"):
        load_course(tmp_path / "nope.yml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_course(write(tmp_path, "modules: [unclosed"))


def test_a_grader_out_of_step_with_the_config_is_refused(tmp_path: Path) -> None:
    for folder in ("graders", "reference"):
        (tmp_path / folder).mkdir()
        for file in (TINY / folder).glob("*.py"):
            (tmp_path / folder / file.name).write_text(file.read_text())
    text = (TINY / "course_config.yml").read_text().replace("square-hidden:", "square-secret:")
    course = load_course(write(tmp_path, text))
    with pytest.raises(
        ConfigError, match=re.escape("checks.square-secret: no such check in t1_squares.py")
    ):
        load_grader(course, "t1_squares")


def copy_of_tiny(tmp_path: Path) -> Path:
    """The tiny course's config, graders and reference copied to ``tmp_path``."""
    for folder in ("graders", "reference"):
        (tmp_path / folder).mkdir()
        for file in (TINY / folder).glob("*.py"):
            (tmp_path / folder / file.name).write_text(file.read_text())
    return write(tmp_path, (TINY / "course_config.yml").read_text())


def test_the_course_version_changes_with_the_graders(tmp_path: Path) -> None:
    path = copy_of_tiny(tmp_path)
    before = load_course(path).version
    grader = tmp_path / "graders" / "t1_squares.py"
    grader.write_text(grader.read_text() + "\n# reweighted\n")
    assert load_course(path).version != before


def test_the_course_version_changes_with_the_demo_cells(tmp_path: Path) -> None:
    path = copy_of_tiny(tmp_path)
    before = load_course(path).version
    (tmp_path / "exercises").mkdir()
    cell = {"cell_type": "code", "metadata": {"tags": ["demo"]}, "source": "print(1)"}
    (tmp_path / "exercises" / "t1_squares.ipynb").write_text(json.dumps({"cells": [cell]}))
    course = load_course(path)
    assert course.course_cells("t1_squares").demos == {"print(1)"}
    assert course.version != before
