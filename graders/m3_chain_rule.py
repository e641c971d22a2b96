"""Grader for m3_chain_rule: the chain rule, layer backwards, the MSE, a two-layer MLP, and Value.

Every backward function is checked three ways: against the reference, against
central differences of the student's own forward function (float64, on
non-square shapes with a batch larger than one), and for the common mistakes of
docs/contract.md, recognised by predicting what each mistaken implementation
returns on the same inputs. ReLU inputs are kept away from the kink; the slope
at exactly 0 is pinned in its own check.

The public checks use the fixed course examples written out in ``EXAMPLES``
below (a failing public check prints its inputs too).

Figures (docs/figures.md): every check that compares a backward function's result
(linear_backward, the activations' backwards, mlp_loss_and_grads's gradients) records
a heatmap of the relative error of each entry of each gradient against what it is
compared with, before the comparison can fail. They are computed from values the
check already has and never change a grade.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from calcgrade import (
    Answered,
    Called,
    CheckFailure,
    Context,
    Grader,
    Plan,
    RemoteObject,
    Step,
    StudentError,
    Submission,
    Tolerance,
    as_array,
    as_dict,
    as_float,
    as_tuple,
    away_from_kinks,
    central_gradient_of_changes,
    close,
    describe,
    mismatch,
    mismatch_dict,
    require,
    step_sizes,
)
from calcgrade.figure_data import error_heatmap
from calcgrade.relations import TWO_LAYER_BLOCKS

HINTS = {
    # the common mistakes of docs/contract.md
    "dW_transposed": (
        "dW must have the shape of W, (in, out): dW = X.T @ dZ. Yours is its transpose "
        "(dZ.T @ X), shape (out, in)."
    ),
    "db_not_summed": (
        "b is added to every row of the batch, so its gradient adds up the rows of dZ: "
        "db = dZ.sum(axis=0), shape (out,). Yours keeps per-sample values (or one row only)."
    ),
    "db_averaged": (
        "db is the sum of dZ over the batch, not its mean: use dZ.sum(axis=0). Any averaging "
        "already happened in the loss, so dZ already holds the 1/N."
    ),
    "derivative_of_activation": (
        "The slope formula needs the activation computed from Z: s = sigmoid(Z) then "
        "s * (1 - s), or t = np.tanh(Z) then 1 - t**2. You plugged Z itself into the formula."
    ),
    "relu_mask_on_output_grad": (
        "The ReLU mask comes from the pre-activation Z, not from the gradient: return "
        "dA * (Z > 0). The sign of dA does not matter."
    ),
    "mse_missing_factor_2": (
        "The derivative of (pred - y)**2 is 2 * (pred - y): dpred = 2 * (pred - y) / pred.size. "
        "The factor 2 is missing."
    ),
    "mse_missing_1_over_n": (
        "The loss is a mean, so its gradient keeps the division: dpred = 2 * (pred - y) / "
        "pred.size (the number of elements)."
    ),
    "missing_tanh_chain": (
        "Between dH and the first layer sits the tanh: dZ1 = dH * (1 - H**2) (that is, "
        "tanh_backward(dH, Z1)). You sent dH straight to W1 and b1."
    ),
    # further mistakes this grader recognises
    "chain_rule_wrong_point": (
        "Evaluate each dfs[i] at the input of its own link, the value just before fs[i] is "
        "applied (not at x, not at the link's output): slope *= df(value), then value = f(value)."
    ),
    "chain_rule_reversed": (
        "fs[0] is applied first: the composition is fs[-1](... fs[1](fs[0](x))). Walk the "
        "lists from the start, not from the end."
    ),
    "backward_ignores_dA": (
        "A backward function multiplies the upstream gradient by the local slope: return "
        "dA * slope, not the slope alone."
    ),
    "relu_derivative_at_zero": (
        "In this course the ReLU slope at exactly Z == 0 is 0: build the mask with Z > 0, "
        "not Z >= 0."
    ),
    "mse_mean_over_rows": (
        "The loss averages over every element, not over rows: divide by pred.size (samples "
        "times outputs), not by len(pred)."
    ),
    "input_modified": (
        "Your function changed an array it was given (an in-place operation such as "
        "Z[Z < 0] = 0 or +=). Build a new array instead, e.g. np.maximum(Z, 0)."
    ),
    "value_grad_not_accumulated": (
        "A node used twice gets gradient from both uses: write self.grad += ... (and "
        "other.grad += ...) in every _backward, never = ."
    ),
}

grader = Grader("m3_chain_rule", HINTS)

Mistakes = Sequence[tuple[str, Any]]
Arrays = dict[str, np.ndarray]


# -- the course examples (public checks) ---------------------------------------


def _array(rows: Any) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


EXAMPLES: dict[str, Arrays] = {
    "linear": {
        "X": _array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]]),
        "W": _array([[1.0, 0.0], [2.0, -1.0], [0.0, 1.0]]),
        "b": _array([0.5, -1.0]),
    },
    "linear_backward": {
        "dZ": _array([[1.0, 0.0, -1.0, 2.0], [0.0, 1.0, 1.0, 0.0], [-1.0, 2.0, 0.5, 1.0]]),
        "X": _array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]]),
        "W": _array([[1.0, 0.0, -1.0, 2.0], [0.5, 1.0, 0.0, -1.0]]),
    },
    "activation": {
        "dA": _array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]]),
        "Z": _array([[-1.0, 0.5, 2.0], [0.5, -3.0, -1.5]]),
    },
    "relu_at_zero": {
        "dA": _array([2.0, -3.0, 1.5, 1.0, -1.0]),
        "Z": _array([0.0, 0.0, 1.0, -1.0, 0.0]),
    },
    "mse": {
        "pred": _array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]]),
        "y": _array([[0.5, 2.0], [1.0, -1.5], [2.0, 1.0]]),
    },
    "mlp": {
        "W1": _array([[0.5, -0.3, 0.8], [0.2, 0.7, -0.6]]),
        "b1": _array([0.1, -0.2, 0.05]),
        "W2": _array([[0.4], [-0.9], [0.3]]),
        "b2": _array([0.2]),
        "X": _array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]),
        "y": _array([[1.0], [1.0], [0.0], [0.0]]),
    },
}
PARAM_KEYS = ["W1", "b1", "W2", "b2"]


def example(name: str) -> Arrays:
    """Fresh copies of a course example's arrays."""
    return {key: value.copy() for key, value in EXAMPLES[name].items()}


def shown(arrays: Arrays) -> str:
    return ", ".join(f"{key} = {value.tolist()}" for key, value in arrays.items())


@contextmanager
def showing(inputs: str) -> Iterator[None]:
    """A public check's failure also shows the (documented) inputs."""
    try:
        yield
    except CheckFailure as failure:
        failure.detail = f"{failure.detail or failure.message}\n  inputs: {inputs}"
        raise


# -- comparing, with diagnosis ----------------------------------------------------


def shape_hint(got: Any, shapes: Sequence[tuple[str, tuple[int, ...]]]) -> str | None:
    """The hint of the first (hint, shape) pair whose shape ``got`` has: a wrong shape is
    itself the signal of some mistakes."""
    return next((hint for hint, shape in shapes if np.shape(got) == shape), None)


def blocks_of(expected: Arrays) -> Mapping[frozenset[str], str]:
    """What it means when some keys of a two-layer network's gradients are wrong."""
    return TWO_LAYER_BLOCKS if set(expected) == set(PARAM_KEYS) else {}


def noted(failure: CheckFailure | None, note: str) -> CheckFailure | None:
    """``failure`` with ``note`` as one more line of its texts."""
    if failure is not None:
        failure.message = f"{failure.message}\n{note}"
        failure.detail = f"{failure.detail}\n{note}"
    return failure


