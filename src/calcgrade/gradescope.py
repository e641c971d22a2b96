"""Gradescope: results.json in Gradescope's schema, and the autograder zip that writes it.

Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): the zip holds
``setup.sh``, run once as root when Gradescope builds the autograder image, and
``run_autograder``, run once per submission with the working directory
/autograder, the zip extracted in /autograder/source and the student's files in
/autograder/submission. It must leave /autograder/results/results.json.

Two audiences, as everywhere in calcgrade. results.json carries what the
student may see: per check the ``message`` and the hint, never ``detail``;
hidden checks are shown only once the instructor publishes the grades. The
instructor's full report goes to the autograder's stdout, which Gradescope shows
to instructors only (``stdout_visibility: hidden``).

The graders and the reference live in the autograder image (/autograder/source),
the trusted side; they are never copied into /autograder/submission.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import shlex
import stat
import tempfile
import time
import traceback
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .config import CONFIG_NAME, Course
from .course_version import module_version
from .errors import CalcgradeError, ConfigError, GradingError, SubmissionError
from .forkserver import ForkServer, strict_problem
from .grading_secret import SECRET_FILE, hidden_seed, secret_text
from .report import points
from .results import CheckResult, ModuleResult
from .runner import Options, grade_file
from .safe_read import kind_of
from .submission import infer_module, read_submission
from .text_safety import printable

ROOT_VARIABLE = "AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"
SOURCE_FOLDER = "calcgrade-src"
COURSE_FOLDER = "course"
HIDDEN_CHECK_VISIBILITY = "after_published"
MAX_NOTES = 20
MAX_SCANNED_FILES = 1000
SKIPPED_NAMES = ("__MACOSX", "__pycache__")

VISIBILITIES = ["hidden", "after_due_date", "after_published", "visible"]
FORMATS = ["text", "html", "simple_format", "md", "ansi"]

RESULTS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Gradescope autograder results.json",
    "description": "Written from Gradescope's autograder specification, "
    "https://gradescope-autograders.readthedocs.io/en/latest/specs/ (output format). "
    "Every key is optional, but a score is needed: at the top level or on every test.",
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": {"$ref": "#/$defs/format"},
        "test_output_format": {"$ref": "#/$defs/format"},
        "test_name_format": {"$ref": "#/$defs/format"},
        "visibility": {"$ref": "#/$defs/visibility"},
        "stdout_visibility": {"$ref": "#/$defs/visibility"},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {"$ref": "#/$defs/test"}},
        "leaderboard": {"type": "array", "items": {"$ref": "#/$defs/leaderboard_entry"}},
    },
    "additionalProperties": False,
    "anyOf": [
        {"required": ["score"]},
        {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}},
    ],
    "$defs": {
        "visibility": {"enum": VISIBILITIES},
        "format": {"enum": FORMATS},
        "test": {
            "type": "object",
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": {"$ref": "#/$defs/format"},
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": {"$ref": "#/$defs/format"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": {"$ref": "#/$defs/visibility"},
                "extra_data": {"type": "object"},
            },
            "additionalProperties": False,
        },
        "leaderboard_entry": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "value": {"type": ["number", "string"]},
                "order": {"enum": ["asc", "desc"]},
            },
            "required": ["name", "value"],
            "additionalProperties": False,
        },
    },
}


class AutograderError(CalcgradeError):
    """The autograder zip cannot be built (no source checkout, a course path outside it)."""


@dataclass(frozen=True)
class Pick:
    """The file chosen in a submission folder, or why there is none."""

    path: Path | None
    note: str = ""


@dataclass(frozen=True)
class GradescopeRun:
    """What ``run`` did: the document it wrote (None when grading failed: then no
    results.json is written, so that Gradescope reports the submission as not
    graded rather than as a zero), and the instructor's copy of the rest."""

    results: dict[str, Any] | None
    result: ModuleResult | None = None
    notes: tuple[str, ...] = ()
    problem: str | None = None


def results_json(result: ModuleResult, notes: Iterable[str] = ()) -> dict[str, Any]:
    """``result`` as Gradescope's results.json: one test per check, student-safe text only.

    ``notes`` are extra lines for the student (which file was graded, and why).
    """
    return {
        "score": result.score,
        "execution_time": _whole_seconds(result.seconds),
        "output": _summary(result, notes),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"calcgrade": _metadata(result)},
        "tests": [_test(check) for check in result.checks],
    }


