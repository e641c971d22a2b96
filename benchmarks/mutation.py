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
from typing import Any

import yaml

from calcgrade.config import Course, load_course
from calcgrade.errors import CalcgradeError, GradingError
from calcgrade.forkserver import ForkServer
from calcgrade.results import SLIP, ModuleResult
from calcgrade.runner import Options, grade_file, load_grader, load_reference
from calcgrade.slips import KINDS, slips

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = ROOT / "benchmarks" / "mutation_equivalent.yml"
SEED = 20261126  # the hidden checks' seed for every mutant: runs are comparable
TARGET_RIGHT_EXERCISE = 0.98  # of the non-equivalent mutants, killed on their own exercise
TARGET_RIGHT_HINT = 0.90  # of the killed mutants, with a hint that fits the mutation
TARGET_PLOTTED = 0.90  # of the killed mutants of the modules with pictures, a plot shown
PLOTTED_MODULES = ("m2_gradients", "m4_gradient_descent", "m5_optimization", "m6_xor_network")

# The hint table. A row says which hints fit (RIGHT) or plainly do not fit (WRONG) the
# mutants of one exercise made by operators of some kinds ("*": any kind), optionally
# only at sites whose original code matches a regular expression. It was started from
# each grader's HINTS and the common mistakes of docs/contract.md, then refined by reading the
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
    HintRule(M0, "dot", "augassign", "dot_not_accumulated dot_sign"),
    HintRule(M0, "dot", "unary", "dot_sign"),
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
    HintRule(
        M1,
        "optimal_price",
        "*",
        "optimal_price_end_test",
        r"derivative\(profit_fn, (low|high)\)|return float\((low|high)\)",
    ),
    HintRule(
        M1,
        "optimal_price",
        "*",
        "optimal_price_slope_threshold",
        r"derivative\(profit_fn, middle\)",
    ),
    HintRule(M1, "optimal_price", "*", "optimal_price_no_search", r"^\s*while "),
    HintRule(
        M1,
        "optimal_price",
        "*",
        "optimal_price_search_outside",
        r"middle = |(low|high) = middle",
    ),
    HintRule(M1, "optimal_price", "*", "optimal_price_midpoint", r"return float\(\(low \+ high\)"),
    HintRule(M1, "optimal_price", "*", "optimal_price_middle", r"^\s*middle = "),
    HintRule(M1, "profit", "delete", "factor_not_computed", r"^\s*(margin|units) = "),
    HintRule(M1, "profit_derivative", "delete", "factor_not_computed", r"^\s*(margin|units) = "),
    HintRule(M1, "derivative", "default", "default_h"),
    HintRule(M2, "numerical_gradient", "default", "default_h"),
    HintRule(M2, "gradient_ascent", "default", "ascent_defaults"),
    HintRule(M2, "numerical_jacobian", "default", "jacobian_default_h"),
    HintRule(M2, "numerical_hessian", "default", "hessian_default_h"),
    HintRule(M2, "numerical_gradient", "*", "all_coordinates_at_once step_size_ignored one_d_only"),
    HintRule(M2, "numerical_gradient", "augassign|delete", "input_mutated"),
    HintRule(M2, "numerical_gradient", "*", "gradient_all_zero"),
    HintRule(M2, "business_profit_gradient", "*", "components_swapped"),
    HintRule(M2, "business_profit_gradient", "*", "margin_wrong", r"^\s*margin = "),
    HintRule(M2, "gradient_ascent", "arithmetic|unary", "ascent_wrong_sign"),
    HintRule(M2, "gradient_ascent", "comparison|constant|range|default|delete", "stopping_rule"),
    HintRule(M2, "gradient_ascent", "range", "ascent_steps_off_by_one", r"range\(max_steps"),
    HintRule(M2, "numerical_hessian", "range", "hessian_index_range"),
    HintRule(M2, "gradient_ascent", "delete", "ascent_x_not_updated", r"^\s*x = x \+"),
    HintRule(M2, "gradient_ascent", "unary", "ascent_result_negated", r"^\s*return x\b"),
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
    HintRule(M4, "gradient_descent", "default", "default_tol", node=r"^1e-0?6$"),
    HintRule(M4, "gradient_descent", "default", "default_max_iters", node=r"^10000$"),
    HintRule(M4, "max_stable_learning_rate", "*", "wrong_eigenvalue"),
    HintRule(M4, "train_linear_regression", "default", "default_epochs", node=r"^1000$"),
    # from w = 0, b = 0 the first update of w depends on w's line (and N) only, b's on b's
    HintRule(M4, "train_linear_regression", "*", "linreg_w_update", r"w = w -|n_samples"),
    HintRule(M4, "train_linear_regression", "*", "linreg_b_update", r"b = b -"),
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
    # a changed default eps (the default is the only node of the site that changed)
    HintRule(M5, "Adam", "default", "eps_default", node=r"^1e-0?8$"),
    HintRule(M5, "RMSProp", "default", "eps_default", node=r"^1e-0?8$"),
    # given only when the class steps right once the contract's defaults are passed explicitly
    HintRule(M5, "RMSProp", "default", "defaults_changed"),
    # the hints below are given only when their model reproduces the whole run
    HintRule(M5, "Adam", "*", "update_sign_flipped"),
    HintRule(M5, "Adam", "*", "second_moment_negative", r"^\s*v(_hat)? ="),
    # the stored state negated, where it is read or where it is stored
    HintRule(M5, "Adam", "unary", "state_sign_flipped", node=r"^(self\.m\.get\(.*|m)$"),
    HintRule(M5, "RMSProp", "unary", "state_sign_flipped", node=r"^(self\.s\.get\(.*|s)$"),
    HintRule(M5, "*", "delete", "state_not_kept", r"^\s*self\.\w+\[key\](, self\.\w+\[key\])? ="),
    HintRule(M5, "*", "delete", "second_moment_not_updated", r"^\s*[sv] = self\.beta2? \* [sv]"),
    HintRule(M5, "run_optimizer", "range", "steps_off_by_one"),
    HintRule(M5, "run_optimizer", "delete", "optimizer_not_stepped", r"\.step\("),
    HintRule(M5, "run_optimizer", "delete", "points_not_recorded", r"append"),
    HintRule(M5, "run_optimizer", "unary", "trajectory_negated"),
    HintRule(M5, "compare_optimizers", "unary", "trajectory_negated", r"run_optimizer\("),
    HintRule(M5, "compare_optimizers", "delete", "losses_not_stored", r"results\[name\] ="),
    HintRule(M6, "gradients", "*", "gradients_summed output_derivative_double_counted"),
    HintRule(M6, "gradients", "reduction|axis", "gradient_shape"),
    HintRule(M6, "loss", "reduction", "loss_summed"),
    HintRule(M6, "train", "*", "does_not_learn"),
    HintRule(M6, "train", "default", "train_default_lr train_default_epochs"),
    HintRule(M6, "train", "arithmetic|unary", "train_ascent"),
    HintRule(M6, "train", "default", "train_ignores_lr"),
    HintRule(M6, "XORNetwork", "*", "does_not_learn"),
    HintRule(M6, "XORNetwork", "delete", "params_missing", r"self\.params = "),
    HintRule(M6, "XORNetwork", "constant", "param_shapes", r"size=|np\.zeros"),
    HintRule(M6, "XORNetwork", "default", "default_hidden_size", r"hidden_size="),
    HintRule(M6, "forward", "*", "sigmoid_formula output_all_zero", r"np\.exp"),
    HintRule(M6, "gradients", "*", "sigmoid_formula output_all_zero", r"np\.exp"),
    HintRule(M6, "predict", "comparison|constant", "predict_threshold", r"0\.5"),
    HintRule(M6, "train", "unary", "train_update_negated", r"lr \* grads"),
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
    replacement: str  # its code in the mutant
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
    slip_hints: list[str] = field(default_factory=list)  # texts of its diagnosed slips
    error_told: bool = False  # unhinted, but every lost check says the code raised, and where
    plotted: bool = False  # the student's page shows a plot (a figure everyone may see)
    crashed: bool = False  # every check it lost, it lost because the code raised
    lost: list[dict[str, Any]] = field(default_factory=list)
    equivalent_reason: str | None = None
    error: str | None = None
    seconds: float = 0.0


