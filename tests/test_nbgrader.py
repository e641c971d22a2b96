"""calcgrade with nbgrader: valid course notebooks, a real nbgrader course, its gradebook.

The fast tests check the notebooks' nbgrader metadata against course_config.yml,
with nbgrader's own validator, and the pieces of calcgrade.nbgrader_course in
process. The slow ones run real nbgrader commands in a temporary course made by
`calcgrade nbgrader init`: generate_assignment, validate, export (and autograde
once `calcgrade.check` returns its points).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import nbformat
import pytest
from click.testing import CliRunner
from traitlets.config import Config

import calcgrade
from calcgrade.cli import cli
from calcgrade.config import Course
from calcgrade.nbgrader_course import (
    NbgraderError,
    exercise_points,
    grade_id_for,
    init,
    is_nbgrader_course,
    nbgrader_group,
    nbgrader_metadata,
    notebook_problems,
    stubbed_clear_solutions,
    write_to_gradebook,
)
from calcgrade.nbgrader_support import Points, stderr_to_stdout
from calcgrade.results import CheckResult, ModuleResult, summarise

from .conftest import ROOT

MODULE = "m1_derivatives"
NOTEBOOKS = sorted((ROOT / "exercises").glob("*.ipynb")) + sorted(
    (ROOT / "solutions").glob("*.ipynb")
)
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
CENTRAL = "return float((f(x + h) - f(x - h)) / (2 * h))"
FORWARD = "return float((f(x + h) - f(x)) / h)"


def nbgrader_meta(cell: Any) -> dict[str, Any]:
    return dict(cell["metadata"]["nbgrader"])


def load(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


# -- the notebooks ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_course_notebooks_are_valid_nbgrader_notebooks(path: Path, course: Course) -> None:
    from nbgrader.nbgraderformat import MetadataValidator

    notebook = load(path)
    nbformat.validate(notebook)
    MetadataValidator().validate_nb(notebook)  # nbgrader's schema 3 and unique grade ids
    module = path.stem
    points = exercise_points(course, module)
    metas = [nbgrader_meta(cell) for cell in notebook.cells]
    assert all(meta["schema_version"] == 3 for meta in metas)
    grade_ids = [meta["grade_id"] for meta in metas]
    assert len(grade_ids) == len(set(grade_ids))
    tests = {meta["grade_id"]: meta["points"] for meta in metas if meta["grade"]}
    assert tests.keys() == {f"{module}-{exercise}" for exercise in points}
    for exercise, total in points.items():
        assert math.isclose(tests[f"{module}-{exercise}"], total)
    for cell, meta in zip(notebook.cells, metas, strict=True):
        if meta["grade"]:
            assert (cell.cell_type, meta["solution"], meta["locked"]) == ("code", False, True)
            exercise = meta["grade_id"][len(module) + 1 :]
            assert cell.source == f'check("{module}", globals(), exercise="{exercise}")'
        elif meta["solution"]:
            assert (cell.cell_type, meta["locked"]) == ("code", False)
            marker = "### BEGIN SOLUTION" if path.parent.name == "solutions" else "# YOUR CODE HERE"
            assert marker in cell.source
        else:
            assert meta["locked"] is True
    solution = path.parent.name == "solutions"
    assert notebook_problems(notebook, module, points, source=solution) == []


def test_exercise_and_solution_notebooks_share_their_nbgrader_metadata() -> None:
    for exercise in sorted((ROOT / "exercises").glob("*.ipynb")):
        solution = ROOT / "solutions" / exercise.name
        assert [nbgrader_meta(c) for c in load(exercise).cells] == [
            nbgrader_meta(c) for c in load(solution).cells
        ]


def test_stubbed_clear_solutions_turns_each_solution_into_its_exercise() -> None:
    preprocessor = stubbed_clear_solutions()()
    for solution in sorted((ROOT / "solutions").glob("*.ipynb")):
        released, _ = preprocessor.preprocess(load(solution), {})
        expected = load(ROOT / "exercises" / solution.name)
        assert [c.source for c in released.cells] == [c.source for c in expected.cells]


def test_notebook_problems_name_tampering(course: Course) -> None:
    points = exercise_points(course, MODULE)
    notebook = load(ROOT / "exercises" / f"{MODULE}.ipynb")
    tampered = copy.deepcopy(notebook)
    cells = tampered.cells
    test = next(c for c in cells if c.metadata.nbgrader["grade_id"] == f"{MODULE}-profit")
    test.metadata.nbgrader["points"] = 100
    cells.remove(
        next(c for c in cells if c.metadata.nbgrader["grade_id"] == f"{MODULE}-derivative")
    )
    cells[0].metadata.nbgrader["grade_id"] = cells[1].metadata.nbgrader["grade_id"]
    del cells[2].metadata["nbgrader"]
    problems = "\n".join(notebook_problems(tampered, MODULE, points))
    assert "points 100, but 'profit' is worth 3" in problems
    assert f"no test cell with grade_id '{MODULE}-derivative'" in problems
    assert "already used" in problems
    assert "no nbgrader metadata" in problems


def test_metadata_needs_one_check_cell_per_exercise() -> None:
    code = {"cell_type": "code"}
    points = {"square": 2.0, "cube": 1.0}
    two = 'check("t", globals(), exercise="square")\ncheck("t", globals(), exercise="cube")'
    with pytest.raises(NbgraderError, match=r"2 check\(\.\.\.\) calls in one cell"):
        nbgrader_metadata([{**code, "source": two}], "t", points)
    with pytest.raises(NbgraderError, match="'cube' has no check cell"):
        nbgrader_metadata(
            [{**code, "source": 'check("t", globals(), exercise="square")'}], "t", points
        )
    cells = [
        {"cell_type": "markdown", "source": "# T"},
        {
            **code,
            "source": "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n"
            "    ### END SOLUTION",
        },
        {**code, "source": 'check("t", globals(), exercise="square")'},
        {**code, "source": 'from calcgrade import check\ncheck("t", globals(), exercise="cube")'},
    ]
    metas = nbgrader_metadata(cells, "t", points)
    assert [(m["grade_id"], m["grade"], m["solution"], m["locked"]) for m in metas] == [
        ("t-cell-00", False, False, True),
        ("t-solution-square", False, True, False),
        ("t-square", True, False, True),
        ("t-cube", True, False, True),
    ]
    assert (metas[2]["points"], metas[3]["points"]) == (2, 1)


# -- the value of a test cell ----------------------------------------------------------------


def result(score: float, max_score: float) -> ModuleResult:
    checks = (
        CheckResult("a", "derivative", score, score, "passed", "ok"),
        CheckResult("b", "derivative", 0.0, max_score - score, "failed", "wrong"),
    )
    return ModuleResult(MODULE, score, max_score, "in-process", checks, exercises=summarise(checks))


def test_points_is_the_score_as_nbgrader_reads_it() -> None:
    from nbgrader.utils import determine_grade

    points = Points(result(1.0, 4.0))
    assert (points, repr(points), points.max_score) == (1.0, "1.0", 4.0)
    assert [c.id for c in points.checks] == ["a", "b"]  # still answers like the ModuleResult
    cell = nbformat.v4.new_code_cell(
        f'check("{MODULE}", globals(), exercise="derivative")',
        metadata={"nbgrader": {"grade": True, "solution": False, "locked": True, "points": 4}},
    )
    report = nbformat.v4.new_output("display_data", {"text/plain": "m1_derivatives: 1 / 4"})
    value = nbformat.v4.new_output("execute_result", {"text/plain": repr(points)})
    cell.outputs = [report, value]
    assert determine_grade(cell) == (1.0, 4.0)
    warned = nbformat.v4.new_output("stream", name="stderr", text="RuntimeWarning: overflow")
    cell.outputs = [warned, value]
    assert determine_grade(cell) == (0, 4.0)  # why check must write nothing to stderr


def test_stderr_to_stdout_keeps_warnings_out_of_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with stderr_to_stdout():
        # what Python's default warnings.showwarning does in a kernel: write to sys.stderr
        print("RuntimeWarning: overflow encountered in exp", file=sys.stderr)
    captured = capsys.readouterr()
    assert "overflow" in captured.out
    assert captured.err == ""


# -- calcgrade nbgrader init -----------------------------------------------------------------


def test_init_help_has_an_example_and_every_option_explained() -> None:
    runner = CliRunner()
    for args in (["--help"], ["init", "--help"]):
        shown = runner.invoke(nbgrader_group, args)
        assert shown.exit_code == 0
        assert "Example:" in shown.output
    assert all(p.help for p in init.params if isinstance(p, click.Option))


def test_init_lays_out_the_course_and_keeps_what_changed(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["init", str(tmp_path), "-m", MODULE, "--course", str(ROOT / "course_config.yml")]
    first = runner.invoke(nbgrader_group, args)
    assert first.exit_code == 0, first.output
    source = tmp_path / "source" / MODULE / f"{MODULE}.ipynb"
    config = (tmp_path / "nbgrader_config.py").read_text()
    assert 'c.CourseDirectory.course_id = "calculus-for-machine-learning"' in config.replace(
        "'", '"'
    )
    assert "gradebook.db" in config
    assert "CourseDirectory.root" in config
    cells = load(source).cells
    assert [nbgrader_meta(c) for c in cells] == [
        nbgrader_meta(c) for c in load(ROOT / "solutions" / f"{MODULE}.ipynb").cells
    ]
    assert any("### BEGIN SOLUTION" in c.source for c in cells)
    assert "already up to date" in runner.invoke(nbgrader_group, args).output
    source.write_text(source.read_text().replace("Derivatives", "Derivatives (edited)"))
    refused = runner.invoke(nbgrader_group, args)
    assert isinstance(refused.exception, NbgraderError)
    assert "--force" in str(refused.exception)
    assert runner.invoke(nbgrader_group, [*args, "--force"]).exit_code == 0
    assert "(edited)" not in source.read_text()
    assert not is_nbgrader_course(tmp_path)  # no submitted/ yet
    (tmp_path / "submitted").mkdir()
    assert is_nbgrader_course(tmp_path)


# -- grading what was released -------------------------------------------------------------


def graded_result(course: Course, failed: str) -> ModuleResult:
    """A result of every check of the course's m1, those of exercise ``failed`` failed."""
    checks = tuple(
        CheckResult(
            check_id,
            exercise,
            0.0 if exercise == failed else spec.points,
            spec.points,
            "failed" if exercise == failed else "passed",
            "ok",
        )
        for exercise, exercise_spec in course.module(MODULE).exercises.items()
        for check_id, spec in exercise_spec.checks.items()
    )
    score = sum(check.score for check in checks)
    total = sum(check.max_score for check in checks)
    return ModuleResult(MODULE, score, total, "basic", checks, exercises=summarise(checks))


