"""Slips: one small change at one place of a program, generated from its syntax tree.

A slip is what a hurried programmer does to correct code: an operator swapped
(``+`` for ``-``, ``<`` for ``<=``), a constant changed, a ``.T`` dropped, a
reduction over the other axis, a sum for a mean, ``=`` for ``+=``, a statement
left out, a default argument changed, a loop one step short. ``slips`` lists
every slip of the contract code of a module's source, each with the whole
changed source, so that it can be run.

Two users: the diagnosis (``calcgrade.diagnosis``), which runs the slips of the
trusted reference to find one that reproduces a student's wrong output, and the
mutation benchmark (``benchmarks/mutation.py``), which grades the slips of the
instructor solutions to measure the graders.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

Node = TypeVar("Node", bound=ast.AST)

# Operators: the name of a slip, and the kind it belongs to.
KINDS = {
    "add_to_sub": "arithmetic",
    "sub_to_add": "arithmetic",
    "mul_to_div": "arithmetic",
    "div_to_mul": "arithmetic",
    "pow_to_mul": "arithmetic",
    "lt_to_le": "comparison",
    "le_to_lt": "comparison",
    "gt_to_ge": "comparison",
    "ge_to_gt": "comparison",
    "eq_to_ne": "comparison",
    "ne_to_eq": "comparison",
    "neg_removed": "unary",
    "neg_added": "unary",
    "const_plus_1": "constant",
    "const_to_0": "constant",
    "const_double": "constant",
    "const_half": "constant",
    "drop_T": "transpose",
    "axis_0_to_1": "axis",
    "axis_1_to_0": "axis",
    "axis_removed": "axis",
    "sum_to_mean": "reduction",
    "mean_to_sum": "reduction",
    "aug_to_assign": "augassign",
    "iadd_to_isub": "augassign",
    "isub_to_iadd": "augassign",
    "stmt_deleted": "delete",
    "default_double": "default",
    "default_half": "default",
    "range_minus_1": "range",
    "range_plus_1": "range",
}

BINOP_SWAPS: dict[type[ast.operator], tuple[str, type[ast.operator]]] = {
    ast.Add: ("add_to_sub", ast.Sub),
    ast.Sub: ("sub_to_add", ast.Add),
    ast.Mult: ("mul_to_div", ast.Div),
    ast.Div: ("div_to_mul", ast.Mult),
    ast.Pow: ("pow_to_mul", ast.Mult),
}
COMPARE_SWAPS: dict[type[ast.cmpop], tuple[str, type[ast.cmpop]]] = {
    ast.Lt: ("lt_to_le", ast.LtE),
    ast.LtE: ("le_to_lt", ast.Lt),
    ast.Gt: ("gt_to_ge", ast.GtE),
    ast.GtE: ("ge_to_gt", ast.Gt),
    ast.Eq: ("eq_to_ne", ast.NotEq),
    ast.NotEq: ("ne_to_eq", ast.Eq),
}


@dataclass(frozen=True)
class Slip:
    """One change at one site of a source file.

    ``scope`` is the exercise the site belongs to, ``changed`` the original code
    of the node changed and ``replacement`` its code in the slip (for a deleted
    statement, ``pass``); ``original`` and ``mutated`` are the site's lines
    before and after; ``source`` is the whole changed file.
    """

    scope: str
    line: int
    operator: str
    changed: str
    replacement: str
    original: str
    mutated: str
    source: str

    @property
    def kind(self) -> str:
        return KINDS[self.operator]


@dataclass(frozen=True)
class Edit:
    """Replace the source between two (line, column) positions; columns in bytes, as ast's."""

    start: tuple[int, int]
    end: tuple[int, int]
    text: str
    shown: str  # the new code as people read it (no wrapping parentheses)


@dataclass(frozen=True)
class Site:
    scope: str
    line: int
    operator: str
    edit: Edit


def slips(text: str, names: Iterable[str], skip_lines: Iterable[int] = ()) -> list[Slip]:
    """Every slip of the top-level functions and classes of ``text`` named in ``names``
    (a name of a method among ``names`` gives the method its own scope), in file
    order; a change that gives the same file as an earlier one is made once."""
    wanted = set(names)
    tree = ast.parse(text)
    contract = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in wanted
    ]
    methods = wanted - {node.name for node in contract}
    finder = SiteFinder(scope_mapper(methods))
    for node in contract:
        finder.visit(node)
    skip = set(skip_lines)
    lines = text.encode().splitlines(keepends=True)
    seen = {text}
    found = []
    order = list(KINDS)
    for site in sorted(
        finder.sites, key=lambda s: (s.edit.start, s.edit.end, order.index(s.operator))
    ):
        if site.line in skip:
            continue
        source = apply(lines, site.edit)
        if source in seen:
            continue
        seen.add(source)
        first, last = site.edit.start[0], site.edit.end[0]
        found.append(
            Slip(
                scope=site.scope,
                line=site.line,
                operator=site.operator,
                changed=segment(lines, site.edit),
                replacement=site.edit.shown,
                original=snippet(text, first, last),
                mutated=snippet(source, first, last),
                source=source,
            )
        )
    return found