# ---------------------------------------------------------------- generating mutants


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


def make_mutants(module: str, text: str, exercises: list[str]) -> list[Mutant]:
    """One mutant per slip of the contract code (``calcgrade.slips``), in file order,
    outside the demo cells."""
    counts: Counter[tuple[str, int, str]] = Counter()
    mutants = []
    for slip in slips(text, exercises, skip_lines=demo_lines(text)):
        compile(slip.source, f"{module}.py", "exec")  # a slip bug, never a mutant: fail loudly
        key = (slip.scope, slip.line, slip.operator)
        counts[key] += 1
        mutants.append(
            Mutant(
                module=module,
                exercise=slip.scope,
                line=slip.line,
                operator=slip.operator,
                number=counts[key],
                original=slip.original,
                mutated=slip.mutated,
                changed=slip.changed,
                replacement=slip.replacement,
                source=slip.source,
            )
        )
    return mutants


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


SLIP_PHRASES = [  # how calcgrade.diagnosis.explain names a slip: (changed, replacement)
    (
        re.compile(
            r"where the correct code(?: \(in `[^`]+`\))? computes `([^`]+)`,"
            r" yours computes `([^`]+)`"
        ),
        1,
        2,
    ),
    (re.compile(r"the step `([^`]+)`(?: \(in `[^`]+`\))? is missing"), 1, None),
    (re.compile(r"a default argument is (\S+) instead of (\S+?)(?:;|\. )"), 2, 1),
    (re.compile(r"`([^`]+)`(?: \(in `[^`]+`\))? is written `([^`]+)`"), 1, 2),
]