def _test(check: CheckResult) -> dict[str, Any]:
    output = printable(check.message)  # quotes the student's values and errors
    if check.hint:
        output += f"\nHint: {check.hint}"
    return {
        "name": f"{check.exercise}: {check.id}",
        "score": check.score,
        "max_score": check.max_score,
        "status": "passed" if check.status == "passed" else "failed",
        "output": output,
        "tags": [check.exercise],
        "visibility": "visible" if check.visibility == "public" else HIDDEN_CHECK_VISIBILITY,
    }


def _summary(result: ModuleResult, notes: Iterable[str]) -> str:
    """The top-level output: never a total that would give away the hidden checks."""
    public = [check for check in result.checks if check.visibility == "public"]
    hidden = [check for check in result.checks if check.visibility != "public"]
    if hidden:
        score = sum(check.score for check in public)
        most = sum(check.max_score for check in public)
        passed = sum(check.status == "passed" for check in public)
        lines = [
            f"{result.module}: public checks {points(score)} / {points(most)} points, "
            f"{passed} of {len(public)} passed.",
            f"{len(hidden)} hidden checks ({points(sum(c.max_score for c in hidden))} points) "
            "are graded too; their results and your total appear when your instructor "
            "publishes the grades.",
        ]
    else:
        passed = sum(check.status == "passed" for check in result.checks)
        lines = [
            f"{result.module}: {points(result.score)} / {points(result.max_score)} points, "
            f"{passed} of {len(result.checks)} checks passed."
        ]
    lines.extend(printable(note, newlines=False) for note in notes)  # name students' files
    shown = result.load_notes[:MAX_NOTES]
    lines.extend(f"Note: {printable(note, newlines=False)}" for note in shown)
    if len(result.load_notes) > len(shown):
        lines.append(f"... and {len(result.load_notes) - len(shown)} more notes.")
    return "\n".join(lines)


def _metadata(result: ModuleResult) -> dict[str, Any]:
    """What an instructor needs to match a Gradescope score to calcgrade (never the seed:
    its fingerprint)."""
    return {
        "status": "graded",
        "module": result.module,
        "course_version": result.course_version,
        "seed_fingerprint": result.seed_fingerprint,
        "isolation": result.isolation,
        "submission": Path(result.submission).name,
        "submission_sha256": result.submission_sha256,
        "calcgrade_version": __version__,
    }


def failure_results(output: str, status: str, seconds: float = 0.0) -> dict[str, Any]:
    """A valid results.json with score 0 when there is nothing to grade or grading failed.

    ``output`` may name the student's files: its control characters are shown as escapes.
    """
    return {
        "score": 0.0,
        "execution_time": _whole_seconds(seconds),
        "output": printable(output),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"calcgrade": {"status": status, "calcgrade_version": __version__}},
        "tests": [],
    }


def _whole_seconds(seconds: float) -> int:
    return max(0, math.ceil(seconds))


def validate_results(data: Any) -> list[str]:
    """The ways ``data`` breaks Gradescope's results.json schema (empty when it is valid).

    Needs ``jsonschema`` (``pip install 'jsonschema>=4'``).
    """
    try:
        # imported by name: jsonschema ships no type information
        jsonschema = importlib.import_module("jsonschema")
    except ImportError:
        raise CalcgradeError(
            "validating results.json needs jsonschema: pip install 'jsonschema>=4'"
        ) from None
    validator = jsonschema.Draft202012Validator(RESULTS_SCHEMA)
    problems = []
    for error in validator.iter_errors(data):
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        problems.append(f"{where}: {error.message}")
    return sorted(problems)


