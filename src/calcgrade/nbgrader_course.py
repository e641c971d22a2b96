"""calcgrade as an nbgrader course: cell metadata, course layout, and the gradebook.

Three parts, all following nbgrader 0.9's own formats and API:

- **Cell metadata** (schema version 3). In a course notebook every cell carries
  ``metadata.nbgrader``: a code cell holding a ``### BEGIN SOLUTION`` region is
  an autograded answer (``solution: true``); a cell made only of
  ``check("<module>", globals(), exercise="<exercise>")`` is an autograded test
  (``grade: true``, ``grade_id: "<module>-<exercise>"``, ``points``: the
  exercise's total in ``course_config.yml``); every other cell is read-only
  (``locked: true``). ``nbgrader_metadata`` computes it (``tools/sync_notebooks.py``
  writes it into the notebooks); ``notebook_problems`` checks a notebook against it.
- **The course folder** (``calcgrade nbgrader init COURSE_DIR``): ``nbgrader_config.py``
  and ``source/<module>/<module>.ipynb`` from ``solutions/<module>.ipynb``. Its
  ``generate_assignment`` uses ``StubbedClearSolutions``, which replaces each
  solution region by the stub written inside it (the ``# stub: raise
  NotImplementedError("...")`` line) instead of nbgrader's bare
  ``raise NotImplementedError()``, so ``release/<module>/<module>.ipynb`` has
  exactly the cells of ``exercises/<module>.ipynb``.
- **The gradebook** (``write_to_gradebook``): calcgrade's per-exercise scores go
  into nbgrader's database as the ``auto_score`` of each test cell's grade,
  through ``nbgrader.api.Gradebook``, the way ``nbgrader autograde``'s
  ``SaveAutoGrades`` records them, so ``nbgrader export`` and the formgrader
  show them; and each submission, sanitised by nbgrader's own preprocessors,
  goes to ``autograded/`` with calcgrade's feedback as the output of each test
  cell, for the formgrader's notebook view and ``nbgrader generate_feedback``.

nbgrader is imported only inside the functions that need it: the rest of
calcgrade (and its CLI) works without it.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import json
import math
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .config import Course, find_course, load_course
from .errors import CalcgradeError
from .gradebook import write_atomically
from .nbgrader_release import Release, as_released, compare_release
from .results import ModuleResult

SCHEMA_VERSION = 3
BEGIN_MARKER = "### BEGIN SOLUTION"
END_MARKER = "### END SOLUTION"
YOUR_CODE_HERE = "# YOUR CODE HERE"
STUB_LINE = re.compile(r"# stub: (raise NotImplementedError\(.*\))")
# what nbgrader's ClearSolutions looks for, anywhere in a line of any cell
NBGRADER_BEGIN = "BEGIN SOLUTION"
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")
REQUIRED_KEYS = ("schema_version", "grade", "locked", "solution")
ALLOWED_KEYS = {*REQUIRED_KEYS, "task", "grade_id", "points", "checksum", "cell_type"}


class NbgraderError(CalcgradeError):
    """A notebook, course folder or gradebook that calcgrade cannot use with nbgrader."""


# -- cell metadata ---------------------------------------------------------------------------


def grade_id_for(module: str, exercise: str) -> str:
    """The grade_id of an exercise's autograded test cell."""
    return f"{module}-{exercise}"


def exercise_points(course: Course, module: str) -> dict[str, float]:
    """Each exercise of ``module`` and its total points, in course order."""
    return {name: spec.points for name, spec in course.module(module).exercises.items()}


def cell_source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def has_solution_region(source: str) -> bool:
    return any(NBGRADER_BEGIN in line for line in source.splitlines())