def released_before_optimal_price(course_dir: Path, replaced_by: str | None = None) -> Path:
    """`calcgrade nbgrader init` for m1, and a release/ notebook without optimal_price's
    test cell (or with one for the exercise ``replaced_by`` in its place); its path."""
    made = CliRunner().invoke(
        nbgrader_group,
        ["init", str(course_dir), "-m", MODULE, "--course", str(ROOT / "course_config.yml")],
    )
    assert made.exit_code == 0, made.output
    released = load(ROOT / "exercises" / f"{MODULE}.ipynb")
    optimal = grade_id_for(MODULE, "optimal_price")
    if replaced_by is None:
        released.cells = [c for c in released.cells if nbgrader_meta(c).get("grade_id") != optimal]
    for cell in released.cells:
        if nbgrader_meta(cell).get("grade_id") == optimal:
            cell.metadata.nbgrader["grade_id"] = grade_id_for(MODULE, replaced_by)
            cell.source = f'check("{MODULE}", globals(), exercise="{replaced_by}")'
    path = course_dir / "release" / MODULE / f"{MODULE}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(released, path)
    return path


@pytest.mark.slow
def test_an_exercise_added_after_the_release_is_not_charged(course: Course, tmp_path: Path) -> None:
    """The assignment was released before optimal_price was added to the course (its
    release has no test cell for it), and it still has one for an exercise since removed."""
    from nbgrader.api import Gradebook, MissingEntry

    course_dir = tmp_path / "nbgrader-course"
    path = released_before_optimal_price(course_dir, replaced_by="elasticity")

    full = graded_result(course, failed="optimal_price")
    assert full.score < full.max_score == 18
    update = write_to_gradebook(course_dir, MODULE, {"alice": full})

    warning = (
        f"{MODULE}: the released assignment ({path}) and course_config.yml differ; added to "
        "the course since the release, so not graded and not in the maximum: optimal_price; "
        "released but no longer in the course, so calcgrade gives them no score (grade them "
        "in the formgrader): elasticity. Students are graded on what was released."
    )
    assert update.warnings == (warning,)
    db_url = f"sqlite:///{course_dir / 'gradebook.db'}"
    with Gradebook(db_url, "calculus-for-machine-learning") as gradebook:
        submission = gradebook.find_submission(MODULE, "alice")
        assert (submission.score, submission.max_score) == (11.0, 11.0)  # 18 - optimal_price's 7
        with pytest.raises(MissingEntry):
            gradebook.find_grade_cell(grade_id_for(MODULE, "optimal_price"), MODULE, MODULE)

    # a release that matches the course: everything graded, no warning
    nbformat.write(load(ROOT / "exercises" / f"{MODULE}.ipynb"), path)
    update = write_to_gradebook(course_dir, MODULE, {"alice": full})
    assert update.warnings == ()
    with Gradebook(db_url, "calculus-for-machine-learning") as gradebook:
        submission = gradebook.find_submission(MODULE, "alice")
        assert (submission.score, submission.max_score) == (11.0, 18.0)