def scope_mapper(methods: set[str]) -> Callable[[list[str]], str]:
    """The scope of a site (enclosing names, outermost first): the innermost method
    whose name is in ``methods`` (m6's XORNetwork.train), else the top-level name
    (m3's Value.relu belongs to Value: `relu` is a function of its own there)."""

    def scope_of(enclosing: list[str]) -> str:
        for name in reversed(enclosing[1:]):
            if name in methods:
                return name
        return enclosing[0]

    return scope_of


def expression_edit(node: ast.expr, replacement: ast.expr) -> Edit:
    """Put ``replacement`` where ``node`` is, in parentheses, keeping the line count."""
    start, end = position(node)
    code = ast.unparse(replacement)
    return Edit(start, end, f"({code}{chr(10) * (end[0] - start[0])})", code)


def statement_edit(node: ast.stmt, text: str) -> Edit:
    """Replace a simple statement by one line of code, keeping the line count."""
    start, end = position(node)
    return Edit(start, end, text + "\n" * (end[0] - start[0]), text)


def position(node: ast.expr | ast.stmt) -> tuple[tuple[int, int], tuple[int, int]]:
    assert node.end_lineno is not None and node.end_col_offset is not None
    return (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)


def number_variants(value: int | float) -> list[tuple[str, int | float]]:
    if type(value) is int:
        variants: list[tuple[str, int | float]] = [("const_plus_1", value + 1)]
        return variants + ([("const_to_0", 0)] if value != 0 else [])
    if value == 0:
        return []  # doubled or halved, 0.0 stays 0.0
    return [("const_double", value * 2), ("const_half", value / 2)]


def default_variants(value: int | float) -> list[tuple[str, int | float]]:
    if value == 0:
        return []
    half = value // 2 if type(value) is int else value / 2
    return [("default_double", value * 2), ("default_half", half)]


def is_docstring(node: ast.AST, parent: ast.AST | None) -> bool:
    body = getattr(parent, "body", None)
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and isinstance(body, list)
        and bool(body)
        and body[0] is node
        and isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    )


NOT_NEGATED = (  # values whose negation is a TypeError, or no change: no slip
    ast.Tuple,
    ast.List,
    ast.Dict,
    ast.Set,
    ast.Constant,
    ast.Lambda,
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
    ast.GeneratorExp,
    ast.Compare,
    ast.BoolOp,
    ast.JoinedStr,
)