def check_calls(source: str) -> list[tuple[str | None, str | None]] | None:
    """(module, exercise) of each ``check(...)`` call, when the cell is only such calls.

    ``from calcgrade import check`` lines are allowed beside them. None when the
    cell holds anything else (or does not parse).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls: list[tuple[str | None, str | None]] = []
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "calcgrade":
            continue
        if not (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Name)
            and statement.value.func.id == "check"
        ):
            return None
        call = statement.value
        arguments: list[ast.expr] = list(call.args)
        named = [keyword.value for keyword in call.keywords if keyword.arg == "exercise"]
        calls.append(
            (
                _text(arguments[0]) if arguments else None,
                _text(named[0]) if named else (_text(arguments[2]) if len(arguments) > 2 else None),
            )
        )
    return calls or None


def _text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _number(value: float) -> int | float:
    """Points as JSON writes them best: 4 rather than 4.0, 1.25 as is."""
    return int(value) if float(value).is_integer() else float(value)


def _first_name(source: str) -> str | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return statement.name
    return None


def nbgrader_metadata(
    cells: Sequence[Mapping[str, Any]], module: str, points: Mapping[str, float]
) -> list[dict[str, Any]]:
    """The ``metadata.nbgrader`` of each cell of a course notebook for ``module``.

    ``cells`` are notebook cells (``cell_type``, ``source``); ``points`` maps each
    exercise to its total. Grade ids: ``<module>-<exercise>`` for a test cell,
    ``<module>-solution-<first name defined>`` for a solution cell and
    ``<module>-cell-<NN>`` (the cell's position) for a read-only one.

    Raises NbgraderError when the notebook cannot be made a valid nbgrader
    notebook: a check cell grading several exercises or an unknown one, an
    exercise without a check cell or with two, a solution marker outside a code
    cell.
    """
    problems: list[str] = []
    result: list[dict[str, Any]] = []
    tested: dict[str, str] = {}
    for number, cell in enumerate(cells):
        source = cell_source(cell)
        label = f"cell {number + 1} ({cell.get('id', number)})"
        base = {"schema_version": SCHEMA_VERSION, "task": False}
        calls = check_calls(source) if cell.get("cell_type") == "code" else None
        if has_solution_region(source):
            if cell.get("cell_type") != "code":
                problems.append(f"{label}: a solution marker outside a code cell")
            name = _first_name(source) or f"cell-{number:02d}"
            result.append(
                {
                    **base,
                    "grade": False,
                    "solution": True,
                    "locked": False,
                    "grade_id": f"{module}-solution-{name}",
                }
            )
        elif calls is not None:
            exercise = _test_exercise(calls, module, points, label, problems)
            if exercise is not None:
                if exercise in tested:
                    problems.append(
                        f"{label}: a second check cell for {exercise!r} "
                        f"(the first is {tested[exercise]})"
                    )
                tested.setdefault(exercise, label)
            result.append(
                {
                    **base,
                    "grade": True,
                    "solution": False,
                    "locked": True,
                    "grade_id": grade_id_for(module, exercise or f"unknown-{number}"),
                    "points": _number(points.get(exercise or "", 0.0)),
                }
            )
        else:
            result.append(
                {
                    **base,
                    "grade": False,
                    "solution": False,
                    "locked": True,
                    "grade_id": f"{module}-cell-{number:02d}",
                }
            )
    for exercise in points:
        if exercise not in tested:
            problems.append(
                f"exercise {exercise!r} has no check cell "
                f'(add a cell: check("{module}", globals(), exercise="{exercise}"))'
            )
    seen: set[str] = set()
    for metadata in result:
        if metadata["grade_id"] in seen:
            problems.append(f"grade_id {metadata['grade_id']!r} is used twice")
        seen.add(metadata["grade_id"])
    if problems:
        raise NbgraderError(f"{module}: " + "; ".join(problems))
    return result


def _test_exercise(
    calls: list[tuple[str | None, str | None]],
    module: str,
    points: Mapping[str, float],
    label: str,
    problems: list[str],
) -> str | None:
    if len(calls) != 1:
        problems.append(
            f"{label}: {len(calls)} check(...) calls in one cell; nbgrader scores a test cell "
            "with one number, so give each exercise its own check cell"
        )
        return None
    called_module, exercise = calls[0]
    if called_module != module:
        problems.append(f"{label}: check({called_module!r}, ...) in the notebook of {module}")
        return None
    if exercise is None:
        problems.append(f"{label}: check(...) without exercise=; a test cell grades one exercise")
        return None
    if exercise not in points:
        problems.append(f"{label}: check(..., exercise={exercise!r}): not an exercise of {module}")
        return None
    return exercise


def notebook_problems(
    notebook: Mapping[str, Any],
    module: str,
    points: Mapping[str, float],
    source: bool = False,
) -> list[str]:
    """What makes ``notebook`` not a valid course notebook for ``module``; empty when fine.

    Checks nbgrader's cell metadata schema (version 3: keys, types, grade_id
    pattern, unique grade_ids, points on test cells), the rules nbgrader enforces
    when it generates an assignment (solution regions only in solution cells),
    and calcgrade's own: one test cell per exercise of ``course_config.yml``,
    ``grade_id`` ``<module>-<exercise>``, ``points`` equal to the exercise's total,
    and a source that checks that exercise. Each solution cell holds a solution
    region, or (unless ``source``: an nbgrader source notebook) a stub's
    ``# YOUR CODE HERE``.
    """
    problems: list[str] = []
    metadata = notebook.get("metadata") or {}
    if (metadata.get("calcgrade") or {}).get("module") != module:
        problems.append(f"notebook metadata: calcgrade.module is not {module!r}")
    if not (metadata.get("kernelspec") or {}).get("language"):
        problems.append("notebook metadata: no kernelspec language (nbgrader needs it)")
    cells = notebook.get("cells") or []
    seen: dict[str, str] = {}
    tested: set[str] = set()
    for number, cell in enumerate(cells):
        label = f"cell {number + 1} ({cell.get('id', '?')})"
        text = cell_source(cell)
        meta = (cell.get("metadata") or {}).get("nbgrader")
        if not isinstance(meta, Mapping):
            problems.append(f"{label}: no nbgrader metadata")
            continue
        problems.extend(f"{label}: {problem}" for problem in _schema_problems(meta))
        grade_id = meta.get("grade_id")
        if isinstance(grade_id, str):
            if grade_id in seen:
                problems.append(f"{label}: grade_id {grade_id!r} already used by {seen[grade_id]}")
            seen.setdefault(grade_id, label)
        if has_solution_region(text) and not (
            meta.get("solution") is True and cell.get("cell_type") == "code"
        ):
            problems.append(f"{label}: a solution region in a cell that is not a solution cell")
        stubbed = not source and any(line.strip() == YOUR_CODE_HERE for line in text.splitlines())
        if meta.get("solution") is True and not (has_solution_region(text) or stubbed):
            problems.append(
                f"{label}: a solution cell without {BEGIN_MARKER} "
                "(nbgrader would replace the whole cell by its stub)"
            )
        if meta.get("grade") is True:
            exercise = _grade_cell_problems(cell, meta, module, points, label, problems)
            if exercise is not None:
                if exercise in tested:
                    problems.append(f"{label}: a second test cell for {exercise!r}")
                tested.add(exercise)
    for exercise in points:
        if exercise not in tested:
            problems.append(f"no test cell with grade_id {grade_id_for(module, exercise)!r}")
    return problems


def _schema_problems(meta: Mapping[str, Any]) -> list[str]:
    problems = [f"nbgrader metadata lacks {key!r}" for key in REQUIRED_KEYS if key not in meta]
    extra = sorted(set(meta) - ALLOWED_KEYS)
    if extra:
        problems.append(f"unknown nbgrader metadata keys {extra}")
    if meta.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        problems.append(f"schema_version {meta.get('schema_version')!r}, expected {SCHEMA_VERSION}")
    for key in ("grade", "locked", "solution", "task"):
        if key in meta and not isinstance(meta[key], bool):
            problems.append(f"{key} is not true or false")
    flagged = any(meta.get(key) is True for key in ("grade", "locked", "solution"))
    grade_id = meta.get("grade_id")
    if flagged and not (isinstance(grade_id, str) and GRADE_ID.match(grade_id)):
        problems.append(f"grade_id {grade_id!r} is missing or not letters, digits, - and _")
    if meta.get("grade") is True:
        value = meta.get("points")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append(f"points {value!r} is not a number >= 0")
    return problems


def _grade_cell_problems(
    cell: Mapping[str, Any],
    meta: Mapping[str, Any],
    module: str,
    points: Mapping[str, float],
    label: str,
    problems: list[str],
) -> str | None:
    """Problems of an autograded test cell; the exercise it grades, when it is one."""
    if cell.get("cell_type") != "code" or meta.get("solution") or not meta.get("locked"):
        problems.append(f"{label}: a test cell must be a locked code cell, not a solution")
    grade_id = meta.get("grade_id")
    exercise = next((e for e in points if grade_id_for(module, e) == grade_id), None)
    if exercise is None:
        problems.append(f"{label}: grade_id {grade_id!r} names no exercise of {module}")
        return None
    value = meta.get("points")
    if not isinstance(value, int | float) or not math.isclose(
        float(value), points[exercise], abs_tol=1e-9
    ):
        problems.append(
            f"{label}: points {value!r}, but {exercise!r} is worth {points[exercise]:g} "
            "in course_config.yml"
        )
    if check_calls(cell_source(cell)) != [(module, exercise)]:
        problems.append(
            f'{label}: the source must be check("{module}", globals(), exercise="{exercise}")'
        )
    return exercise


# -- generate_assignment: calcgrade's own stubs ------------------------------------------------

_stubbed_class: type | None = None


def stubbed_clear_solutions() -> type:
    """nbgrader's ClearSolutions, replacing each region by the stub written inside it.

    A region whose first line is ``# stub: raise NotImplementedError("...")``
    becomes ``# YOUR CODE HERE`` and that ``raise``, at the marker's indentation
    (what ``tools/sync_notebooks.py`` writes into exercises/); any other region
    gets nbgrader's configured stub (``ClearSolutions.code_stub``).
    """
    global _stubbed_class
    if _stubbed_class is not None:
        return _stubbed_class
    from nbgrader.preprocessors import ClearSolutions  # type: ignore[import-untyped]

    class StubbedClearSolutions(ClearSolutions):
        def _replace_solution_region(self, cell: Any, language: str) -> bool:
            lines = cell.source.split("\n")
            if cell.cell_type == "code":
                default = self.code_stub[language].split("\n")
            else:
                default = self.text_stub.split("\n")
            new_lines: list[str] = []
            in_solution = replaced = False
            for index, line in enumerate(lines):
                if self.begin_solution_delimeter in line:
                    if in_solution:
                        raise RuntimeError("encountered nested begin solution statements")
                    in_solution = replaced = True
                    indent = line[: len(line) - len(line.lstrip())]
                    following = lines[index + 1].strip() if index + 1 < len(lines) else ""
                    stub = STUB_LINE.fullmatch(following) if cell.cell_type == "code" else None
                    stub_lines = [YOUR_CODE_HERE, stub.group(1)] if stub else default
                    new_lines.extend(indent + stub_line for stub_line in stub_lines)
                elif self.end_solution_delimeter in line:
                    in_solution = False
                elif not in_solution:
                    new_lines.append(line)
            if in_solution:
                raise RuntimeError("no end solution statement found")
            cell.source = "\n".join(new_lines)
            return replaced

    StubbedClearSolutions.__module__ = __name__
    StubbedClearSolutions.__qualname__ = "StubbedClearSolutions"
    _stubbed_class = StubbedClearSolutions
    return StubbedClearSolutions


def generate_assignment_preprocessors() -> list[Any]:
    """``GenerateAssignment.preprocessors`` with ClearSolutions replaced by calcgrade's.

    For ``nbgrader_config.py``: ``c.GenerateAssignment.preprocessors = ...``.
    Every other preprocessor, and their order, stay nbgrader's own.
    """
    from nbgrader.converters import GenerateAssignment  # type: ignore[import-untyped]
    from nbgrader.preprocessors import ClearSolutions

    stubbed = stubbed_clear_solutions()
    defaults = GenerateAssignment.class_traits()["preprocessors"].default()
    return [
        stubbed if preprocessor is ClearSolutions else preprocessor for preprocessor in defaults
    ]


# -- the course folder -----------------------------------------------------------------------

CONFIG_TEMPLATE = '''\
"""nbgrader configuration of the course "{title}".

