"""The course's demo cells, and which of a submission's cells grading can leave out.

A course notebook tags some code cells ``demo``: they call the student's functions
to draw a plot or print an example (m3's trains a network for 3000 steps, m6's
trains ten), and no check needs them. They cost most of the time it takes to run
a submission, so when grading, a cell of the submission is not run if:

- its source is, line for line, one of the course's demo cells (the student did not
  change it);
- nothing that still runs can read a name it binds: no function, lambda or class
  of another cell refers to such a name, and no later cell reads one at top level
  before binding it itself;
- no other cell reaches the namespace by name (``globals()``, ``eval``, ``sys``,
  ``__globals__`` and the like), except the course's own cells, whose ``check``
  calls do nothing in the worker.

The tag is the course author's promise that the cell changes nothing other cells
use except through the names it binds. What is not seen: a student's function
that, called from a demo, changes state of its own (a module-level list it
appends to, NumPy's global random state) that later code depends on. Grading
stays a pure function of the submission either way; ``--run-demo-cells`` runs
every cell.
"""

from __future__ import annotations

import ast
import functools
import json
import symtable
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ConfigError
from .submission import SourceFile

DEMO_TAG = "demo"
_DYNAMIC_NAMES = frozenset(
    {
        "globals",
        "locals",
        "vars",
        "eval",
        "exec",
        "compile",
        "__import__",
        "__builtins__",
        "__main__",
        "builtins",
        "sys",
        "inspect",
        "importlib",
        "get_ipython",
    }
)
_DYNAMIC_ATTRIBUTES = frozenset(
    {"__globals__", "__dict__", "f_globals", "f_locals", "f_back", "gi_frame", "tb_frame"}
)
_PERCENT_MARKER = "# %%"
_MAX_READ = 200_000  # characters of a cell the analysis reads


def normalise(source: str) -> str:
    """A cell's source without trailing spaces and surrounding blank lines."""
    return "\n".join(line.rstrip() for line in source.strip("\n").splitlines()).strip("\n")


@dataclass(frozen=True)
class CourseCells:
    """The code cells of a module's course notebook, as ``normalise``d sources."""

    demos: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()  # every cell that is not a student's answer

    @classmethod
    def read(cls, notebook: Path) -> CourseCells:
        """The cells of ``notebook``; none if there is no such file."""
        try:
            cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ConfigError(f"{notebook}: cannot read the course notebook ({error})") from None
        demos, known = set(), set()
        for cell in cells:
            metadata = cell.get("metadata", {})
            if cell.get("cell_type") != "code" or metadata.get("nbgrader", {}).get("solution"):
                continue
            source = cell.get("source", "")
            source = normalise("".join(source) if isinstance(source, list) else source)
            known.add(source)
            if DEMO_TAG in metadata.get("tags", ()):
                demos.add(source)
        return cls(frozenset(demos), frozenset(known))


def leave_out_demos(source: SourceFile, course: CourseCells) -> SourceFile:
    """``source`` without the demo cells grading can leave out, with a note naming them."""
    if not course.demos or source.problem:
        return source
    if source.kind == "py":
        return _leave_out_of_script(source, course)
    chosen = left_out([cell.source for cell in source.cells], course)
    if not chosen:
        return source
    kept = tuple(cell for index, cell in enumerate(source.cells) if index not in chosen)
    numbers = [str(source.cells[index].number) for index in sorted(chosen)]
    return replace(source, cells=kept, notes=(*source.notes, _note("cell", numbers)))


def left_out(
    sources: Sequence[str], course: CourseCells, candidates: Collection[int] | None = None
) -> frozenset[int]:
    """Indices of the cells, run in this order, that grading can leave out (only
    among ``candidates``, if given)."""
    skip = {
        index
        for index, text in enumerate(sources)
        if (candidates is None or index in candidates) and normalise(text) in course.demos
    }
    if not skip:
        return frozenset()
    cells = [_names_of(text) for text in sources]
    skip = {index for index in skip if not cells[index].opaque}
    own = [normalise(text) in course.known for text in sources]
    while True:  # a demo that must run may read what another binds: until nothing changes
        running = [index for index in range(len(sources)) if index not in skip]
        if any(cells[index].dynamic and not own[index] for index in running):
            return frozenset()
        needed = {
            demo
            for demo in skip
            for index in running
            if cells[demo].binds & cells[index].deferred
            or (index > demo and cells[demo].binds & cells[index].early)
        }
        if not needed:
            return frozenset(skip)
        skip -= needed


