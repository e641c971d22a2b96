"""Grader for m2_gradients: numerical gradients, the two-knob profit model, gradient ascent.

Every function the student differentiates or climbs (``f``, ``grad_fn``) is a
grader callable: it stays in this process, checks the shape it is called with,
and records where it was evaluated, so a check can compare gradient ascent
step by step and stop a run that climbs the wrong way.

Tolerances (the numerics policy of docs/contract.md, values from course_config.yml):

- analytic formulas (profit, its gradient, the directional derivative) against
  the reference: ``ctx.analytic``;
- finite differences against exact central differences with the same ``h``, or
  against an analytic gradient: ``ctx.finite_difference`` with ``atol`` scaled by
  ``max(1, max|expected|)``;
- the Hessian's four-point differences divide rounding errors by ``4 h**2``
  (``h = 1e-4``), so they get a looser tolerance:
  ``rtol = 10 * finite_difference.rtol`` (1e-4) and ``atol = rtol * max(1, max|H|)``;
- gradient ascent is pure arithmetic: ``ctx.arithmetic``, step by step;
- "x is unchanged afterwards" allows rounding-level drift (``1e-13`` relative),
  so that nudging an entry in place and putting it back by arithmetic passes;
- climbs with the defaults of gradient_ascent go to a top at 0 and stop on tol=1e-8
  among tiny iterates: ``ctx.arithmetic`` itself, not scaled by ``max(1, |x|)``.

Defaults: a default off by a small factor barely moves a result, so they are checked
where they show exactly. The default h of numerical_gradient, numerical_jacobian and
numerical_hessian: where f is evaluated (x ± 1e-5 e_i; for the Hessian, the points that
nudge two entries nudge one by 1e-4). gradient_ascent's lr: where the first step ends;
its tol: the step where a run stops; its max_steps is read from the ``def`` line (when
written as a number), because a run that shows it takes 10000 round trips to grad_fn.

Figures (docs/figures.md): the gradient ascent checks record the student's path and
the reference's (the points where grad_fn was called, then the returned x) over the
contours of the function climbed; paths in more than two variables are drawn on their
first two coordinates, without contours. Figures are computed here, from values the
check already has (no extra calls of student code), and never change a grade.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from calcgrade import (
    Called,
    CheckFailure,
    Context,
    Grader,
    StudentError,
    Submission,
    Tolerance,
    as_array,
    as_float,
    central_gradient,
    close,
    mismatch,
    mismatch_steps,
    require,
)
from calcgrade.figure_data import Built, contours, frame, path_of, point_or_none, thinned
from calcgrade.source_scan import definition

ONE_SIDED = (
    "This looks like a one-sided difference, such as (f(x + h e_i) - f(x)) / h: its error "
    "shrinks only like h. Use the central difference (f(x + h e_i) - f(x - h e_i)) / (2h), "
    "whose error shrinks like h**2."
)

HINTS = {
    "one_sided_difference": ONE_SIDED,
    "one_sided_difference_backward": ONE_SIDED.replace(
        "(f(x + h e_i) - f(x)) / h", "(f(x) - f(x - h e_i)) / h"
    ),
    "all_coordinates_at_once": (
        "Every entry of your gradient is the same number: you shifted all of x by h at once. "
        "Nudge one coordinate at a time: for each index i, add h to entry i only (on a copy), "
        "subtract h from entry i only, and divide the difference of f by 2h."
    ),
    "input_mutated": (
        "Your function changed the array it was given: afterwards it is not what the caller "
        "passed in. Work on a copy (x = np.array(x, dtype=float) makes one), or put every "
        "entry you nudge back to its old value."
    ),
    "one_d_only": (
        "Your gradient works on vectors but not on matrices: with x[i] and range(len(x)), a "
        "2-D x gives whole rows. Loop over every index with `for i in np.ndindex(x.shape)` and "
        "make the result with np.zeros(x.shape), so any shape works."
    ),
    "components_swapped": (
        "Your two gradient components are in the wrong order. Return them in the order of "
        "params: np.array([d profit / d price, d profit / d ad_spend])."
    ),
    "ascent_wrong_sign": (
        "Your steps go downhill, away from the maximum: gradient ascent climbs with "
        "x = x + lr * grad_fn(x). (x - lr * grad_fn(x) is gradient descent, which looks for a "
        "minimum.)"
    ),
    "step_size_ignored": (
        "Your result is a central difference with a different step than the h you were given: "
        "use the parameter h in both the nudge and the division by 2h, not a fixed number."
    ),
    "default_h": (
        "The contract's default step is h=1e-5: write `def numerical_gradient(f, x, h=1e-5):` "
        "and use that h when the caller gives none."
    ),
    "stopping_rule": (
        "Your loop stops one step late (or steps even when the gradient is already tiny). "
        "Before each step compute g = grad_fn(x) and stop if np.linalg.norm(g) < tol; only "
        "then take the step x = x + lr * g."
    ),
    "direction_not_normalised": (
        "Your answer grows with the length of direction. Divide by its length, "
        "np.linalg.norm(direction), so that only where it points matters."
    ),
    "ascent_defaults": (
        "A default value of gradient_ascent is not the contract's. Write "
        "`def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):` and use those "
        "values when the caller gives none: steps of 0.01 * grad_fn(x), at most 10000 of them, "
        "and stop as soon as np.linalg.norm(grad_fn(x)) < 1e-8."
    ),
    "jacobian_default_h": (
        "The contract's default step of numerical_jacobian is h=1e-5: write "
        "`def numerical_jacobian(f, x, h=1e-5):` and use that h when the caller gives none "
        "(column j is (f(x + h e_j) - f(x - h e_j)) / (2h))."
    ),
    "gradient_all_zero": (
        "Every entry of your gradient is 0: for each coordinate f was evaluated twice at the "
        "same point, or the entry was never stored. For each index i, make x + step and "
        "x - step differ in entry i (step = np.zeros(x.shape); step[i] = h), evaluate f at "
        "both, and store grad[i] = (f(x + step) - f(x - step)) / (2 * h)."
    ),
    "margin_wrong": (
        "Both components of your gradient are what a wrong margin gives. Both use the margin "
        "price - unit_cost: d/d price = units - price_sensitivity * margin and "
        "d/d ad_spend = margin * ad_effect / (2 * sqrt(ad_spend)) - 1. Compute "
        "margin = price - unit_cost (with that sign) before the two components use it."
    ),
    "ascent_steps_off_by_one": (
        "Your loop takes one step more, or one fewer, than max_steps: the x you return is "
        "the one after max_steps + 1 (or max_steps - 1) steps. `for _ in range(max_steps):` "
        "with one step x = x + lr * g in each pass takes exactly max_steps steps (fewer only "
        "when norm(g) < tol stops it)."
    ),
    "ascent_x_not_updated": (
        "Your x never moves: grad_fn is called again and again at x0. Each pass of the loop "
        "must take the step and keep it: x = x + lr * g, assigned back to x."
    ),
    "ascent_result_negated": (
        "Your climb visits the right points, but the x you return is minus the last one: "
        "return x itself."
    ),
    "hessian_index_range": (
        "Your loops over the entries run one index too far: x has n = x.size entries, "
        "numbered 0 to n - 1, so loop with `for i in range(n):` and `for j in range(i, n):` "
        "(not up to n + 1)."
    ),
    "hessian_default_h": (
        "The contract's default step of numerical_hessian is h=1e-4: write "
        "`def numerical_hessian(f, x, h=1e-4):` and use that h when the caller gives none "
        "(nudge x by +h and -h along e_i and e_j, and divide by 4h**2)."
    ),
}

grader = Grader("m2_gradients", HINTS)

# Drift allowed in an input that must be left unchanged (perturb-and-restore by arithmetic).
UNCHANGED = Tolerance(rtol=1e-13, atol=1e-13)


# -- shared helpers ------------------------------------------------------------


def hessian_tolerance(ctx: Context, expected: np.ndarray) -> Tolerance:
    """Four-point second differences: rtol 10x the finite-difference one, atol scaled."""
    rtol = 10 * ctx.finite_difference.rtol
    return Tolerance(rtol=rtol, atol=rtol * max(1.0, float(np.max(np.abs(expected)))))


def arithmetic_tolerance(ctx: Context, scale: float) -> Tolerance:
    """Pure arithmetic (a gradient step), atol scaled by the size of the iterates."""
    tol = ctx.arithmetic
    return Tolerance(rtol=tol.rtol, atol=max(tol.atol, tol.rtol * max(1.0, scale)))


def require_unchanged(before: np.ndarray, after: Any, what: str) -> None:
    """The caller's array must be as it was (up to rounding-level drift)."""
    require(
        mismatch(
            as_array(after, f"{what} after the call", before.shape),
            before,
            f"{what} after the call (it must be left unchanged)",
            UNCHANGED,
            hint="input_mutated",
        )
    )


