"""Generate the exercise stubs from the solutions, and every notebook from its py:percent file.

`solutions/<module>.py` is the single source of a module. Each piece of code a student
writes sits between two marker lines (nbgrader's convention), the first line inside
giving the stub that replaces it:

    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("short pointer to what to implement")
    ...the instructor's solution...
    ### END SOLUTION

`exercises/<module>.py` is the same file with every marked region replaced, at the
marker's indentation, by `# YOUR CODE HERE` and the stub's `raise`. Every `.py` in
`solutions/` and `exercises/` is paired with a `.ipynb` written by jupytext, with the
python3 kernelspec and the notebook metadata `{"calcgrade": {"module": "<module>"}}`
from which a grader infers the module. Cell ids are numbered, so regenerating an
unchanged notebook rewrites the same bytes.

Every notebook is also a valid nbgrader notebook: each cell gets nbgrader's cell
metadata (schema 3), computed by `calcgrade.nbgrader_course.nbgrader_metadata` with
the points of `course_config.yml`: a cell holding a solution region is an autograded
answer, a cell that is one `check("<module>", globals(), exercise="<exercise>")` is
the exercise's autograded test (grade_id `<module>-<exercise>`, the exercise's total
points), every other cell is read-only. Each exercise of the course needs exactly
one such check cell. Reweighting a check in course_config.yml changes the points in
the notebooks: regenerate them.

A cell whose header is `# %% tags=["demo"]` only shows something (a plot, an example
run): the tag reaches the notebooks, and grading leaves such a cell out when a
submission has it unchanged and nothing else reads what it binds
(`calcgrade.demo_cells`). Tag a cell only if it changes nothing other cells use except
through the names it binds.

`--check` changes nothing: it exits 1 and names every file that regeneration would
change (exercise sources compared as text, notebooks by their cells' types, sources
and nbgrader metadata, tags, and their calcgrade module and kernel, never by outputs) and
every notebook whose nbgrader metadata is not valid for the course.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

from calcgrade.config import Course, load_course
from calcgrade.errors import ConfigError
from calcgrade.nbgrader_course import (
    BEGIN_MARKER,
    END_MARKER,
    STUB_LINE,
    YOUR_CODE_HERE,
    NbgraderError,
    exercise_points,
    nbgrader_metadata,
    notebook_problems,
)

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

EXAMPLE = """\
Example:
  python tools/sync_notebooks.py          # regenerate exercises/*.py and every .ipynb
  python tools/sync_notebooks.py --check  # exit 1 naming each file out of sync
"""


class MarkerError(Exception):
    """A solution file whose solution markers cannot be turned into a stub."""


@dataclass(frozen=True)
class Source:
    """One py:percent file and the text its notebook is generated from.

    `expected_text` is the generated exercise for an exercise that has a solution,
    and the file's own text otherwise. `roles_text` is the text whose cells decide
    the nbgrader metadata: the solution's (its solution regions mark the solution
    cells, which the exercise has replaced by stubs), else `expected_text`.
    """

    py_path: Path
    module_name: str
    expected_text: str
    roles_text: str | None = None

    @property
    def notebook_path(self) -> Path:
        return self.py_path.with_suffix(".ipynb")


def make_exercise(solution_text: str, source_name: str) -> str:
    """The exercise text for a solution text: every marked region becomes its stub."""
    lines = solution_text.splitlines()
    exercise_lines: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip() == END_MARKER:
            raise MarkerError(f"{source_name}:{index + 1}: {END_MARKER} without {BEGIN_MARKER}")
        if line.strip() != BEGIN_MARKER:
            exercise_lines.append(line)
            index += 1
            continue
        stub = STUB_LINE.fullmatch(lines[index + 1].strip()) if index + 1 < len(lines) else None
        if stub is None:
            raise MarkerError(
                f"{source_name}:{index + 2}: expected "
                f"'# stub: raise NotImplementedError(\"...\")' right after {BEGIN_MARKER}"
            )
        end = next(
            (
                later
                for later in range(index + 2, len(lines))
                if lines[later].strip() in (BEGIN_MARKER, END_MARKER)
            ),
            None,
        )
        if end is None or lines[end].strip() != END_MARKER:
            raise MarkerError(f"{source_name}:{index + 1}: {BEGIN_MARKER} without its {END_MARKER}")
        indent = line[: len(line) - len(line.lstrip())]
        exercise_lines += [f"{indent}{YOUR_CODE_HERE}", f"{indent}{stub.group(1)}"]
        index = end + 1
    return "\n".join(exercise_lines) + "\n"


def make_notebook(
    py_text: str, module_name: str, points: dict[str, float], roles_text: str | None = None
) -> nbformat.NotebookNode:
    """The notebook of a py:percent text: kernelspec, calcgrade and nbgrader metadata.

    ``points`` maps each exercise of the module to its total (course_config.yml);
    the nbgrader metadata is computed from the cells of ``roles_text`` (default:
    ``py_text``), which must have the same cells: an exercise takes its solution's.
    """
    notebook = jupytext.reads(py_text, fmt="py:percent")
    roles = jupytext.reads(roles_text, fmt="py:percent") if roles_text else notebook
    if [cell.cell_type for cell in roles.cells] != [cell.cell_type for cell in notebook.cells]:
        raise MarkerError(f"{module_name}: the exercise's cells do not match its solution's")
    notebook.metadata = nbformat.from_dict(
        {
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python"},
            "calcgrade": {"module": module_name},
        }
    )
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number:02d}"
    for cell, metadata in zip(
        notebook.cells, nbgrader_metadata(roles.cells, module_name, points), strict=True
    ):
        cell.metadata["nbgrader"] = metadata
    return notebook


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def notebook_summary(notebook: nbformat.NotebookNode) -> tuple[object, ...]:
    """What --check compares: cell types, sources, nbgrader metadata and tags, the module,
    the kernel."""
    cells = tuple(
        (
            cell.cell_type,
            cell.source,
            repr(sorted(cell.metadata.get("nbgrader", {}).items())),
            cell.metadata.get("tags", []),
        )
        for cell in notebook.cells
    )
    module_name = notebook.metadata.get("calcgrade", {}).get("module")
    kernel_name = notebook.metadata.get("kernelspec", {}).get("name")
    return cells, module_name, kernel_name


def relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root))


def sources(root: Path) -> Iterator[Source]:
    """Every py:percent file of solutions/ and exercises/, with its expected text."""
    for py_path in sorted((root / "solutions").glob("*.py")):
        yield Source(py_path, py_path.stem, py_path.read_text(encoding="utf-8"))
    for py_path in sorted((root / "exercises").glob("*.py")):
        solution_path = root / "solutions" / py_path.name
        if solution_path.exists():
            solution_text = solution_path.read_text(encoding="utf-8")
            expected = make_exercise(solution_text, relative(solution_path, root))
            yield Source(py_path, py_path.stem, expected, solution_text)
        else:
            yield Source(py_path, py_path.stem, py_path.read_text(encoding="utf-8"))


def load_points(root: Path) -> Callable[[str], dict[str, float]]:
    """Each module's exercise points, from the course_config.yml of ``root``."""
    course: Course = load_course(root / "course_config.yml")
    return lambda module: exercise_points(course, module)


