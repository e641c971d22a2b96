"""Shared fixtures: the course of this repository and helpers to grade files."""

from __future__ import annotations

import ast
import atexit
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from calcgrade.config import Course, load_course
from calcgrade.results import ModuleResult
from calcgrade.runner import Options, grade_file

# Hidden checks draw from this secret in every test (and every process a test starts),
# never from a .grading-secret file that a grade run would otherwise make in the checkout;
# tests of the secret itself unset it.
os.environ["CALCGRADE_SECRET"] = "calcgrade test suite"

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "submissions"
HEADER = re.compile(r"#\s*expect:\s*(?P<body>.*)")


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(ROOT / "course_config.yml")


def grade(course: Course, module: str, path: Path, **options: object) -> ModuleResult:
    return grade_file(course, module, path, Options(**options))  # type: ignore[arg-type]


def failures(result: ModuleResult) -> str:
    """The lost checks of a result, for assertion messages."""
    return "\n".join(
        f"{c.exercise}/{c.id} [{c.status}] {c.detail or c.message} (hint {c.hint_id})"
        for c in result.checks
        if c.status != "passed"
    )


@dataclass(frozen=True)
class Expectation:
    full_marks: bool
    exercise: str | None = None
    hint: str | None = None


def expectation(path: Path) -> Expectation:
    """Parse a corpus file's header: `# expect: full-marks` or `exercise=X hint=Y`."""
    match = HEADER.match(path.read_text().splitlines()[0])
    assert match, f"{path}: first line must be an '# expect:' header"
    body = match.group("body").strip()
    if body == "full-marks":
        return Expectation(True)
    fields = dict(part.split("=", 1) for part in body.split())
    return Expectation(False, fields["exercise"], fields["hint"])


# -- the corpus: a file holds only the mistaken code, the solution supplies the rest --------

_DEFINITION = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BINDING = (*_DEFINITION, ast.Assign, ast.AnnAssign, ast.AugAssign)
_MARKER = re.compile(r"# %%(?P<rest>.*)")
_STUB_MARKER = re.compile(r"\s*(### (BEGIN|END) SOLUTION|# stub:)")
_merged_folder: Path | None = None


@functools.cache
def contract(module: str, root: Path = ROOT) -> tuple[str, ...]:
    """The contract names of a module: its exercises (top-level names, or m6's methods)."""
    return tuple(load_course(root / "course_config.yml").spec.modules[module].exercises)


def bound_names(statements: Iterable[ast.stmt]) -> set[str]:
    """The names that top-level ``statements`` bind (definitions, assignments, imports,
    also inside top-level if/try/with/for blocks; not inside functions or classes)."""
    names: set[str] = set()
    for statement in statements:
        if isinstance(statement, _DEFINITION):
            names.add(statement.name)
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in statement.names)
        else:
            inner = [
                node
                for field in ("body", "orelse", "finalbody")
                for node in getattr(statement, field, [])
            ]
            for handler in getattr(statement, "handlers", []):
                inner += handler.body
                names.update([handler.name] if handler.name else [])
            names |= bound_names(inner)
            names.update(
                node.id
                for node in _walk_outside_scopes(statement)
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
            )
    return names


def _walk_outside_scopes(statement: ast.stmt) -> Iterable[ast.AST]:
    """The nodes of ``statement`` that run in its own scope (not nested bodies)."""
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.stmt | ast.ExceptHandler | ast.Lambda | ast.comprehension):
                pending.append(child)


def loaded_names(statement: ast.AST) -> set[str]:
    """Every name ``statement`` reads, in its body and in nested functions."""
    return {
        n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def statement_lines(statement: ast.stmt) -> tuple[int, int]:
    """First and last line (1-based) of ``statement``, its decorators included."""
    decorators = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(d.lineno for d in decorators)]), statement.end_lineno or 0