def is_unchanged(before: np.ndarray, after: Any) -> bool:
    return isinstance(after, np.ndarray) and close(after, before, UNCHANGED)


def shaped(x: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    """What a grader callable received, as float64; a wrong shape is a clear error."""
    array = np.array(x, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(
            f"{name} was called with an array of shape {array.shape}, expected shape {shape} "
            "(the shape of x)"
        )
    return array


# -- figures (docs/figures.md) ------------------------------------------------------


def path_figure(
    ctx: Context,
    title: str,
    yours: np.ndarray,
    reference: np.ndarray,
    f: Callable[[np.ndarray], float] | None,
) -> None:
    """The student's path and the reference's; over the contours of f in two variables.

    With more variables the paths are drawn on their first two coordinates (no contours).
    """

    def build() -> Built:
        if len(yours) == 0 or len(reference) == 0:
            return None
        paths = {"yours": yours[:, :2], "reference": reference[:, :2]}
        data: dict[str, Any] = {
            "paths": {name: thinned(rows) for name, rows in paths.items()},
            "xlabel": "x[0]",
            "ylabel": "x[1]",
        }
        if f is not None and yours.shape[1] == 2:
            data["contours"] = contours(f, *frame(list(paths.values()), paths["reference"]))
        return "path", data

    n = reference.shape[1] if reference.ndim == 2 else 0
    shown = title if n <= 2 else f"{title} (the first 2 of {n} coordinates)"
    ctx.figure_of(shown, build)


def central_differences(f: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    """Exactly the contract: (f(x + h e_i) - f(x - h e_i)) / 2h for every index i."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        grad[index] = (f(plus) - f(minus)) / (2 * h)
    return grad


def one_sided(f: Callable[[np.ndarray], Any], x: np.ndarray, h: float) -> dict[str, np.ndarray]:
    """What the forward and the backward difference give, for every index of x: a
    gradient of scalar f (shape of x) or a Jacobian of vector f (outputs x inputs)."""
    value = f(x.copy())
    here = np.atleast_1d(np.asarray(value, dtype=np.float64)).ravel()
    vector = np.ndim(value) > 0
    forward, backward = [], []
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        forward.append((np.atleast_1d(np.asarray(f(plus), dtype=np.float64)).ravel() - here) / h)
        backward.append((here - np.atleast_1d(np.asarray(f(minus), dtype=np.float64)).ravel()) / h)

    def shaped_as(columns: list[np.ndarray]) -> np.ndarray:
        stacked = np.stack(columns, axis=1)  # outputs x inputs
        return stacked if vector else stacked.reshape(x.shape)

    return {
        "one_sided_difference": shaped_as(forward),
        "one_sided_difference_backward": shaped_as(backward),
    }


def all_at_once(f: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    """Mistake: shift the whole x by h and copy the one quotient into every entry."""
    return np.full(x.shape, (f(x + h) - f(x - h)) / (2 * h))


def first_axis_only(f: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    """Mistake: `for i in range(len(x)): x[i] += h` nudges whole rows of a matrix."""
    grad = np.zeros(x.shape)
    for i in range(x.shape[0]):
        step = np.zeros(x.shape)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


# -- test functions for the numerical gradient -------------------------------------


class Smooth:
    """f(x) = a . sin(v) + v M v / 2 + b . v with v = x.ravel(): smooth, all entries coupled."""

    def __init__(self, a: np.ndarray, M: np.ndarray, b: np.ndarray, shape: tuple[int, ...]):
        self.a, self.M, self.b, self.shape = a, M, b, shape

    @classmethod
    def random(cls, rng: np.random.Generator, shape: tuple[int, ...]) -> Smooth:
        n = int(np.prod(shape))
        R = rng.normal(0.0, 0.5, size=(n, n))
        return cls(
            rng.uniform(0.5, 2.0, n) * rng.choice([-1, 1], n), R + R.T, rng.normal(size=n), shape
        )

    def __call__(self, x: Any) -> float:
        v = shaped(x, self.shape, "f").ravel()
        return float(self.a @ np.sin(v) + 0.5 * v @ self.M @ v + self.b @ v)

    def gradient(self, x: np.ndarray) -> np.ndarray:
        v = x.ravel()
        return (self.a * np.cos(v) + self.M @ v + self.b).reshape(self.shape)


def course_f(x: Any) -> float:
    """f(x) = x0**2 + 3 x0 x1 + x1**3."""
    x0, x1 = shaped(x, (2,), "f")
    return float(x0**2 + 3 * x0 * x1 + x1**3)


COURSE_C = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def course_matrix_f(W: Any) -> float:
    """f(W) = sum(C * W**2) with C = [[1, 2, 3], [4, 5, 6]]."""
    return float(np.sum(COURSE_C * shaped(W, (2, 3), "f") ** 2))


def call_gradient(
    sub: Submission, f: Callable[[Any], float], x: np.ndarray, h: float | None
) -> tuple[Any, bool]:
    """Call numerical_gradient on a copy of x; the value and whether x was changed."""
    sent = x.copy()
    called: Called = (
        sub.call_keep("numerical_gradient", f, sent)
        if h is None
        else sub.call_keep("numerical_gradient", f, sent, h=h)
    )
    return called.value, not is_unchanged(x, called.args[1])


def works_on_vectors(sub: Submission, ctx: Context) -> bool:
    """A quiet probe: does numerical_gradient get the course's 1-D example right?"""
    x = np.array([1.0, 2.0])
    try:
        value, _ = call_gradient(sub, course_f, x, None)
        got = as_array(value, "numerical_gradient(f, x)", x.shape)
    except StudentError as error:
        if error.not_implemented:
            raise
        return False
    except CheckFailure:
        return False
    expected = central_differences(course_f, x, 1e-5)
    return close(got, expected, ctx.finite_difference_for(expected))


def check_gradient(
    sub: Submission,
    ctx: Context,
    f: Callable[[Any], float],
    x: np.ndarray,
    h: float | None,
    what: str,
    one_d_ok: bool | None = None,
) -> np.ndarray:
    """numerical_gradient(f, x[, h]) must equal the exact central differences with that h.

    ``one_d_ok`` (for arrays of 2 or more dimensions): whether the student is right on a
    vector; then a failure here is named one_d_only.
    """
    step = 1e-5 if h is None else h
    multi_hint = "one_d_only" if one_d_ok else None
    seen: list[np.ndarray] = []
    try:
        value, mutated = call_gradient(sub, recording(f, seen), x, h)
    except StudentError as error:
        if error.not_implemented or multi_hint is None:
            raise
        raise CheckFailure(
            f"{what}: raised {error.describe()}; it must work for an x of shape {x.shape}",
            hint=multi_hint,
        ) from None
    try:
        got = as_array(value, what, x.shape)
    except CheckFailure as failure:
        failure.hint = multi_hint
        raise
    expected = central_differences(f, x, step)
    mistakes = {"all_coordinates_at_once": all_at_once(f, x, step), **one_sided(f, x, step)}
    mistakes["gradient_all_zero"] = np.zeros(x.shape)
    if x.ndim > 1:
        mistakes["one_d_only"] = first_axis_only(f, x, step)
    if h is not None:
        mistakes["step_size_ignored"] = central_differences(f, x, 1e-5)
    fallback = "input_mutated" if mutated else multi_hint
    tol = ctx.finite_difference_for(expected)
    require(mismatch(got, expected, what, tol, mistakes=mistakes, hint=fallback))
    if h is None:
        require_default_step(seen, x, what)
    return got


def recording(f: Callable[[Any], Any], seen: list[np.ndarray]) -> Callable[[Any], Any]:
    """``f``, remembering (in ``seen``) every point it was evaluated at."""

    def recorded(point: Any) -> Any:
        value = f(point)  # first: f checks the point's shape
        seen.append(np.array(point, dtype=np.float64, copy=True))
        return value

    return recorded


def entry_steps(seen: list[np.ndarray], x: np.ndarray, entries: int) -> set[float]:
    """The sizes |point - x| of the entries changed, over the points of ``seen`` that
    change exactly ``entries`` entries of x (1: x ± h e_i; 2: x ± h e_i ± h e_j)."""
    steps: set[float] = set()
    for point in seen:
        if point.shape != x.shape:
            continue
        changed = np.flatnonzero(point != x)
        if changed.size == entries:
            steps.update(float(abs(point.flat[i] - x.flat[i])) for i in changed)
    return steps


def near_step(steps: set[float], h: float) -> bool:
    """Whether one of ``steps`` is h (up to the rounding of x + h - x)."""
    return any(abs(step - h) <= 1e-4 * h for step in steps)


def require_default_step(
    seen: list[np.ndarray], x: np.ndarray, what: str, hint: str = "default_h"
) -> None:
    """With the default h, the one-entry changes of x must be ±1e-5: a default h off by
    a small factor moves the gradient too little to show, but not where f is evaluated.
    The same for numerical_jacobian (its default h is 1e-5 too), with ``hint``."""
    steps = entry_steps(seen, x, 1)
    if steps and not near_step(steps, 1e-5):
        raise CheckFailure(
            f"{what} changed one entry of x at a time by {min(steps):.3g}, expected by 1e-05 "
            "(the default h of the contract)",
            hint=hint,
        )


def require_default_hessian_step(seen: list[np.ndarray], x: np.ndarray, what: str) -> None:
    """With the default h=1e-4, the points that change two entries of x (the mixed
    partials, x ± h e_i ± h e_j) must change one of them by 1e-4.

    Every central scheme with step h does: the four-point formula (which moves a diagonal
    entry by 2h, so the points that change one entry are not looked at), and differences
    of gradients, x ± h e_j ± h' e_i, whatever the inner step h' of the gradient. (A
    scheme with half steps, x ± h/2 e_i ± h/2 e_j over h**2, evaluates f exactly where the
    four-point formula with h/2 does: it is read as h/2, the course's ±h convention.)
    """
    steps = entry_steps(seen, x, 2)
    if steps and not near_step(steps, 1e-4):
        shown = ", ".join(list(dict.fromkeys(f"{step:.3g}" for step in sorted(steps)))[:3])
        raise CheckFailure(
            f"{what} evaluated f at points x ± h e_i ± h e_j that move the entries of x by "
            f"{shown}, expected by 1e-04 (the default h of the contract)",
            hint="hessian_default_h",
        )


# -- numerical_gradient -------------------------------------------------------------


@grader.check("numerical-gradient-course-example", exercise="numerical_gradient")
def gradient_course_example(sub: Submission, ctx: Context) -> None:
    """numerical_gradient of f(x) = x0**2 + 3 x0 x1 + x1**3 at x = [1, 2] is [8, 15]"""
    x = np.array([1.0, 2.0])
    what = "numerical_gradient(f, x) for f(x) = x0**2 + 3*x0*x1 + x1**3 at x = [1, 2]"
    value, mutated = call_gradient(sub, course_f, x, None)
    got = as_array(value, what, (2,))
    mistakes = {
        "all_coordinates_at_once": all_at_once(course_f, x, 1e-5),
        "gradient_all_zero": np.zeros(2),
    }
    expected = np.array([8.0, 15.0])  # [2 x0 + 3 x1, 3 x0 + 3 x1**2]
    require(
        mismatch(
            got,
            expected,
            what,
            ctx.finite_difference_for(expected),
            mistakes=mistakes,
            hint="input_mutated" if mutated else None,
        )
    )


@grader.check("numerical-gradient-matrix-example", exercise="numerical_gradient")
def gradient_matrix_example(sub: Submission, ctx: Context) -> None:
    """numerical_gradient works on a matrix: f(W) = sum(C * W**2) has gradient 2 C W"""
    W = np.array([[1.0, -1.0, 2.0], [0.5, 3.0, -2.0]])
    what = (
        "numerical_gradient(f, W) for f(W) = sum(C * W**2), C = [[1, 2, 3], [4, 5, 6]], "
        "W = [[1, -1, 2], [0.5, 3, -2]] (shape (2, 3))"
    )
    got = check_gradient(sub, ctx, course_matrix_f, W, None, what, works_on_vectors(sub, ctx))
    expected = 2 * COURSE_C * W
    require(mismatch(got, expected, what, ctx.finite_difference_for(expected)))


@grader.check("numerical-gradient-input-unchanged", exercise="numerical_gradient")
def gradient_input_unchanged(sub: Submission, ctx: Context) -> None:
    """numerical_gradient leaves the caller's x unchanged (a vector and a matrix)"""
    cases = [
        (course_f, np.array([1.0, 2.0]), "x = [1, 2]"),
        (course_matrix_f, np.array([[1.0, -1.0, 2.0], [0.5, 3.0, -2.0]]), "W of shape (2, 3)"),
    ]
    for f, x, shown in cases:
        try:
            called = sub.call_keep("numerical_gradient", f, x.copy())
        except StudentError as error:
            if error.not_implemented or x.ndim == 1:
                raise
            continue  # failing on a matrix is graded by the checks on matrices
        require_unchanged(x, called.args[1], f"x in numerical_gradient(f, x) with {shown}")


@grader.check("numerical-gradient-hidden-vectors", exercise="numerical_gradient")
def gradient_hidden_vectors(sub: Submission, ctx: Context) -> None:
    """numerical_gradient equals the central differences, with the given h, on hidden vectors"""
    for size, h in ((3, None), (5, 1e-3), (7, 0.05)):
        f = Smooth.random(ctx.rng, (size,))
        x = ctx.rng.uniform(-2.0, 2.0, size)
        shown = "default h" if h is None else f"h={h:g}"
        what = f"numerical_gradient(f, x) for a hidden f and x of shape ({size},), {shown}"
        got = check_gradient(sub, ctx, f, x, h, what)
        if h is None:  # with the default h, central differences are the exact gradient
            expected = f.gradient(x)
            require(mismatch(got, expected, what, ctx.finite_difference_for(expected)))


@grader.check("numerical-gradient-any-shape", exercise="numerical_gradient")
def gradient_any_shape(sub: Submission, ctx: Context) -> None:
    """numerical_gradient works for x of any shape: hidden matrices and a 3-D array"""
    one_d_ok = works_on_vectors(sub, ctx)
    for shape, h in (((3, 4), None), ((4, 2), 1e-3), ((2, 3, 4), None)):
        f = Smooth.random(ctx.rng, shape)
        x = ctx.rng.uniform(-2.0, 2.0, shape)
        what = f"numerical_gradient(f, x) for a hidden f and x of shape {shape}"
        check_gradient(sub, ctx, f, x, h, what, one_d_ok)


# -- business_profit and its gradient -------------------------------------------------

COURSE_SHOP = {"unit_cost": 2.0, "base_demand": 100.0, "price_sensitivity": 5.0, "ad_effect": 2.0}
COURSE_SHOWN = "unit_cost=2, base_demand=100, price_sensitivity=5, ad_effect=2"


def random_shops(ctx: Context, count: int) -> list[tuple[np.ndarray, dict[str, float]]]:
    """Hidden shops and [price, ad_spend] points where profit and both partials are not tiny."""
    shops: list[tuple[np.ndarray, dict[str, float]]] = []
    while len(shops) < count:
        shop = {
            "unit_cost": float(ctx.rng.uniform(1.0, 5.0)),
            "base_demand": float(ctx.rng.uniform(50.0, 200.0)),
            "price_sensitivity": float(ctx.rng.uniform(1.0, 8.0)),
            "ad_effect": float(ctx.rng.uniform(0.5, 5.0)),
        }
        params = np.array([ctx.rng.uniform(0.5, 30.0), ctx.rng.uniform(1.0, 200.0)])
        profit = ctx.reference.business_profit(params, **shop)
        grad = ctx.reference.business_profit_gradient(params, **shop)
        if abs(profit) > 0.1 and np.all(np.abs(grad) > 0.1):
            shops.append((params, shop))
    return shops


@grader.check("business-profit-course-example", exercise="business_profit")
def profit_course_example(sub: Submission, ctx: Context) -> None:
    """business_profit([5, 25]) of the course's shop (c=2, a=100, s=5, e=2) is 230"""
    what = f"business_profit([5, 25], {COURSE_SHOWN})"
    got = as_float(sub.call("business_profit", np.array([5.0, 25.0]), **COURSE_SHOP), what)
    require(mismatch(got, 230.0, what, ctx.analytic))  # (5 - 2) * (100 - 25 + 2 * 5) - 25


@grader.check("business-profit-hidden", exercise="business_profit")
def profit_hidden(sub: Submission, ctx: Context) -> None:
    """business_profit matches (price - unit_cost) * units - ad_spend on hidden shops"""
    for params, shop in random_shops(ctx, 4):
        what = "business_profit(params, ...) for a hidden shop"
        called = sub.call_keep("business_profit", params.copy(), **shop)
        got = as_float(called.value, what)
        expected = ctx.reference.business_profit(params, **shop)
        require(mismatch(got, expected, what, ctx.analytic))
        require_unchanged(params, called.args[0], "params in business_profit(params, ...)")


def gradient_mistakes(
    params: np.ndarray, shop: dict[str, float], expected: np.ndarray
) -> list[tuple[str, np.ndarray]]:
    """The known wrong gradients: the components swapped, and both components computed
    with a wrong margin (price + unit_cost, or unit_cost - price) in place of
    price - unit_cost."""
    price, ad_spend = params
    cost, sensitivity, effect = shop["unit_cost"], shop["price_sensitivity"], shop["ad_effect"]
    units = shop["base_demand"] - sensitivity * price + effect * np.sqrt(ad_spend)
    mistakes = [("components_swapped", expected[::-1].copy())]
    for margin in (price + cost, cost - price):
        wrong = [units - sensitivity * margin, margin * effect / (2 * np.sqrt(ad_spend)) - 1]
        mistakes.append(("margin_wrong", np.array(wrong)))
    return mistakes


# The course computes the margin on a line of its own, margin = price - unit_cost, and both
# components use it; without that line this form raises exactly this NameError (a model of
# the mistake: named only when the student's code raised the very same error).
MARGIN_ERROR = "name 'margin' is not defined"


@contextmanager
def margin_computed(ctx: Context) -> Iterator[None]:
    """Name the mistake when business_profit_gradient raised the NameError of a margin
    that was never computed."""
    try:
        yield
    except StudentError as error:
        if error.type_name != "NameError" or error.message != MARGIN_ERROR:
            raise
        told = f"`business_profit_gradient` raised {error.describe()}"
        withheld = "(the details are withheld because this check is hidden)"
        message = (
            told if not ctx.hidden else f"`business_profit_gradient` raised NameError {withheld}"
        )
        raise CheckFailure(message, hint="margin_wrong", detail=told) from None


def require_gradient(
    got: np.ndarray,
    expected: np.ndarray,
    what: str,
    tol: Tolerance,
    params: np.ndarray,
    shop: dict[str, float],
) -> None:
    require(mismatch(got, expected, what, tol, mistakes=gradient_mistakes(params, shop, expected)))


@grader.check("business-profit-gradient-course-example", exercise="business_profit_gradient")
def profit_gradient_course_example(sub: Submission, ctx: Context) -> None:
    """business_profit_gradient([5, 25], ...) of the course's shop is [70, -0.4]"""
    what = f"business_profit_gradient([5, 25], {COURSE_SHOWN})"
    params = np.array([5.0, 25.0])
    with margin_computed(ctx):
        value = sub.call("business_profit_gradient", params.copy(), **COURSE_SHOP)
    got = as_array(value, what, (2,))
    # d/d price = units - s (p - c) = 85 - 15;  d/d ad = (p - c) e / (2 sqrt(ad)) - 1 = 0.6 - 1
    expected = np.array([70.0, -0.4])
    require_gradient(got, expected, what, ctx.analytic, params, COURSE_SHOP)


@grader.check("business-profit-gradient-hidden", exercise="business_profit_gradient")
def profit_gradient_hidden(sub: Submission, ctx: Context) -> None:
    """business_profit_gradient matches the exact partial derivatives on hidden shops"""
    for params, shop in random_shops(ctx, 4):
        what = "business_profit_gradient(params, ...) for a hidden shop"
        with margin_computed(ctx):
            called = sub.call_keep("business_profit_gradient", params.copy(), **shop)
        got = as_array(called.value, what, (2,))
        expected = ctx.reference.business_profit_gradient(params, **shop)
        require_gradient(got, expected, what, ctx.analytic, params, shop)
        require_unchanged(params, called.args[0], "params in business_profit_gradient(params, ...)")


@grader.check("business-profit-gradient-central-differences", exercise="business_profit_gradient")
def profit_gradient_differences(sub: Submission, ctx: Context) -> None:
    """business_profit_gradient agrees with central differences of business_profit"""
    for params, shop in random_shops(ctx, 3):
        what = "business_profit_gradient(params, ...) for a hidden shop"
        with margin_computed(ctx):
            value = sub.call("business_profit_gradient", params.copy(), **shop)
        got = as_array(value, what, (2,))

        def reference_profit(p: np.ndarray, shop: dict[str, float] = shop) -> float:
            return float(ctx.reference.business_profit(p, **shop))

        def own_profit(p: np.ndarray, shop: dict[str, float] = shop) -> float:
            return as_float(sub.call("business_profit", p, **shop), "business_profit(params, ...)")

        # Differentiate the student's own business_profit where it is right; where it is
        # not, that is graded under business_profit, so differentiate the reference's.
        profit = own_profit
        try:
            if not close(own_profit(params), reference_profit(params), ctx.analytic):
                profit = reference_profit
        except (StudentError, CheckFailure):
            profit = reference_profit
        expected = central_gradient(profit, params)
        against = f"{what}, against central differences of business_profit"
        tol = ctx.finite_difference_for(expected)
        require_gradient(got, expected, against, tol, params, shop)


# -- gradient_ascent --------------------------------------------------------------------


class Climb:
    """A grader's grad_fn: records every point it is called at; stops a runaway climb."""

    def __init__(
        self, gradient: Callable[[np.ndarray], np.ndarray], shape: tuple[int, ...], budget: int
    ):
        self.gradient, self.shape, self.budget = gradient, shape, budget
        self.points: list[np.ndarray] = []
        self.stopped = ""

    def __call__(self, x: Any) -> np.ndarray:
        point = shaped(x, self.shape, "grad_fn")
        if len(self.points) >= self.budget:
            self.stopped = f"called grad_fn more than {self.budget} times"
        elif not np.all(np.isfinite(point)) or np.max(np.abs(point)) > 1e8:
            self.stopped = "ran off towards infinity"
        if self.stopped:
            raise RuntimeError(f"the grader stopped gradient_ascent: it {self.stopped}")
        self.points.append(point)
        return self.gradient(point)

    def iterates(self) -> list[np.ndarray]:
        """The distinct points visited, in order (repeated evaluations at one x count once)."""
        distinct: list[np.ndarray] = []
        for point in self.points:
            if not distinct or not np.array_equal(point, distinct[-1]):
                distinct.append(point)
        return distinct


class Bowl:
    """A concave quadratic f(x) = -(x - top) A (x - top) / 2; its gradient is -A (x - top)."""

    def __init__(self, A: np.ndarray, top: np.ndarray):
        self.A, self.top = A, top

    @classmethod
    def random(
        cls, rng: np.random.Generator, n: int, lr: float, low: float = 0.1, high: float = 0.5
    ) -> Bowl:
        """Curvatures with lr * eigenvalue in [low, high] (default [0.1, 0.5]): a steady
        climb, no overshoot.

        Then g_{k+1} = (I - lr A) g_k, so norm(g) shrinks by a factor 1 - high to 1 - low
        per step (0.5 to 0.9 by default).
        """
        Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
        A = Q @ np.diag(rng.uniform(low, high, n) / lr) @ Q.T
        return cls(0.5 * (A + A.T), rng.uniform(-5.0, 5.0, n))

    def start(self, rng: np.random.Generator) -> np.ndarray:
        """A starting point 2 to 6 away from the top along every axis."""
        n = self.top.size
        return self.top + rng.uniform(2.0, 6.0, n) * rng.choice([-1.0, 1.0], n)

    def gradient(self, x: np.ndarray) -> np.ndarray:
        return -self.A @ (x - self.top)

    def value(self, x: np.ndarray) -> float:
        return float(-0.5 * (x - self.top) @ self.A @ (x - self.top))

    def downhill(self, x: np.ndarray) -> np.ndarray:
        """Minus the gradient: what a climb with the wrong sign steps along."""
        return self.A @ (x - self.top)


def trajectory(
    ctx: Context, gradient: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, **options: Any
) -> tuple[np.ndarray, np.ndarray]:
    """The reference's final x, and the points where it evaluated the gradient (rows)."""
    seen: list[np.ndarray] = []

    def recording(x: np.ndarray) -> np.ndarray:
        seen.append(np.array(x, dtype=np.float64))
        return gradient(seen[-1])

    final = np.asarray(ctx.reference.gradient_ascent(recording, x0.copy(), **options), float)
    return final, np.array(seen).reshape(len(seen), *x0.shape)


def climb(
    sub: Submission,
    ctx: Context,
    gradient: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    what: str,
    budget: int,
    draw: Callable[[np.ndarray], None] | None = None,
    **options: Any,
) -> tuple[np.ndarray, Climb]:
    """Run the student's gradient_ascent: the returned x (validated) and the recorder.

    x0 must be left unchanged. A run that calls grad_fn more than ``budget`` times or
    runs off towards infinity is stopped; if its first step went downhill, it is named.
    ``draw`` gets the student's path (the points visited, then the returned x), before
    any failure is raised.
    """
    recorder = Climb(gradient, x0.shape, budget)
    try:
        called = sub.call_keep("gradient_ascent", recorder, x0.copy(), **options)
    except StudentError:
        if not recorder.stopped:
            raise
        points = recorder.iterates()
        if draw is not None:
            draw(path_of(points))
        downhill = x0 - options.get("lr", 0.01) * gradient(x0)
        scale = float(np.max(np.abs(downhill)))
        if "lr" not in options:  # a default lr so large that the climb overshoots
            stopped = f"{what}: the grader stopped the run, which {recorder.stopped}"
            require_default_lr(points, gradient, x0, stopped, arithmetic_tolerance(ctx, scale))
        wrong_way = len(points) > 1 and close(points[1], downhill, arithmetic_tolerance(ctx, scale))
        # every call at x0 itself (and x0 not a flat point): the steps were never kept
        stuck = len(points) == 1 and len(recorder.points) > 1 and np.array_equal(points[0], x0)
        raise CheckFailure(
            f"{what}: the grader stopped the run, which {recorder.stopped} "
            "instead of settling at the maximum",
            hint="ascent_wrong_sign" if wrong_way else ("ascent_x_not_updated" if stuck else None),
        ) from None
    if draw is not None:
        draw(path_of(recorder.iterates(), point_or_none(called.value, x0.shape)))
    got = as_array(called.value, what, x0.shape)
    require_unchanged(x0, called.args[1], "x0 in gradient_ascent(grad_fn, x0, ...)")
    return got, recorder


def ascent_figure(
    ctx: Context,
    title: str,
    f: Callable[[np.ndarray], float],
    reference: tuple[np.ndarray, np.ndarray],
) -> Callable[[np.ndarray], None]:
    """A ``draw`` for climb: the student's path against ``reference`` (final x, points)."""
    final, points = reference

    def draw(yours: np.ndarray) -> None:
        path_figure(ctx, title, yours, path_of(points, final), f)

    return draw


def course_grad(x: np.ndarray) -> np.ndarray:
    """The gradient of f(x) = -(x0 - 3)**2 - 2 (x1 + 1)**2."""
    return np.array([-2.0 * (x[0] - 3.0), -4.0 * (x[1] + 1.0)])


def course_value(x: np.ndarray) -> float:
    """f(x) = -(x0 - 3)**2 - 2 (x1 + 1)**2."""
    return float(-((x[0] - 3.0) ** 2) - 2.0 * (x[1] + 1.0) ** 2)


# The contract's defaults: gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8).
DEFAULT_LR, DEFAULT_MAX_STEPS, DEFAULT_TOL = 0.01, 10000, 1e-8
# The climbs with the defaults stop on tol=1e-8 after this many steps (``scaled_start``).
TOL_STEP = 12


def require_default_lr(
    points: list[np.ndarray],
    gradient: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    what: str,
    tol: Tolerance,
) -> None:
    """Called without lr, the first step must end at x0 + 0.01 * grad_fn(x0).

    The grader's grad_fn records where it is called (``points``, the iterates of a
    ``Climb``), and the second point is where the first step ended: it tells the lr the
    run used, whatever the landscape does later.
    """
    if len(points) < 2 or not close(points[0], x0, tol):
        return  # no step taken, or not from x0: the comparisons of the path tell
    g0 = gradient(x0)
    if close(points[1], x0 + DEFAULT_LR * g0, tol):
        return
    lr = float((points[1] - x0).ravel() @ g0.ravel() / (g0.ravel() @ g0.ravel()))
    if lr > 0 and close(points[1], x0 + lr * g0, tol):
        raise CheckFailure(
            f"{what}: the first step was x0 + {lr:.3g} * grad_fn(x0), expected "
            f"x0 + {DEFAULT_LR:g} * grad_fn(x0) (the default lr of the contract)",
            hint="ascent_defaults",
        )


def number_default(sub: Submission, function: str, parameter: str) -> tuple[float, str] | None:
    """The default value of ``parameter`` in the last top-level ``def function`` of the
    submission, and where it is written, when it is written as a number (10000, 1e4,
    10_000); None when it is anything else (None, an expression) or not found."""
    found = definition(sub.cells, function)
    if found is None:
        return None
    label, node = found
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    with_default = positional[len(positional) - len(args.defaults) :]
    defaults: dict[str, ast.expr | None] = {
        a.arg: value for a, value in zip(with_default, args.defaults, strict=True)
    }
    defaults.update(zip([a.arg for a in args.kwonlyargs], args.kw_defaults, strict=True))
    value = defaults.get(parameter)
    if not isinstance(value, ast.Constant):
        return None
    number = value.value
    if not isinstance(number, int | float) or isinstance(number, bool):
        return None
    where = sub.line_of(label, value.lineno) or f"{label}, line {value.lineno}"
    return float(number), where


def scaled_start(ctx: Context, bowl: Bowl, direction: np.ndarray, stop: int) -> np.ndarray:
    """x0 along ``direction`` from a bowl's top at 0 such that, with the default lr, the
    default tol=1e-8 lies halfway (geometrically) between norm(grad) after stop - 1 and
    after ``stop`` steps: the run with the defaults stops after exactly ``stop`` steps.

    The climb is linear in x0 - top, so scaling x0 scales every gradient on the way.
    """
    final, points = trajectory(
        ctx, bowl.gradient, direction, lr=DEFAULT_LR, max_steps=stop, tol=0.0
    )
    before = float(np.linalg.norm(bowl.gradient(points[stop - 1])))
    after = float(np.linalg.norm(bowl.gradient(final)))
    return np.asarray(direction * (DEFAULT_TOL / np.sqrt(before * after)), dtype=np.float64)


def climb_with_defaults(
    sub: Submission, ctx: Context, n: int, what: str
) -> tuple[Bowl, np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray, Climb]:
    """gradient_ascent(grad_fn, x0) called with its defaults on a hidden quick bowl of n
    variables whose top is 0 and whose climb stops on tol=1e-8 after TOL_STEP steps
    (``scaled_start``), drawn, with the first step checked against the default lr
    (compared in relative terms: the iterates are tiny, so without the max(1, |x|)
    scaling of the arithmetic tolerance). The bowl, x0, the reference's
    (final x, points), the returned x and the recorder of the student's calls."""
    bowl = Bowl(Bowl.random(ctx.rng, n, DEFAULT_LR, 0.4, 0.5).A, np.zeros(n))
    x0 = scaled_start(ctx, bowl, ctx.rng.normal(0.0, 1.0, n), TOL_STEP)
    reference = trajectory(ctx, bowl.gradient, x0)
    draw = ascent_figure(ctx, what, bowl.value, reference)
    got, recorder = climb(sub, ctx, bowl.gradient, x0, what, 1000, draw=draw)
    require_default_lr(recorder.iterates(), bowl.gradient, x0, what, ctx.arithmetic)
    return bowl, x0, reference, got, recorder


def require_default_stop(
    ctx: Context,
    bowl: Bowl,
    x0: np.ndarray,
    got: np.ndarray,
    expected: np.ndarray,
    stop: int,
    what: str,
) -> None:
    """Called without max_steps and tol on a bowl whose top is 0 (``scaled_start``): the
    returned x must be the reference's, which stopped after ``stop`` steps on tol=1e-8.

    The iterates are tiny, so they are compared without the max(1, |x|) scaling of the
    arithmetic tolerance. A returned x that is another step of the climb is named.
    """
    exact = ctx.arithmetic
    failure = mismatch(got, expected, f"{what}: the returned x", exact)
    if failure is None:
        return
    final, points = trajectory(ctx, bowl.gradient, x0, max_steps=stop + 1000, tol=0.0)
    steps = np.vstack([points, final[None, :]])  # steps[k]: x after k steps
    within = np.abs(steps - got) <= exact.atol + exact.rtol * np.abs(steps)
    hits = np.flatnonzero(np.all(within, axis=1))
    taken = int(hits[0]) if hits.size else None
    note = None
    if taken is not None and taken < stop:
        note = (
            f"it stopped after {taken} steps, where norm(grad_fn(x)) was not yet below "
            f"{DEFAULT_TOL:g} (the default tol of the contract) and fewer than "
            f"{DEFAULT_MAX_STEPS} steps (the default max_steps) were taken"
        )
    elif taken is not None and taken > stop:
        note = (
            f"it took {taken - stop} more step(s) after norm(grad_fn(x)) had fallen below "
            f"{DEFAULT_TOL:g} (the default tol of the contract)"
        )
    if note is not None:
        failure.message += f"; {note}"
        failure.detail = f"{failure.detail}\n  {note}" if failure.detail else None
        failure.hint = "ascent_defaults"
    raise failure


@grader.check("gradient-ascent-course-example", exercise="gradient_ascent")
def ascent_course_example(sub: Submission, ctx: Context) -> None:
    """gradient_ascent climbs f(x) = -(x0 - 3)**2 - 2 (x1 + 1)**2 from [0, 0] to [3, -1]"""
    x0 = np.zeros(2)
    what = (
        "gradient_ascent(grad_fn, [0, 0], lr=0.1) for f(x) = -(x0 - 3)**2 - 2*(x1 + 1)**2, "
        "whose maximum is at [3, -1]"
    )
    reference = trajectory(ctx, course_grad, x0, lr=0.1)
    expected = reference[0]
    title = "gradient_ascent(grad_fn, [0, 0], lr=0.1) on f(x) = -(x0 - 3)**2 - 2*(x1 + 1)**2"
    draw = ascent_figure(ctx, title, course_value, reference)
    got, _ = climb(sub, ctx, course_grad, x0, what, budget=2000, draw=draw, lr=0.1)
    require(mismatch(got, expected, what, arithmetic_tolerance(ctx, 3.0)))


@grader.check("gradient-ascent-hidden-steps", exercise="gradient_ascent")
def ascent_hidden_steps(sub: Submission, ctx: Context) -> None:
    """gradient_ascent takes max_steps steps x = x + lr * grad_fn(x) (defaults 0.01 and 10000)"""
    for n, lr, steps in ((2, 0.05, 7), (3, 0.01, 12), (4, 0.2, 20)):
        bowl = Bowl.random(ctx.rng, n, lr)
        x0 = bowl.start(ctx.rng)
        options = {"lr": lr, "max_steps": steps, "tol": 1e-12}
        what = f"gradient_ascent on a hidden concave function of {n} variables, max_steps={steps}"
        expected, path = trajectory(ctx, bowl.gradient, x0, **options)
        descent, down_path = trajectory(ctx, bowl.downhill, x0, **options)
        tol = arithmetic_tolerance(ctx, float(np.max(np.abs(path))))
        down_tol = arithmetic_tolerance(ctx, float(np.max(np.abs(down_path))))
        draw = ascent_figure(ctx, what, bowl.value, (expected, path))
        got, recorder = climb(
            sub, ctx, bowl.gradient, x0, what, budget=10 * steps, draw=draw, **options
        )
        # step by step: the points where grad_fn was called are the reference's iterates
        visited = np.array(recorder.iterates()[:steps]).reshape(-1, n)
        count = len(visited)
        failure = mismatch_steps(visited, path[:count], f"{what}: the x passed to grad_fn", tol)
        if failure is not None:
            wrong_sign = close(visited, down_path[:count], down_tol)
            failure.hint = "ascent_wrong_sign" if wrong_sign else None
            raise failure
        failure = mismatch(got, expected, f"{what}: the returned x", tol)
        if failure is not None:
            late = expected + lr * bowl.gradient(expected)
            if close(got, descent, down_tol):
                failure.hint = "ascent_wrong_sign"
            elif count == 1 and len(recorder.points) >= steps and close(got, x0, tol):
                # grad_fn called at x0 at every one of the steps: x never moved
                failure.hint = "ascent_x_not_updated"
            elif count == steps and close(got, -expected, tol):  # the path was right
                failure.hint = "ascent_result_negated"
            for taken, point in ((steps - 1, path[-1]), (steps + 1, late)):
                if close(got, point, tol):
                    note = f"it is the x after {taken} steps, expected {steps} (max_steps)"
                    failure.message += f"; {note}"
                    failure.detail = f"{failure.detail}\n  {note}" if failure.detail else None
                    failure.hint = failure.hint or "ascent_steps_off_by_one"
            raise failure
        if count < steps:
            raise CheckFailure(
                f"{what}: grad_fn was called at {count} different points for {steps} steps; "
                "evaluate the gradient at the current x before every step"
            )
    # With the defaults, on a quick climb that stops on tol after TOL_STEP steps: each
    # step is x + 0.01 * grad_fn(x) (the first point where grad_fn is called after x0
    # tells the lr). The top is at 0: compared in relative terms, without the max(1, |x|)
    # scaling of the arithmetic tolerance.
    what = "gradient_ascent(grad_fn, x0) with the default lr, on a hidden concave function"
    _, _, reference, _, recorder = climb_with_defaults(sub, ctx, 3, what)
    visited = np.array(recorder.iterates()).reshape(-1, 3)
    count = min(len(visited), TOL_STEP)
    require(
        mismatch_steps(
            visited[:count],
            reference[1][:count],
            f"{what}: the x passed to grad_fn",
            ctx.arithmetic,
        )
    )
    # The default max_steps, read from the code: a run that shows it takes 10000 calls of
    # grad_fn, too many round trips for the time limit of one call (a loop that calls
    # grad_fn twice per step would not finish). Judged only when written as a number.
    written = number_default(sub, "gradient_ascent", "max_steps")
    if written is not None and written[0] != DEFAULT_MAX_STEPS:
        raise CheckFailure(
            f"gradient_ascent: max_steps defaults to {written[0]:g} in your code "
            f"({written[1]}), expected max_steps=10000 (the default of the contract)",
            hint="ascent_defaults",
        )


@grader.check("gradient-ascent-stopping-rule", exercise="gradient_ascent")
def ascent_stopping_rule(sub: Submission, ctx: Context) -> None:
    """gradient_ascent stops before a step where norm(grad_fn(x)) < tol (default tol=1e-8)"""
    n, lr = 3, 0.05
    # 1. x0 is the maximum: the gradient is exactly zero; x0 comes back as it is
    bowl = Bowl.random(ctx.rng, n, lr)
    what = "gradient_ascent started at the maximum of a hidden concave function"
    got, _ = climb(sub, ctx, bowl.gradient, bowl.top.copy(), what, 50, lr=lr, max_steps=200)
    tol = arithmetic_tolerance(ctx, 5.0)
    require(mismatch(got, bowl.top, f"{what}: the returned x", tol))
    # 2. the gradient at x0 is small but not zero, and already below tol: no step at all
    bowl = Bowl.random(ctx.rng, n, lr)
    x0 = bowl.top + ctx.rng.normal(0.0, 0.1, n)
    small = 2.0 * float(np.linalg.norm(bowl.gradient(x0)))
    what = "gradient_ascent from a hidden x0 where norm(grad_fn(x0)) is already below tol"
    got, _ = climb(sub, ctx, bowl.gradient, x0, what, 50, lr=lr, max_steps=200, tol=small)
    stepped = x0 + lr * bowl.gradient(x0)
    mistakes = {"stopping_rule": stepped}
    require(mismatch(got, x0, f"{what}: the returned x", tol, mistakes=mistakes))
    # 3. norm(grad) falls below tol in the middle of the climb: stop at that very x
    for stop in (6, 11):
        bowl = Bowl.random(ctx.rng, n, lr)
        x0 = bowl.start(ctx.rng)
        _, path = trajectory(ctx, bowl.gradient, x0, lr=lr, max_steps=stop + 1, tol=0.0)
        norms = [float(np.linalg.norm(bowl.gradient(x))) for x in path]
        options = {"lr": lr, "max_steps": 200, "tol": float(np.sqrt(norms[stop - 1] * norms[stop]))}
        reference = trajectory(ctx, bowl.gradient, x0, **options)
        expected = reference[0]
        what = "gradient_ascent on a hidden concave function, stopping when norm(grad) < tol"
        draw = ascent_figure(ctx, what, bowl.value, reference)
        got, _ = climb(sub, ctx, bowl.gradient, x0, what, 1000, draw=draw, **options)
        late = expected + lr * bowl.gradient(expected)
        scale = float(np.max(np.abs(path)))
        require(
            mismatch(
                got,
                expected,
                f"{what}: the returned x",
                arithmetic_tolerance(ctx, scale),
                mistakes={"stopping_rule": late},
            )
        )
    # 4. the default tol=1e-8. With lr=0.01 (the default), lr * curvature is 0.4 to 0.5, so
    # norm(grad) shrinks by a factor 0.5 to 0.6 per step; x0 is scaled so that 1e-8 lies
    # between the norms after TOL_STEP - 1 and TOL_STEP steps (1.3e-8 and 0.77e-8 for a
    # factor 0.6). Then a tol of 2e-8 would stop a step earlier, one of 5e-9 a step later.
    # The top is at 0: the iterates are tiny, and exact in relative terms.
    what = (
        "gradient_ascent(grad_fn, x0) with the default lr, max_steps and tol, "
        "on a hidden concave function"
    )
    bowl, x0, reference, got, _ = climb_with_defaults(sub, ctx, n, what)
    require_default_stop(ctx, bowl, x0, got, reference[0], TOL_STEP, what)


# -- directional_derivative ----------------------------------------------------------


@grader.check("directional-derivative-course-example", exercise="directional_derivative")
def directional_course_example(sub: Submission, ctx: Context) -> None:
    """directional_derivative([3, 4], d) for d = [2, 0], [1, 1], [0, -5] is 3, 7/sqrt(2), -4"""
    grad = np.array([3.0, 4.0])
    for direction, expected in (
        ([2.0, 0.0], 3.0),
        ([1.0, 1.0], 7 / np.sqrt(2)),
        ([0.0, -5.0], -4.0),
    ):
        d = np.array(direction)
        what = f"directional_derivative([3, 4], [{d[0]:g}, {d[1]:g}])"
        got = as_float(sub.call("directional_derivative", grad.copy(), d.copy()), what)
        mistakes = {"direction_not_normalised": grad @ d}
        require(mismatch(got, expected, what, ctx.analytic, mistakes=mistakes))


@grader.check("directional-derivative-hidden", exercise="directional_derivative")
def directional_hidden(sub: Submission, ctx: Context) -> None:
    """directional_derivative is grad · direction / norm(direction) on hidden vectors"""
    for n, scale in ((2, 0.01), (3, 40.0), (5, 3.0)):
        while True:
            grad = ctx.rng.normal(0.0, 3.0, n)
            direction = ctx.rng.normal(0.0, scale, n)
            expected = ctx.reference.directional_derivative(grad, direction)
            if abs(expected) > 0.05 * np.linalg.norm(grad):
                break
        what = f"directional_derivative(grad, direction) for hidden vectors of length {n}"
        called = sub.call_keep("directional_derivative", grad.copy(), direction.copy())
        got = as_float(called.value, what)
        mistakes = {"direction_not_normalised": grad @ direction}
        require(mismatch(got, expected, what, ctx.analytic, mistakes=mistakes))
        require_unchanged(grad, called.args[0], "grad in directional_derivative(grad, direction)")
        require_unchanged(
            direction, called.args[1], "direction in directional_derivative(grad, direction)"
        )


# -- going deeper: numerical_jacobian and numerical_hessian ---------------------------


def course_vector_f(x: Any) -> np.ndarray:
    """f(x) = [x0**2, x0 x1, 3 x1]: R^2 -> R^3."""
    x0, x1 = shaped(x, (2,), "f")
    return np.array([x0**2, x0 * x1, 3.0 * x1])


class Layer:
    """f(x) = tanh(B x) + c (x . x): R^n -> R^m, with its exact (m, n) Jacobian."""

    def __init__(self, B: np.ndarray, c: np.ndarray):
        self.B, self.c = B, c

    def __call__(self, x: Any) -> np.ndarray:
        x = shaped(x, (self.B.shape[1],), "f")
        return np.tanh(self.B @ x) + self.c * (x @ x)

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return (1 - np.tanh(self.B @ x) ** 2)[:, None] * self.B + 2 * np.outer(self.c, x)


@grader.check("numerical-jacobian-course-example", exercise="numerical_jacobian")
def jacobian_course_example(sub: Submission, ctx: Context) -> None:
    """numerical_jacobian of f(x) = [x0**2, x0 x1, 3 x1] at [1, 2] is [[2, 0], [2, 1], [0, 3]]

    With the default h=1e-5: f is evaluated at x ± 1e-5 e_j.
    """
    what = "numerical_jacobian(f, x) for f(x) = [x0**2, x0*x1, 3*x1] at x = [1, 2]"
    x = np.array([1.0, 2.0])
    seen: list[np.ndarray] = []
    got = as_array(sub.call("numerical_jacobian", recording(course_vector_f, seen), x.copy()), what)
    expected = np.array([[2.0, 0.0], [2.0, 1.0], [0.0, 3.0]])  # rows: outputs; columns: inputs
    mistakes = one_sided(course_vector_f, x, 1e-5)
    require(mismatch(got, expected, what, ctx.finite_difference_for(expected), mistakes=mistakes))
    require_default_step(seen, x, what, hint="jacobian_default_h")


@grader.check("numerical-jacobian-hidden", exercise="numerical_jacobian")
def jacobian_hidden(sub: Submission, ctx: Context) -> None:
    """numerical_jacobian (default h=1e-5) matches the exact Jacobian of hidden f: R^n -> R^m"""
    for m, n in ((3, 2), (2, 4), (5, 3)):
        f = Layer(ctx.rng.normal(0.0, 0.8, (m, n)), ctx.rng.normal(0.0, 0.5, m))
        x = ctx.rng.uniform(-1.5, 1.5, n)
        what = f"numerical_jacobian(f, x) for a hidden f: R^{n} -> R^{m}"
        seen: list[np.ndarray] = []
        called = sub.call_keep("numerical_jacobian", recording(f, seen), x.copy())
        got = as_array(called.value, what)
        expected = f.jacobian(x)
        mistakes = one_sided(f, x, 1e-5)
        tol = ctx.finite_difference_for(expected)
        require(mismatch(got, expected, what, tol, mistakes=mistakes))
        require_unchanged(x, called.args[1], "x in numerical_jacobian(f, x)")
        require_default_step(seen, x, what, hint="jacobian_default_h")


def course_hessian_f(x: Any) -> float:
    """f(x) = x0**2 x1 + x1**3."""
    x0, x1 = shaped(x, (2,), "f")
    return float(x0**2 * x1 + x1**3)


class Curved:
    """f(x) = a . sin(x) + x M x / 2 + (b . x)**3 / 6, with its exact Hessian."""

    def __init__(self, a: np.ndarray, M: np.ndarray, b: np.ndarray):
        self.a, self.M, self.b = a, M, b

    def __call__(self, x: Any) -> float:
        x = shaped(x, self.b.shape, "f")
        return float(self.a @ np.sin(x) + 0.5 * x @ self.M @ x + (self.b @ x) ** 3 / 6)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        return np.diag(-self.a * np.sin(x)) + self.M + (self.b @ x) * np.outer(self.b, self.b)


@contextmanager
def indices_in_range(ctx: Context, n: int) -> Iterator[None]:
    """Name the mistake when numerical_hessian raised the IndexError that the course's
    loops raise when they run to n + 1: setting entry n of an array of n entries
    (``e_i.flat[i] = h`` or ``e_i[i] = h`` with i = n). A model of the mistake: named only
    when the student's code raised that very error."""
    try:
        yield
    except StudentError as error:
        past_end = {
            f"index {n} is out of bounds for size {n}",
            f"index {n} is out of bounds for axis 0 with size {n}",
        }
        if error.type_name != "IndexError" or error.message not in past_end:
            raise
        told = f"`numerical_hessian` raised {error.describe()}"
        withheld = "(the details are withheld because this check is hidden)"
        message = told if not ctx.hidden else f"`numerical_hessian` raised IndexError {withheld}"
        raise CheckFailure(message, hint="hessian_index_range", detail=told) from None


@grader.check("numerical-hessian-course-example", exercise="numerical_hessian")
def hessian_course_example(sub: Submission, ctx: Context) -> None:
    """numerical_hessian of f(x) = x0**2 x1 + x1**3 at [1, 2] is [[4, 2], [2, 12]]

    With the default h=1e-4: the points that nudge two entries of x nudge one by 1e-4.
    """
    what = "numerical_hessian(f, x) for f(x) = x0**2 * x1 + x1**3 at x = [1, 2]"
    x = np.array([1.0, 2.0])
    seen: list[np.ndarray] = []
    with indices_in_range(ctx, x.size):
        value = sub.call("numerical_hessian", recording(course_hessian_f, seen), x.copy())
    got = as_array(value, what)
    expected = np.array([[4.0, 2.0], [2.0, 12.0]])  # [[2 x1, 2 x0], [2 x0, 6 x1]]
    require(mismatch(got, expected, what, hessian_tolerance(ctx, expected)))
    require_default_hessian_step(seen, x, what)


@grader.check("numerical-hessian-hidden", exercise="numerical_hessian")
def hessian_hidden(sub: Submission, ctx: Context) -> None:
    """numerical_hessian (default h=1e-4) matches the exact symmetric Hessian of hidden functions"""
    for n in (2, 3, 4):
        R = ctx.rng.normal(0.0, 1.0, (n, n))
        f = Curved(ctx.rng.uniform(0.5, 2.0, n), R + R.T, ctx.rng.normal(0.0, 0.7, n))
        x = ctx.rng.uniform(-1.5, 1.5, n)
        what = f"numerical_hessian(f, x) for a hidden f of {n} variables"
        seen: list[np.ndarray] = []
        with indices_in_range(ctx, x.size):
            called = sub.call_keep("numerical_hessian", recording(f, seen), x.copy())
        got = as_array(called.value, what)
        expected = f.hessian(x)
        require(mismatch(got, expected, what, hessian_tolerance(ctx, expected)))
        require_unchanged(x, called.args[1], "x in numerical_hessian(f, x)")
        require_default_hessian_step(seen, x, what)