Written by `calcgrade nbgrader init`. Run nbgrader's commands (generate_assignment,
release_assignment, collect, autograde, export, formgrader) in this folder. The
assignments are calcgrade's modules; the source notebooks come from calcgrade's
solutions/. See calcgrade's docs/nbgrader.md.
"""

import os

c = get_config()  # noqa: F821 (nbgrader defines get_config)

c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")

# The calcgrade course that the notebooks' check cells grade against; kernels started
# by nbgrader (autograde, validate) inherit it.
os.environ.setdefault("CALCGRADE_COURSE", {course_config!r})

# `nbgrader autograde` runs each test cell's checks in the student's kernel: allow a cell
# as long as calcgrade allows a whole submission of the slowest module.
c.Execute.timeout = {timeout}

# generate_assignment: replace each solution region by the stub written inside it
# (`# stub: raise NotImplementedError("...")`), so that release/ has exactly the cells
# of calcgrade's exercises/. Without calcgrade, nbgrader's plain stub is used.
try:
    from calcgrade.nbgrader_course import generate_assignment_preprocessors
except ImportError:
    pass
else:
    c.GenerateAssignment.preprocessors = generate_assignment_preprocessors()
'''


def default_course_id(course: Course) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", course.spec.course.lower()).strip("-")
    return slug or "calcgrade-course"


def notebook_json(notebook: Mapping[str, Any]) -> str:
    """A notebook as nbformat writes it (one-space indent, sorted keys, a final newline)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def source_notebook(solution: Path, course: Course, module: str) -> str:
    """The text of ``source/<module>/<module>.ipynb``: the solution notebook, outputs cleared."""
    try:
        notebook = json.loads(solution.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise NbgraderError(f"{solution}: cannot read the solution notebook ({error})") from None
    problems = notebook_problems(notebook, module, exercise_points(course, module), source=True)
    if problems:
        shown = "\n  ".join(problems[:20])
        raise NbgraderError(
            f"{solution}: not a valid nbgrader notebook (run tools/sync_notebooks.py):\n  {shown}"
        )
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return notebook_json(notebook)


def course_files(
    course_dir: Path,
    course: Course,
    modules: Sequence[str],
    solutions: Path,
    course_id: str,
) -> dict[Path, str]:
    """Every file ``init`` writes, with its text."""
    timeout = max(math.ceil(course.limits(m).submission_timeout_s) for m in modules)
    files = {
        course_dir / "nbgrader_config.py": CONFIG_TEMPLATE.format(
            title=course.spec.course,
            course_id=course_id,
            course_config=str(course.root / "course_config.yml"),
            timeout=timeout,
        )
    }
    for module in modules:
        solution = solutions / f"{module}.ipynb"
        if not solution.is_file():
            raise NbgraderError(f"{solution}: no solution notebook for {module}")
        files[course_dir / "source" / module / f"{module}.ipynb"] = source_notebook(
            solution, course, module
        )
    return files


def init_course(
    course_dir: Path,
    course: Course,
    modules: Sequence[str] | None = None,
    solutions: Path | None = None,
    course_id: str | None = None,
    force: bool = False,
) -> list[Path]:
    """Lay out an nbgrader course in ``course_dir``; returns the files written.

    Files that exist with other contents are left alone unless ``force``; then
    nothing at all is written and NbgraderError names them.
    """
    chosen = list(modules) if modules else list(course.spec.modules)
    for module in chosen:
        course.module(module)
    files = course_files(
        course_dir,
        course,
        chosen,
        solutions or course.root / "solutions",
        course_id or default_course_id(course),
    )
    conflicts = [
        path
        for path, text in files.items()
        if path.exists() and path.read_text(encoding="utf-8") != text
    ]
    if conflicts and not force:
        names = ", ".join(str(path) for path in conflicts)
        raise NbgraderError(f"would overwrite {names}; pass --force to replace them")
    written = []
    for path, text in files.items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def is_nbgrader_course(path: Path) -> bool:
    """Whether ``path`` is an nbgrader course folder (its config, and a submitted/ folder)."""
    return (path / "nbgrader_config.py").is_file() and (path / "submitted").is_dir()


# -- the gradebook ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GradebookUpdate:
    """What ``write_to_gradebook`` did."""

    db_url: str
    assignment: str
    students: tuple[str, ...]
    grades: int
    notes: tuple[str, ...] = ()
    autograded: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = ()  # the release and the course differ (nbgrader_release)


def course_directory(course_dir: Path) -> Any:
    """nbgrader's CourseDirectory of ``course_dir``, configured by its nbgrader_config.py."""
    from nbgrader.coursedir import CourseDirectory  # type: ignore[import-untyped]
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if (course_dir / "nbgrader_config.py").is_file():
        loader = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir))
        saved = os.environ.get("CALCGRADE_COURSE")
        try:
            config = loader.load_config()
        except Exception as error:  # whatever the config file raises
            raise NbgraderError(
                f"{course_dir / 'nbgrader_config.py'}: cannot load it ({error})"
            ) from None
        finally:  # the file sets CALCGRADE_COURSE for nbgrader's kernels, not for us
            if saved is None:
                os.environ.pop("CALCGRADE_COURSE", None)
            else:
                os.environ["CALCGRADE_COURSE"] = saved
    directory = CourseDirectory(config=config)
    if "root" not in config.get("CourseDirectory", {}):
        directory.root = str(course_dir.resolve())
    return directory


