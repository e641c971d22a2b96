"""Mutation testing of the graders, with the instructor solutions as the programs under test.

Each `solutions/<module>.py` grades at full marks. This script makes small
mutants of the code of its graded exercises (one change at one site: an
operator swapped, a constant changed, a `.T` dropped, a statement deleted...),
grades each mutant with the real engine (basic isolation, one shared fork
server, a fixed seed) and asks of each one: did it lose points (killed), on the
exercise that holds the change, with a hint, and is the hint one that fits the
change? Mutants that keep full marks (survivors) are listed with their line so
that an engineer can sharpen a grader or record the mutant as equivalent in
`benchmarks/mutation_equivalent.yml` (with a reason).

    .venv/bin/python benchmarks/mutation.py --workers 2
    .venv/bin/python benchmarks/mutation.py --module m0_readiness --limit 5
    .venv/bin/python benchmarks/mutation.py --module m6_xor_network --limit 40 --json m6.json
    .venv/bin/python benchmarks/mutation.py --module m1_derivatives --list

It is a measurement, not a gate: the exit status is 0 whatever the kill rate
(1 only when the script itself cannot run, 2 for usage errors).
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from calcgrade.config import Course, load_course
from calcgrade.errors import CalcgradeError, GradingError
from calcgrade.forkserver import ForkServer
from calcgrade.results import ModuleResult
from calcgrade.runner import Options, grade_file, load_grader, load_reference

Node = TypeVar("Node", bound=ast.AST)
ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = ROOT / "benchmarks" / "mutation_equivalent.yml"
SEED = 20261126  # the hidden checks' seed for every mutant: runs are comparable
TARGET_RIGHT_EXERCISE = 0.98  # of the non-equivalent mutants, killed on their own exercise
TARGET_RIGHT_HINT = 0.90  # of the killed mutants, with a hint that fits the mutation

# Operators: the code in a mutant id, and the kind the hint table is keyed by.
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

# The hint table. A row says which hints fit (RIGHT) or plainly do not fit (WRONG) the
# mutants of one exercise made by operators of some kinds ("*": any kind), optionally
# only at sites whose original code matches a regular expression. It was started from
# each grader's HINTS and the mistakes of CURRICULUM.md, then refined by reading the
# hints mutants got: a hint is right when its advice leads a student who made that
# change back to the right code; wrong when it names a mistake the change plainly is
# not (a hint chosen from a symptom, such as "params unchanged", that another cause
# produced). A hint that matches neither is "to review".


@dataclass(frozen=True)
class HintRule:
    module: str
    exercise: str  # "*": every exercise of the module
    kinds: str  # operator kinds separated by "|", or "*"
    hints: str  # hint ids separated by spaces
    site: str = ""  # a regular expression searched in the original lines of the site
    node: str = ""  # one searched in the original code of the changed node

    def applies(self, mutant: Mutant) -> set[str]:
        """The hints of this row, if it applies to the mutant; else none."""
        if mutant.module != self.module or self.exercise not in ("*", mutant.exercise):
            return set()
        if self.kinds != "*" and mutant.kind not in self.kinds.split("|"):
            return set()
        if self.site and not re.search(self.site, mutant.original):
            return set()
        if self.node and not re.search(self.node, mutant.changed):
            return set()
        return set(self.hints.split())


EXPRESSION_KINDS = "arithmetic|comparison|unary|constant|transpose|axis|reduction|default|range"
NOT_T = r"^(?!.*self\.t\b)"  # code that neither reads nor changes Adam's step counter
M0, M1, M2, M3 = "m0_readiness", "m1_derivatives", "m2_gradients", "m3_chain_rule"
M4, M5, M6 = "m4_gradient_descent", "m5_optimization", "m6_xor_network"
RIGHT = [
    HintRule(M0, "slope", "comparison", "slope_vertical_no_error"),
    HintRule(M0, "dot", "comparison", "dot_length_mismatch"),
    HintRule(
        M1,
        "derivative",
        "arithmetic|constant",
        "forward_difference precedence_slip central_difference_factor_2",
    ),
    HintRule(
        M1,
        "profit_derivative",
        "*",
        "derivative_sign derivative_missing_cost derivative_product_rule",
    ),
    HintRule(M1, "optimal_price", "*", "optimal_price_minimum optimal_price_interval"),
    HintRule(M2, "numerical_gradient", "*", "all_coordinates_at_once step_size_ignored one_d_only"),
    HintRule(M2, "numerical_gradient", "augassign|delete", "input_mutated"),
    HintRule(M2, "business_profit_gradient", "*", "components_swapped"),
    HintRule(M2, "gradient_ascent", "arithmetic|unary", "ascent_wrong_sign"),
    HintRule(M2, "gradient_ascent", "comparison|constant|range|default|delete", "stopping_rule"),
    HintRule(M2, "directional_derivative", "*", "direction_not_normalised"),
    HintRule(M3, "chain_rule", "*", "chain_rule_wrong_point chain_rule_reversed"),
    HintRule(M3, "linear_backward", "transpose", "dW_transposed"),
    HintRule(M3, "linear_backward", "reduction|axis", "db_averaged db_not_summed"),
    HintRule(M3, "sigmoid_backward", "*", "derivative_of_activation backward_ignores_dA"),
    HintRule(M3, "tanh_backward", "*", "derivative_of_activation backward_ignores_dA"),
    HintRule(M3, "relu_backward", "comparison", "relu_derivative_at_zero relu_mask_on_output_grad"),
    HintRule(M3, "relu_backward", "*", "backward_ignores_dA"),
    HintRule(
        M3, "mse_loss", "*", "mse_missing_factor_2 mse_missing_1_over_n mse_mean_over_rows", "dpred"
    ),
    HintRule(M3, "mlp_loss_and_grads", "delete", "missing_tanh_chain"),
    HintRule(M3, "Value", "augassign|delete", "value_grad_not_accumulated"),
    HintRule(
        M4,
        "gradient_descent",
        "comparison|constant|augassign|delete|range",
        "off_by_one_steps stop_test_after_step",
    ),
    HintRule(M4, "gradient_descent", "arithmetic|unary", "step_uphill"),
    HintRule(M4, "max_stable_learning_rate", "*", "lambda_min one_over_lambda_max"),
    HintRule(M4, "train_linear_regression", "delete", "losses_after_update"),
    HintRule(M5, "*", "augassign|delete", "not_in_place arrays_replaced", r"params\[key\] -="),
    HintRule(M5, "Momentum", "arithmetic", "momentum_dampening"),
    HintRule(M5, "Adam", "*", "adam_no_bias_correction", r"_hat ="),
    HintRule(M5, "Adam", "arithmetic|unary|constant|default", "eps_placement", node=r"eps"),
    HintRule(M5, "Adam", "arithmetic|unary|default", "eps_default eps_subtracted", node=r"eps"),
    HintRule(M5, "RMSProp", "arithmetic|unary|default", "eps_default eps_subtracted", node=r"eps"),
    HintRule(M5, "Adam", "*", "t_never_incremented t_per_key", r"self\.t\s*[-+]?="),
    HintRule(M5, "*", "delete", "state_shared_across_keys", r"self\.\w+\[key\]"),
    HintRule(M5, "run_optimizer", "*", "trajectory_without_x0", r"trajectory = "),
    HintRule(M5, "run_optimizer", "*", "trajectory_rows_aliased", r"append"),
    HintRule(M6, "gradients", "*", "gradients_summed output_derivative_double_counted"),
    HintRule(M6, "gradients", "reduction|axis", "gradient_shape"),
    HintRule(M6, "loss", "reduction", "loss_summed"),
    HintRule(M6, "train", "*", "does_not_learn"),
    HintRule(M6, "train", "default", "train_default_lr train_default_epochs"),
    HintRule(M6, "train", "arithmetic|unary", "train_ascent"),
    HintRule(M6, "train", "default", "train_ignores_lr"),
    HintRule(M6, "XORNetwork", "*", "does_not_learn"),
]
WRONG = [
    HintRule(M6, "*", "*", "forbidden_import"),  # no operator adds an import
    # an expression changed cannot make a function write into the arrays it was given
    HintRule(M1, "*", EXPRESSION_KINDS, "profit_modifies_prices"),
    HintRule(M2, "*", EXPRESSION_KINDS, "input_mutated"),
    HintRule(M3, "*", EXPRESSION_KINDS, "input_modified"),
    HintRule(M4, "*", EXPRESSION_KINDS, "input_modified"),
    HintRule(M5, "*", EXPRESSION_KINDS, "grads_modified x0_modified"),
    # a negated start or result is not a loop that stops one step late
    HintRule(M2, "gradient_ascent", "unary", "stopping_rule"),
    # the loss line changed: dpred is right, a hint about dpred's formula is not
    HintRule(
        M3,
        "mse_loss",
        "*",
        "mse_missing_factor_2 mse_missing_1_over_n mse_mean_over_rows",
        r"^loss =",
    ),
    # = instead of += is the only mistake that hint names
    HintRule(M3, "Value", "arithmetic|comparison|unary|constant", "value_grad_not_accumulated"),
    # a different default tol is not a loop that tests or counts wrong
    HintRule(M4, "gradient_descent", "default", "off_by_one_steps stop_test_after_step"),
    # the update is still in place: an expression changed, or a state line deleted
    HintRule(M5, "*", EXPRESSION_KINDS, "not_in_place arrays_replaced"),
    HintRule(M5, "*", "delete", "not_in_place arrays_replaced", r"^(?!.*params\[key\])"),
    # Adam's counter untouched and unread: "t never advances" is plainly not it
    HintRule(M5, "Adam", "*", "t_never_incremented t_per_key", NOT_T),
    HintRule(M5, "Adam", "*", "eps_placement", r"^(?!.*(eps|\bv\b|v_hat))"),  # not the denominator
    # rows that never moved are not rows that share one array
    HintRule(M5, "run_optimizer", "*", "trajectory_rows_aliased", r"^(?!.*append)"),
]


@dataclass(frozen=True)
class Mutant:
    """One change at one site of a solution."""

    module: str
    exercise: str
    line: int
    operator: str
    number: int  # among the mutants of the same exercise, line and operator
    original: str  # the source lines of the site
    mutated: str  # the same lines in the mutant
    changed: str  # the original code of the node (expression or statement) changed
    source: str  # the whole mutant file

    @property
    def kind(self) -> str:
        return KINDS[self.operator]

    @property
    def id(self) -> str:
        return f"{self.exercise}:{self.line}:{self.operator}:{self.number}"


@dataclass
class Outcome:
    """What grading one mutant gave, and how it is classified."""

    module: str
    id: str
    exercise: str
    line: int
    operator: str
    kind: str
    original: str
    mutated: str
    changed: str
    status: str  # equivalent, killed, survived, ungraded
    score: float = 0.0
    max_score: float = 0.0
    on_exercise: bool = False  # a check of the mutant's exercise lost points
    hints: list[str] = field(default_factory=list)  # of the lost checks of that exercise
    hint_verdict: str | None = None  # right, review, wrong (killed on the exercise, hinted)
    lost: list[dict[str, Any]] = field(default_factory=list)
    equivalent_reason: str | None = None
    error: str | None = None
    seconds: float = 0.0


# ---------------------------------------------------------------- generating mutants


@dataclass(frozen=True)
class Edit:
    """Replace the source between two (line, column) positions; columns in bytes, as ast's."""

    start: tuple[int, int]
    end: tuple[int, int]
    text: str