def write_results(results: dict[str, Any], path: Path) -> None:
    """Write results.json atomically: Gradescope never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, allow_nan=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def pick_submission(folder: Path, module: str, modules: list[str]) -> Pick:
    """The file to grade in ``folder``: the notebook or ``.py`` for ``module``, else the only one.

    A notebook wins over a ``.py`` of the same standing (students work in the
    notebook); when several files could be meant, the note says which was graded.
    """
    if not folder.is_dir():
        return Pick(None, "the submission folder is missing")
    files = _files(folder)
    code = [path for path in files if path.suffix in (".py", ".ipynb")]
    links = _not_regular(folder)
    if not code and links:
        return Pick(None, f"{'; '.join(links)}: only regular files are graded")
    if not code:
        if not files:
            return Pick(None, "the submission is empty")
        found = ", ".join(_shown(folder, path) for path in files[:10])
        return Pick(None, f"it has no .py file or .ipynb notebook (found: {found})")
    exact = [path for path in code if path.stem == module]
    inferred = exact or [path for path in code if _is_for(path, module, modules)]
    candidates = inferred or (code if len(code) == 1 else [])
    if not candidates:
        found = ", ".join(_shown(folder, path) for path in code[:10])
        return Pick(
            None,
            f"it has several .py/.ipynb files and none is named for {module} (found: {found}); "
            f"name the one to grade {module}.ipynb or {module}.py",
        )
    ranked = sorted(
        candidates, key=lambda p: (p.suffix != ".ipynb", len(p.relative_to(folder).parts), str(p))
    )
    chosen = ranked[0]
    skipped = [_shown(folder, path) for path in ranked[1:4]] + links
    if not skipped:
        return Pick(chosen)
    return Pick(
        chosen, f"Graded {_shown(folder, chosen)}; also found {', '.join(skipped)}, not graded."
    )


def _not_regular(folder: Path) -> list[str]:
    """The .py and .ipynb names under ``folder`` that are links or special files
    (never read, never followed), each with what it is."""
    found: list[str] = []
    for directory, subdirectories, names in os.walk(folder, followlinks=False):
        subdirectories[:] = [name for name in subdirectories if not _skipped(name)]
        for name in sorted(names + subdirectories):
            path = Path(directory) / name
            if _skipped(name) or path.suffix not in (".py", ".ipynb"):
                continue
            mode = path.lstat().st_mode
            if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
                found.append(f"{_shown(folder, path)} ({kind_of(mode)})")
        if len(found) >= 10:
            break
    return found[:10]


def _files(folder: Path) -> list[Path]:
    """Regular files under ``folder``, without hidden ones, symlinks or Mac/Python litter."""
    found: list[Path] = []
    for directory, subdirectories, names in os.walk(folder, followlinks=False):
        subdirectories[:] = sorted(
            name for name in subdirectories if not _skipped(name) and len(found) < MAX_SCANNED_FILES
        )
        for name in sorted(names):
            path = Path(directory) / name
            if not _skipped(name) and path.is_file() and not path.is_symlink():
                found.append(path)
    return found[:MAX_SCANNED_FILES]


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_NAMES


def _shown(folder: Path, path: Path) -> str:
    return path.relative_to(folder).as_posix()


def _is_for(path: Path, module: str, modules: list[str]) -> bool:
    try:
        return infer_module(read_submission(path), modules) == module
    except SubmissionError:
        return False


def run(
    course: Course,
    module: str,
    submission_dir: Path,
    results_path: Path,
    isolation: str = "auto",
) -> GradescopeRun:
    """Grade the submission in ``submission_dir`` and write ``results_path``.

    Never raises. A missing or unreadable submission gets a results.json with
    score 0 and an explanation for the student. A failure to grade (the worker
    would not start, a broken course) writes no results.json and removes any
    stale one: Gradescope then shows the submission as not graded, never as a
    zero; the instructor's copy of the reason is returned.
    ``isolation`` is basic, strict, or auto (strict when it starts here, else basic).
    """
    started = time.monotonic()
    notes: list[str] = []
    try:
        course.module(module)
        pick = pick_submission(submission_dir, module, list(course.spec.modules))
        if pick.path is None:
            results = failure_results(
                f"There is no submission to grade for {module}: {pick.note}. Upload "
                f"{module}.ipynb (or {module}.py) and submit again.",
                "no-submission",
                time.monotonic() - started,
            )
            return _finish(GradescopeRun(results, notes=(pick.note,)), results_path)
        notes.append(f"graded {pick.path}")
        result = _grade(course, module, pick.path, submission_dir, isolation, notes)
    except SubmissionError as error:
        results = failure_results(
            f"Your submission could not be read: {error}", "unreadable", time.monotonic() - started
        )
        return _finish(GradescopeRun(results, notes=tuple(notes)), results_path)
    except Exception as error:  # a grading failure: ungraded, never a zero
        problem = f"{type(error).__name__}: {error}"
        if not isinstance(error, CalcgradeError):
            problem = traceback.format_exc(limit=8)
        return _finish(GradescopeRun(None, notes=tuple(notes), problem=problem), results_path)
    results = results_json(result, [pick.note] if pick.note else [])
    return _finish(GradescopeRun(results, result, tuple(notes)), results_path)


def run_without_course(problem: str, results_path: Path) -> GradescopeRun:
    """A grading failure that happened before ``run`` could start: no results.json."""
    return _finish(GradescopeRun(None, problem=problem), results_path)


def _finish(outcome: GradescopeRun, results_path: Path) -> GradescopeRun:
    if outcome.results is None:
        results_path.unlink(missing_ok=True)
    else:
        write_results(outcome.results, results_path)
    return outcome


def _grade(
    course: Course, module: str, path: Path, root: Path, isolation: str, notes: list[str]
) -> ModuleResult:
    secret = hidden_seed(course)
    if secret.public:
        notes.append(
            f"the zip holds no grading secret ({SECRET_FILE}): the hidden checks used the "
            "course's public seed; build the autograder again"
        )
    server = _server(isolation, notes)
    try:
        options = Options(seed=secret.value, isolation=server.isolation)
        return grade_file(course, module, path, options, server, root)
    finally:
        server.close()


def _server(isolation: str, notes: list[str]) -> ForkServer:
    """A fork server; for ``auto``, strict if it starts here, before any student code runs."""
    if isolation != "auto":
        return ForkServer(isolation)
    problem = strict_problem()
    if problem is None:
        server = ForkServer("strict")
        try:
            server.start()
            return server
        except GradingError as error:
            problem = str(error)
    notes.append(f"strict isolation is not available ({problem}); graded with basic isolation")
    return ForkServer("basic")


def build_autograder(course: Course, module: str, out_zip: Path) -> Path:
    """Write the Gradescope autograder zip for ``module``; return its path.

    The zip holds setup.sh and run_autograder (executable), a README, the
    calcgrade distribution under ``calcgrade-src/`` and the course's config,
    graders, reference and the module's exercise notebook under ``course/``.
    Solutions are never included; the grading secret is (``course/.grading-secret``,
    so that the hidden checks draw the inputs ``calcgrade grade`` would): upload the
    zip to Gradescope only, never publish it.
    """
    course.module(module)
    project = _project_root()
    files: dict[str, tuple[bytes, int]] = {
        "setup.sh": (setup_script().encode(), 0o755),
        "run_autograder": (run_script(module).encode(), 0o755),
        "README.md": (_readme(course, module).encode(), 0o644),
    }
    for name in ("pyproject.toml", "README.md"):
        files[f"{SOURCE_FOLDER}/{name}"] = ((project / name).read_bytes(), 0o644)
    for package in sorted((project / "src").iterdir()):
        if (package / "__init__.py").is_file():
            _add_tree(files, package, f"{SOURCE_FOLDER}/src/{package.name}")
    config = course.root / CONFIG_NAME
    if not config.is_file():
        raise AutograderError(f"{config}: not found; the course must be loaded from {CONFIG_NAME}")
    files[f"{COURSE_FOLDER}/{CONFIG_NAME}"] = (config.read_bytes(), 0o644)
    files[f"{COURSE_FOLDER}/{SECRET_FILE}"] = (f"{secret_text(course)}\n".encode(), 0o600)
    for key, folder in (
        ("paths.graders", course.spec.paths.graders),
        ("paths.reference", course.spec.paths.reference),
    ):
        relative = _inside(course.root, folder, key)
        _add_tree(files, course.root / relative, f"{COURSE_FOLDER}/{relative.as_posix()}")
    notebook = course.notebook_path(module)
    if notebook.is_file():  # which of a submission's cells are the course's demo cells
        relative = _inside(course.root, course.spec.paths.exercises, "paths.exercises")
        files[f"{COURSE_FOLDER}/{relative.as_posix()}/{notebook.name}"] = (
            notebook.read_bytes(),
            0o644,
        )
    return _write_zip(files, out_zip)


def _project_root() -> Path:
    """calcgrade's source checkout (pyproject.toml beside src/calcgrade)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file() or not (root / "README.md").is_file():
        raise AutograderError(
            f"building an autograder needs calcgrade's source checkout (pyproject.toml and "
            f"README.md beside src/calcgrade), and {root} has none; install calcgrade from its "
            "repository with `pip install -e .`"
        )
    return root