@contextlib.contextmanager
def _alembic_on_path() -> Iterator[None]:
    """nbgrader creates a new gradebook by running `alembic` from PATH: find ours."""
    here = str(Path(sys.executable).parent)
    if shutil.which("alembic") or not (Path(here) / "alembic").exists():
        yield
        return
    previous = os.environ.get("PATH")
    os.environ["PATH"] = here + os.pathsep + (previous or "")
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = previous


def _exercise_maxima(module: str, results: Mapping[str, ModuleResult]) -> dict[str, float]:
    maxima: dict[str, float] = {}
    for student, result in results.items():
        if result.module != module:
            raise NbgraderError(f"the result of {student} is for {result.module}, not {module}")
        for exercise, row in result.exercises.items():
            known = maxima.setdefault(exercise, row["max_score"])
            if not math.isclose(known, row["max_score"], abs_tol=1e-9):
                raise NbgraderError(
                    f"{module}: {exercise!r} is worth {known:g} in one result and "
                    f"{row['max_score']:g} in another (results from two course versions?)"
                )
    return maxima


def write_to_gradebook(
    course_dir: Path, module: str, results: Mapping[str, ModuleResult]
) -> GradebookUpdate:
    """Record calcgrade's scores of ``module`` in the nbgrader gradebook of ``course_dir``.

    ``results`` maps each student id to their result. Through nbgrader's own API
    (``nbgrader.api.Gradebook``) this creates what is missing: the student, the
    assignment ``<module>`` with its notebook ``<module>`` and one autograded
    test cell ``<module>-<exercise>`` per exercise (normally already there from
    ``nbgrader generate_assignment``), and the submission (with the time in
    ``submitted/<student>/<module>/timestamp.txt``, as nbgrader does). Then,
    like nbgrader's SaveAutoGrades, it sets each test cell's ``auto_score`` to
    calcgrade's exercise score and leaves any manual score alone, marking such a
    grade for review.

    The maximum of each test cell is calcgrade's (course_config.yml), whatever a
    submitted notebook's metadata says; a test cell whose maximum in the
    gradebook differs is updated, with a note.

    Only the exercises of the released notebook (``release/<module>/<module>.ipynb``)
    are recorded: an exercise added to the course after the release is neither
    scored nor counted in the maximum, and one warning (in the update's ``warnings``;
    ``calcgrade grade`` says it on stderr before grading) names the exercises in
    which course and release differ (``calcgrade.nbgrader_release``).

    When the assignment was generated (its source cells are in the gradebook),
    each submitted notebook is also written to
    ``autograded/<student>/<module>/<module>.ipynb``, as ``nbgrader autograde``
    would leave it but with calcgrade's feedback as each test cell's output
    instead of a run in the student's kernel: the formgrader then lists the
    submission as autograded and shows it, and ``nbgrader generate_feedback``
    works.
    """
    try:
        from nbgrader.api import Gradebook, InvalidEntry, MissingEntry  # type: ignore[import-untyped]
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError as error:
        raise NbgraderError(f"nbgrader is not installed here ({error})") from None
    directory = course_directory(course_dir)
    release = _release(directory, module, results)
    if release is not None:
        results = {student: as_released(r, release.released) for student, r in results.items()}
    maxima = _exercise_maxima(module, results)
    warning = release.warning() if release is not None else None
    try:
        update = _write(directory, module, results, maxima, Gradebook, MissingEntry)
        return dataclasses.replace(update, warnings=(warning,) if warning else ())
    except (InvalidEntry, SQLAlchemyError, OSError, subprocess.CalledProcessError) as error:
        raise NbgraderError(f"{directory.db_url}: cannot write the gradebook ({error})") from None