@pytest.mark.slow
def test_calcgrade_grade_counts_only_what_was_released(tmp_path: Path) -> None:
    """`calcgrade grade` on an nbgrader course folder whose release predates optimal_price:
    its own gradebook.csv and results count only the released exercises as well."""
    course_dir = tmp_path / "nbgrader-course"
    released_before_optimal_price(course_dir)
    submitted = course_dir / "submitted" / "alice" / MODULE / f"{MODULE}.ipynb"
    submitted.parent.mkdir(parents=True)
    submitted.write_bytes((ROOT / "solutions" / f"{MODULE}.ipynb").read_bytes())

    out = tmp_path / "out"
    args = ["grade", str(course_dir), "-m", MODULE, "--out", str(out), "--no-html"]
    args += ["--course", str(ROOT / "course_config.yml"), "--isolation", "basic"]
    ran = CliRunner().invoke(cli, args)
    assert ran.exit_code == 0, ran.output
    assert ran.output.count("added to the course since the release") == 1  # said once
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert "optimal_price" not in rows[0]
    assert (rows[0]["total"], rows[0]["max"]) == ("11", "11")
    result = json.loads((out / "results" / "alice.json").read_text())
    assert {check["exercise"] for check in result["checks"]} == {
        "derivative",
        "profit",
        "profit_derivative",
    }


