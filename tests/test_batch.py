"""`calcgrade grade`: layouts, outputs, resuming after kill -9, and ungraded submissions."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from calcgrade.batch import student_file_name
from calcgrade.cli import cli
from calcgrade.errors import GradingError
from calcgrade.forkserver import ForkServer

from .conftest import ROOT

pytestmark = pytest.mark.slow

TINY = ROOT / "tests" / "fixtures" / "tiny_course"
GOOD = "def square(x):\n    return x ** 2\n\ndef add_one(x):\n    return x + 1.0\n"
CUBED = "def square(x):\n    return x ** 3\n\ndef add_one(x):\n    return x + 1.0\n"
HANGS = "def square(x):\n    while True:\n        pass\n\ndef add_one(x):\n    return x + 1.0\n"


def make_class(root: Path, students: dict[str, str], name: str = "t1_squares.py") -> Path:
    for student, source in students.items():
        (root / student).mkdir(parents=True)
        (root / student / name).write_text(source)
    return root


def grade(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["grade", *args, "--course", str(TINY), "--isolation", "basic"], catch_exceptions=False
    )
    return result.exit_code, result.output


def read_gradebook(out: Path) -> list[dict[str, str]]:
    with (out / "gradebook.csv").open(newline="") as stream:
        return list(csv.DictReader(stream))


def test_plain_layout_outputs(tmp_path: Path) -> None:
    folder = make_class(tmp_path / "class", {"ann": GOOD, "ben, jr.": CUBED, "cy": "def oops(:\n"})
    (tmp_path / "class" / "stray.txt").write_text("?")
    (tmp_path / "class" / "empty").mkdir()
    code, output = grade(str(folder), "--out", str(tmp_path / "out"), "-j", "2")
    assert code == 0, output
    rows = {row["student"]: row for row in read_gradebook(tmp_path / "out")}
    assert rows["ann"] == {
        "student": "ann",
        "square": "4",
        "add_one": "1",
        "total": "5",
        "max": "5",
        "status": "graded",
    }
    assert rows["ben, jr."]["total"] == "2"  # a comma in an id is quoted, not split
    assert rows["cy"]["total"] == "0"
    ben = student_file_name("ben, jr.")
    assert ben.startswith("ben_jr~")  # not an id of plain letters: a slug and a hash
    data = json.loads((tmp_path / "out" / "results" / f"{ben}.json").read_text())
    assert data["student"] == "ben, jr." and data["module"] == "t1_squares"
    assert {"score", "max_score", "isolation", "checks"} <= set(data)
    feedback = (tmp_path / "out" / "feedback" / f"{ben}.md").read_text()
    assert "## t1_squares: 2 / 5 points" in feedback
    assert "*Hint:* You cubed x; square it instead: x ** 2." in feedback
    page = (tmp_path / "out" / "feedback" / f"{ben}.html").read_text()
    assert "<h1>Feedback for ben, jr.</h1>" in page
    assert "<strong>Hint:</strong> You cubed x; square it instead: x ** 2." in page
    assert "Instructor copy." not in page
    copy = (tmp_path / "out" / "instructor" / f"{ben}.html").read_text()
    assert "Instructor copy." in copy
    report = (tmp_path / "out" / "class_report.html").read_text()
    assert "3 students · 3 submissions graded · 0 ungraded · 2 not placed" in report
    assert f'<a href="feedback/{ben}.html">feedback</a>' in report
    assert "graded 3, reused 0, ungraded 0" in output
    assert "not graded stray.txt: a file at the top level" in output
    assert "not graded empty/: no .py or .ipynb submission inside" in output
    assert "mean 2.33 / 5 over 3 submissions, 1 with full marks" in output


def test_nbgrader_layout(tmp_path: Path) -> None:
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
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
    for student in ("s1", "s2"):
        folder = tmp_path / "course" / "submitted" / student / "t1_squares"
        folder.mkdir(parents=True)
        (folder / "homework.ipynb").write_text(json.dumps(notebook))
    code, output = grade(str(tmp_path / "course"), "--out", str(tmp_path / "out"))
    assert code == 0, output
    assert [row["total"] for row in read_gradebook(tmp_path / "out")] == ["5", "5"]
    assert "nbgrader layout" in output


def test_canvas_zip(tmp_path: Path) -> None:
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("smithjane_1234_5678_t1_squares.py", GOOD)
        zipped.writestr("doejohn_LATE_4321_8765_t1-squares-final.py", CUBED)
        zipped.writestr("../escape.py", GOOD)
    code, output = grade(str(archive), "--out", str(tmp_path / "out"))
    assert code == 0, output
    rows = {row["student"]: row["total"] for row in read_gradebook(tmp_path / "out")}
    assert rows == {"smithjane_1234": "5", "doejohn_4321": "2"}


def test_rerun_reuses_results_and_regrades_changes(tmp_path: Path) -> None:
    folder = make_class(tmp_path / "class", {"ann": GOOD, "ben": CUBED})
    out = str(tmp_path / "out")
    grade(str(folder), "--out", out)
    (folder / "ben" / "t1_squares.py").write_text(GOOD)
    pages = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").glob("*/*.html")}
    assert len(pages) == 4
    _, output = grade(str(folder), "--out", out)
    assert "graded 1, reused 1" in output
    assert [row["total"] for row in read_gradebook(tmp_path / "out")] == ["5", "5"]
    redrawn = {p.relative_to(tmp_path / "out") for p in pages if p.stat().st_mtime_ns != pages[p]}
    assert redrawn == {Path("feedback/ben.html"), Path("instructor/ben.html")}


def test_a_change_to_one_module_regrades_only_that_module(tmp_path: Path) -> None:
    """A second module made from the first; its points change between two runs."""
    course = shutil.copytree(TINY, tmp_path / "course")
    config = course / "course_config.yml"
    text = config.read_text()
    config.write_text(
        text + text[text.index("  t1_squares:") :].replace("t1_squares", "t2_squares")
    )
    for folder in ("graders", "reference"):
        text = (course / folder / "t1_squares.py").read_text()
        (course / folder / "t2_squares.py").write_text(text.replace("t1_squares", "t2_squares"))
    folder = make_class(tmp_path / "class", {"ann": GOOD})
    (folder / "ann" / "t2_squares.py").write_text(GOOD)
    out = tmp_path / "out"

    def run() -> str:
        ran = CliRunner().invoke(
            cli,
            ["grade", str(folder), "--all", "--out", str(out), "--course", str(course)],
            catch_exceptions=False,
        )
        assert ran.exit_code == 0, ran.output
        return ran.output

    assert "graded 2, reused 0" in run()
    text = config.read_text()
    last = text.rindex("add-one-value: {points: 1")  # t2_squares's
    config.write_text(text[:last] + text[last:].replace("points: 1", "points: 3", 1))
    assert "graded 1, reused 1" in run()
    maxima = {
        module: json.loads((out / "results" / "ann" / f"{module}.json").read_text())["max_score"]
        for module in ("t1_squares", "t2_squares")
    }
    assert maxima == {"t1_squares": 5.0, "t2_squares": 7.0}


def test_a_worker_that_cannot_start_is_ungraded_not_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_class(tmp_path / "class", {"ann": GOOD})

    def broken(self: ForkServer) -> None:
        raise GradingError("the worker process would not start: no resources")

    monkeypatch.setattr(ForkServer, "start", broken)
    code, output = grade(str(folder), "--out", str(tmp_path / "out"))
    assert code == 0
    row = read_gradebook(tmp_path / "out")[0]
    assert row["square"] == "" and row["total"] == "0"
    assert row["status"].startswith("t1_squares: ungraded (the worker process would not start")
    assert "ungraded 1" in output
    assert not (tmp_path / "out" / "results" / "ann.json").exists()


def test_a_server_lost_while_grading_means_grading_again_not_a_failed_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every grading thread shares one fork server. If it goes away in the middle of a
    submission and takes the worker with it (as under strict isolation), what the
    checks saw of that worker is discarded and the submission is graded again."""
    from calcgrade.sandbox import WorkerTransport

    folder = make_class(tmp_path / "class", {"ann": GOOD, "ben": GOOD})
    real = WorkerTransport.request
    lost: list[int] = []

    def losing_the_server(self: WorkerTransport, *args: Any) -> Any:
        if not lost and self.worker is not None and self.worker.pid is not None:
            lost.append(self.worker.pid)
            self.worker.server.close()
            os.kill(self.worker.pid, signal.SIGKILL)
        return real(self, *args)

    monkeypatch.setattr(WorkerTransport, "request", losing_the_server)
    code, output = grade(str(folder), "--out", str(tmp_path / "out"), "-j", "2")
    assert code == 0 and len(lost) == 1
    assert [row["total"] for row in read_gradebook(tmp_path / "out")] == ["5", "5"]
    assert "graded 2, reused 0, ungraded 0" in output