@dataclass(frozen=True)
class Solution:
    """The part of solutions/<module>.py that a corpus file can use: the statements of
    its code cells that are not demos, minus the top-level code that calls the student's
    functions (``check(...)``, examples): imports, definitions and constants."""

    lines: tuple[str, ...]
    imports: tuple[ast.stmt, ...]
    bindings: tuple[ast.stmt, ...]

    def binding(self, name: str) -> list[ast.stmt]:
        return [s for s in self.bindings if name in bound_names([s])]

    def needs(self, names: Iterable[str], given: Iterable[str] = ()) -> set[str]:
        """``names`` and the solution's top-level names that they use, transitively, not
        following the ``given`` ones."""
        own = bound_names(self.bindings) - set(given)
        found, pending = set(), list(names)
        while pending:
            name = pending.pop()
            if name in found:
                continue
            found.add(name)
            for statement in self.binding(name):
                pending += loaded_names(statement) & own
        return found

    def source(self, statement: ast.stmt) -> str:
        """The code of ``statement``, without the solution's markers for the stubs."""
        first, last = statement_lines(statement)
        lines = self.lines[first - 1 : last]
        return "\n".join(line for line in lines if not _STUB_MARKER.match(line))


@functools.cache
def solution(module: str, root: Path = ROOT) -> Solution:
    text = (root / "solutions" / f"{module}.py").read_text()
    lines = text.splitlines()
    skipped: set[int] = set()  # lines of markdown and demo cells
    skipping = False
    for number, line in enumerate(lines, 1):
        marker = _MARKER.match(line)
        if marker:
            rest = marker.group("rest")
            skipping = "[markdown]" in rest or '"demo"' in rest
        if skipping:
            skipped.add(number)
    imports, bindings = [], []
    for statement in ast.parse(text).body:
        if statement.lineno in skipped:
            continue
        if isinstance(statement, ast.Import | ast.ImportFrom):
            imports.append(statement)
        elif isinstance(statement, _BINDING):
            bindings.append(statement)
    return Solution(tuple(lines), tuple(imports), tuple(bindings))


def merged_source(module: str, text: str, root: Path = ROOT) -> str:
    """The submission a corpus file of ``module`` stands for: the file itself, after the
    solution's imports and the solution's definitions of the contract names the file does
    not bind (with the solution helpers and constants they use, unless the file binds
    those names too). A file that binds every contract name is returned unchanged; the
    solution's demo cells and ``check`` calls are never part of it, and what the file
    binds always wins: its definitions run after the solution's."""
    tree = ast.parse(text)
    if any(isinstance(s, ast.ImportFrom) and s.module == "__future__" for s in tree.body):
        raise ValueError("a corpus file cannot start with `from __future__`: it is merged")
    own = bound_names(tree.body)
    sol = solution(module, root)
    missing = [name for name in contract(module, root) if name not in own and sol.binding(name)]
    if not missing:
        return text
    supplied = sol.needs(missing, given=own)
    parts = ["\n".join(sol.source(s) for s in sol.imports)]
    parts += [sol.source(s) for s in sol.bindings if bound_names([s]) & supplied]
    head = "\n\n\n".join(parts)
    start = head.count("\n") + 6
    note = f"# From solutions/{module}.py; the corpus file starts at line {start}.\n"
    return f"{note}{head}\n\n\n# --- the corpus file ---\n{text}"


def corpus_submission(path: Path, folder: Path | None = None, root: Path = ROOT) -> Path:
    """The submission that corpus file ``path`` stands for (``merged_source`` with the
    solution of the course at ``root``), written to
    ``folder/<module>/<name>`` (by default a temporary folder of this process), never next
    to the corpus. Every test that grades a corpus file grades this."""
    global _merged_folder
    if folder is None:
        if _merged_folder is None:
            _merged_folder = Path(tempfile.mkdtemp(prefix="calcgrade-corpus-"))
            atexit.register(shutil.rmtree, _merged_folder, ignore_errors=True)
        folder = _merged_folder
    module = path.parent.name
    target = folder / module / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(merged_source(module, path.read_text(), root))
    return target