# -- a real nbgrader course ------------------------------------------------------------------


def nbgrader(course_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course_dir,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture(scope="module")
def nbgrader_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`calcgrade nbgrader init` for m1, then `nbgrader generate_assignment m1_derivatives`."""
    course_dir = tmp_path_factory.mktemp("nbgrader-course")
    made = CliRunner().invoke(
        nbgrader_group,
        ["init", str(course_dir), "-m", MODULE, "--course", str(ROOT / "course_config.yml")],
    )
    assert made.exit_code == 0, made.output
    generated = nbgrader(course_dir, "generate_assignment", MODULE)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    return course_dir


def submit(course_dir: Path, student: str, notebook: Any) -> Path:
    path = course_dir / "submitted" / student / MODULE / f"{MODULE}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def wrong_notebook() -> Any:
    notebook = load(ROOT / "solutions" / f"{MODULE}.ipynb")
    cell = next(c for c in notebook.cells if CENTRAL in c.source)
    cell.source = cell.source.replace(CENTRAL, FORWARD)
    return notebook


def check_returns_points() -> bool:
    """Whether calcgrade.check returns its score as a number, as nbgrader needs."""
    with contextlib.redirect_stdout(io.StringIO()):
        value = calcgrade.check(MODULE, {}, "derivative", public_only=True)
    return isinstance(value, float)


@pytest.mark.slow
def test_generate_assignment_releases_the_exercise_notebook(nbgrader_course: Path) -> None:
    released = load(nbgrader_course / "release" / MODULE / f"{MODULE}.ipynb")
    expected = load(ROOT / "exercises" / f"{MODULE}.ipynb")

    def without_checksums(cell: Any) -> dict[str, Any]:
        meta = nbgrader_meta(cell)
        meta.pop("checksum", None)
        meta.pop("cell_type", None)
        return meta

    assert [(c.id, c.cell_type, c.source) for c in released.cells] == [
        (c.id, c.cell_type, c.source) for c in expected.cells
    ]
    assert [without_checksums(c) for c in released.cells] == [
        nbgrader_meta(c) for c in expected.cells
    ]
    assert all("checksum" in nbgrader_meta(c) for c in released.cells)  # nbgrader's own
    assert released.metadata["calcgrade"] == {"module": MODULE}


@pytest.mark.slow
def test_nbgrader_validate_passes_the_solution(
    nbgrader_course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what `nbgrader validate source/m1_derivatives/m1_derivatives.ipynb` runs, in process
    # (a kernel executes the notebook; the CLI would add nbgrader's own start-up time);
    # the CLI, run in the course folder, gets CALCGRADE_COURSE from nbgrader_config.py
    from nbgrader.validator import Validator

    monkeypatch.setenv("CALCGRADE_COURSE", str(ROOT / "course_config.yml"))
    source = nbgrader_course / "source" / MODULE / f"{MODULE}.ipynb"
    assert Validator().validate(str(source)) == {}


@pytest.mark.slow
def test_calcgrade_scores_go_into_the_gradebook_and_nbgrader_export(
    nbgrader_course: Path, course: Course, tmp_path: Path
) -> None:
    solution = load(ROOT / "solutions" / f"{MODULE}.ipynb")
    tampered = copy.deepcopy(solution)
    for cell in tampered.cells:
        if cell.metadata.nbgrader["grade_id"] == f"{MODULE}-profit":
            cell.metadata.nbgrader["points"] = 100
    tampered.cells = [
        c for c in tampered.cells if c.metadata.nbgrader["grade_id"] != f"{MODULE}-optimal_price"
    ]
    submit(nbgrader_course, "alice", solution)
    submit(nbgrader_course, "bob", wrong_notebook())
    submit(nbgrader_course, "mallory", tampered)
    stamp = nbgrader_course / "submitted" / "bob" / MODULE / "timestamp.txt"
    stamp.write_text("2026-11-20 10:00:00.000000 UTC")

    assert is_nbgrader_course(nbgrader_course)
    out = tmp_path / "out"
    graded = CliRunner().invoke(
        cli,
        [
            "grade",
            str(nbgrader_course),
            "--module",
            MODULE,
            "--out",
            str(out),
            "--isolation",
            "basic",
            "-j",
            "1",
            "--no-html",
            "--course",
            str(ROOT / "course_config.yml"),
        ],
        catch_exceptions=False,
    )
    assert graded.exit_code == 0, graded.output
    assert "nbgrader layout" in graded.output
    assert "nbgrader gradebook: 12 scores of 3 students for m1_derivatives" in graded.output
    results = {}
    for student in ("alice", "bob", "mallory"):
        data = json.loads((out / "results" / f"{student}.json").read_text())
        results[student] = ModuleResult.from_dict(
            {k: v for k, v in data.items() if k not in ("key", "student")}
        )
    assert results["alice"].score == results["mallory"].score == results["alice"].max_score == 18
    assert results["bob"].exercises["derivative"]["score"] == 0
    assert 0 < results["bob"].score < 18
    autograded = sorted((nbgrader_course / "autograded").glob(f"*/{MODULE}/{MODULE}.ipynb"))
    assert [path.parts[-3] for path in autograded] == ["alice", "bob", "mallory"]

    exported = nbgrader(nbgrader_course, "export", "--to", str(tmp_path / "grades.csv"))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    with (tmp_path / "grades.csv").open(newline="") as stream:
        rows = {row["student_id"]: row for row in csv.DictReader(stream)}
    for student, graded in results.items():
        row = rows[student]
        assert (row["assignment"], float(row["score"])) == (MODULE, graded.score)
        assert float(row["max_score"]) == 18  # tampered points change nothing
    assert rows["bob"]["timestamp"].startswith("2026-11-20 10:00:00")

    # the formgrader lists them as autograded, with their scores and failed tests
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = {"CourseDirectory": {"root": str(nbgrader_course)}}
    api = NbGraderAPI(CourseDirectory(config=Config(config)), config=Config(config))
    api.coursedir.course_id = "calculus-for-machine-learning"
    listed = {s["student"]: s for s in api.get_submissions(MODULE)}
    assert {
        student: (s["autograded"], s["score"], s["max_score"]) for student, s in listed.items()
    } == {student: (True, graded.score, 18.0) for student, graded in results.items()}
    failed = {n["student"]: n["failed_tests"] for n in api.get_notebook_submissions(MODULE, MODULE)}
    assert failed == {"alice": False, "bob": True, "mallory": False}
    # ...and shows calcgrade's feedback in each test cell, the deleted one added back
    autograded = load(nbgrader_course / "autograded" / "mallory" / MODULE / f"{MODULE}.ipynb")
    outputs = {
        nbgrader_meta(c)["grade_id"]: c.outputs[0]["text"]
        for c in autograded.cells
        if nbgrader_meta(c).get("grade")
    }
    assert outputs[grade_id_for(MODULE, "optimal_price")].startswith(
        "calcgrade: optimal_price: 7 / 7 points"
    )
    assert len(outputs) == 4

    # a grader's manual score survives a regrade, flagged for review, as with nbgrader autograde
    from nbgrader.api import Gradebook

    db_url = f"sqlite:///{nbgrader_course / 'gradebook.db'}"
    with Gradebook(db_url, "calculus-for-machine-learning") as gradebook:
        grade = gradebook.find_grade(grade_id_for(MODULE, "derivative"), MODULE, MODULE, "bob")
        assert (grade.auto_score, grade.max_score) == (0.0, 4.0)
        grade.manual_score = 2.0
        gradebook.db.commit()
    write_to_gradebook(nbgrader_course, MODULE, {"bob": results["bob"]})
    with Gradebook(db_url, "calculus-for-machine-learning") as gradebook:
        grade = gradebook.find_grade(grade_id_for(MODULE, "derivative"), MODULE, MODULE, "bob")
        assert (grade.manual_score, grade.auto_score, grade.needs_manual_grade) == (2.0, 0.0, True)
        assert gradebook.find_submission(MODULE, "bob").score == results["bob"].score + 2


@pytest.mark.slow
def test_nbgrader_autograde_gives_calcgrades_partial_credit(nbgrader_course: Path) -> None:
    if not check_returns_points():
        pytest.skip("calcgrade.check does not return nbgrader_support.Points yet")
    submit(nbgrader_course, "carol", wrong_notebook())
    graded = nbgrader(nbgrader_course, "autograde", MODULE, "--student", "carol")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    from nbgrader.api import Gradebook

    db_url = f"sqlite:///{nbgrader_course / 'gradebook.db'}"
    with Gradebook(db_url, "calculus-for-machine-learning") as gradebook:
        scores = {
            grade.name: grade.auto_score
            for notebook in gradebook.find_submission(MODULE, "carol").notebooks
            for grade in notebook.grades
        }
    assert scores[grade_id_for(MODULE, "derivative")] == 0.0
    assert 0 < scores[grade_id_for(MODULE, "optimal_price")] < 7
    assert scores[grade_id_for(MODULE, "profit")] == 3.0