def normalised(code: str) -> str:
    """Code as ast prints it (spacing and redundant parentheses gone), or as given."""
    try:
        return ast.unparse(ast.parse(re.sub(r"\s+", " ", code).strip()))
    except SyntaxError:
        return code.strip()


def named_slips(text: str) -> set[tuple[str, str]]:
    """The (changed, replacement) code pairs a slip hint names, normalised."""
    pairs = set()
    for pattern, changed, replacement in SLIP_PHRASES:
        for match in pattern.finditer(text):
            new = match.group(replacement) if replacement else "pass"
            pairs.add((normalised(match.group(changed)), normalised(new)))
    return pairs


def slip_fits(mutant: Mutant, texts: list[str]) -> bool:
    """Whether a slip hint names the mutant's change: the same code changed the same way,
    or the same operator applied to the code the reference spells differently (the
    solution's `margin = price - unit_cost; return margin * units` is the reference's
    `return (price - unit_cost) * (...)`: a `*` made `/` in either is the same mistake).
    Each named slip gives the student's numbers on every call of the check."""
    applied = (normalised(mutant.changed), normalised(mutant.replacement))
    for text in texts:
        for changed, replacement in named_slips(text):
            if (changed, replacement) == applied or slip_operator(changed, replacement) == (
                mutant.operator
            ):
                return True
    return False


def slip_operator(changed: str, replacement: str) -> str | None:
    """The slip operator that turns the code ``changed`` into ``replacement``, if one does."""
    if replacement == "pass":
        return "stmt_deleted"
    found = []
    for body in (changed, f"return {changed}"):  # a statement, or an expression's value
        try:
            found += slips(f"def f():\n    {body}\n    pass\n", ["f"])
        except SyntaxError:
            continue
    for slip in found:
        if normalised(slip.replacement) == replacement and normalised(slip.changed) == changed:
            return slip.operator
    return None


# A failure that says the student's code raised, with the line (``runner._run_one``).
RAISED = re.compile(r"raised .*line \d+")