def require_unchanged(called: Called, sent: dict[str, Any], function: str) -> None:
    """The arguments (arrays or dicts of arrays), as they are after the call, are unchanged."""
    for (name, before), after in zip(sent.items(), called.args, strict=True):
        pairs = (
            [
                (f"{name}[{key!r}]", value, after.get(key) if type(after) is dict else None)
                for key, value in before.items()
            ]
            if isinstance(before, dict)
            else [(name, before, after)]
        )
        for label, old, new in pairs:
            same = (
                isinstance(new, np.ndarray) and new.shape == old.shape and np.array_equal(new, old)
            )
            if not same:
                raise CheckFailure(
                    f"{function} changed its argument {label}; it must leave its inputs unchanged",
                    hint="input_modified",
                )


# -- figures (docs/figures.md) ------------------------------------------------------


def elementwise_slope(sub: Submission, name: str, Z: np.ndarray) -> np.ndarray:
    """Central differences of the student's elementwise function ``name`` at every entry of Z."""
    h = step_sizes(Z)
    up, down = Z + h, Z - h
    plus = as_array(sub.call(name, up), f"{name}(Z + h)", Z.shape)
    minus = as_array(sub.call(name, down), f"{name}(Z - h)", Z.shape)
    return (plus - minus) / (up - down)


# -- chain_rule -------------------------------------------------------------------

Link = tuple[Callable[[Any], float], Callable[[Any], float]]


def _sigmoid(u: float) -> float:
    e = math.exp(-abs(u))  # never overflows, however long the chain
    return 1.0 / (1.0 + e) if u >= 0 else e / (1.0 + e)


def links(rng: np.random.Generator) -> list[Link]:
    """Smooth scalar functions with their derivatives (they stay in the grader)."""
    a = float(rng.uniform(0.5, 1.5) * rng.choice([-1.0, 1.0]))
    c = float(rng.uniform(-1.0, 1.0))
    k = float(rng.uniform(0.3, 0.8))
    return [
        (lambda u: a * float(u) + c, lambda u: a),
        (lambda u: math.sin(float(u)), lambda u: math.cos(float(u))),
        (lambda u: math.tanh(float(u)), lambda u: 1.0 - math.tanh(float(u)) ** 2),
        (lambda u: _sigmoid(float(u)), lambda u: _sigmoid(float(u)) * (1 - _sigmoid(float(u)))),
        (lambda u: float(u) ** 3 / 3.0, lambda u: float(u) ** 2),
        (lambda u: math.exp(k * float(u)), lambda u: k * math.exp(k * float(u))),
        (lambda u: math.log(1.0 + float(u) ** 2), lambda u: 2.0 * float(u) / (1.0 + float(u) ** 2)),
    ]


def compose(chain: Sequence[Link], x: float, slope_at: str = "input") -> tuple[float, float]:
    """Value and derivative of the chain; ``slope_at`` selects a mistaken evaluation point."""
    value, slope = x, 1.0
    for f, df in chain:
        out = f(value)
        slope *= df({"input": value, "x": x, "output": out}[slope_at])
        value = out
    return value, slope


def answered(chain: Sequence[Link], x: float) -> tuple[list[Answered], list[Answered]]:
    """The chain's functions, answered in advance where chain_rule is expected to call them.

    Each f at its input, each derivative at its input, at x and at its output
    (the common mistakes): with a round trip per call, a chain of 16 links
    would cost 32. Any other call still reaches the grader's function.
    """
    points = [x]
    try:
        for f, _ in chain:
            points.append(f(points[-1]))
    except (ArithmeticError, ValueError):
        pass
    fs, dfs = [], []
    for i, (f, df) in enumerate(chain):
        fs.append(Answered.at(f, points[i : i + 1]))
        dfs.append(Answered.at(df, [x, *points[i : i + 2]]))
    return fs, dfs


def check_chain(
    sub: Submission, ctx: Context, chain: Sequence[Link], x: float, what: str, where: str = ""
) -> None:
    """``what`` names the call; ``where`` says which chain (no hidden values)."""
    fs, dfs = [f for f, _ in chain], [df for _, df in chain]
    sent_fs, sent_dfs = answered(chain, x)
    got = as_tuple(sub.call("chain_rule", sent_fs, sent_dfs, x), f"{what}{where}", 2)
    value = as_float(got[0], f"{what} -> value{where}")
    slope = as_float(got[1], f"{what} -> derivative{where}")
    expected = ctx.reference.chain_rule(fs, dfs, x)
    reversed_value, reversed_slope = compose(chain[::-1], x)
    require(
        mismatch(
            value,
            expected[0],
            f"{what} -> value{where}",
            ctx.analytic,
            mistakes=[("chain_rule_reversed", reversed_value)],
        )
    )
    require(
        mismatch(
            slope,
            expected[1],
            f"{what} -> derivative{where}",
            ctx.analytic,
            mistakes=[
                ("chain_rule_wrong_point", compose(chain, x, "x")[1]),
                ("chain_rule_wrong_point", compose(chain, x, "output")[1]),
                ("chain_rule_reversed", reversed_slope),
            ],
        )
    )


@grader.check("chain-rule-course-examples", exercise="chain_rule")
def chain_rule_examples(sub: Submission, ctx: Context) -> None:
    """chain_rule is right on the course examples: [3x + 1, u**2] at 2, [x**2, sin, 2u] at 1"""
    affine_then_square: list[Link] = [
        (lambda x: 3 * x + 1, lambda x: 3.0),
        (lambda u: u**2, lambda u: 2 * u),
    ]
    square_sin_double: list[Link] = [
        (lambda x: x**2, lambda x: 2 * x),
        (lambda u: math.sin(float(u)), lambda u: math.cos(float(u))),
        (lambda u: 2 * u, lambda u: 2.0),
    ]
    with showing("fs = [x -> 3x + 1, u -> u**2], dfs = [x -> 3, u -> 2u], x = 2.0"):
        check_chain(sub, ctx, affine_then_square, 2.0, "chain_rule(fs, dfs, 2.0)")
    with showing("fs = [x -> x**2, sin, u -> 2u], dfs = [x -> 2x, cos, u -> 2], x = 1.0"):
        check_chain(sub, ctx, square_sin_double, 1.0, "chain_rule(fs, dfs, 1.0)")


@grader.check("chain-rule-hidden-chains", exercise="chain_rule")
def chain_rule_hidden(sub: Submission, ctx: Context) -> None:
    """chain_rule matches the reference on hidden chains of 1 to 4 functions"""
    for length in (1, 2, 3, 4, 4):
        pool = links(ctx.rng)
        chain = [pool[int(i)] for i in ctx.rng.choice(len(pool), size=length, replace=False)]
        x = float(ctx.rng.uniform(-1.5, 1.5))
        where = f" (hidden chain of {length} function{'s' if length > 1 else ''})"
        check_chain(sub, ctx, chain, x, "chain_rule(fs, dfs, x)", where)


@grader.check("chain-rule-long-chain", exercise="chain_rule")
def chain_rule_long(sub: Submission, ctx: Context) -> None:
    """chain_rule handles long hidden chains (the derivative of a deep stack shrinks or grows)"""
    for length in (8, 12, 16):
        pool = links(ctx.rng)
        chain = [pool[int(i)] for i in ctx.rng.choice([0, 1, 2, 3], size=length)]
        x = float(ctx.rng.uniform(-1.0, 1.0))
        where = f" (hidden chain of {length} function{'s' if length > 1 else ''})"
        check_chain(sub, ctx, chain, x, "chain_rule(fs, dfs, x)", where)


# -- linear_forward / linear_backward -----------------------------------------------


def linear_inputs(rng: np.random.Generator, n: int, d: int, out: int) -> Arrays:
    return {
        "X": rng.normal(size=(n, d)),
        "W": rng.normal(size=(d, out)),
        "b": rng.normal(size=out),
        "dZ": rng.normal(size=(n, out)),
    }


SHAPES = [(5, 3, 4), (6, 4, 2), (7, 2, 3)]  # (N, D, out): never square, batch > 1