@dataclass(frozen=True)
class Site:
    exercise: str
    line: int
    operator: str
    edit: Edit


def expression_edit(node: ast.expr, replacement: ast.expr) -> Edit:
    """Put ``replacement`` where ``node`` is, in parentheses, keeping the line count."""
    start, end = position(node)
    text = ast.unparse(replacement) + "\n" * (end[0] - start[0])
    return Edit(start, end, f"({text})")


def statement_edit(node: ast.stmt, text: str) -> Edit:
    """Replace a simple statement by one line of code, keeping the line count."""
    start, end = position(node)
    return Edit(start, end, text + "\n" * (end[0] - start[0]))


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


NOT_NEGATED = (  # values whose negation is a TypeError, or no change: no mutant
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
    """Every mutation site of one exercise's code (a top-level def or class)."""

    def __init__(self, exercise_of: Callable[[list[str]], str]) -> None:
        self.exercise_of = exercise_of
        self.sites: list[Site] = []
        self.scope: list[str] = []  # names of the enclosing defs and classes
        self.in_function = 0

    def add(self, node: ast.expr | ast.stmt, operator: str, edit: Edit) -> None:
        self.sites.append(Site(self.exercise_of(self.scope), node.lineno, operator, edit))

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
            if function and name == "args":
                continue  # defaults are mutated as defaults, not as constants
            if isinstance(node, ast.keyword) and node.arg == "axis":
                continue  # an axis is changed by the axis operator only
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
            if result is not None and not isinstance(result, NOT_NEGATED):
                negated = ast.UnaryOp(ast.USub(), result)
                self.add(result, "neg_added", expression_edit(result, negated))

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


DEMO_CELL = re.compile(r"#\s*%%.*tags\s*=\s*\[[^\]]*[\"']demo[\"']")


def demo_lines(text: str) -> set[int]:
    """Line numbers inside the `# %% tags=["demo"]` cells (not graded: never mutated)."""
    inside, lines = False, set()
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# %%"):
            inside = bool(DEMO_CELL.match(line))
        if inside:
            lines.add(number)
    return lines


def exercise_mapper(methods: set[str]) -> Callable[[list[str]], str]:
    """The exercise of a scope (enclosing names, outermost first): the innermost method
    whose name is a method exercise (m6's XORNetwork.train), else the top-level contract
    name (m3's Value.relu is graded as Value: `relu` is a function of its own there)."""

    def exercise_of(scope: list[str]) -> str:
        for name in reversed(scope[1:]):
            if name in methods:
                return name
        return scope[0]

    return exercise_of


def make_mutants(module: str, text: str, exercises: list[str]) -> list[Mutant]:
    """One mutant per applicable site of the contract code, in file order; a change that
    gives the same file as an earlier one (or as the solution) is made once."""
    tree = ast.parse(text)
    contract = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in exercises
    ]
    methods = set(exercises) - {node.name for node in contract}  # exercises that are methods
    finder = SiteFinder(exercise_mapper(methods))
    for node in contract:
        finder.visit(node)
    skip = demo_lines(text)
    lines = text.encode().splitlines(keepends=True)
    seen = {text}
    counts: Counter[tuple[str, int, str]] = Counter()
    mutants = []
    ordered = sorted(
        finder.sites, key=lambda s: (s.edit.start, s.edit.end, list(KINDS).index(s.operator))
    )
    for site in ordered:
        if site.line in skip:
            continue
        source = apply(lines, site.edit)
        if source in seen:
            continue
        seen.add(source)
        compile(source, f"{module}.py", "exec")  # a mutator bug, never a mutant: fail loudly
        first, last = site.edit.start[0], site.edit.end[0]
        key = (site.exercise, site.line, site.operator)
        counts[key] += 1
        mutants.append(
            Mutant(
                module=module,
                exercise=site.exercise,
                line=site.line,
                operator=site.operator,
                number=counts[key],
                original=snippet(text, first, last),
                mutated=snippet(source, first, last),
                changed=segment(lines, site.edit),
                source=source,
            )
        )
    return mutants