def _inside(root: Path, folder: str, key: str) -> Path:
    relative = Path(folder)
    resolved = (root / relative).resolve()
    if relative.is_absolute() or not resolved.is_relative_to(root.resolve()):
        raise ConfigError(
            f"{root / CONFIG_NAME}: {key}: {folder!r} is outside the course folder; "
            "the autograder zip can only hold folders inside it"
        )
    if not resolved.is_dir():
        raise ConfigError(f"{root / CONFIG_NAME}: {key}: {resolved} is not a folder")
    return resolved.relative_to(root.resolve())


def _add_tree(files: dict[str, tuple[bytes, int]], folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(_skipped(part) or part.endswith(".egg-info") for part in parts):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".pyo"):
            files[f"{prefix}/{'/'.join(parts)}"] = (path.read_bytes(), 0o644)


def _write_zip(files: dict[str, tuple[bytes, int]], out_zip: Path) -> Path:
    """A reproducible zip (sorted names, fixed dates, explicit modes), written atomically."""
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".autograder-", suffix=".zip", dir=out_zip.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                data, mode = files[name]
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, out_zip)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return out_zip


def setup_script() -> str:
    """setup.sh: Python 3.11+, bubblewrap, and calcgrade in a virtual environment."""
    return f"""#!/usr/bin/env bash
# Written by `calcgrade gradescope build`. Gradescope runs it once, as root, when it
# builds the autograder image (Ubuntu 22.04 or 24.04).
set -euo pipefail
ROOT="${{{ROOT_VARIABLE}:-{DEFAULT_ROOT}}}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap

# calcgrade needs Python 3.11 or newer (Ubuntu 22.04's python3 is 3.10).
PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null \\
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        PYTHON="$candidate"
        break
    fi
done
if [ -z "$PYTHON" ]; then
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    PYTHON=python3.11
fi

"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --upgrade pip
"$ROOT/venv/bin/pip" install "$ROOT/source/{SOURCE_FOLDER}"
"""


