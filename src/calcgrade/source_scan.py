"""Reading a submission's code, never running it: what a function uses.

For contract rules that behaviour alone does not show, such as "``dot`` is
computed without ``np.dot`` or ``@``": ``uses_in(cells, "dot", names)`` lists
every use of those names (as a call ``np.dot(...)``, a method ``a.dot(b)``, an
imported alias ``from numpy import dot as d``) and of the ``@`` operator inside
the function and inside every top-level function it calls, each with the cell
and the line. It reads the code as written: a name built at run time
(``getattr(np, "d" + "ot")``) is not seen; the rule catches the natural uses.
``definition(cells, name)`` is the ``def`` that runs (the last one), for rules
about how a function is written (a default argument's value).
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

MATMUL = "the @ operator"
Definition = tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]  # (cell label, the def)


@dataclass(frozen=True)
class Use:
    """One use of a forbidden name: what, and where ('label, line N: `code`')."""

    name: str
    place: str


def uses_in(
    cells: Mapping[str, str], function: str, names: Collection[str], matmul: bool = True
) -> list[Use]:
    """The uses of ``names`` (and of ``@`` when ``matmul``) in ``function`` and in the
    top-level functions it calls, in the order found; the last definition wins."""
    parsed = _parsed(cells)
    defined = _defined(parsed)
    aliases: set[str] = set()
    for _, tree in parsed:
        for found_import in ast.walk(tree):
            if isinstance(found_import, ast.ImportFrom):
                aliases.update(a.asname or a.name for a in found_import.names if a.name in names)
    found: list[Use] = []
    pending, seen = [function], set()
    while pending:
        name = pending.pop(0)
        if name in seen or name not in defined:
            continue
        seen.add(name)
        label, node = defined[name]
        lines = cells[label].splitlines()
        for what, line in _uses(node, set(names), aliases, matmul):
            code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            found.append(Use(what, f"{label}, line {line}: `{code[:120]}`"))
        pending.extend(_called(node))
    return found


def definition(cells: Mapping[str, str], function: str) -> Definition | None:
    """The last top-level ``def function`` of the cells (the one that runs), with the
    label of its cell; None when there is none."""
    return _defined(_parsed(cells)).get(function)


def _parsed(cells: Mapping[str, str]) -> list[tuple[str, ast.Module]]:
    """(label, syntax tree) of each cell that parses."""
    parsed = []
    for label, code in cells.items():
        try:
            parsed.append((label, ast.parse(code)))
        except (SyntaxError, ValueError, RecursionError):
            continue
    return parsed


def _defined(parsed: list[tuple[str, ast.Module]]) -> dict[str, Definition]:
    """Name -> the last top-level definition of that function, with its cell's label."""
    defined: dict[str, Definition] = {}
    for label, tree in parsed:
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defined[node.name] = (label, node)
    return defined


def _uses(
    function: ast.AST, names: set[str], aliases: set[str], matmul: bool
) -> Iterator[tuple[str, int]]:
    for node in ast.walk(function):
        if matmul and isinstance(node, ast.BinOp | ast.AugAssign):
            if isinstance(node.op, ast.MatMult):
                yield MATMUL, node.lineno
        elif isinstance(node, ast.Attribute) and node.attr in names:
            yield ast.unparse(node), node.lineno
        elif isinstance(node, ast.Name) and node.id in aliases:
            yield node.id, node.lineno


def _called(function: ast.AST) -> list[str]:
    return [
        node.func.id
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]