def segment(lines: list[bytes], edit: Edit) -> str:
    """The original text an edit replaces."""
    (l1, c1), (l2, c2) = edit.start, edit.end
    if l1 == l2:
        return lines[l1 - 1][c1:c2].decode()
    return (lines[l1 - 1][c1:] + b"".join(lines[l1 : l2 - 1]) + lines[l2 - 1][:c2]).decode()


def snippet(text: str, first: int, last: int) -> str:
    lines = text.splitlines()[first - 1 : last]
    return " ".join(line.strip() for line in lines if line.strip())


def sample(mutants: list[Mutant], limit: int | None) -> list[Mutant]:
    """At most ``limit`` mutants, spread evenly over the file (every k-th): deterministic."""
    if limit is None or limit >= len(mutants):
        return mutants
    if limit <= 0:
        return []
    return [mutants[index * len(mutants) // limit] for index in range(limit)]


# ------------------------------------------------------------------------- grading


def load_equivalents(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """(module, mutant id) -> its entry in mutation_equivalent.yml: module, id, the
    original and mutated lines (an entry applies only while the mutant's lines are still
    those: ids hold line numbers) and the reason."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    entries = data.get("equivalent") or []
    table = {}
    for index, entry in enumerate(entries):
        for key in ("module", "id", "original", "mutated", "reason"):
            if not isinstance(entry, dict) or not str(entry.get(key) or "").strip():
                raise ValueError(f"{path}: equivalent[{index}] needs a non-empty {key!r}")
        table[(str(entry["module"]), str(entry["id"]))] = {k: str(v) for k, v in entry.items()}
    return table


def grade_mutant(
    course: Course, mutant: Mutant, folder: Path, server: ForkServer
) -> tuple[ModuleResult | None, str | None]:
    """Grade one mutant as `<module>.py`; retried once if the fork server went away."""
    path = folder / f"{mutant.module}.py"
    path.parent.mkdir(parents=True)
    path.write_text(mutant.source)
    options = Options(seed=SEED, isolation="basic")
    for attempt in range(2):
        generation = server.generation
        try:
            return grade_file(course, mutant.module, path, options, server), None
        except GradingError as error:
            server.restart(generation)  # unless another thread did already
            if attempt == 1:
                return None, str(error)
        except CalcgradeError as error:
            return None, str(error)
    raise AssertionError("unreachable")


def hint_verdict(mutant: Mutant, hints: list[str]) -> str:
    """What the hints a mutant got are worth: wrong if one plainly does not fit the change;
    right if every one fits (the student reads them all); else to review."""

    def listed(rules: list[HintRule], hint: str) -> bool:
        return any(hint in rule.applies(mutant) for rule in rules)

    right = {hint for hint in hints if listed(RIGHT, hint)}
    if any(listed(WRONG, hint) for hint in set(hints) - right):
        return "wrong"
    return "right" if right == set(hints) else "review"


def classify(
    mutant: Mutant, result: ModuleResult | None, error: str | None, seconds: float
) -> Outcome:
    outcome = Outcome(
        module=mutant.module,
        id=mutant.id,
        exercise=mutant.exercise,
        line=mutant.line,
        operator=mutant.operator,
        kind=mutant.kind,
        original=mutant.original,
        mutated=mutant.mutated,
        changed=mutant.changed,
        status="ungraded",
        error=error,
        seconds=round(seconds, 3),
    )
    if result is None:
        return outcome
    outcome.score, outcome.max_score = result.score, result.max_score
    lost = [check for check in result.checks if check.score < check.max_score - 1e-9]
    outcome.lost = [
        {
            "check": check.id,
            "exercise": check.exercise,
            "status": check.status,
            "score": check.score,
            "max_score": check.max_score,
            "hint_id": check.hint_id,
            "message": check.message,
        }
        for check in lost
    ]
    if result.score >= result.max_score - 1e-9:
        outcome.status = "survived"
        return outcome
    outcome.status = "killed"
    own = [check for check in lost if check.exercise == mutant.exercise]
    outcome.on_exercise = bool(own)
    outcome.hints = sorted({check.hint_id for check in own if check.hint_id})
    if outcome.hints:
        outcome.hint_verdict = hint_verdict(mutant, outcome.hints)
    return outcome


def run_module(
    course: Course,
    module: str,
    limit: int | None,
    workers: int,
    server: ForkServer,
    equivalents: dict[tuple[str, str], dict[str, str]],
    progress: Callable[[str], None],
) -> tuple[list[Outcome], str | None]:
    """Grade the solution (it must score full marks), then every sampled mutant."""
    solution = ROOT / "solutions" / f"{module}.py"
    exercises = list(course.module(module).exercises)
    mutants = sample(make_mutants(module, solution.read_text(), exercises), limit)
    try:
        load_grader(course, module)  # before the threads: a grader is imported once
        load_reference(course, module)
        baseline = grade_file(course, module, solution, Options(seed=SEED), server)
    except CalcgradeError as error:
        return [], f"the solution could not be graded: {error}"
    if baseline.score < baseline.max_score:
        lost = ", ".join(c.id for c in baseline.checks if c.score < c.max_score)
        return [], f"the solution itself loses points ({lost}): mutants would say nothing"
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix=f"mutants-{module}-") as temporary:

        def one(index: int, mutant: Mutant) -> Outcome:
            started = time.monotonic()
            result, error = grade_mutant(course, mutant, Path(temporary) / str(index), server)
            outcome = classify(mutant, result, error, time.monotonic() - started)
            entry = equivalents.get((module, mutant.id))
            if entry is not None and not recorded(entry, mutant):
                outcome.error = f"{EQUIVALENT_FILE.name} has this id for other code: not applied"
            elif entry is not None:
                outcome.equivalent_reason = entry["reason"]
                if outcome.status == "killed":  # the record is stale: say so, keep it out
                    outcome.error = "recorded as equivalent, but it loses points"
                outcome.status = "equivalent"
            with lock:
                outcomes.append(outcome)
                progress(f"{module} {len(outcomes)}/{len(mutants)} {mutant.id} {outcome.status}")
            return outcome

        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(one, index, m) for index, m in enumerate(mutants)]
            for future in as_completed(futures):
                future.result()  # a bug in this script: let it fail the run
    order = {mutant.id: index for index, mutant in enumerate(mutants)}
    outcomes.sort(key=lambda outcome: order[outcome.id])
    return outcomes, None


# -------------------------------------------------------------------------- report

COLUMNS = [
    ("mutants", "mutants"),
    ("equivalent", "equiv"),
    ("killed", "killed"),
    ("killed on the right exercise", "right ex"),
    ("killed with a hint", "hinted"),
    ("right hints", "right hint"),
    ("hints to review", "review"),
    ("wrong hints", "wrong"),
    ("survivors", "survived"),
    ("ungraded", "ungraded"),
]


def tally(outcomes: list[Outcome]) -> dict[str, int]:
    killed = [o for o in outcomes if o.status == "killed"]
    hinted = [o for o in killed if o.hint_verdict is not None]
    return {
        "mutants": len(outcomes),
        "equivalent": sum(o.status == "equivalent" for o in outcomes),
        "killed": len(killed),
        "killed on the right exercise": sum(o.on_exercise for o in killed),
        "killed with a hint": len(hinted),
        "right hints": sum(o.hint_verdict == "right" for o in hinted),
        "hints to review": sum(o.hint_verdict == "review" for o in hinted),
        "wrong hints": sum(o.hint_verdict == "wrong" for o in hinted),
        "survivors": sum(o.status == "survived" for o in outcomes),
        "ungraded": sum(o.status == "ungraded" for o in outcomes),
    }


def table(rows: list[tuple[str, dict[str, int]]]) -> list[str]:
    header = ["module", *(short for _, short in COLUMNS)]
    body = [[name, *(str(counts[key]) for key, _ in COLUMNS)] for name, counts in rows]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = []
    for row in [header, *body]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def report(outcomes_by_module: dict[str, list[Outcome]], errors: dict[str, str]) -> list[str]:
    everything = [o for outcomes in outcomes_by_module.values() for o in outcomes]
    rows = [(module, tally(outcomes)) for module, outcomes in outcomes_by_module.items()]
    total = tally(everything)
    lines = ["Mutation testing of the graders (solutions as the programs under test)", ""]
    lines += table([*rows, ("total", total)])
    lines += [
        "",
        "  equiv: recorded in benchmarks/mutation_equivalent.yml (left out of every rate);",
        "  right ex: a check of the mutant's own exercise lost points; hinted: one of those",
        "  has a hint; right hint / review / wrong: that hint against the table in this script.",
    ]
    for module, why in errors.items():
        lines.append(f"  {module}: NOT MEASURED: {why}")
    graded = total["mutants"] - total["equivalent"] - total["ungraded"]
    killed = total["killed"]
    lines += [
        "",
        "Against the targets:",
        f"  killed: {killed} / {graded} non-equivalent ({percent(killed, graded)})",
        f"  killed on the right exercise: {total['killed on the right exercise']} / {graded}"
        f" ({percent(total['killed on the right exercise'], graded)}; target"
        f" >= {TARGET_RIGHT_EXERCISE:.0%})",
        f"  right hint: {total['right hints']} / {killed} killed"
        f" ({percent(total['right hints'], killed)}; target >= {TARGET_RIGHT_HINT:.0%})",
        f"  wrong hints: {total['wrong hints']} (target 0)",
    ]
    sections: list[tuple[str, Callable[[Outcome], bool]]] = [
        ("Survivors (sharpen a grader, or record as equivalent)", lambda o: o.status == "survived"),
        (
            "Killed, but not on their own exercise",
            lambda o: o.status == "killed" and not o.on_exercise,
        ),
        ("Wrong hints", lambda o: o.hint_verdict == "wrong"),
        ("Hints to review", lambda o: o.hint_verdict == "review"),
        (
            "Killed on their exercise without a hint",
            lambda o: o.status == "killed" and o.on_exercise and not o.hints,
        ),
        ("Equivalent (recorded)", lambda o: o.status == "equivalent"),
        ("Ungraded (the engine failed)", lambda o: o.status == "ungraded"),
    ]
    for title, wanted in sections:
        chosen = [o for o in everything if wanted(o)]
        if not chosen:
            continue
        lines += ["", f"{title}: {len(chosen)}"]
        for o in chosen:
            lines.append(f"  {o.module} {o.id}  [{o.kind}]")
            lines.append(f"      - {o.original}")
            lines.append(f"      + {o.mutated}")
            if o.hints:
                lines.append(f"      hints: {', '.join(o.hints)}")
            if o.status == "killed" and not o.on_exercise:
                exercises = sorted({str(check["exercise"]) for check in o.lost})
                lines.append(f"      lost points on: {', '.join(exercises)}")
            if o.equivalent_reason:
                lines.append(f"      reason: {o.equivalent_reason}")
            if o.error:
                lines.append(f"      note: {o.error}")
    return lines


def stale_equivalents(
    equivalents: dict[tuple[str, str], dict[str, str]],
    outcomes_by_module: dict[str, list[Outcome]],
    full: set[str],
) -> list[str]:
    """Entries of mutation_equivalent.yml that match no mutant (id and code) of a
    module whose mutants were all made (a solution changed under them)."""
    made = {(o.module, o.id): o for outs in outcomes_by_module.values() for o in outs}
    return [
        f"  {module} {mutant_id}: {entry['original']}"
        for (module, mutant_id), entry in sorted(equivalents.items())
        if module in full
        and ((module, mutant_id) not in made or not recorded(entry, made[(module, mutant_id)]))
    ]


def recorded(entry: dict[str, str], mutant: Mutant | Outcome) -> bool:
    """Whether an entry of mutation_equivalent.yml is about this very mutant."""
    return entry["original"] == mutant.original and entry["mutated"] == mutant.mutated


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--module", "-m", action="append", help="a module to test (repeatable; default: all)"
    )
    parser.add_argument(
        "--limit", type=int, help="at most N mutants per module, every k-th (deterministic)"
    )
    parser.add_argument("--workers", "-j", type=int, default=2, help="mutants graded at once")
    parser.add_argument("--json", type=Path, help="write the per-mutant records to this file")
    parser.add_argument("--list", action="store_true", help="only list the mutants, grade none")
    parser.add_argument("--course", type=Path, default=ROOT / "course_config.yml")
    parser.add_argument("--equivalent", type=Path, default=EQUIVALENT_FILE)
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    course = load_course(args.course)
    modules = args.module or list(course.spec.modules)
    for module in modules:
        if module not in course.spec.modules:
            print(f"unknown module {module!r}", file=sys.stderr)
            return 2
    if args.list:
        for module in modules:
            text = (ROOT / "solutions" / f"{module}.py").read_text()
            mutants = sample(
                make_mutants(module, text, list(course.module(module).exercises)), args.limit
            )
            for mutant in mutants:
                print(f"{module} {mutant.id}\n    - {mutant.original}\n    + {mutant.mutated}")
            print(f"{module}: {len(mutants)} mutants")
        return 0
    equivalents = load_equivalents(args.equivalent)
    progress: Callable[[str], None] = (
        (lambda line: None)
        if args.quiet
        else (lambda line: print(line, file=sys.stderr, flush=True))
    )
    started = time.monotonic()
    outcomes_by_module: dict[str, list[Outcome]] = {}
    errors: dict[str, str] = {}
    server = ForkServer("basic")
    try:
        server.start()
        for module in modules:
            outcomes, error = run_module(
                course, module, args.limit, args.workers, server, equivalents, progress
            )
            outcomes_by_module[module] = outcomes
            if error:
                errors[module] = error
    finally:
        server.close()
    lines = report(outcomes_by_module, errors)
    full = set(modules) if args.limit is None else set()
    stale = stale_equivalents(equivalents, outcomes_by_module, full - set(errors))
    if stale:
        lines += [
            "",
            f"Recorded equivalents that match no mutant (stale ids): {len(stale)}",
            *stale,
        ]
    seconds = time.monotonic() - started
    lines += ["", f"{seconds:.0f} s, {args.workers} workers, seed {SEED}, basic isolation"]
    print("\n".join(lines))
    if args.json:
        records = [asdict(o) for outcomes in outcomes_by_module.values() for o in outcomes]
        payload = {
            "seed": SEED,
            "limit": args.limit,
            "modules": modules,
            "errors": errors,
            "totals": tally([o for outs in outcomes_by_module.values() for o in outs]),
            "mutants": records,
        }
        args.json.write_text(json.dumps(payload, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