class SiteFinder:
    """Every slip site of the code visited (top-level defs and classes)."""

    def __init__(self, scope_of: Callable[[list[str]], str]) -> None:
        self.scope_of = scope_of
        self.sites: list[Site] = []
        self.scope: list[str] = []  # names of the enclosing defs and classes
        self.in_function = 0

    def add(self, node: ast.expr | ast.stmt, operator: str, edit: Edit) -> None:
        self.sites.append(Site(self.scope_of(self.scope), node.lineno, operator, edit))

    def visit(self, node: ast.AST, parent: ast.AST | None = None) -> None:
        if isinstance(node, ast.JoinedStr) or is_docstring(node, parent):
            return  # messages and docstrings are not graded code
        scoped = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.scope.append(node.name)
        function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.defaults(node.args)
            self.in_function += 1
        self.mutate(node)
        for name, value in ast.iter_fields(node):
            if function and name in ("args", "returns"):
                continue  # defaults are changed as defaults, annotations never
            if isinstance(node, ast.AnnAssign) and name == "annotation":
                continue
            if isinstance(node, ast.keyword) and node.arg == "axis":
                continue  # an axis is changed by the axis operators only
            children = value if isinstance(value, list) else [value]
            if name in ("body", "orelse", "finalbody") and self.in_function:
                self.deletions(children)
            for child in children:
                if isinstance(child, ast.AST):
                    self.visit(child, node)
        if function:
            self.in_function -= 1
        if scoped:
            self.scope.pop()

    def defaults(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            number = constant_number(default)
            if number is None:
                continue
            for operator, value in default_variants(number):
                self.add(default, operator, expression_edit(default, ast.Constant(value)))

    def deletions(self, statements: list[Any]) -> None:
        if len(statements) < 2:
            return
        for statement in statements:
            if isinstance(statement, ast.Expr | ast.Assign | ast.AugAssign | ast.AnnAssign):
                if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                    continue  # a docstring or a bare constant: nothing to delete
                self.add(statement, "stmt_deleted", statement_edit(statement, "pass"))

    def mutate(self, node: ast.AST) -> None:
        number = constant_number(node)
        if isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
            operator, new = BINOP_SWAPS[type(node.op)]
            self.add(node, operator, expression_edit(node, replace(node, op=new())))
        elif isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                if type(op) in COMPARE_SWAPS:
                    operator, new_op = COMPARE_SWAPS[type(op)]
                    ops = [*node.ops[:index], new_op(), *node.ops[index + 1 :]]
                    self.add(node, operator, expression_edit(node, replace(node, ops=ops)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            self.add(node, "neg_removed", expression_edit(node, node.operand))
        elif isinstance(node, ast.Constant) and number is not None:
            for operator, value in number_variants(number):
                self.add(node, operator, expression_edit(node, ast.Constant(value)))
        elif isinstance(node, ast.Attribute) and node.attr == "T":
            if isinstance(node.ctx, ast.Load):
                self.add(node, "drop_T", expression_edit(node, node.value))
        elif isinstance(node, ast.Call):
            self.calls(node)
        elif isinstance(node, ast.AugAssign):
            self.augmented(node)
        if isinstance(node, ast.Return | ast.Assign) and self.in_function:
            result = node.value
            # a tuple's items one by one: `self.lr, self.beta = lr, beta`, `return dX, dW`
            items = result.elts if isinstance(result, ast.Tuple) else [result]
            for item in items:
                if item is not None and not isinstance(item, NOT_NEGATED):
                    negated = ast.UnaryOp(ast.USub(), item)
                    self.add(item, "neg_added", expression_edit(item, negated))

    def calls(self, node: ast.Call) -> None:
        for index, keyword in enumerate(node.keywords):
            if keyword.arg != "axis":
                continue
            axis = constant_number(keyword.value)
            others = node.keywords[:index] + node.keywords[index + 1 :]
            if axis in (0, 1):
                operator = "axis_0_to_1" if axis == 0 else "axis_1_to_0"
                swapped = ast.keyword("axis", ast.Constant(1 - int(axis)))
                keywords = [*node.keywords[:index], swapped, *node.keywords[index + 1 :]]
                self.add(node, operator, expression_edit(node, replace(node, keywords=keywords)))
            self.add(node, "axis_removed", expression_edit(node, replace(node, keywords=others)))
        func = node.func
        for old, new, operator in (("sum", "mean", "sum_to_mean"), ("mean", "sum", "mean_to_sum")):
            if isinstance(func, ast.Attribute) and func.attr == old:
                # np.sum(...) <-> np.mean(...), and the methods x.sum(...) <-> x.mean(...)
                renamed = ast.Attribute(func.value, new, ast.Load())
                self.add(node, operator, expression_edit(node, replace(node, func=renamed)))
        if isinstance(func, ast.Name) and func.id == "range" and 1 <= len(node.args) <= 3:
            stop = 0 if len(node.args) == 1 else 1
            for operator, op in (("range_minus_1", ast.Sub()), ("range_plus_1", ast.Add())):
                args = list(node.args)
                args[stop] = ast.BinOp(args[stop], op, ast.Constant(1))
                self.add(node, operator, expression_edit(node, replace(node, args=args)))

    def augmented(self, node: ast.AugAssign) -> None:
        assign = ast.Assign([node.target], node.value, lineno=node.lineno)
        self.add(node, "aug_to_assign", statement_edit(node, ast.unparse(assign)))
        swaps = {ast.Add: ("iadd_to_isub", ast.Sub), ast.Sub: ("isub_to_iadd", ast.Add)}
        if type(node.op) in swaps:
            operator, new = swaps[type(node.op)]
            swapped = ast.AugAssign(node.target, new(), node.value)
            self.add(node, operator, statement_edit(node, ast.unparse(swapped)))


def replace(node: Node, **fields: Any) -> Node:
    """A shallow copy of ``node`` with some fields changed (the original is left as it is)."""
    new = copy.copy(node)
    for name, value in fields.items():
        setattr(new, name, value)
    return new


def constant_number(node: ast.AST) -> int | float | None:
    value = node.value if isinstance(node, ast.Constant) else None
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def apply(lines: list[bytes], edit: Edit) -> str:
    """The file with one edit made (lines as bytes: ast's columns count UTF-8 bytes)."""
    (l1, c1), (l2, c2) = edit.start, edit.end
    before = b"".join(lines[: l1 - 1]) + lines[l1 - 1][:c1]
    after = lines[l2 - 1][c2:] + b"".join(lines[l2:])
    return (before + edit.text.encode() + after).decode()


def segment(lines: list[bytes], edit: Edit) -> str:
    """The original text an edit replaces."""
    (l1, c1), (l2, c2) = edit.start, edit.end
    if l1 == l2:
        return lines[l1 - 1][c1:c2].decode()
    return (lines[l1 - 1][c1:] + b"".join(lines[l1 : l2 - 1]) + lines[l2 - 1][:c2]).decode()


def snippet(text: str, first: int, last: int) -> str:
    lines = text.splitlines()[first - 1 : last]
    return " ".join(line.strip() for line in lines if line.strip())