def find_problems(root: Path) -> list[str]:
    """One line per file that regeneration would change or whose nbgrader metadata is
    not valid for the course; empty when all is in sync."""
    points = load_points(root)
    problems: list[str] = []
    for solution_path in sorted((root / "solutions").glob("*.py")):
        exercise_path = root / "exercises" / solution_path.name
        expected = make_exercise(
            solution_path.read_text(encoding="utf-8"), relative(solution_path, root)
        )
        if not exercise_path.exists():
            problems.append(
                f"{relative(exercise_path, root)}: missing (generate it from solutions/)"
            )
        elif exercise_path.read_text(encoding="utf-8") != expected:
            problems.append(
                f"{relative(exercise_path, root)}: differs from what "
                f"{relative(solution_path, root)} generates"
            )
    for py_path in sorted((root / "exercises").glob("*.py")):
        if not (root / "solutions" / py_path.name).exists():
            problems.append(
                f"{relative(py_path, root)}: no solutions/{py_path.name} to generate it from"
            )
    paired: set[Path] = set()
    for source in sources(root):
        paired.add(source.notebook_path)
        name = relative(source.notebook_path, root)
        if not source.notebook_path.exists():
            problems.append(f"{name}: missing")
            continue
        try:
            found = nbformat.read(source.notebook_path, as_version=4)
        except Exception as error:  # any unreadable notebook is out of sync, whatever the cause
            problems.append(f"{name}: unreadable ({error})")
            continue
        module_points = points(source.module_name)
        expected = make_notebook(
            source.expected_text, source.module_name, module_points, source.roles_text
        )
        if notebook_summary(found) != notebook_summary(expected):
            problems.append(f"{name}: out of sync with {relative(source.py_path, root)}")
        problems.extend(
            f"{name}: {problem}"
            for problem in notebook_problems(
                found, source.module_name, module_points, source=source.roles_text is None
            )
        )
    for folder in ("solutions", "exercises"):
        for notebook_path in sorted((root / folder).glob("*.ipynb")):
            if notebook_path not in paired:
                problems.append(f"{relative(notebook_path, root)}: no .py beside it")
    return problems


def write_if_changed(path: Path, text: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def regenerate(root: Path) -> list[str]:
    """Write the exercises and notebooks; returns the files it changed."""
    points = load_points(root)
    changed: list[str] = []
    (root / "exercises").mkdir(exist_ok=True)
    for solution_path in sorted((root / "solutions").glob("*.py")):
        exercise_path = root / "exercises" / solution_path.name
        text = make_exercise(
            solution_path.read_text(encoding="utf-8"), relative(solution_path, root)
        )
        if write_if_changed(exercise_path, text):
            changed.append(relative(exercise_path, root))
    for source in sources(root):
        notebook = make_notebook(
            source.expected_text, source.module_name, points(source.module_name), source.roles_text
        )
        if write_if_changed(source.notebook_path, notebook_text(notebook)):
            changed.append(relative(source.notebook_path, root))
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate exercises/*.py from solutions/*.py; pair each .py with a .ipynb.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 naming every file out of sync",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=REPOSITORY_ROOT,
        help="the repository holding solutions/ and exercises/ (default: this tool's repository)",
    )
    arguments = parser.parse_args(argv)
    root = arguments.root.resolve()
    try:
        if arguments.check:
            problems = find_problems(root)
            for problem in problems:
                print(problem)
            if problems:
                files = len({problem.split(": ", 1)[0] for problem in problems})
                print(f"{files} file(s) out of sync; run: python tools/sync_notebooks.py")
                return 1
            print("exercises and notebooks are in sync")
            return 0
        for name in regenerate(root):
            print(f"wrote {name}")
    except (MarkerError, NbgraderError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
