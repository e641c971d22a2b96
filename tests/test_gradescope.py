"""Gradescope: results.json in Gradescope's schema, the autograder zip, run_autograder."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Literal

import click
import jsonschema
import pytest
from click.testing import CliRunner

from calcgrade import gradescope as gs
from calcgrade.cli import cli
from calcgrade.config import Course, load_course
from calcgrade.course_version import module_version
from calcgrade.gradescope_cli import gradescope
from calcgrade.results import CheckResult, ModuleResult, summarise
from calcgrade.runner import Options, grade_file

from .conftest import CORPUS, ROOT, corpus_submission

TINY = ROOT / "tests" / "fixtures" / "tiny_course"
HINT = "You cubed x; square it instead: x ** 2."
SECRET = "square(x) at hidden x = [0.1234, -5.678]: got 0.00188, expected 0.01523"


@pytest.fixture(scope="module")
def tiny() -> Course:
    return load_course(TINY)


def module_result(*checks: CheckResult, notes: tuple[str, ...] = ()) -> ModuleResult:
    return ModuleResult(
        module="t1_squares",
        score=sum(c.score for c in checks),
        max_score=sum(c.max_score for c in checks),
        isolation="basic",
        checks=checks,
        submission="/autograder/submission/t1_squares.py",
        submission_sha256="ab" * 32,
        course_version="1+0123456789ab",
        seed_fingerprint="0123456789ab",
        load_notes=notes,
        seconds=0.42,
        exercises=summarise(checks),
    )


def passed(
    check_id: str, exercise: str, points: float, visibility: Literal["public", "hidden"]
) -> CheckResult:
    return CheckResult(
        check_id, exercise, points, points, "passed", f"{exercise} works", visibility=visibility
    )


PASSING = module_result(
    passed("square-values", "square", 2.0, "public"),
    passed("square-hidden", "square", 1.0, "hidden"),
    passed("add-one-value", "add_one", 1.0, "public"),
)
FAILING = module_result(
    CheckResult(
        "square-values",
        "square",
        0.0,
        2.0,
        "failed",
        "square(x): 5 of 6 entries (83%) differ",
        hint=HINT,
        hint_id="cubed",
        visibility="public",
        detail="square(x): 5 of 6 entries (83%) differ",
    ),
    CheckResult(
        "square-hidden",
        "square",
        0.0,
        1.0,
        "failed",
        "square(x) is wrong on hidden inputs: relative error 0.88 (wrong)",
        hint=HINT,
        hint_id="cubed",
        visibility="hidden",
        detail=SECRET,
    ),
    CheckResult(
        "square-leaves-input",
        "square",
        0.0,
        1.0,
        "timeout",
        "your code did not finish within 2.5 s (an endless loop, or far too many steps?); "
        "it was stopped",
        visibility="hidden",
    ),
    passed("add-one-value", "add_one", 1.0, "public"),
    notes=("t1_squares.ipynb, cell 2: skipped IPython-only line `%matplotlib inline`",),
)


def valid(document: Any) -> None:
    assert gs.validate_results(document) == []
    jsonschema.validate(document, gs.RESULTS_SCHEMA)  # the same, straight from jsonschema


# results.json


def test_a_passing_result_becomes_one_gradescope_test_per_check() -> None:
    document = gs.results_json(PASSING)
    valid(document)
    assert (document["score"], document["execution_time"]) == (4.0, 1)
    assert (document["visibility"], document["stdout_visibility"]) == ("visible", "hidden")
    assert [t["name"] for t in document["tests"]] == [
        "square: square-values",
        "square: square-hidden",
        "add_one: add-one-value",
    ]
    assert [(t["score"], t["max_score"], t["status"]) for t in document["tests"]] == [
        (2.0, 2.0, "passed"),
        (1.0, 1.0, "passed"),
        (1.0, 1.0, "passed"),
    ]
    assert [t["visibility"] for t in document["tests"]] == [
        "visible",
        "after_published",
        "visible",
    ]
    assert document["tests"][0]["output"] == "square works"
    assert document["extra_data"]["calcgrade"]["submission"] == "t1_squares.py"


def test_a_failing_result_shows_messages_and_hints_never_hidden_details() -> None:
    document = gs.results_json(FAILING, ["Graded t1_squares.ipynb; also found t1_squares.py."])
    valid(document)
    tests = {t["name"]: t for t in document["tests"]}
    public = tests["square: square-values"]
    assert (public["status"], public["visibility"]) == ("failed", "visible")
    assert public["output"] == f"square(x): 5 of 6 entries (83%) differ\nHint: {HINT}"
    hidden = tests["square: square-hidden"]
    assert (hidden["score"], hidden["max_score"]) == (0.0, 1.0)
    assert (hidden["status"], hidden["visibility"]) == ("failed", "after_published")
    assert hidden["output"] == (
        f"square(x) is wrong on hidden inputs: relative error 0.88 (wrong)\nHint: {HINT}"
    )
    timed_out = tests["square: square-leaves-input"]
    assert timed_out["status"] == "failed"
    assert timed_out["output"].startswith("your code did not finish within 2.5 s")
    text = json.dumps(document)
    assert SECRET not in text and "0.1234" not in text
    assert "seed" not in document["extra_data"]["calcgrade"]


def test_the_summary_never_gives_away_the_hidden_checks() -> None:
    document = gs.results_json(FAILING, ["Graded t1_squares.ipynb; also found t1_squares.py."])
    assert document["output"] == (
        "t1_squares: public checks 1 / 3 points, 1 of 2 passed.\n"
        "2 hidden checks (2 points) are graded too; their results and your total appear "
        "when your instructor publishes the grades.\n"
        "Graded t1_squares.ipynb; also found t1_squares.py.\n"
        "Note: t1_squares.ipynb, cell 2: skipped IPython-only line `%matplotlib inline`"
    )
    public_only = module_result(passed("add-one-value", "add_one", 1.0, "public"))
    assert gs.results_json(public_only)["output"] == (
        "t1_squares: 1 / 1 points, 1 of 1 checks passed."
    )


# the schema


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(gs.RESULTS_SCHEMA)


def test_the_documented_example_of_gradescope_validates() -> None:
    example = {
        "score": 44.0,
        "execution_time": 136,
        "output": "Text relevant to the entire submission",
        "output_format": "simple_format",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "after_due_date",
        "stdout_visibility": "visible",
        "extra_data": {},
        "tests": [
            {
                "score": 2.0,
                "max_score": 2.0,
                "status": "passed",
                "name": "Your name here",
                "name_format": "text",
                "number": "1.1",
                "output": "Giant multiline string",
                "output_format": "text",
                "tags": ["tag1", "tag2", "tag3"],
                "visibility": "visible",
                "extra_data": {},
            }
        ],
        "leaderboard": [
            {"name": "Accuracy", "value": 0.926},
            {"name": "Time", "value": 15.1, "order": "asc"},
            {"name": "Stars", "value": "*****"},
        ],
    }
    valid(example)
    valid({"tests": [{"score": 1.0}, {"score": 0.0, "max_score": 1.0}]})


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"tests": [{"score": 1.0}, {"name": "no score"}]}, "(top level): {'tests'"),
        ({"output": "no score anywhere"}, "(top level): {'output'"),
        ({"score": "7"}, "score: '7' is not of type 'number'"),
        ({"score": 1, "visibility": "public"}, "visibility: 'public' is not one of"),
        ({"score": 1, "stdout_visiblity": "hidden"}, "(top level): Additional properties"),
        (
            {"score": 1, "tests": [{"score": 0, "status": "error"}]},
            "tests/0/status: 'error' is not one of ['passed', 'failed']",
        ),
        (
            {"score": 1, "tests": [{"score": 0, "visibility": "after_published_"}]},
            "tests/0/visibility: 'after_published_' is not one of",
        ),
        ({"score": 1, "tests": [{"score": 0, "tags": "calculus"}]}, "tests/0/tags: 'calculus'"),
        ({"score": 1, "execution_time": -1}, "execution_time: -1 is less than the minimum of 0"),
        ({"score": 1, "leaderboard": [{"name": "Accuracy"}]}, "leaderboard/0: 'value'"),
        ([], "(top level): [] is not of type 'object'"),
    ],
)
def test_a_broken_document_fails_validation(document: Any, problem: str) -> None:
    problems = gs.validate_results(document)
    assert any(line.startswith(problem) for line in problems), problems


def test_failure_results_are_valid() -> None:
    document = gs.failure_results("There is no submission to grade", "no-submission", 0.2)
    valid(document)
    assert (document["score"], document["tests"], document["execution_time"]) == (0.0, [], 1)


# picking the submission file


MODULES = ["t1_squares", "m1_derivatives"]


def make(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x = 1\n")
    return folder


@pytest.mark.parametrize(
    ("names", "chosen", "note"),
    [
        (["t1_squares.py"], "t1_squares.py", ""),
        (["anything.ipynb"], "anything.ipynb", ""),
        (["notes.txt", "t1-mine.py", "other.py"], "t1-mine.py", ""),
        (["code/t1_squares.py"], "code/t1_squares.py", ""),
        (
            ["t1_squares.py", "t1_squares.ipynb"],
            "t1_squares.ipynb",
            "Graded t1_squares.ipynb; also found t1_squares.py, not graded.",
        ),
        (
            [".ipynb_checkpoints/t1_squares-checkpoint.ipynb", "__MACOSX/t1_squares.py", "a.py"],
            "a.py",
            "",
        ),
    ],
)
def test_pick_submission_finds_the_file_for_the_module(
    tmp_path: Path, names: list[str], chosen: str, note: str
) -> None:
    folder = make(tmp_path / "submission", *names)
    pick = gs.pick_submission(folder, "t1_squares", MODULES)
    assert pick.path == folder / chosen
    assert pick.note == note


@pytest.mark.parametrize(
    ("names", "reason"),
    [
        ([], "the submission is empty"),
        (["report.pdf"], "it has no .py file or .ipynb notebook (found: report.pdf)"),
        (
            ["a.py", "b.ipynb"],
            "it has several .py/.ipynb files and none is named for t1_squares "
            "(found: a.py, b.ipynb); name the one to grade t1_squares.ipynb or t1_squares.py",
        ),
        (["m1_derivatives.py", "m1_extra.py"], "it has several .py/.ipynb files"),
    ],
)
def test_pick_submission_explains_why_there_is_nothing_to_grade(
    tmp_path: Path, names: list[str], reason: str
) -> None:
    pick = gs.pick_submission(make(tmp_path / "submission", *names), "t1_squares", MODULES)
    assert pick.path is None
    assert pick.note.startswith(reason)


def test_pick_submission_ignores_symlinks(tmp_path: Path) -> None:
    secret = make(tmp_path / "source", "t1_squares.py") / "t1_squares.py"
    folder = make(tmp_path / "submission")
    (folder / "t1_squares.py").symlink_to(secret)
    pick = gs.pick_submission(folder, "t1_squares", MODULES)
    assert pick.path is None
    assert pick.note == "t1_squares.py (a symbolic link): only regular files are graded"
    os.mkfifo(folder / "t1_squares.ipynb")
    (folder / "mine.py").write_text("x = 1\n")
    assert gs.pick_submission(folder, "t1_squares", MODULES) == gs.Pick(
        folder / "mine.py",
        "Graded mine.py; also found t1_squares.ipynb (a named pipe (FIFO)), "
        "t1_squares.py (a symbolic link), not graded.",
    )
    assert gs.pick_submission(tmp_path / "nowhere", "t1_squares", MODULES).note == (
        "the submission folder is missing"
    )


# run: always a results.json


def test_a_missing_submission_gives_a_valid_results_json_with_score_0(
    tmp_path: Path, tiny: Course
) -> None:
    results = tmp_path / "results" / "results.json"
    outcome = gs.run(tiny, "t1_squares", tmp_path / "submission", results)
    document = json.loads(results.read_text())
    valid(document)
    assert document == outcome.results
    assert document["score"] == 0.0
    assert document["output"] == (
        "There is no submission to grade for t1_squares: the submission folder is missing. "
        "Upload t1_squares.ipynb (or t1_squares.py) and submit again."
    )
    assert document["extra_data"]["calcgrade"]["status"] == "no-submission"
    assert outcome.problem is None and outcome.result is None
    assert [p.name for p in results.parent.iterdir()] == ["results.json"]


def test_a_grading_failure_is_ungraded_not_zero_and_tells_the_instructor(
    tmp_path: Path, tiny: Course
) -> None:
    make(tmp_path / "submission", "t1_squares.py")
    results = tmp_path / "results.json"
    results.write_text('{"score": 100}')  # a stale file is removed, not left standing
    outcome = gs.run(tiny, "t9_unknown", tmp_path / "submission", results)
    assert not results.exists()
    assert outcome.results is None
    assert outcome.problem == (
        "ConfigError: unknown module 't9_unknown'; the course has: t1_squares"
    )


# build


def test_build_writes_a_zip_with_executable_scripts_and_the_trusted_course(
    tmp_path: Path, tiny: Course
) -> None:
    out = gs.build_autograder(tiny, "t1_squares", tmp_path / "out" / "autograder.zip")
    with zipfile.ZipFile(out) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        script = archive.read("run_autograder").decode()
    for name in ("setup.sh", "run_autograder"):
        mode = infos[name].external_attr >> 16
        assert stat.S_ISREG(mode) and stat.S_IMODE(mode) == 0o755, (name, oct(mode))
    assert stat.S_IMODE(infos["course/course_config.yml"].external_attr >> 16) == 0o644
    assert {
        "README.md",
        "calcgrade-src/pyproject.toml",
        "calcgrade-src/README.md",
        "calcgrade-src/src/calcgrade/gradescope.py",
        "calcgrade-src/src/calcgrade/py.typed",
        "calcgrade-src/src/calcgrade_worker/zygote.py",
        "course/course_config.yml",
        "course/graders/t1_squares.py",
        "course/reference/t1_squares.py",
    } <= set(infos)
    assert not [n for n in infos if "__pycache__" in n or n.endswith(".pyc") or "egg-info" in n]
    assert {n.split("/")[0] for n in infos} == {
        "README.md",
        "setup.sh",
        "run_autograder",
        "calcgrade-src",
        "course",
    }
    assert {n.split("/")[1] for n in infos if n.startswith("course/")} == {
        ".grading-secret",  # $CALCGRADE_SECRET here (tests/conftest.py), so that Gradescope
        "course_config.yml",  # draws the hidden inputs calcgrade grade draws
        "graders",
        "reference",
    }
    with zipfile.ZipFile(out) as archive:
        assert archive.read("course/.grading-secret") == b"calcgrade test suite\n"
    assert infos["course/.grading-secret"].external_attr >> 16 == 0o100600
    assert setup.startswith("#!/usr/bin/env bash\n")
    assert "apt-get install -y --no-install-recommends python3 python3-venv python3-pip " in setup
    assert "bubblewrap" in setup and 'pip" install "$ROOT/source/calcgrade-src"' in setup
    assert script.startswith("#!/usr/bin/env bash\n")
    assert 'ROOT="${AUTOGRADER_ROOT:-/autograder}"' in script
    assert "--module t1_squares" in script and '--course "$ROOT/source/course"' in script


def test_build_is_reproducible(tmp_path: Path, tiny: Course) -> None:
    first = gs.build_autograder(tiny, "t1_squares", tmp_path / "a.zip").read_bytes()
    assert gs.build_autograder(tiny, "t1_squares", tmp_path / "b.zip").read_bytes() == first


def test_run_autograder_passes_calcgrade_s_exit_status_on() -> None:
    script = gs.run_script("t1_squares")
    assert "FALLBACK" not in script and script.rstrip().endswith("exit $status")


# the command line


def commands(group: click.Group) -> list[click.Command]:
    return list(group.commands.values())


def test_every_gradescope_command_is_documented_with_an_example() -> None:
    assert {c.name for c in commands(gradescope)} == {"build", "run"}
    for command in [gradescope, *commands(gradescope)]:
        assert command.help and "Example:" in command.help, command.name
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert param.help, f"{command.name} --{param.name} has no help"


def test_cli_build_writes_the_zip(tmp_path: Path) -> None:
    out = tmp_path / "m.zip"
    result = CliRunner().invoke(
        gradescope,
        ["build", "--module", "t1_squares", "--out", str(out), "--course", str(TINY)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out} (")
    assert zipfile.is_zipfile(out)
    unknown = CliRunner().invoke(
        gradescope, ["build", "--module", "t9", "--out", str(out), "--course", str(TINY)]
    )
    assert unknown.exit_code == 1
    assert "unknown module 't9'; the course has: t1_squares" in unknown.output


def test_cli_run_writes_results_unless_grading_fails(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    args = ["run", "--module", "t1_squares", "--submission-dir", str(tmp_path / "none")]
    missing = CliRunner().invoke(
        gradescope, [*args, "--results", str(results), "--course", str(TINY)]
    )
    assert missing.exit_code == 0, missing.output
    assert "note: the submission folder is missing" in missing.output
    assert json.loads(results.read_text())["extra_data"]["calcgrade"]["status"] == "no-submission"
    broken = CliRunner().invoke(
        gradescope, [*args, "--results", str(results), "--course", str(tmp_path / "nowhere")]
    )
    assert broken.exit_code == 1
    assert "grading failed; no results.json was written" in broken.output
    assert not results.exists()


# end to end: run_autograder in a simulated /autograder


def unpack(zip_path: Path, root: Path) -> None:
    """What Gradescope does: extract into source/, copy run_autograder beside it."""
    source = root / "source"
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            archive.extract(info, source)
            os.chmod(source / info.filename, stat.S_IMODE(info.external_attr >> 16))
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()


def run_autograder(root: Path, path: str | None = None, **env: str) -> dict[str, Any]:
    completed = subprocess.run(
        [str(root / "run_autograder")],
        env={
            "PATH": path or f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "AUTOGRADER_ROOT": str(root),
            "HOME": str(root),
            **env,
        },
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    document: dict[str, Any] = json.loads((root / "results" / "results.json").read_text())
    valid(document)
    return document


@pytest.fixture(scope="module")
def m1_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    return gs.build_autograder(load_course(ROOT / "course_config.yml"), "m1_derivatives", out)


@pytest.mark.slow
def test_run_autograder_gives_the_solution_full_marks(tmp_path: Path, m1_zip: Path) -> None:
    root = tmp_path / "autograder"
    unpack(m1_zip, root)
    shutil.copy(ROOT / "solutions" / "m1_derivatives.py", root / "submission")
    document = run_autograder(root)  # isolation auto, as on Gradescope
    lost = [(t["name"], t["output"]) for t in document["tests"] if t["status"] != "passed"]
    assert (document["score"], len(document["tests"])) == (18.0, 15), lost
    assert {t["status"] for t in document["tests"]} == {"passed"}
    assert sum(t["max_score"] for t in document["tests"]) == 18.0
    assert document["extra_data"]["calcgrade"]["isolation"] in ("strict", "basic")
    assert document["extra_data"]["calcgrade"]["submission"] == "m1_derivatives.py"


@pytest.mark.slow
def test_run_autograder_explains_lost_points_and_keeps_hidden_details(
    tmp_path: Path, m1_zip: Path, course: Course
) -> None:
    root = tmp_path / "autograder"
    unpack(m1_zip, root)
    submission = corpus_submission(CORPUS / "m1_derivatives" / "forward_difference.py", tmp_path)
    shutil.copy(submission, root / "submission")
    document = run_autograder(root, CALCGRADE_ISOLATION="basic")
    assert document["score"] == 14.0
    assert document["extra_data"]["calcgrade"]["isolation"] == "basic"
    lost = {t["name"]: t for t in document["tests"] if t["status"] == "failed"}
    assert set(lost) == {
        "derivative: derivative-course-example",
        "derivative: derivative-step-size",
        "derivative: derivative-hidden-functions",
    }
    for test in lost.values():
        assert test["score"] == 0.0
        assert "\nHint: This looks like a one-sided difference" in test["output"]
    assert lost["derivative: derivative-hidden-functions"]["visibility"] == "after_published"
    assert lost["derivative: derivative-step-size"]["visibility"] == "visible"
    text = json.dumps(document)
    instructor = grade_file(course, "m1_derivatives", submission, Options())
    for check in instructor.checks:
        if check.visibility == "hidden" and check.detail and check.detail != check.message:
            assert check.detail not in text, check.id


@pytest.mark.slow
def test_run_autograder_without_a_submission_gives_score_0(tmp_path: Path, m1_zip: Path) -> None:
    root = tmp_path / "autograder"
    unpack(m1_zip, root)
    (root / "submission" / "notes.txt").write_text("forgot the notebook")
    document = run_autograder(root)
    assert (document["score"], document["tests"]) == (0.0, [])
    assert document["output"].startswith(
        "There is no submission to grade for m1_derivatives: it has no .py file or .ipynb "
        "notebook (found: notes.txt)."
    )


@pytest.mark.slow
def test_run_autograder_leaves_no_results_when_calcgrade_cannot_run(
    tmp_path: Path, m1_zip: Path
) -> None:
    root = tmp_path / "autograder"
    unpack(m1_zip, root)
    shutil.copy(ROOT / "solutions" / "m1_derivatives.py", root / "submission")
    broken = tmp_path / "bin"
    broken.mkdir()
    (broken / "python3").write_text("#!/bin/sh\nexit 3\n")
    (broken / "python3").chmod(0o755)
    completed = subprocess.run(
        [str(root / "run_autograder")],
        env={"PATH": f"{broken}{os.pathsep}{os.environ['PATH']}", "AUTOGRADER_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 3  # Gradescope reports an autograder failure: ungraded
    assert not (root / "results" / "results.json").exists()


# the version results carry: the same from Gradescope and from `calcgrade check`


def test_the_zip_s_course_gives_the_module_the_version_of_the_full_course(
    tmp_path: Path, m1_zip: Path
) -> None:
    with zipfile.ZipFile(m1_zip) as archive:
        archive.extractall(tmp_path)
    shipped = load_course(tmp_path / gs.COURSE_FOLDER)
    full = load_course(ROOT / "course_config.yml")
    assert shipped.version != full.version  # the zip holds one module's notebook only
    assert module_version(shipped, "m1_derivatives") == module_version(full, "m1_derivatives")
    assert module_version(full, "m1_derivatives").startswith(f"{full.spec.version}+")
    readme = (tmp_path / "README.md").read_text()
    assert f"version of m1_derivatives, {module_version(full, 'm1_derivatives')}," in readme


def test_a_module_s_version_changes_with_its_own_files_only(tmp_path: Path) -> None:
    for folder in ("graders", "reference"):
        (tmp_path / folder).mkdir()
        for file in (TINY / folder).glob("*.py"):
            (tmp_path / folder / file.name).write_text(file.read_text())
            (tmp_path / folder / "t2_cubes.py").write_text(file.read_text())
    config = (TINY / "course_config.yml").read_text()
    module = config[config.index("  t1_squares:") :].replace("t1_squares", "t2_cubes")
    (tmp_path / "course_config.yml").write_text(config + module)
    before = load_course(tmp_path)
    versions = {m: module_version(before, m) for m in ("t1_squares", "t2_cubes")}
    assert len(set(versions.values())) == 2  # the module's name and section differ
    grader = tmp_path / "graders" / "t2_cubes.py"
    grader.write_text(grader.read_text() + "\n# changed\n")
    after = load_course(tmp_path)
    assert after.version != before.version
    assert module_version(after, "t1_squares") == versions["t1_squares"]
    assert module_version(after, "t2_cubes") != versions["t2_cubes"]
    config_path = tmp_path / "course_config.yml"
    config_path.write_text(config_path.read_text().replace("{points: 1}", "{points: 3}", 1))
    reweighted = load_course(tmp_path)
    assert module_version(reweighted, "t1_squares") != versions["t1_squares"]


@pytest.mark.slow
def test_results_json_and_calcgrade_check_carry_the_same_version(
    tmp_path: Path, m1_zip: Path
) -> None:
    root = tmp_path / "autograder"
    unpack(m1_zip, root)
    solution = ROOT / "solutions" / "m1_derivatives.py"
    shutil.copy(solution, root / "submission")
    document = run_autograder(root, CALCGRADE_ISOLATION="basic")
    checked = CliRunner().invoke(
        cli,
        ["check", str(solution), "--json", "--isolation", "basic", "--course", str(ROOT)],
        catch_exceptions=False,
    )
    assert checked.exit_code == 0, checked.output
    local = json.loads(checked.output)
    version = document["extra_data"]["calcgrade"]["course_version"]
    assert local["course_version"] == version
    assert version == module_version(load_course(ROOT / "course_config.yml"), "m1_derivatives")