def _release(directory: Any, module: str, results: Mapping[str, ModuleResult]) -> Release | None:
    """The released notebook of ``module`` against the course's exercises (those of the
    results); None when nothing was released from this course folder."""
    course: dict[str, None] = {}
    for result in results.values():
        course.update(dict.fromkeys(result.exercises))
    return compare_release(released_notebook(directory, module), module, course)


def released_notebook(directory: Any, module: str) -> Path:
    """Where the release folder of nbgrader's ``directory`` (as its config sets it) keeps
    the notebook of ``module`` that the students got."""
    folder = Path(directory.format_path(directory.release_directory, ".", module))
    return folder / f"{module}.ipynb"


def _write(
    directory: Any,
    module: str,
    results: Mapping[str, ModuleResult],
    maxima: Mapping[str, float],
    gradebook_class: Any,
    missing: type[Exception],
) -> GradebookUpdate:
    notes: list[str] = []
    grades = 0
    generated = False
    with _alembic_on_path():
        opened = gradebook_class(directory.db_url, directory.course_id)
    with opened as gradebook, warnings.catch_warnings():
        # nbgrader's add_submission trips SQLAlchemy's autoflush warnings (SAWarning)
        # while it builds a submission; nbgrader autograde prints the same ones
        warnings.filterwarnings("ignore", message=".*not in session.*")
        _ensure_assignment(gradebook, module, maxima, notes, missing)
        generated = bool(gradebook.find_notebook(module, module).source_cells)
        for student, result in sorted(results.items()):
            gradebook.update_or_create_student(student)
            submitted = directory.format_path(directory.submitted_directory, student, module)
            timestamp = directory.get_existing_timestamp(submitted)
            extra = {"timestamp": timestamp} if timestamp else {}
            gradebook.update_or_create_submission(module, student, **extra)
            for exercise, row in result.exercises.items():
                grade = _find_or_create_grade(gradebook, module, student, exercise, missing)
                grade.auto_score = float(row["score"])
                # as nbgrader's SaveAutoGrades: a grader's manual score stays, flagged for review
                grade.needs_manual_grade = grade.manual_score is not None
                grades += 1
            gradebook.db.commit()
    autograded: list[Path] = []
    if generated:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*not in session.*")
            for student, result in sorted(results.items()):
                written = _write_autograded(directory, module, student, result, notes)
                if written is not None:
                    autograded.append(written)
    else:
        notes.append(
            f"no notebooks written to autograded/: {module} has no source cells in the gradebook "
            f"(run `nbgrader generate_assignment {module}`)"
        )
    return GradebookUpdate(
        db_url=directory.db_url,
        assignment=module,
        students=tuple(sorted(results)),
        grades=grades,
        notes=tuple(notes),
        autograded=tuple(autograded),
    )


