"""The hidden checks' seed is the instructor's secret; the public checks keep the public seed."""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from calcgrade import gradescope, runner
from calcgrade.cli import cli
from calcgrade.config import Course, load_course
from calcgrade.errors import ConfigError
from calcgrade.grading_secret import (
    PUBLIC,
    SECRET_FILE,
    SECRET_VARIABLE,
    hidden_seed,
    seed_fingerprint,
)
from calcgrade.runner import Options, check_namespace

from .conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny_course"


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Course:
    """A copy of the tiny course, with no secret anywhere."""
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    shutil.copytree(TINY, tmp_path / "course")
    return load_course(tmp_path / "course")


def test_without_a_secret_check_uses_the_public_seed_and_makes_no_file(tiny: Course) -> None:
    seed = hidden_seed(tiny)
    assert (seed.value, seed.source, seed.public) == (7, PUBLIC, True)
    assert not (tiny.root / SECRET_FILE).exists()


def test_grade_makes_a_private_secret_once_and_keeps_it(tiny: Course) -> None:
    made = hidden_seed(tiny, create=True)
    path = tiny.root / SECRET_FILE
    assert made.created and made.source == str(path) and not made.public
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 32
    again = hidden_seed(tiny, create=True)
    assert not again.created and again.value == made.value != 7
    assert hidden_seed(tiny).value == made.value  # check finds it too


def test_the_order_of_precedence(tiny: Course, monkeypatch: pytest.MonkeyPatch) -> None:
    (tiny.root / SECRET_FILE).write_text("from the file\n")
    from_file = hidden_seed(tiny)
    monkeypatch.setenv(SECRET_VARIABLE, "from the environment")
    from_environment = hidden_seed(tiny)
    assert from_environment.source == f"${SECRET_VARIABLE}"
    assert len({from_file.value, from_environment.value, 7}) == 3
    assert hidden_seed(tiny, 99).value == 99


def test_an_empty_secret_file_is_an_error_not_a_public_seed(tiny: Course) -> None:
    (tiny.root / SECRET_FILE).write_text("\n")
    with pytest.raises(ConfigError, match="the grading secret is empty"):
        hidden_seed(tiny)


def test_a_fingerprint_tells_seeds_apart_without_showing_them() -> None:
    assert seed_fingerprint(123) == seed_fingerprint(123) != seed_fingerprint(124)
    assert "123" not in seed_fingerprint(123) and len(seed_fingerprint(123)) == 12


def test_hidden_checks_draw_from_the_secret_public_ones_from_the_course(
    tiny: Course, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: dict[str, int] = {}
    real = runner.check_rng

    def recording(seed: int, module: str, check_id: str) -> np.random.Generator:
        drawn[check_id] = seed
        return real(seed, module, check_id)

    monkeypatch.setattr(runner, "check_rng", recording)
    namespace = {"square": lambda x: x**2, "add_one": lambda x: x + 1.0}
    result = check_namespace(tiny, "t1_squares", namespace, Options(seed=4242))
    assert drawn == {
        "square-values": 7,
        "square-hidden": 4242,
        "square-leaves-input": 4242,
        "add-one-value": 7,
    }
    assert result.seed_fingerprint == seed_fingerprint(4242)
    assert result.course_path == str(tiny.root)


def test_the_autograder_zip_carries_the_secret(tiny: Course, tmp_path: Path) -> None:
    built = gradescope.build_autograder(tiny, "t1_squares", tmp_path / "autograder.zip")
    secret = (tiny.root / SECRET_FILE).read_text()
    with zipfile.ZipFile(built) as archive:
        assert archive.read(f"course/{SECRET_FILE}").decode() == secret
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(built) as archive:
        archive.extractall(unpacked)
    inside = load_course(unpacked / "course")
    assert hidden_seed(inside).value == hidden_seed(tiny).value


@pytest.mark.slow
def test_grade_says_it_made_the_secret_and_records_its_fingerprint(
    tiny: Course, tmp_path: Path
) -> None:
    (tmp_path / "class" / "ann").mkdir(parents=True)
    (tmp_path / "class" / "ann" / "t1_squares.py").write_text(
        "def square(x):\n    return x ** 2\n\ndef add_one(x):\n    return x + 1.0\n"
    )
    arguments = ["grade", str(tmp_path / "class"), "--course", str(tiny.root)]
    arguments += ["--isolation", "basic", "--out", str(tmp_path / "out")]
    first = CliRunner().invoke(cli, arguments, catch_exceptions=False)
    assert "created the grading secret" in first.output
    fingerprint = hidden_seed(tiny).fingerprint
    assert f"fingerprint {fingerprint})" in first.output
    result = (tmp_path / "out" / "results" / "ann.json").read_text()
    assert f'"seed_fingerprint":"{fingerprint}"' in result
    second = CliRunner().invoke(cli, arguments, catch_exceptions=False)
    assert "created the grading secret" not in second.output
    assert "graded 0, reused 1" in second.output