def hint_verdict(mutant: Mutant, hints: list[str], slip_texts: list[str]) -> str:
    """What the hints a mutant got are worth: wrong if one plainly does not fit the change;
    right if every one fits (the student reads them all); else to review. A diagnosed
    slip fits when it names the mutant's change."""

    def listed(rules: list[HintRule], hint: str) -> bool:
        if hint == SLIP:
            return rules is RIGHT and slip_fits(mutant, slip_texts)
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
            "relation": check.relation,
            "message": check.message,
        }
        for check in lost
    ]
    if result.score >= result.max_score - 1e-9:
        outcome.status = "survived"
        return outcome
    outcome.crashed = all(RAISED.search(check.message) for check in lost)
    outcome.plotted = any(
        figure.audience == "everyone" for check in result.checks for figure in check.figures
    )
    outcome.status = "killed"
    own = [check for check in lost if check.exercise == mutant.exercise]
    outcome.on_exercise = bool(own)
    outcome.hints = sorted({check.hint_id for check in own if check.hint_id})
    outcome.slip_hints = sorted({c.hint or "" for c in own if c.hint_id == SLIP})
    if outcome.hints:
        outcome.hint_verdict = hint_verdict(mutant, outcome.hints, outcome.slip_hints)
    else:
        outcome.error_told = bool(own) and all(RAISED.search(c.message) for c in own)
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
            entry = equivalent_entry(equivalents, mutant)
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
    ("told by the error", "error"),
    ("student page with a plot", "plot"),
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
        "told by the error": sum(o.error_told for o in killed),
        "student page with a plot": sum(o.plotted for o in killed),
        "killed, not by a crash": sum(not o.crashed for o in killed),
        "plotted, not by a crash": sum(o.plotted and not o.crashed for o in killed),
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
        "  has a hint; right hint / review / wrong: that hint against the table in this script;",
        "  error: no hint, but the student is told their code raised, and on which line;",
        "  plot: the student's page shows a plot (of a public check: hidden ones are not shown);",
        "  its target counts the mutants killed by a wrong value, not a crash (nothing to draw).",
    ]
    for module, why in errors.items():
        lines.append(f"  {module}: NOT MEASURED: {why}")
    graded = total["mutants"] - total["equivalent"] - total["ungraded"]
    killed = total["killed"]
    told = total["right hints"] + total["told by the error"]
    pictured = [tally(o) for m, o in outcomes_by_module.items() if m in PLOTTED_MODULES]
    plots = sum(counts["plotted, not by a crash"] for counts in pictured)
    plotted_of = sum(counts["killed, not by a crash"] for counts in pictured)
    lines += [
        "",
        "Against the targets:",
        f"  killed: {killed} / {graded} non-equivalent ({percent(killed, graded)})",
        f"  killed on the right exercise: {total['killed on the right exercise']} / {graded}"
        f" ({percent(total['killed on the right exercise'], graded)}; target"
        f" >= {TARGET_RIGHT_EXERCISE:.0%})",
        f"  right hint: {total['right hints']} / {killed} killed"
        f" ({percent(total['right hints'], killed)}; target >= {TARGET_RIGHT_HINT:.0%})",
        f"  right hint or an error naming the line: {told} / {killed} ({percent(told, killed)})",
        f"  wrong hints: {total['wrong hints']} (target 0)",
        f"  student page with a plot, m2 m4 m5 m6, killed not by a crash: {plots} / {plotted_of}"
        f" ({percent(plots, plotted_of)}; target >= {TARGET_PLOTTED:.0%})",
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
            lambda o: o.status == "killed" and o.on_exercise and not o.hints and not o.error_told,
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
            for text in o.slip_hints if o.hint_verdict == "review" else []:
                lines.append(f"      slip: {text}")
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
    used = {
        id(entry)
        for outs in outcomes_by_module.values()
        for o in outs
        if (entry := equivalent_entry(equivalents, o)) is not None and recorded(entry, o)
    }
    return [
        f"  {module} {mutant_id}: {entry['original']}"
        for (module, mutant_id), entry in sorted(equivalents.items())
        if module in full and id(entry) not in used
    ]


def recorded(entry: dict[str, str], mutant: Mutant | Outcome) -> bool:
    """Whether an entry of mutation_equivalent.yml is about this very mutant."""
    return entry["original"] == mutant.original and entry["mutated"] == mutant.mutated


def without_line(mutant_id: str) -> str:
    exercise, _, operator, number = mutant_id.split(":")
    return f"{exercise}:{operator}:{number}"


def equivalent_entry(
    equivalents: dict[tuple[str, str], dict[str, str]], mutant: Mutant | Outcome
) -> dict[str, str] | None:
    """The entry of mutation_equivalent.yml for this mutant: by its id, or else by the
    same change of the same code on another line (cells added above it move lines)."""
    entry = equivalents.get((mutant.module, mutant.id))
    if entry is not None:
        return entry
    moved = [
        entry
        for (module, mutant_id), entry in equivalents.items()
        if module == mutant.module
        and without_line(mutant_id) == without_line(mutant.id)
        and recorded(entry, mutant)
    ]
    return moved[0] if len(moved) == 1 else None


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