@dataclass(frozen=True)
class _Names:
    """How one cell's code uses the notebook's global names."""

    binds: frozenset[str] = frozenset()  # bound, deleted or declared global and assigned
    deferred: frozenset[str] = frozenset()  # read by its functions, lambdas and classes
    early: frozenset[str] = frozenset()  # read at top level before the cell binds them
    dynamic: bool = False  # reaches the namespace by name, or could not be read
    opaque: bool = False  # binds names that cannot be known (a star import)

    @classmethod
    def of(cls, text: str) -> _Names:
        """Read from the code (call ``_names_of``, which remembers)."""
        if len(text) > _MAX_READ:
            return cls(dynamic=True)  # not worth the grader's time: it might read anything
        try:
            return cls._read(text)
        except (SyntaxError, ValueError):
            return cls()  # a cell that does not compile runs nothing
        except (RecursionError, MemoryError):
            return cls(dynamic=True)  # too deep to read: it might read anything

    @classmethod
    def _read(cls, text: str) -> _Names:
        tree = ast.parse(text)
        table = symtable.symtable(text, "<cell>", "exec")
        binds = {
            symbol.get_name()
            for symbol in table.get_symbols()
            if symbol.is_assigned() or symbol.is_imported()
        }
        deferred: set[str] = set()
        for scope in _inner_scopes(table):
            for symbol in scope.get_symbols():
                if symbol.is_declared_global() and symbol.is_assigned():
                    binds.add(symbol.get_name())
                if symbol.is_referenced() and (symbol.is_global() or scope.get_type() == "class"):
                    deferred.add(symbol.get_name())
        identifiers = set()
        opaque = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                identifiers.add(node.id)
            elif isinstance(node, ast.Attribute):
                identifiers.add(node.attr)
            elif isinstance(node, ast.ImportFrom) and node.module:
                identifiers.update(node.module.split("."))
            elif isinstance(node, ast.alias):
                identifiers.update(node.name.split("."))
                opaque = opaque or node.name == "*"
        dynamic = bool(identifiers & (_DYNAMIC_NAMES | _DYNAMIC_ATTRIBUTES))
        return cls(frozenset(binds), frozenset(deferred), _early_reads(tree), dynamic, opaque)


_names_of = functools.lru_cache(maxsize=4096)(_Names.of)  # a class's cells repeat


def _inner_scopes(table: symtable.SymbolTable) -> list[symtable.SymbolTable]:
    scopes = []
    for child in table.get_children():
        scopes += [child, *_inner_scopes(child)]
    return scopes


def _early_reads(tree: ast.Module) -> frozenset[str]:
    """Names a cell reads at top level before a statement of its own has bound them."""
    return frozenset(_block_reads(tree.body, set()))


_BLOCKS = ("body", "orelse", "handlers", "finalbody")
_COMPOUND = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.ExceptHandler,
)


def _block_reads(block: Sequence[ast.AST], bound: set[str]) -> set[str]:
    """What a block reads before binding, its statements run in order after ``bound``."""
    bound, reads = set(bound), set()
    for statement in block:
        if isinstance(statement, _COMPOUND):
            for field, value in ast.iter_fields(statement):
                if field in _BLOCKS:
                    reads |= _block_reads(value, bound)
                elif isinstance(value, ast.AST | list):
                    for node in value if isinstance(value, list) else [value]:
                        reads |= _TopLevelReads.of(node) - bound
        else:
            reads |= _TopLevelReads.of(statement) - bound
            bound |= _unconditional_binds(statement)
    return reads


class _TopLevelReads(ast.NodeVisitor):
    """Names read when a statement runs; function and class bodies run later."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    @classmethod
    def of(cls, statement: ast.AST) -> set[str]:
        visitor = cls()
        visitor.visit(statement)
        return visitor.names

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Store):
            self.names.add(node.id)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.names.add(node.target.id)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for expression in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if expression is not None:
                self.visit(expression)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expression in (*node.args.defaults, *node.args.kw_defaults):
            if expression is not None:
                self.visit(expression)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expression in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(expression)


def _unconditional_binds(statement: ast.AST) -> set[str]:
    """Names that ``statement``, once it has run, has certainly bound."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        targets = [statement.target]
    return {
        node.id
        for target in targets
        for node in ast.walk(target)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


def _leave_out_of_script(source: SourceFile, course: CourseCells) -> SourceFile:
    """A ``.py`` file's demo cells (between ``# %%`` lines) blanked, keeping line numbers."""
    (cell,) = source.cells
    lines = cell.source.splitlines()
    markers = [index for index, line in enumerate(lines) if line.startswith(_PERCENT_MARKER)]
    if not markers:
        return source
    chunks = list(zip(markers, [*markers[1:], len(lines)], strict=True))  # [marker, next)
    pieces = ["\n".join(lines[: markers[0]])]
    pieces += ["\n".join(lines[start + 1 : end]) for start, end in chunks]
    candidates = {
        index for index in range(1, len(pieces)) if normalise(pieces[index]) in course.demos
    }
    if not candidates:
        return source
    try:  # each piece a whole number of statements, or a `# %%` line is inside one
        for piece in pieces:
            ast.parse(piece)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source
    spans = []
    for index in sorted(left_out(pieces, course, candidates)):
        start, end = chunks[index - 1]
        lines[start + 1 : end] = [""] * (end - start - 1)
        spans.append(f"{start + 2}–{start + 1 + len(pieces[index].rstrip().splitlines())}")
    if not spans:
        return source
    blanked = replace(cell, source="\n".join(lines) + "\n")
    return replace(source, cells=(blanked,), notes=(*source.notes, _note("line", spans)))


def _note(kind: str, places: Sequence[str]) -> str:
    """The load note naming what was left out: ``kind`` is "cell" or "line"."""
    several = len(places) > 1 or kind == "line"
    return (
        f"{kind}{'s' if several else ''} {_join(places)} (the course's demo code, which you "
        f"left unchanged) {'were' if several else 'was'} not run: "
        f"{'they only show' if several else 'it only shows'} examples and plots, and grading "
        "calls your functions directly"
    )


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
