"""The command line, run in process with click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from calcgrade.cli import cli, main

from .conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny_course"
GOOD = "def square(x):\n    return x ** 2\ndef add_one(x):\n    return x + 1.0\n"
WRONG = "def square(x):\n    return x ** 3\ndef add_one(x):\n    return x + 1.0\n"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--course", str(TINY)], catch_exceptions=False)
    return result.exit_code, result.output


def commands(group: click.Group) -> list[click.Command]:
    found: list[click.Command] = []
    for command in group.commands.values():
        found.append(command)
        if isinstance(command, click.Group):
            found.extend(commands(command))
    return found


def test_every_command_is_documented_with_an_example() -> None:
    for command in [cli, *commands(cli)]:
        assert command.help and "Example:" in command.help, command.name
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in ("help", "version"):
                assert param.help, f"{command.name} --{param.name} has no help"


@pytest.mark.slow
def test_check_json_has_the_documented_shape(tmp_path: Path) -> None:
    path = tmp_path / "t1_squares.py"
    path.write_text(WRONG)
    code, output = invoke("check", str(path), "--json")
    assert code == 0
    data = json.loads(output)
    assert {"module", "score", "max_score", "isolation", "checks"} <= set(data)
    assert (data["module"], data["score"], data["max_score"], data["isolation"]) == (
        "t1_squares",
        2.0,
        5.0,
        "basic",
    )
    for check in data["checks"]:
        assert set(check) >= {"id", "exercise", "score", "max_score", "status", "message", "hint"}
        assert check["status"] in ("passed", "failed", "error", "timeout")
        assert isinstance(check["hint"], str | None)
    failed = [c for c in data["checks"] if c["status"] == "failed"]
    assert [c["exercise"] for c in failed] == ["square", "square"]
    assert failed[0]["hint"] == "You cubed x; square it instead: x ** 2."
    assert data["course_path"] == str(TINY) and data["course_version"].startswith("1+")
    assert data["schema_version"] == 2 and len(data["seed_fingerprint"]) == 12


@pytest.mark.slow
def test_check_report_shows_points_failures_and_hints(tmp_path: Path) -> None:
    path = tmp_path / "t1-anything.py"
    path.write_text(WRONG)
    code, output = invoke("check", str(path))
    assert code == 0
    assert "t1_squares: 2 / 5 points" in output
    assert f"course: {TINY} (version 1+" in output  # which course graded, always
    assert "✗ square › square-values (0 / 2, failed)" in output
    assert "square(x): 5 of 6 entries (83%) differ" in output
    assert "hint: You cubed x; square it instead: x ** 2." in output
    assert "square › square-hidden (0 / 1, failed, hidden)" in output


@pytest.mark.slow
def test_check_html_writes_the_student_page_or_with_verbose_the_instructor_s(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t1_squares.py"
    path.write_text(WRONG)
    code, output = invoke("check", str(path), "--html", str(tmp_path / "out" / "page.html"))
    assert code == 0
    assert "t1_squares: 2 / 5 points" in output  # the report as usual
    assert f"feedback page: {tmp_path / 'out' / 'page.html'}" in output
    page = (tmp_path / "out" / "page.html").read_text()
    assert "<h1>Feedback on t1_squares.py</h1>" in page
    assert "<strong>Hint:</strong> You cubed x; square it instead: x ** 2." in page
    assert "Instructor copy." not in page
    code, output = invoke("check", str(path), "--json", "-v", "--html", str(tmp_path / "v.html"))
    assert code == 0 and json.loads(output.split("\nfeedback page:")[0])["score"] == 2.0
    assert "Instructor copy." in (tmp_path / "v.html").read_text()


@pytest.mark.slow
def test_public_only_and_exercise_filters(tmp_path: Path) -> None:
    path = tmp_path / "t1_squares.py"
    path.write_text(GOOD)
    _, output = invoke("check", str(path), "--json", "--public-only")
    assert [c["id"] for c in json.loads(output)["checks"]] == ["square-values", "add-one-value"]
    _, output = invoke("check", str(path), "--json", "-e", "add_one")
    assert [c["id"] for c in json.loads(output)["checks"]] == ["add-one-value"]


@pytest.mark.slow
def test_module_from_notebook_metadata(tmp_path: Path) -> None:
    path = tmp_path / "homework.ipynb"
    path.write_text(
        json.dumps(
            {
                "nbformat": 4,
                "nbformat_minor": 5,
                "metadata": {"calcgrade": {"module": "t1_squares"}},
                "cells": [
                    {
                        "cell_type": "code",
                        "source": GOOD,
                        "metadata": {},
                        "outputs": [],
                        "execution_count": None,
                    }
                ],
            }
        )
    )
    code, output = invoke("check", str(path), "--json")
    assert code == 0 and json.loads(output)["score"] == 5.0


def test_unknown_module_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "homework.py"
    path.write_text(GOOD)
    code, output = invoke("check", str(path))
    assert code == 2
    assert (
        "cannot tell which module homework.py is for; pass --module (one of: t1_squares)" in output
    )


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    monkeypatch.setattr("sys.argv", ["calcgrade", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0), capsys.readouterr().err


def test_grading_errors_exit_1_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, err = run_main(
        monkeypatch,
        capsys,
        "check",
        str(tmp_path / "m1.py"),
        "-m",
        "t1_squares",
        "--course",
        str(TINY),
    )
    assert code == 1
    assert (
        err.strip()
        == f"calcgrade: error: {tmp_path / 'm1.py'}: cannot read it (No such file or directory)"
    )
    code, err = run_main(
        monkeypatch,
        capsys,
        "check",
        str(tmp_path / "a.py"),
        "-m",
        "t1_squares",
        "--course",
        str(tmp_path),
    )
    assert (
        code == 1
        and err.startswith("calcgrade: error: ")
        and "cannot read the course config" in err
    )
    (tmp_path / "a.txt").write_text("x")
    code, err = run_main(
        monkeypatch,
        capsys,
        "check",
        str(tmp_path / "a.txt"),
        "-m",
        "t1_squares",
        "--course",
        str(TINY),
    )
    assert code == 1 and "expected a .py file or a .ipynb notebook" in err
    code, err = run_main(
        monkeypatch, capsys, "check", str(tmp_path / "a.py"), "-m", "nope", "--course", str(TINY)
    )
    assert code == 1 and "unknown module 'nope'; the course has: t1_squares" in err


def test_usage_errors_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_main(monkeypatch, capsys, "check")
    assert code == 2 and "Missing argument 'PATH'" in err