def exercise_feedback(result: ModuleResult, exercise: str) -> str:
    """calcgrade's feedback on one exercise, as plain text a student may see."""
    row = result.exercises.get(exercise, {"score": 0.0, "max_score": 0.0})
    lines = [f"calcgrade: {exercise}: {row['score']:g} / {row['max_score']:g} points"]
    for check in result.checks:
        if check.exercise != exercise:
            continue
        mark = "passed" if check.status == "passed" else check.status
        hidden = ", hidden" if check.visibility == "hidden" else ""
        lines.append(f"- {check.id} ({check.score:g} / {check.max_score:g}, {mark}{hidden})")
        if check.status != "passed":
            lines.extend(f"    {line}" for line in check.message.splitlines())
            if check.hint:
                lines.append(f"    hint: {check.hint}")
    return "\n".join(lines) + "\n"


def _write_autograded(
    directory: Any, module: str, student: str, result: ModuleResult, notes: list[str]
) -> Path | None:
    """``autograded/<student>/<module>/<module>.ipynb``, for the formgrader and feedback.

    The submitted notebook, sanitised by nbgrader's own preprocessors as
    ``nbgrader autograde`` does before executing (outputs cleared, read-only and
    test cells restored from the source, deleted test cells added back); then each
    test cell gets calcgrade's feedback on its exercise as its output, instead of
    being run in the student's kernel.
    """
    import nbformat
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    submitted = Path(directory.format_path(directory.submitted_directory, student, module))
    path = submitted / f"{module}.ipynb"
    if not path.is_file():
        return None
    resources = {
        "nbgrader": {
            "notebook": module,
            "assignment": module,
            "student": student,
            "db_url": directory.db_url,
        }
    }
    notebook = None
    for add_missing_cells in (True, False):  # adding back deleted cells may fail: then don't
        try:
            notebook = nbformat.read(path, as_version=4)
            for preprocessor in (
                ClearOutput(),
                DeduplicateIds(),
                OverwriteKernelspec(),
                OverwriteCells(add_missing_cells=add_missing_cells),
                CheckCellMetadata(),
            ):
                notebook, resources = preprocessor.preprocess(notebook, resources)
            break
        except Exception as error:  # a notebook nbgrader itself could not autograde
            problem = f"{student}: {path.name} not written to autograded/ ({error})"
            notebook = None
    if notebook is None:
        notes.append(problem)
        return None
    for number, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        if "id" not in cell:  # a cell nbgrader added back has none
            cell["id"] = f"added-{number:02d}"
        exercise = str(meta.get("grade_id", ""))[len(module) + 1 :]
        if cell.cell_type == "code" and meta.get("grade") and exercise in result.exercises:
            text = exercise_feedback(result, exercise)
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    target = Path(directory.format_path(directory.autograded_directory, student, module))
    destination = target / f"{module}.ipynb"
    write_atomically(destination, nbformat.writes(notebook) + "\n")
    destination.chmod(0o644)  # as nbgrader leaves them (write_atomically makes 0600)
    return destination