def test_kill_9_in_the_middle_then_rerun_gives_the_same_gradebook(tmp_path: Path) -> None:
    students = {f"s{i:02d}": [GOOD, CUBED, HANGS][i % 3] for i in range(9)}
    folder = make_class(tmp_path / "class", students)
    command = [
        str(Path(sys.executable).parent / "calcgrade"),
        "grade",
        str(folder),
        "--course",
        str(TINY),
        "--isolation",
        "basic",
        "-j",
        "1",
    ]
    subprocess.run([*command, "--out", str(tmp_path / "whole")], check=True, capture_output=True)
    expected = (tmp_path / "whole" / "gradebook.csv").read_text()

    out = tmp_path / "killed"
    process = subprocess.Popen(
        [*command, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while len(list((out / "results").glob("*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = len(list((out / "results").glob("*.json")))
    assert 3 <= done < 9, "the batch must be killed in the middle"
    assert not (out / "gradebook.csv").exists()

    rerun = subprocess.run(
        [*command, "--out", str(out)], check=True, capture_output=True, text=True
    )
    assert f"graded {9 - done}, reused {done}" in rerun.stdout
    assert (out / "gradebook.csv").read_text() == expected
    assert not list(out.rglob("*.tmp"))
    shutil.rmtree(out)


def test_strict_batch_with_warm_servers_grades_every_submission(tmp_path: Path) -> None:
    from calcgrade.forkserver import strict_problem

    if strict_problem():
        if os.environ.get("CI"):
            raise AssertionError(f"strict isolation must be tested in CI: {strict_problem()}")
        pytest.skip(f"strict isolation is not available here: {strict_problem()}")
    folder = make_class(tmp_path / "class", {f"s{i}": GOOD for i in range(5)})
    result = CliRunner().invoke(
        cli,
        [
            "grade",
            str(folder),
            "--out",
            str(tmp_path / "out"),
            "--course",
            str(TINY),
            "--isolation",
            "strict",
            "-j",
            "2",
            "--no-html",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    rows = read_gradebook(tmp_path / "out")
    assert [row["total"] for row in rows] == ["5"] * 5, rows
    assert "isolation: strict" in result.output