def run_script(module: str) -> str:
    """run_autograder: grade with calcgrade; its exit status is the script's.

    When grading fails there is no results.json, and Gradescope reports an
    autograder failure: the submission stays ungraded until it is rerun.
    """
    return f"""#!/usr/bin/env bash
# Written by `calcgrade gradescope build` for {module}. Gradescope runs it once per
# submission; {ROOT_VARIABLE} (default {DEFAULT_ROOT}) lets it run elsewhere for testing.
set -uo pipefail
ROOT="${{{ROOT_VARIABLE}:-{DEFAULT_ROOT}}}"
RESULTS="$ROOT/results/results.json"
export PATH="$ROOT/venv/bin:$PATH"
mkdir -p "$ROOT/results"
cd "$ROOT"

python3 -I -m calcgrade.gradescope_cli run \\
    --module {shlex.quote(module)} \\
    --submission-dir "$ROOT/submission" \\
    --results "$RESULTS" \\
    --course "$ROOT/source/{COURSE_FOLDER}" \\
    --isolation "${{CALCGRADE_ISOLATION:-auto}}"
status=$?
echo "calcgrade exited with status $status"
exit $status
"""


def _readme(course: Course, module: str) -> str:
    return f"""# calcgrade autograder for {module}

Written by `calcgrade gradescope build --module {module}` (calcgrade {__version__})
from the course "{course.spec.course}", version {course.version}. Its results carry
the version of {module}, {module_version(course, module)}, as `calcgrade check` does
with the same course files.

Upload this zip as the autograder of a Gradescope programming assignment, on
the Ubuntu 22.04 or 24.04 base image. Students submit `{module}.ipynb` (or
`{module}.py`); with a single `.py` or `.ipynb` file, any name will do.

- `setup.sh`: installs Python 3.11+, bubblewrap and calcgrade in /autograder/venv.
- `run_autograder`: grades /autograder/submission and writes
  /autograder/results/results.json. Set CALCGRADE_ISOLATION to basic or strict
  to override the default, auto (strict isolation when it can start).
- `{SOURCE_FOLDER}/`: the calcgrade distribution that setup.sh installs.
- `{COURSE_FOLDER}/`: course_config.yml, the graders and the reference: the trusted
  side, in the image only, never in the submission folder.

Public checks are visible at once; hidden checks appear when you publish the
grades. The full instructor report, hidden inputs included, is in the
autograder output that only instructors see.
"""