def _ensure_assignment(
    gradebook: Any,
    module: str,
    maxima: Mapping[str, float],
    notes: list[str],
    missing: type[Exception],
) -> None:
    try:
        assignment = gradebook.find_assignment(module)
    except missing:
        assignment = gradebook.add_assignment(module)
        notes.append(
            f"created assignment {module} in the gradebook "
            f"(run `nbgrader generate_assignment {module}` for its full notebook structure)"
        )
    try:
        gradebook.find_notebook(module, module)
    except missing:
        others = sorted(notebook.name for notebook in assignment.notebooks)
        if others:
            raise NbgraderError(
                f"assignment {module} in the gradebook has the notebook(s) {', '.join(others)}, "
                f"not {module}; calcgrade records its scores in the notebook {module}"
            ) from None
        gradebook.add_notebook(module, module)
    for exercise, maximum in maxima.items():
        grade_id = grade_id_for(module, exercise)
        try:
            cell = gradebook.find_grade_cell(grade_id, module, module)
        except missing:
            gradebook.add_grade_cell(grade_id, module, module, max_score=maximum, cell_type="code")
            continue
        if not math.isclose(cell.max_score, maximum, abs_tol=1e-9):
            notes.append(
                f"{grade_id}: max score {cell.max_score:g} in the gradebook, {maximum:g} in "
                "course_config.yml; set to the course's (regenerate the assignment to match)"
            )
            gradebook.update_or_create_grade_cell(grade_id, module, module, max_score=maximum)