@grader.check("linear-forward-course-example", exercise="linear_forward")
def linear_forward_example(sub: Submission, ctx: Context) -> None:
    """linear_forward gives X @ W + b on the course example"""
    inputs = example("linear")
    with showing(shown(inputs)):
        got = as_array(sub.call("linear_forward", *inputs.values()), "linear_forward(X, W, b)")
        expected = ctx.reference.linear_forward(*inputs.values())
        require(mismatch(got, expected, "linear_forward(X, W, b)", ctx.analytic))


@grader.check("linear-forward-hidden-batches", exercise="linear_forward")
def linear_forward_hidden(sub: Submission, ctx: Context) -> None:
    """linear_forward matches X @ W + b on hidden batches and leaves its inputs unchanged"""
    for n, d, out in SHAPES:
        inputs = linear_inputs(ctx.rng, n, d, out)
        sent = {key: inputs[key] for key in ("X", "W", "b")}
        called = sub.call_keep("linear_forward", *sent.values())
        got = as_array(called.value, "linear_forward(X, W, b)")
        require(
            mismatch(
                got,
                ctx.reference.linear_forward(*sent.values()),
                "linear_forward(X, W, b)",
                ctx.analytic,
            )
        )
        require_unchanged(called, sent, "linear_forward(X, W, b)")


def backward_mistakes(dZ: np.ndarray, X: np.ndarray) -> dict[str, Mistakes]:
    """What the common mistakes return for dW and db."""
    return {
        "dW": [("dW_transposed", (X.T @ dZ).T)],
        "db": [
            ("db_averaged", dZ.mean(axis=0)),
            ("db_not_summed", dZ),
            ("db_not_summed", dZ[0]),
            ("db_not_summed", dZ[-1]),
            ("db_not_summed", dZ.sum(axis=1)),
            ("db_not_summed", dZ.sum()),
        ],
    }


Triple = tuple[np.ndarray, np.ndarray, np.ndarray]


def linear_backward_of(
    sub: Submission, name: str, dZ: np.ndarray, X: np.ndarray, W: np.ndarray
) -> Triple:
    """Call the student's ``name`` (a linear_backward); check the result's form and that
    no input changed."""
    what = f"{name}(dZ, X, W)"
    called = sub.call_keep(name, dZ, X, W)
    dX, dW, db = (
        as_array(item, f"{what} -> {part}")
        for item, part in zip(as_tuple(called.value, what, 3), ("dX", "dW", "db"), strict=True)
    )
    require_unchanged(called, {"dZ": dZ, "X": X, "W": W}, what)
    return dX, dW, db


def compare_linear_backward(
    ctx: Context,
    got: Triple,
    expected: Triple,
    dZ: np.ndarray,
    X: np.ndarray,
    tol: Tolerance,
    against: str = "",
) -> None:
    what = "linear_backward(dZ, X, W)"
    names = ("dX", "dW", "db")
    error_heatmap(
        ctx,
        f"{what}{against}: relative error per entry (dZ of shape {dZ.shape}, X of shape {X.shape})",
        dict(zip(names, got, strict=True)),
        dict(zip(names, expected, strict=True)),
    )
    mistakes = backward_mistakes(dZ, X)
    dW_transposed = [("dW_transposed", expected[1].T.shape)]
    require(mismatch(got[0], expected[0], f"{what} -> dX{against}", tol))
    require(
        mismatch(
            got[1],
            expected[1],
            f"{what} -> dW{against}",
            tol,
            mistakes=mistakes["dW"],
            hint=shape_hint(got[1], dW_transposed),
        )
    )
    per_sample = [("db_not_summed", dZ.shape)]
    require(
        mismatch(
            got[2],
            expected[2],
            f"{what} -> db{against}",
            tol,
            mistakes=mistakes["db"],
            hint=shape_hint(got[2], per_sample),
        )
    )


def check_linear_backward(
    sub: Submission,
    ctx: Context,
    dZ: np.ndarray,
    X: np.ndarray,
    W: np.ndarray,
    expected: Triple,
    tol: Tolerance,
) -> None:
    compare_linear_backward(
        ctx, linear_backward_of(sub, "linear_backward", dZ, X, W), expected, dZ, X, tol
    )


@grader.check("linear-backward-course-example", exercise="linear_backward")
def linear_backward_example(sub: Submission, ctx: Context) -> None:
    """linear_backward gives dZ @ W.T, X.T @ dZ and dZ.sum(axis=0) on the course example"""
    inputs = example("linear_backward")
    with showing(shown(inputs)):
        dZ, X, W = inputs["dZ"], inputs["X"], inputs["W"]
        expected = ctx.reference.linear_backward(dZ, X, W)
        check_linear_backward(sub, ctx, dZ, X, W, expected, ctx.analytic)


@grader.check("linear-backward-hidden-batches", exercise="linear_backward")
def linear_backward_hidden(sub: Submission, ctx: Context) -> None:
    """linear_backward matches the reference on hidden batches and leaves its inputs unchanged"""
    for n, d, out in SHAPES:
        inputs = linear_inputs(ctx.rng, n, d, out)
        dZ, X, W = inputs["dZ"], inputs["X"], inputs["W"]
        expected = ctx.reference.linear_backward(dZ, X, W)
        check_linear_backward(sub, ctx, dZ, X, W, expected, ctx.analytic)


