"""The HTML pages in a real headless browser (Debian's chromium, driven directly).

Each page is loaded twice: once with ``--dump-dom`` and the console logged to
stderr (the page must log nothing: it has no JavaScript, and its
Content-Security-Policy turns any attempt to fetch something into a console
error), once with ``--screenshot``. The screenshots are kept in
``tests/artifacts/browser/`` (ignored by git; CI can upload the folder).

Without chromium these tests skip, except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import dataclasses
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from calcgrade.cli import cli
from calcgrade.config import Course
from calcgrade.html_report import student_page
from calcgrade.results import CheckResult, Figure, ModuleResult, summarise

from .conftest import CORPUS, ROOT, corpus_submission, grade
from .test_html_report import EXAMPLES

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
WRONG_M2 = corpus_submission(CORPUS / "m2_gradients" / "ascent_wrong_sign.py")
CONSOLE = re.compile(r":CONSOLE[(:]|Uncaught|Content Security Policy")


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    return found


@dataclasses.dataclass(frozen=True)
class Loaded:
    dom: str
    console: list[str]
    screenshot: Path

    @property
    def plots(self) -> int:
        return len(re.findall(r"<figure class=\"plot[^\"]*\"><svg\b", self.dom))


def browse(chromium: str, page: Path, name: str, profile: Path) -> Loaded:
    """Load ``page`` in headless chromium: its DOM, its console messages, a screenshot."""
    common = [
        chromium,
        "--headless",
        "--no-sandbox",  # root in a container; the page is our own file
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    url = page.resolve().as_uri()
    loaded = subprocess.run(
        [*common, "--enable-logging=stderr", "--v=0", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / f"{name}.png"
    screenshot.unlink(missing_ok=True)
    shot = subprocess.run(
        [*common, f"--screenshot={screenshot}", "--window-size=1200,2000", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shot.returncode == 0 and screenshot.exists(), shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {screenshot}")
    console = [line for line in loaded.stderr.splitlines() if CONSOLE.search(line)]
    return Loaded(loaded.stdout, console, screenshot)


def with_figures(result: ModuleResult) -> ModuleResult:
    """The result as it is, or, while the m2 grader records no figures yet, with a path
    for everyone on the public check and an instructor-only one on a hidden check."""
    if any(check.figures for check in result.checks if check.status != "passed"):
        return result
    path = {
        "paths": {"yours": [[0, 0], [-0.6, 0.4], [-1.9, 1.2]], "reference": [[0, 0], [0.6, -0.4]]},
        "contours": {"x": [-2, 0, 2, 4], "y": [-2, 0, 2], "z": [[0, 1, 2, 3]] * 3},
    }
    hidden = {"series": {"yours": [1.0, 3.0, 9.0], "reference": [1.0, 0.4, 0.1]}, "log": True}
    checks: list[CheckResult] = []
    for check in result.checks:
        if check.status != "passed" and check.visibility == "public":
            check = dataclasses.replace(check, figures=(Figure("path", "your path", path),))
        elif check.status != "passed" and check.detail:
            secret = Figure("curves", "hidden run", hidden, "instructor")
            check = dataclasses.replace(check, figures=(secret,))
        checks.append(check)
    return dataclasses.replace(result, checks=tuple(checks))


def test_a_wrong_submission_s_pages(chromium: str, course: Course, tmp_path: Path) -> None:
    result = with_figures(grade(course, "m2_gradients", WRONG_M2))
    lost = [check for check in result.checks if check.status != "passed"]
    secret = next(check for check in lost if check.visibility == "hidden" and check.detail)
    assert secret.detail is not None
    leaked = set(re.findall(r"-?\d+\.\d{3,}", secret.detail)) - set(
        re.findall(r"-?\d+\.\d{3,}", secret.message)
    )
    assert leaked, "the hidden check's detail should hold values its message does not"
    everyone = sum(f.audience == "everyone" for check in lost for f in check.figures)
    assert everyone >= 1
    instructor_only = [f for check in lost for f in check.figures if f.audience != "everyone"]

    student = tmp_path / "student.html"
    student.write_text(student_page([result], "ann", "student"), encoding="utf-8")
    seen = browse(chromium, student, "m2-wrong-student", tmp_path / "profile")
    assert seen.console == []
    assert seen.plots == everyone
    assert "m2_gradients" in seen.dom and "ascent_wrong_sign" in seen.dom
    for value in leaked:
        assert value not in seen.dom, f"hidden value {value} shown to the student"
    for figure in instructor_only:
        assert f"<figcaption>{html.escape(figure.title)}</figcaption>" not in seen.dom

    instructor = tmp_path / "instructor.html"
    instructor.write_text(student_page([result], "ann", "instructor"), encoding="utf-8")
    seen = browse(chromium, instructor, "m2-wrong-instructor", tmp_path / "profile")
    assert seen.console == []
    assert seen.plots == everyone + len(instructor_only)
    assert all(value in seen.dom for value in leaked)


def test_every_figure_kind_in_the_browser(chromium: str, tmp_path: Path) -> None:
    shown = tuple(Figure(kind, f"a {kind}", data) for kind, data in EXAMPLES.items())
    broken = Figure("pie", "an unknown kind", {})
    lost = CheckResult("c", "square", 0.0, 1.0, "failed", "wrong", figures=(*shown, broken))
    result = ModuleResult("t1_squares", 0.0, 1.0, "basic", (lost,), exercises=summarise((lost,)))
    page = tmp_path / "kinds.html"
    page.write_text(student_page([result], "ann", "student"), encoding="utf-8")
    seen = browse(chromium, page, "every-kind", tmp_path / "profile")
    assert seen.console == []  # the heatmap's inline PNG is allowed by the page's policy
    assert seen.plots == len(shown) + 1
    assert 'class="figure-note"' in seen.dom
    assert "data:image/png;base64," in seen.dom


def test_check_html_for_a_self_learner(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "feedback.html"
    outcome = CliRunner().invoke(
        cli,
        ["check", str(WRONG_M2), "-m", "m2_gradients", "--html", str(page), "--course", str(ROOT)],
        catch_exceptions=False,
    )
    assert outcome.exit_code == 0, outcome.output
    seen = browse(chromium, page, "check-html", tmp_path / "profile")
    assert seen.console == []
    assert "Feedback on ascent_wrong_sign.py" in seen.dom
    assert "gradient_ascent" in seen.dom


def test_a_batch_s_class_report_and_feedback(chromium: str, tmp_path: Path) -> None:
    folder = tmp_path / "class"
    for name in ("correct", "ascent_wrong_sign", "one_d_only", "components_swapped"):
        (folder / name).mkdir(parents=True)
        merged = corpus_submission(CORPUS / "m2_gradients" / f"{name}.py", tmp_path)
        shutil.copy(merged, folder / name / "m2_gradients.py")
    (folder / "stray.txt").write_text("?")
    out = tmp_path / "out"
    args = ["grade", str(folder), "-m", "m2_gradients", "--out", str(out), "-j", "2"]
    outcome = CliRunner().invoke(
        cli, [*args, "--isolation", "basic", "--course", str(ROOT)], catch_exceptions=False
    )
    assert outcome.exit_code == 0, outcome.output

    seen = browse(chromium, out / "class_report.html", "class-report", tmp_path / "profile")
    assert seen.console == []
    assert seen.plots == 1  # the score histogram of m2_gradients
    assert "4 students · 4 submissions graded · 0 ungraded · 1 not placed" in seen.dom
    assert "<code>ascent_wrong_sign</code>" in seen.dom  # a diagnosed mistake
    assert "stray.txt" in seen.dom

    seen = browse(
        chromium, out / "feedback" / "one_d_only.html", "batch-feedback", tmp_path / "profile"
    )
    assert seen.console == []
    assert "Feedback for one_d_only" in seen.dom
    seen = browse(
        chromium, out / "instructor" / "one_d_only.html", "batch-instructor", tmp_path / "profile"
    )
    assert seen.console == [] and "Instructor copy." in seen.dom