def _find_or_create_grade(
    gradebook: Any, module: str, student: str, exercise: str, missing: type[Exception]
) -> Any:
    """The grade of a test cell in a submission; created if the cell is newer than it."""
    from nbgrader.api import Grade, SubmittedNotebook

    grade_id = grade_id_for(module, exercise)
    try:
        return gradebook.find_grade(grade_id, module, module, student)
    except missing:
        pass
    try:
        submitted = gradebook.find_submission_notebook(module, module, student)
    except missing:
        submitted = SubmittedNotebook(
            notebook=gradebook.find_notebook(module, module),
            assignment=gradebook.find_submission(module, student),
        )
        gradebook.db.add(submitted)
    cell = gradebook.find_grade_cell(grade_id, module, module)
    grade = Grade(cell_id=cell.id, notebook=submitted)
    gradebook.db.add(grade)
    gradebook.db.commit()
    return grade


# -- the command line --------------------------------------------------------------------------


def _load(course: Path | None) -> Course:
    if course is None and "CALCGRADE_COURSE" in os.environ:
        course = Path(os.environ["CALCGRADE_COURSE"])
    return load_course(course or find_course())


@click.group("nbgrader", context_settings={"help_option_names": ["-h", "--help"]})
def nbgrader_group() -> None:
    """Use the course with nbgrader: lay out an nbgrader course folder.

    Then nbgrader releases and collects the notebooks, and `calcgrade grade
    COURSE_DIR --module M --out OUT` grades submitted/ and writes the scores into
    nbgrader's gradebook (see docs/nbgrader.md).

    Example:

        calcgrade nbgrader init ~/courses/calc-ml
    """


@nbgrader_group.command("init")
@click.argument("course_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--module",
    "-m",
    "modules",
    multiple=True,
    help="lay out only this module (repeatable) [default: every module of the course]",
)
@click.option(
    "--course-id",
    help="nbgrader's course id [default: the course title as a slug, "
    "e.g. calculus-for-machine-learning]",
)
@click.option(
    "--solutions",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="the folder of the solution notebooks <module>.ipynb "
    "[default: solutions/ beside course_config.yml]",
)
@click.option(
    "--force", is_flag=True, help="replace files that exist with other contents (never deletes)"
)
@click.option(
    "--course",
    type=click.Path(path_type=Path),
    default=None,
    help="course_config.yml or its folder [default: nearest one above the current folder, "
    "or $CALCGRADE_COURSE]",
)
def init(
    course_dir: Path,
    modules: tuple[str, ...],
    course_id: str | None,
    solutions: Path | None,
    force: bool,
    course: Path | None,
) -> None:
    """Lay out an nbgrader course in COURSE_DIR (created if needed).

    Writes COURSE_DIR/nbgrader_config.py (course id, the gradebook
    COURSE_DIR/gradebook.db, the course root) and, per module,
    COURSE_DIR/source/<module>/<module>.ipynb: the solution notebook with its
    solution regions and nbgrader metadata. Rerunning it changes nothing unless
    the notebooks or the points changed (then pass --force).

    Example:

    \b
        calcgrade nbgrader init ~/courses/calc-ml
        cd ~/courses/calc-ml && nbgrader generate_assignment m1_derivatives
    """
    loaded = _load(course)
    written = init_course(course_dir, loaded, modules, solutions, course_id, force)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo(f"{course_dir}: already up to date")
    first = modules[0] if modules else next(iter(loaded.spec.modules))
    click.echo(f"next: cd {course_dir} && nbgrader generate_assignment {first}")


def describe_update(update: GradebookUpdate) -> Iterable[str]:
    """Lines for the end of a batch: what went into nbgrader's gradebook (its warnings
    were said before the batch, by ``calcgrade grade``)."""
    yield (
        f"nbgrader gradebook: {update.grades} scores of {len(update.students)} students "
        f"for {update.assignment} ({update.db_url}); {len(update.autograded)} notebooks "
        "with calcgrade's feedback in autograded/ for the formgrader"
    )
    yield from (f"  note: {note}" for note in update.notes)