def linear_numerical(
    sub: Submission, dZ: np.ndarray, X: np.ndarray, W: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central differences of sum(dZ * linear_forward(X, W, b)), the student's own forward."""
    what = "linear_forward(X, W, b)"

    def losses_of(position: int) -> Callable[[list[tuple[int, float]]], list[float]]:
        def losses(changes: list[tuple[int, float]]) -> list[float]:
            outputs = sub.call_varied("linear_forward", (X, W, b), (position,), changes)
            return [float(np.sum(dZ * as_array(out, what, dZ.shape))) for out in outputs]

        return losses

    numerical = [central_gradient_of_changes(losses_of(i), x) for i, x in enumerate((X, W, b))]
    return numerical[0], numerical[1], numerical[2]


@grader.check("linear-backward-gradient-check", exercise="linear_backward")
def linear_backward_gradient_check(sub: Submission, ctx: Context) -> None:
    """linear_backward agrees with central differences of your linear_forward, sum(dZ * Z)"""
    for n, d, out in SHAPES:
        inputs = linear_inputs(ctx.rng, n, d, out)
        dZ, X, W, b = inputs["dZ"], inputs["X"], inputs["W"], inputs["b"]
        got = linear_backward_of(sub, "linear_backward", dZ, X, W)
        numerical = linear_numerical(sub, dZ, X, W, b)
        tol = ctx.finite_difference_for(np.concatenate([g.ravel() for g in numerical]))
        against = ", against central differences of your linear_forward"
        compare_linear_backward(ctx, got, numerical, dZ, X, tol, against)


# -- activations ---------------------------------------------------------------------


@grader.check("sigmoid-course-example", exercise="sigmoid")
def sigmoid_example(sub: Submission, ctx: Context) -> None:
    """sigmoid([-2, 0, 3]) is [0.1192..., 0.5, 0.9526...]"""
    Z = _array([-2.0, 0.0, 3.0])
    got = as_array(sub.call("sigmoid", Z.copy()), "sigmoid([-2, 0, 3])", (3,))
    require(mismatch(got, ctx.reference.sigmoid(Z), "sigmoid([-2, 0, 3])", ctx.analytic))


@grader.check("sigmoid-hidden-values", exercise="sigmoid")
def sigmoid_hidden(sub: Submission, ctx: Context) -> None:
    """sigmoid matches 1 / (1 + exp(-Z)) on hidden arrays, large |Z| included, inputs unchanged"""
    for shape in ((4, 3), (7,), (2, 3, 2)):
        Z = ctx.rng.normal(0.0, 3.0, size=shape)
        Z.flat[0], Z.flat[-1] = 35.0, -35.0
        called = sub.call_keep("sigmoid", Z)
        got = as_array(called.value, "sigmoid(Z)", shape)
        require(mismatch(got, ctx.reference.sigmoid(Z), "sigmoid(Z)", ctx.analytic))
        require_unchanged(called, {"Z": Z}, "sigmoid(Z)")


def activation_mistakes(name: str, dA: np.ndarray, Z: np.ndarray, slope: np.ndarray) -> Mistakes:
    """What the common mistakes of a backward return (``slope`` is the true local slope)."""
    mistakes: list[tuple[str, Any]] = [("backward_ignores_dA", slope)]
    if name == "sigmoid_backward":
        mistakes.append(("derivative_of_activation", dA * Z * (1 - Z)))
    if name == "tanh_backward":
        mistakes.append(("derivative_of_activation", dA * (1 - Z**2)))
    if name == "relu_backward":
        mistakes.append(("relu_mask_on_output_grad", dA * (dA > 0)))
        mistakes.append(("relu_derivative_at_zero", dA * (Z >= 0)))
    return mistakes


def backward_of(sub: Submission, name: str, dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Call an activation's backward; check that it left dA and Z unchanged."""
    what = f"{name}(dA, Z)"
    called = sub.call_keep(name, dA, Z)
    got = as_array(called.value, what)
    require_unchanged(called, {"dA": dA, "Z": Z}, what)
    return got


def check_backward(
    sub: Submission,
    ctx: Context,
    name: str,
    dA: np.ndarray,
    Z: np.ndarray,
    expected: np.ndarray,
    tol: Tolerance,
    slope: np.ndarray,
    got: np.ndarray | None = None,
    against: str = "",
) -> None:
    """Compare with ``expected`` (``slope`` is the local slope, to predict the mistakes)."""
    got = backward_of(sub, name, dA, Z) if got is None else got
    title = f"{name}(dA, Z){against}: relative error per entry (Z of shape {Z.shape})"
    error_heatmap(ctx, title, {"dZ": got}, {"dZ": expected})
    mistakes = activation_mistakes(name, dA, Z, slope)
    require(mismatch(got, expected, f"{name}(dA, Z){against}", tol, mistakes=mistakes))


def reference_slope(ctx: Context, name: str, Z: np.ndarray) -> np.ndarray:
    backward = getattr(ctx.reference, name)
    return np.asarray(backward(np.ones_like(Z), Z), dtype=np.float64)


def backward_example(sub: Submission, ctx: Context, name: str, inputs: Arrays) -> None:
    dA, Z = inputs["dA"], inputs["Z"]
    slope = reference_slope(ctx, name, Z)
    with showing(shown(inputs)):
        check_backward(sub, ctx, name, dA, Z, dA * slope, ctx.analytic, slope)


def backward_hidden(sub: Submission, ctx: Context, name: str) -> None:
    for shape in ((4, 3), (6, 2), (3, 5)):
        dA = ctx.rng.normal(size=shape)
        Z = away_from_kinks(ctx.rng, shape)
        slope = reference_slope(ctx, name, Z)
        expected = getattr(ctx.reference, name)(dA, Z)
        check_backward(sub, ctx, name, dA, Z, expected, ctx.analytic, slope)


def backward_gradient_check(sub: Submission, ctx: Context, name: str, forward: str) -> None:
    """d/dZ of sum(dA * forward(Z)), by central differences of the student's own forward."""
    for shape in ((4, 3), (6, 2), (3, 5)):
        dA = ctx.rng.normal(size=shape)
        Z = away_from_kinks(ctx.rng, shape, scale=2.0, margin=0.1).clip(-5.0, 5.0)
        got = backward_of(sub, name, dA, Z)
        slope = elementwise_slope(sub, forward, Z)
        expected = dA * slope
        tol = ctx.finite_difference_for(expected)
        against = f", against central differences of your {forward}"
        check_backward(sub, ctx, name, dA, Z, expected, tol, slope, got, against)


@grader.check("sigmoid-backward-course-example", exercise="sigmoid_backward")
def sigmoid_backward_example(sub: Submission, ctx: Context) -> None:
    """sigmoid_backward gives dA * s * (1 - s), s = sigmoid(Z), on the course example"""
    backward_example(sub, ctx, "sigmoid_backward", example("activation"))


@grader.check("sigmoid-backward-hidden", exercise="sigmoid_backward")
def sigmoid_backward_hidden(sub: Submission, ctx: Context) -> None:
    """sigmoid_backward matches the reference on hidden arrays and leaves its inputs unchanged"""
    backward_hidden(sub, ctx, "sigmoid_backward")


@grader.check("sigmoid-backward-gradient-check", exercise="sigmoid_backward")
def sigmoid_backward_gradient_check(sub: Submission, ctx: Context) -> None:
    """sigmoid_backward agrees with central differences of your sigmoid"""
    backward_gradient_check(sub, ctx, "sigmoid_backward", "sigmoid")


@grader.check("tanh-backward-course-example", exercise="tanh_backward")
def tanh_backward_example(sub: Submission, ctx: Context) -> None:
    """tanh_backward gives dA * (1 - tanh(Z)**2) on the course example"""
    backward_example(sub, ctx, "tanh_backward", example("activation"))


@grader.check("tanh-backward-hidden", exercise="tanh_backward")
def tanh_backward_hidden(sub: Submission, ctx: Context) -> None:
    """tanh_backward matches the reference on hidden arrays and leaves its inputs unchanged"""
    backward_hidden(sub, ctx, "tanh_backward")


@grader.check("tanh-backward-any-shape", exercise="tanh_backward")
def tanh_backward_shapes(sub: Submission, ctx: Context) -> None:
    """tanh_backward works on 1-D and 3-D arrays, agreeing with central differences of np.tanh"""
    for shape in ((5,), (2, 3, 4), (1, 7)):
        dA = ctx.rng.normal(size=shape)
        Z = ctx.rng.normal(0.0, 1.5, size=shape)
        h = step_sizes(Z)
        slope = (np.tanh(Z + h) - np.tanh(Z - h)) / ((Z + h) - (Z - h))
        expected = dA * slope
        tol = ctx.finite_difference_for(expected)
        against = ", against central differences of np.tanh"
        check_backward(sub, ctx, "tanh_backward", dA, Z, expected, tol, slope, against=against)


@grader.check("relu-course-example", exercise="relu")
def relu_example(sub: Submission, ctx: Context) -> None:
    """relu([-2, -0.5, 0, 1.5, 3]) is [0, 0, 0, 1.5, 3]"""
    Z = _array([-2.0, -0.5, 0.0, 1.5, 3.0])
    what = "relu([-2, -0.5, 0, 1.5, 3])"
    got = as_array(sub.call("relu", Z.copy()), what, (5,))
    require(mismatch(got, ctx.reference.relu(Z), what, ctx.analytic))


@grader.check("relu-leaves-input-unchanged", exercise="relu")
def relu_unchanged(sub: Submission, ctx: Context) -> None:
    """relu([[-1, 2], [3, -4]]) returns a new array and leaves Z unchanged"""
    Z = _array([[-1.0, 2.0], [3.0, -4.0]])
    what = "relu([[-1, 2], [3, -4]])"
    called = sub.call_keep("relu", Z.copy())
    require(
        mismatch(as_array(called.value, what, (2, 2)), ctx.reference.relu(Z), what, ctx.analytic)
    )
    require_unchanged(called, {"Z": Z}, what)


@grader.check("relu-hidden-values", exercise="relu")
def relu_hidden(sub: Submission, ctx: Context) -> None:
    """relu matches max(Z, 0) on hidden arrays"""
    for shape in ((4, 3), (9,), (2, 2, 3)):
        Z = ctx.rng.normal(0.0, 2.0, size=shape)
        got = as_array(sub.call("relu", Z), "relu(Z)", shape)
        require(mismatch(got, ctx.reference.relu(Z), "relu(Z)", ctx.analytic))


@grader.check("relu-backward-course-example", exercise="relu_backward")
def relu_backward_example(sub: Submission, ctx: Context) -> None:
    """relu_backward gives dA where Z > 0 and 0 elsewhere on the course example"""
    backward_example(sub, ctx, "relu_backward", example("activation"))


@grader.check("relu-backward-at-zero", exercise="relu_backward")
def relu_backward_zero(sub: Submission, ctx: Context) -> None:
    """relu_backward gives 0 where Z is exactly 0"""
    backward_example(sub, ctx, "relu_backward", example("relu_at_zero"))


@grader.check("relu-backward-hidden", exercise="relu_backward")
def relu_backward_hidden(sub: Submission, ctx: Context) -> None:
    """relu_backward matches the reference on hidden arrays and leaves its inputs unchanged"""
    backward_hidden(sub, ctx, "relu_backward")


@grader.check("relu-backward-gradient-check", exercise="relu_backward")
def relu_backward_gradient_check(sub: Submission, ctx: Context) -> None:
    """relu_backward agrees with central differences of your relu (away from Z = 0)"""
    backward_gradient_check(sub, ctx, "relu_backward", "relu")


# -- mse_loss ----------------------------------------------------------------------------


def mse_parts(value: Any, name: str) -> tuple[float, np.ndarray]:
    """(loss, dpred) from what the student's ``name`` (an mse_loss) returned, validated."""
    what = f"{name}(pred, y)"
    loss_value, dpred_value = as_tuple(value, what, 2)
    return as_float(loss_value, f"{what} -> loss"), as_array(dpred_value, f"{what} -> dpred")


def mse_of(sub: Submission, name: str, pred: np.ndarray, y: np.ndarray, keep: bool = False) -> Any:
    """Call the student's ``name`` (an mse_loss); with ``keep``, check that no input changed."""
    called = sub.call_keep(name, pred, y)
    loss, dpred = mse_parts(called.value, name)
    if keep:
        require_unchanged(called, {"pred": pred, "y": y}, f"{name}(pred, y)")
    return loss, dpred


def distinct(mistakes: Mistakes, correct: Any, tol: Tolerance) -> Mistakes:
    """The mistakes whose predicted output differs from the correct one on these inputs.

    On one output column, dividing by len(pred) is dividing by pred.size: that model
    then predicts the right answer and must not name a mistake.
    """
    return [(hint, p) for hint, p in mistakes if not close(p, correct, tol)]


def mse_mistakes(pred: np.ndarray, y: np.ndarray) -> Mistakes:
    """What each dpred mistake returns (the correct dpred is 2 * diff / diff.size)."""
    diff = pred - y
    return [
        ("mse_missing_factor_2", diff / diff.size),
        ("mse_missing_1_over_n", 2 * diff),
        ("mse_missing_1_over_n", diff),
        ("mse_mean_over_rows", 2 * diff / len(diff)),
    ]


def mse_loss_mistakes(pred: np.ndarray, y: np.ndarray) -> Mistakes:
    """What each loss mistake returns (the correct loss is mean(diff ** 2))."""
    diff = pred - y
    return [("mse_mean_over_rows", float(np.sum(diff**2)) / len(diff))]


def check_mse(sub: Submission, ctx: Context, pred: np.ndarray, y: np.ndarray) -> None:
    loss, dpred = mse_of(sub, "mse_loss", pred, y, keep=True)
    expected_loss, expected_dpred = ctx.reference.mse_loss(pred, y)
    loss_mistakes = distinct(mse_loss_mistakes(pred, y), expected_loss, ctx.analytic)
    require(
        mismatch(
            loss, expected_loss, "mse_loss(pred, y) -> loss", ctx.analytic, mistakes=loss_mistakes
        )
    )
    mistakes = distinct(mse_mistakes(pred, y), expected_dpred, ctx.analytic)
    require(
        mismatch(
            dpred, expected_dpred, "mse_loss(pred, y) -> dpred", ctx.analytic, mistakes=mistakes
        )
    )


@grader.check("mse-loss-course-example", exercise="mse_loss")
def mse_example(sub: Submission, ctx: Context) -> None:
    """mse_loss gives mean((pred - y)**2) and 2 * (pred - y) / pred.size on the course example"""
    inputs = example("mse")
    with showing(shown(inputs)):
        check_mse(sub, ctx, inputs["pred"], inputs["y"])


@grader.check("mse-loss-hidden", exercise="mse_loss")
def mse_hidden(sub: Submission, ctx: Context) -> None:
    """mse_loss matches the reference on hidden batches and leaves its inputs unchanged"""
    for shape in ((5, 1), (4, 3), (8, 2)):
        check_mse(sub, ctx, ctx.rng.normal(size=shape), ctx.rng.normal(size=shape))


def mse_numerical(sub: Submission, pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Central differences of the student's own loss with respect to pred."""

    def losses(changes: list[tuple[int, float]]) -> list[float]:
        values = sub.call_varied("mse_loss", (pred, y), (0,), changes, pick=0)
        return [as_float(v, "mse_loss(pred, y) -> loss") for v in values]

    return central_gradient_of_changes(losses, pred)


@grader.check("mse-loss-gradient-check", exercise="mse_loss")
def mse_gradient_check(sub: Submission, ctx: Context) -> None:
    """mse_loss's dpred agrees with central differences of your loss"""
    for shape in ((5, 1), (4, 3), (3, 2)):
        pred, y = ctx.rng.normal(size=shape), ctx.rng.normal(size=shape)
        _, dpred = mse_of(sub, "mse_loss", pred, y)
        numerical = mse_numerical(sub, pred, y)
        tol = ctx.finite_difference_for(numerical)
        if close(numerical, dpred, tol):
            continue
        _, expected_dpred = ctx.reference.mse_loss(pred, y)
        if close(dpred, expected_dpred, ctx.analytic):
            # dpred is right: what disagrees with it is the loss
            raise CheckFailure(
                "mse_loss(pred, y) -> loss: its central differences do not match your dpred, "
                "which is right (2 * (pred - y) / pred.size): the loss is not "
                "mean((pred - y) ** 2)"
            )
        what = "mse_loss(pred, y) -> dpred, against central differences of your loss"
        mistakes = distinct(mse_mistakes(pred, y), expected_dpred, ctx.analytic)
        require(mismatch(dpred, numerical, what, tol, mistakes=mistakes))


# -- mlp_loss_and_grads ----------------------------------------------------------------------


def mlp_grads(params: Arrays, X: np.ndarray, y: np.ndarray, mistake: str = "") -> Arrays:
    """The gradients, or what a given mistake in the backward pass returns instead."""
    Z1 = X @ params["W1"] + params["b1"]
    H = np.tanh(Z1)
    pred = H @ params["W2"] + params["b2"]
    dpred = 2 * (pred - y) / pred.size
    dpred *= {"mse_missing_factor_2": 0.5, "mse_missing_1_over_n": pred.size}.get(mistake, 1.0)
    dH = dpred @ params["W2"].T
    slope = {"missing_tanh_chain": 1.0, "derivative_of_activation": 1 - Z1**2}.get(
        mistake, 1 - H**2
    )
    dZ1 = dH * slope

    def weight(X_: np.ndarray, dZ: np.ndarray) -> np.ndarray:
        return (X_.T @ dZ).T if mistake == "dW_transposed" else X_.T @ dZ

    def bias(dZ: np.ndarray) -> np.ndarray:
        return {"db_averaged": dZ.mean(axis=0), "db_not_summed": dZ}.get(mistake, dZ.sum(axis=0))

    return {"W1": weight(X, dZ1), "b1": bias(dZ1), "W2": weight(H, dpred), "b2": bias(dpred)}


MLP_MISTAKES = [
    "missing_tanh_chain",
    "derivative_of_activation",
    "mse_missing_factor_2",
    "mse_missing_1_over_n",
    "db_averaged",
    "db_not_summed",
    "dW_transposed",
]


def mlp_parts(value: Any, name: str) -> tuple[float, Arrays]:
    """(loss, grads) from what the student's ``name`` (an mlp_loss_and_grads) returned,
    validated."""
    what = f"{name}(params, X, y)"
    loss_value, grads_value = as_tuple(value, what, 2)
    loss = as_float(loss_value, f"{what} -> loss")
    grads = as_dict(grads_value, f"{what} -> grads", PARAM_KEYS)
    return loss, {key: as_array(grads[key], f"{what} -> grads[{key!r}]") for key in PARAM_KEYS}


def mlp_of(
    sub: Submission, name: str, params: Arrays, X: np.ndarray, y: np.ndarray
) -> tuple[float, Arrays]:
    """Call the student's ``name`` (an mlp_loss_and_grads); check the result's form and
    that no input changed."""
    called = sub.call_keep(name, params, X, y)
    loss, arrays = mlp_parts(called.value, name)
    require_unchanged(called, {"params": params, "X": X, "y": y}, f"{name}(params, X, y)")
    return loss, arrays


def mlp_title(what: str, params: Arrays, X: np.ndarray, y: np.ndarray) -> str:
    n, d = X.shape
    sizes = f"N={n}, D={d}, H={params['W1'].shape[1]}, O={y.shape[1]}"
    return f"{what}: relative error per entry ({sizes})"


def check_mlp(sub: Submission, ctx: Context, params: Arrays, X: np.ndarray, y: np.ndarray) -> None:
    loss, grads = mlp_of(sub, "mlp_loss_and_grads", params, X, y)
    expected_loss, expected = ctx.reference.mlp_loss_and_grads(params, X, y)
    title = mlp_title("mlp_loss_and_grads(params, X, y) -> grads", params, X, y)
    error_heatmap(ctx, title, grads, expected)
    require(mismatch(loss, expected_loss, "mlp_loss_and_grads(params, X, y) -> loss", ctx.analytic))
    mistakes = [(hint, mlp_grads(params, X, y, hint)) for hint in MLP_MISTAKES]
    require(
        mismatch_dict(
            grads,
            expected,
            "mlp_loss_and_grads(params, X, y) -> grads",
            ctx.analytic,
            mistakes=mistakes,
            explanations=blocks_of(expected),
        )
    )


def mlp_inputs(
    rng: np.random.Generator, n: int, d: int, h: int, o: int
) -> tuple[Arrays, np.ndarray, np.ndarray]:
    params = {
        "W1": rng.normal(0.0, 0.8, size=(d, h)),
        "b1": rng.normal(0.0, 0.5, size=h),
        "W2": rng.normal(0.0, 0.8, size=(h, o)),
        "b2": rng.normal(0.0, 0.5, size=o),
    }
    return params, rng.normal(size=(n, d)), rng.normal(size=(n, o))


MLP_SHAPES = [(5, 3, 4, 2), (6, 2, 5, 3), (7, 4, 3, 1)]  # (N, D, H, O)


def mlp_example() -> tuple[Arrays, np.ndarray, np.ndarray]:
    inputs = example("mlp")
    return {key: inputs[key] for key in PARAM_KEYS}, inputs["X"], inputs["y"]


@grader.check("mlp-course-example", exercise="mlp_loss_and_grads")
def mlp_course_example(sub: Submission, ctx: Context) -> None:
    """mlp_loss_and_grads matches the reference on the course example (a 2-3-1 net, 4 samples)"""
    with showing(shown(example("mlp"))):
        check_mlp(sub, ctx, *mlp_example())


@grader.check("mlp-contract", exercise="mlp_loss_and_grads")
def mlp_contract(sub: Submission, ctx: Context) -> None:
    """mlp_loss_and_grads returns (loss, grads) with grads shaped like params, inputs unchanged"""
    params, X, y = mlp_example()
    with showing(shown(example("mlp"))):
        _, grads = mlp_of(sub, "mlp_loss_and_grads", params, X, y)
        for key in PARAM_KEYS:
            got, wanted = grads[key].shape, params[key].shape
            if got != wanted:
                hint = None
                if key.startswith("W") and got == wanted[::-1]:
                    hint = "dW_transposed"
                if key.startswith("b") and got[-1:] == wanted and len(got) == 2:
                    hint = "db_not_summed"
                raise CheckFailure(
                    f"grads[{key!r}]: got shape {got}, expected shape {wanted} "
                    f"(the shape of params[{key!r}])",
                    hint=hint,
                )


@grader.check("mlp-hidden-networks", exercise="mlp_loss_and_grads")
def mlp_hidden(sub: Submission, ctx: Context) -> None:
    """mlp_loss_and_grads matches the reference loss and gradients on hidden networks"""
    for shape in MLP_SHAPES:
        check_mlp(sub, ctx, *mlp_inputs(ctx.rng, *shape))


def mlp_numerical(sub: Submission, params: Arrays, X: np.ndarray, y: np.ndarray) -> Arrays:
    """Central differences of the student's own loss, one parameter block at a time."""

    def losses_of(key: str) -> Callable[[list[tuple[int, float]]], list[float]]:
        def losses(changes: list[tuple[int, float]]) -> list[float]:
            values = sub.call_varied("mlp_loss_and_grads", (params, X, y), (0, key), changes, 0)
            return [as_float(v, "mlp_loss_and_grads(params, X, y) -> loss") for v in values]

        return losses

    return {key: central_gradient_of_changes(losses_of(key), params[key]) for key in PARAM_KEYS}


@grader.check("mlp-gradient-check", exercise="mlp_loss_and_grads")
def mlp_gradient_check(sub: Submission, ctx: Context) -> None:
    """mlp_loss_and_grads's gradients agree with central differences of your own loss"""
    for shape in MLP_SHAPES:
        params, X, y = mlp_inputs(ctx.rng, *shape)
        _, grads = mlp_of(sub, "mlp_loss_and_grads", params, X, y)
        numerical = mlp_numerical(sub, params, X, y)
        tol = ctx.finite_difference_for(np.concatenate([g.ravel() for g in numerical.values()]))
        mistakes = [(hint, mlp_grads(params, X, y, hint)) for hint in MLP_MISTAKES]
        what = "mlp_loss_and_grads(params, X, y) -> grads"
        against = f"{what}, against central differences of your loss"
        error_heatmap(ctx, mlp_title(against, params, X, y), grads, numerical)
        note = "(expected: central differences of the loss your function returns)"
        require(
            noted(
                mismatch_dict(
                    grads,
                    numerical,
                    what,
                    tol,
                    mistakes=mistakes,
                    explanations=blocks_of(numerical),
                ),
                note,
            )
        )


# -- Value (going deeper) ------------------------------------------------------------------------


class PlannedValue:
    """A student's Value in a plan, driven with Python's own operator dispatch.

    The same expression code runs on the reference Value (the expected result)
    and on this wrapper, so ``3.0 - a`` reaches the student's ``__rsub__``
    exactly as it would in their own code. Each operation is a step of one
    ``Plan``: the whole expression, ``backward()`` and the values read back
    cost one round trip.
    """

    def __init__(self, step: Step, made_by: str, nodes: list[PlannedValue]) -> None:
        self.step = step
        self.made_by = made_by
        self.nodes = nodes
        nodes.append(self)

    @classmethod
    def leaf(cls, plan: Plan, x: float, nodes: list[PlannedValue]) -> PlannedValue:
        return cls(plan.call("Value", x), "Value(x)", nodes)

    def made(self) -> None:
        """CheckFailure unless the operation that made this node returned a Value."""
        out = self.step.value
        if type(out) is not RemoteObject or out.type_name in ("NotImplementedType", "NoneType"):
            raise CheckFailure(f"{self.made_by} returned {describe(out)}, expected a new Value")

    def _apply(self, name: str, *args: Any) -> PlannedValue:
        plain = [arg.step if isinstance(arg, PlannedValue) else arg for arg in args]
        step = self.step.plan.method(self.step, name, *plain)
        return PlannedValue(step, f"Value.{name}", self.nodes)

    def __add__(self, other: Any) -> PlannedValue:
        return self._apply("__add__", other)

    def __radd__(self, other: Any) -> PlannedValue:
        return self._apply("__radd__", other)

    def __sub__(self, other: Any) -> PlannedValue:
        return self._apply("__sub__", other)

    def __rsub__(self, other: Any) -> PlannedValue:
        return self._apply("__rsub__", other)

    def __mul__(self, other: Any) -> PlannedValue:
        return self._apply("__mul__", other)

    def __rmul__(self, other: Any) -> PlannedValue:
        return self._apply("__rmul__", other)

    def __truediv__(self, other: Any) -> PlannedValue:
        return self._apply("__truediv__", other)

    def __rtruediv__(self, other: Any) -> PlannedValue:
        return self._apply("__rtruediv__", other)

    def __pow__(self, exponent: float) -> PlannedValue:
        return self._apply("__pow__", exponent)

    def tanh(self) -> PlannedValue:
        return self._apply("tanh")

    def exp(self) -> PlannedValue:
        return self._apply("exp")

    def relu(self) -> PlannedValue:
        return self._apply("relu")


Expression = Callable[..., Any]


def run_expression(
    sub: Submission, expression: Expression, inputs: Sequence[float]
) -> tuple[float, list[float]]:
    """Build ``expression`` from student Values, call backward(); (out.data, leaf grads)."""
    return run_builds(sub, expression, inputs, 1)[0]


def run_builds(
    sub: Submission, expression: Expression, inputs: Sequence[float], builds: int
) -> list[tuple[float, list[float]]]:
    """``run_expression`` for ``builds`` separate builds of the same expression, each from
    new leaves: (out.data, leaf grads) per build.

    One round trip. Every node is checked to be a Value, in the order it was
    made, before anything the student's code raised later counts.
    """
    plan = sub.plan()
    nodes: list[PlannedValue] = []
    steps = []
    for build in range(builds):
        for _ in range(build):  # so that each build sits elsewhere in memory
            PlannedValue.leaf(plan, 0.0, nodes)
        leaves = [PlannedValue.leaf(plan, x, nodes) for x in inputs]
        out = expression(*leaves)
        backward = plan.method(out.step, "backward")
        data = plan.get(out.step, "data")
        steps.append((backward, data, [plan.get(leaf.step, "grad") for leaf in leaves]))
    plan.run()
    for node in nodes:
        node.made()
    results = []
    for backward, data, grads in steps:
        backward.value  # noqa: B018 (raises what backward() raised)
        results.append(
            (
                as_float(data.value, "Value.data"),
                [as_float(grad.value, "Value.grad") for grad in grads],
            )
        )
    return results


class _Assigning:
    """A model Value whose ``_backward`` of the operations in ``ASSIGNS`` writes ``=``, not ``+=``.

    Used to decide whether gradients that are assigned instead of accumulated explain
    a student's gradients (the value_grad_not_accumulated hint), never for a grade.
    """

    ASSIGNS: frozenset[str] = frozenset()

    def __init__(self, data: float, children: tuple[Any, ...] = ()) -> None:
        self.data, self.grad, self._prev = float(data), 0.0, children
        self._backward: Callable[[], None] = lambda: None

    def _pass(self, op: str, node: Any, amount: float) -> None:
        node.grad = amount if op in self.ASSIGNS else node.grad + amount

    def _lift(self, other: Any) -> Any:
        return other if isinstance(other, _Assigning) else type(self)(other)

    def _unary(self, op: str, data: float, slope: float) -> Any:
        out = type(self)(data, (self,))
        out._backward = lambda: self._pass(op, self, slope * out.grad)
        return out

    def __add__(self, other: Any) -> Any:
        other = self._lift(other)
        out = type(self)(self.data + other.data, (self, other))

        def backward() -> None:
            self._pass("+", self, out.grad)
            self._pass("+", other, out.grad)

        out._backward = backward
        return out

    def __mul__(self, other: Any) -> Any:
        other = self._lift(other)
        out = type(self)(self.data * other.data, (self, other))

        def backward() -> None:
            self._pass("*", self, other.data * out.grad)
            self._pass("*", other, self.data * out.grad)

        out._backward = backward
        return out

    def __pow__(self, k: float) -> Any:
        return self._unary("**", self.data**k, k * self.data ** (k - 1))

    def tanh(self) -> Any:
        t = math.tanh(self.data)
        return self._unary("tanh", t, 1 - t**2)

    def exp(self) -> Any:
        e = math.exp(self.data)
        return self._unary("exp", e, e)

    def relu(self) -> Any:
        return self._unary("relu", max(self.data, 0.0), float(self.data > 0))

    def __neg__(self) -> Any:
        return self * -1.0

    def __radd__(self, other: Any) -> Any:
        return self + other

    def __sub__(self, other: Any) -> Any:
        return self + (-self._lift(other))

    def __rsub__(self, other: Any) -> Any:
        return (-self) + other

    def __rmul__(self, other: Any) -> Any:
        return self * other

    def __truediv__(self, other: Any) -> Any:
        return self * self._lift(other) ** -1.0

    def __rtruediv__(self, other: Any) -> Any:
        return self**-1.0 * other

    def backward(self) -> None:
        order: list[Any] = []
        visited: set[int] = set()

        def visit(node: Any) -> None:
            if id(node) not in visited:
                visited.add(id(node))
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


ASSIGNING_OPS = ("+", "*", "**", "tanh", "exp", "relu")
# every op assigning, then each op alone (a student may write = in one _backward only)
ASSIGNING_MODELS = [frozenset(ASSIGNING_OPS)] + [frozenset([op]) for op in ASSIGNING_OPS]
# probes that tell assigned gradients from other mistakes: a wrong seed scales every grad
# (a + a + a), a wrong local derivative shows where every node is used once (the last)
ASSIGNING_PROBES: list[tuple[Expression, list[float]]] = [
    (lambda a: a + a + a, [3.0]),
    (lambda a: a * 2.0, [3.0]),
    (
        lambda a, b, c, d, e: (a * b).tanh() + c**3 + d.exp() + e.relu(),
        [0.7, -1.2, 1.3, 0.4, 0.9],
    ),
]


def assigned_grads(assigns: frozenset[str], expression: Expression, inputs: Sequence[float]) -> Any:
    """The leaf gradients of ``expression`` when the ops in ``assigns`` assign their grads."""
    model = type("AssigningValue", (_Assigning,), {"ASSIGNS": assigns})
    leaves = [model(x) for x in inputs]
    try:
        expression(*leaves).backward()
    except (ArithmeticError, ValueError):
        return None
    return [leaf.grad for leaf in leaves]


def not_accumulated(
    sub: Submission, ctx: Context, expression: Expression, inputs: Sequence[float]
) -> bool:
    """Does a model whose gradients are assigned (=) reproduce the student's grads here
    and on the probes, and differ from the right grads here?"""
    try:
        runs = [(expression, inputs, run_expression(sub, expression, inputs)[1])]
        runs += [(e, x, run_expression(sub, e, x)[1]) for e, x in ASSIGNING_PROBES]
    except (CheckFailure, StudentError):
        return False
    correct = assigned_grads(frozenset(), expression, inputs)
    for assigns in ASSIGNING_MODELS:
        predicted = [assigned_grads(assigns, e, x) for e, x, _ in runs]
        if predicted[0] is None or close(predicted[0], correct, ctx.analytic):
            continue
        if all(
            p is not None and close(got, p, ctx.analytic)
            for (_, _, got), p in zip(runs, predicted, strict=True)
        ):
            return True
    return False


def check_expression(
    sub: Submission,
    ctx: Context,
    expression: Expression,
    inputs: Sequence[float],
    what: str,
) -> None:
    """Build ``expression`` from student and from reference Values; compare data and grads.

    Wrong gradients are put down to gradients that are assigned instead of
    accumulated only when a model with ``=`` in some ``_backward`` reproduces them
    (here and on small probes).
    """
    try:
        compare_expression(sub, ctx, expression, inputs, what)
    except CheckFailure as failure:
        if (
            failure.hint is None
            and ".grad" in failure.message
            and not_accumulated(sub, ctx, expression, inputs)
        ):
            failure.hint = "value_grad_not_accumulated"
        raise


# A correct backward() gives the same gradients however it orders the nodes (up to
# rounding); one whose result depends on the order (say, = instead of += and the
# children kept in a set, whose order follows memory addresses) may be right on one
# build and wrong on the next. Each expression is built this many times, so that
# such code fails (almost) every time, not by the luck of a run. (Only an expression in
# which a node feeds two others can be order-dependent: the others are built once.)
BUILDS = 6


def compare_expression(
    sub: Submission,
    ctx: Context,
    expression: Expression,
    inputs: Sequence[float],
    what: str,
) -> None:
    names = "abcdefgh"[: len(inputs)]
    reference_leaves = [ctx.reference.Value(x) for x in inputs]
    expected = expression(*reference_leaves)
    expected.backward()
    builds = run_builds(sub, expression, inputs, BUILDS if shares_a_node(expected) else 1)
    for data, grads in builds:
        require(mismatch(data, expected.data, f"{what}: the output's .data", ctx.analytic))
        for name, grad, reference_leaf in zip(names, grads, reference_leaves, strict=True):
            failure = mismatch(
                grad, reference_leaf.grad, f"{what}: {name}.grad after backward()", ctx.analytic
            )
            if failure is not None:
                raise with_unsteady_builds(failure, builds, names, ctx)


def shares_a_node(out: Any) -> bool:
    """Whether a node of the reference's graph of ``out`` is an input of two nodes: only
    then can the order in which backward() visits the nodes change its result."""
    parents: dict[int, int] = {}
    seen: set[int] = set()
    pending = [out]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for child in set(map(id, node._prev)):
            parents[child] = parents.get(child, 0) + 1
        pending.extend(node._prev)
    return any(count > 1 for count in parents.values())


def with_unsteady_builds(
    failure: CheckFailure,
    builds: list[tuple[float, list[float]]],
    names: str,
    ctx: Context,
) -> CheckFailure:
    """``failure``, saying so when the builds of the same expression gave different
    gradients (the values only in the detail)."""
    differing = [
        name
        for k, name in enumerate(names[: len(builds[0][1])])
        if not all(close(grads[k], builds[0][1][k], ctx.analytic) for _, grads in builds)
    ]
    if not differing:
        return failure
    name = differing[0]
    seen = ", ".join(f"{grads[names.index(name)]:.8g}" for _, grads in builds)
    sentence = (
        f"Built {len(builds)} times, the same expression gave different gradients: your "
        "backward() depends on the order in which it visits the nodes, which a correct one "
        "does not."
    )
    return CheckFailure(
        f"{failure.message}\n  {sentence}",
        hint=failure.hint,
        detail=f"{failure.detail or failure.message}\n  {sentence} ({name}.grad: {seen})",
        relation=failure.relation,
    )


@grader.check("value-course-example", exercise="Value")
def value_example(sub: Submission, ctx: Context) -> None:
    """Value: c = a * b + a ** 2 at a = 2, b = -3 gives c.data = -2, a.grad = 1, b.grad = 2"""
    check_expression(
        sub,
        ctx,
        lambda a, b: a * b + a**2,
        [2.0, -3.0],
        "c = a * b + a ** 2 with a = Value(2.0), b = Value(-3.0)",
    )


@grader.check("value-numbers-on-either-side", exercise="Value")
def value_numbers(sub: Submission, ctx: Context) -> None:
    """Value: + - * / work with numbers on either side (3 + a, a - 1, 2 * a, 6 / a, ...)"""
    cases: list[tuple[str, Expression]] = [
        ("3 + a", lambda a: 3.0 + a),
        ("a + 3", lambda a: a + 3.0),
        ("a - 1", lambda a: a - 1.0),
        ("1 - a", lambda a: 1.0 - a),
        ("2 * a", lambda a: 2.0 * a),
        ("a * 2", lambda a: a * 2.0),
        ("a / 4", lambda a: a / 4.0),
        ("6 / a", lambda a: 6.0 / a),
    ]
    for text, expression in cases:
        check_expression(sub, ctx, expression, [1.5], f"{text} with a = Value(1.5)")
    check_expression(
        sub,
        ctx,
        lambda a, b: (a - b) * (a / b),
        [1.5, -0.5],
        "(a - b) * (a / b) with a = Value(1.5), b = Value(-0.5)",
    )


@grader.check("value-reuse-accumulates", exercise="Value")
def value_reuse(sub: Submission, ctx: Context) -> None:
    """Value: a node used twice sums both gradients (a + a, a * a, via tanh/relu, a diamond)"""
    check_expression(sub, ctx, lambda a: a + a, [3.0], "a + a with a = Value(3.0)")
    check_expression(sub, ctx, lambda a: a * a, [3.0], "a * a with a = Value(3.0)")
    # reuse through tanh() and relu(): their _backward must add to a.grad as well
    check_expression(sub, ctx, lambda a: a.tanh() + a, [0.8], "a.tanh() + a with a = Value(0.8)")
    check_expression(sub, ctx, lambda a: a.relu() * a, [1.5], "a.relu() * a with a = Value(1.5)")

    def diamond(a: Any) -> Any:
        b = a.tanh()
        return b * b + b.exp()

    check_expression(sub, ctx, diamond, [0.7], "b * b + b.exp() with b = Value(0.7).tanh()")


def _reuse_through_tanh_relu(a: Any, b: Any, c: Any) -> Any:
    d = b - c  # > 0 on the hidden inputs: away from relu's kink
    return (a * b).tanh() * a + d.relu() * d + (c.tanh() + c)


def _expressions() -> list[tuple[str, Expression]]:
    return [
        ("a hidden expression using * + tanh", lambda a, b, c: (a * b + c).tanh() * a),
        ("a hidden expression using - ** /", lambda a, b, c: (a - b) ** 2 / c),
        (
            "a hidden expression using exp * + - **",
            lambda a, b, c: (a.exp() + b * c) * (2.0 - a) + c**3,
        ),
        (
            "a hidden expression using relu tanh * + - / **",
            lambda a, b, c: (
                ((2.0 * a + b).relu() + (b - 2.0).relu() + (c - 1.0).tanh()) / (1.0 + a**2)
            ),
        ),
        (
            "a hidden expression reusing nodes through tanh and relu",
            _reuse_through_tanh_relu,
        ),
    ]


@grader.check("value-hidden-expressions", exercise="Value")
def value_hidden(sub: Submission, ctx: Context) -> None:
    """Value: data and gradients match the reference on hidden expressions"""
    for text, expression in _expressions():
        for _ in range(3):
            a = float(ctx.rng.uniform(0.5, 1.5))
            b = float(ctx.rng.uniform(0.2, 1.0))
            c = float(ctx.rng.uniform(-1.5, -0.5))
            check_expression(sub, ctx, expression, [a, b, c], text)


@grader.check("value-unary-ops", exercise="Value")
def value_unary(sub: Submission, ctx: Context) -> None:
    """Value: tanh(), exp() and relu() have the right values and local derivatives"""
    for _ in range(3):
        x = float(away_from_kinks(ctx.rng, (1,), scale=1.0)[0])
        check_expression(sub, ctx, lambda a: a.tanh(), [x], "a.tanh()")
        check_expression(sub, ctx, lambda a: a.exp(), [x], "a.exp()")
        check_expression(sub, ctx, lambda a: a.relu(), [x], "a.relu()")
        check_expression(sub, ctx, lambda a: a.relu(), [-x], "a.relu()")
