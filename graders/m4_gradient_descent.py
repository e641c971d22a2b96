"""Grader for m4_gradient_descent: the descent loop, its stable learning rate, linear regression.

``grad_fn`` is a grader callable: it stays here, the student's loop calls back into
it, and every point it is evaluated at is recorded. That makes the student's
iterates visible, so the loop is compared with the reference step by step, and
the stopping rule (``norm(grad_fn(x)) < tol`` tested before each step) is pinned
by the number of steps. Extra evaluations of ``grad_fn`` are allowed: the
iterates are the distinct points, in the order they were first seen.

The test functions are bowls ``f(x) = 0.5 (x - c) . H (x - c)`` over the
flattened ``x`` (so a matrix-shaped ``x0`` couples all entries), with a
non-diagonal symmetric positive-definite ``H``.

Figures (docs/figures.md): every gradient_descent run against the reference records
the student's iterates (the points grad_fn saw, then the returned x) and the
reference's: a ``path`` over the bowl's contours when x has 2 entries, a ``path`` of
(x, f(x)) when it has 1, and ``curves`` of f along both runs when it has more. The
train_linear_regression checks record the loss curves (``curves``), the student's and
the reference's. Figures use values the check already has or computes on the grader's
side (no extra calls of student code), and never change a grade.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from calcgrade import (
    Answered,
    CheckFailure,
    Context,
    Grader,
    StudentError,
    Submission,
    Tolerance,
    as_array,
    as_float,
    as_int,
    as_tuple,
    diagnose,
    matches,
    mismatch,
    mismatch_steps,
    require_close,
)
from calcgrade.figure_data import Built, contours, curves, frame, path_of, point_or_none, thinned

HINTS = {
    "stop_test_after_step": (
        "Your loop steps before it tests the gradient, so it makes one step too many "
        "(even from a point that is already flat). At the top of each iteration compute "
        "g = grad_fn(x) and stop if np.linalg.norm(g) < tol; only then do x = x - lr * g."
    ),
    "default_tol": (
        "With an explicit tol your loop stops at the right step, but not with the default: "
        "the contract's defaults are max_iters=10000 and tol=1e-6."
    ),
    "default_max_iters": (
        "With an explicit max_iters your loop makes the right number of steps, but not with "
        "the default: the contract's defaults are max_iters=10000 and tol=1e-6."
    ),
    "off_by_one_steps": (
        "The step count is off by one. n_steps is the number of updates x = x - lr * g "
        "actually made: start at 0, add 1 right after each update (not for the final test, "
        "not the loop index), and make at most max_iters updates."
    ),
    "losses_after_update": (
        "losses[i] must be the loss BEFORE update i, so losses[0] is the loss at w = 0, "
        "b = 0 (the mean of y ** 2). In each epoch compute the residuals, append their mean "
        "square, and only then update w and b."
    ),
    "wrong_eigenvalue": (
        "The limit is 2 / the LARGEST eigenvalue of A; yours divides 2 by another of A's "
        "eigenvalues. np.linalg.eigvalsh returns them in ascending order (take [-1] or max()); "
        "np.linalg.eig returns them in no particular order."
    ),
    "default_epochs": (
        "With an explicit epochs your function returns one loss per epoch, but with the "
        "default it does not make 1000 epochs: the contract's defaults are lr=0.1 and "
        "epochs=1000."
    ),
    "linreg_w_update": (
        "After one epoch from w = 0, b = 0 your b is right but w is not: the mistake is in the "
        "update of w. It moves against its gradient, w = w - lr * dw, with "
        "dw = 2 / N * X.T @ r (r = X @ w + b - y, N the number of rows)."
    ),
    "linreg_b_update": (
        "After one epoch from w = 0, b = 0 your w is right but b is not: the mistake is in the "
        "update of b. It moves against its gradient, b = b - lr * db, with db = 2 * mean(r) "
        "(r = X @ w + b - y)."
    ),
    "lambda_min": (
        "The limit comes from the steepest direction, the LARGEST eigenvalue: return "
        "2 / max(eigenvalues), not 2 / min(eigenvalues) (that step overshoots along the "
        "steep direction and diverges)."
    ),
    "one_over_lambda_max": (
        "1 / lambda_max is the step that lands exactly on the minimum along the steepest "
        "direction, not the limit: descent still converges while |1 - lr * lambda| < 1, "
        "that is up to 2 / lambda_max."
    ),
    "step_uphill": (
        "Your step goes uphill: x = x + lr * g climbs the bowl. Gradient descent moves "
        "against the gradient: x = x - lr * grad_fn(x)."
    ),
    "input_modified": (
        "Your function changed an array it was given (an in-place update such as x -= ... "
        "on x0 itself). Work on a copy: x = np.array(x0, dtype=float)."
    ),
}

grader = Grader("m4_gradient_descent", HINTS)

# Power iteration stopped at a relative change of 1e-7 is a valid way to find the
# largest eigenvalue: max_stable_learning_rate is compared with a relative
# tolerance of 1e-6 (wrong answers are off by a factor of 2 or more).
EIGEN_TOLERANCE = Tolerance(rtol=1e-6, atol=0.0)
# After 1000 epochs at lr = 0.1 on well-conditioned data, gradient descent sits on
# the least-squares solution to about machine precision; 1e-6 is a generous margin.
CONVERGED = Tolerance(rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------------------
# gradient_descent


class Bowl(NamedTuple):
    """f(x) = 0.5 (x - c) . H (x - c) over the flattened x: the gradient is H (x - c)."""

    hessian: np.ndarray
    center: np.ndarray

    def gradient(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.size != self.center.size:
            raise ValueError(
                f"grad_fn expects an array of shape {self.center.shape}, got shape {x.shape}"
            )
        with np.errstate(all="ignore"):  # a diverging loop must not flood the grader's log
            return (self.hessian @ (x.reshape(-1) - self.center.reshape(-1))).reshape(x.shape)

    def value(self, x: Any) -> float:
        """f(x) = 0.5 (x - c) . H (x - c), over the flattened x."""
        d = np.asarray(x, dtype=np.float64).reshape(-1) - self.center.reshape(-1)
        return float(0.5 * d @ self.hessian @ d)


class Recorder:
    """A grad_fn for the student: the bowl's gradient, remembering every point asked.

    A loop that runs far past where it should stop (a wrong sign diverges until
    max_iters) is stopped after ``budget`` evaluations, with a message, rather than
    left to run into the call's time limit.
    """

    def __init__(self, bowl: Bowl, budget: int) -> None:
        self.bowl = bowl
        self.budget = budget
        self.points: list[np.ndarray] = []

    def __call__(self, x: Any) -> np.ndarray:
        if len(self.points) >= self.budget:
            raise RuntimeError(
                "grad_fn was called far more often than this descent needs: does your loop "
                "stop when norm(grad_fn(x)) < tol, and after max_iters steps?"
            )
        point = np.array(x, dtype=np.float64)
        self.points.append(point)
        return self.bowl.gradient(point)

    def distinct(self) -> list[np.ndarray]:
        """The points evaluated, without repeats, in the order first seen."""
        seen: list[np.ndarray] = []
        for point in self.points:
            if not any(p.shape == point.shape and np.array_equal(p, point) for p in seen):
                seen.append(point)
        return seen


class Case(NamedTuple):
    """One run of gradient_descent, and how the reference ends it."""

    label: str
    bowl: Bowl
    x0: np.ndarray
    lr: float
    max_iters: int | None  # None: leave the default (10000)
    tol: float | None  # None: leave the default (1e-6)
    stop: str  # "tol", "max_iters" or "flat" (x0 is already flat: 0 steps)

    def kwargs(self) -> dict[str, Any]:
        given = {"max_iters": self.max_iters, "tol": self.tol}
        return {name: value for name, value in given.items() if value is not None}


class Expected(NamedTuple):
    """The reference's result, and its iterates x_0 .. x_(n + 1)."""

    x: np.ndarray
    n_steps: int
    iterates: list[np.ndarray]


def iterates(ctx: Context, case: Case, steps: int) -> list[np.ndarray]:
    """x_0 .. x_steps of the reference loop (tol = 0: it never stops early)."""
    points: list[np.ndarray] = []

    def recording(x: np.ndarray) -> np.ndarray:
        points.append(np.array(x, dtype=np.float64))
        return case.bowl.gradient(x)

    last, _ = ctx.reference.gradient_descent(
        recording, case.x0.copy(), case.lr, max_iters=steps, tol=0.0
    )
    return [*points, np.asarray(last, dtype=np.float64)]


def expected_run(ctx: Context, case: Case) -> Expected:
    x, n_steps = ctx.reference.gradient_descent(
        case.bowl.gradient, case.x0.copy(), case.lr, **case.kwargs()
    )
    return Expected(np.asarray(x, dtype=np.float64), int(n_steps), iterates(ctx, case, n_steps + 1))


def random_bowl(rng: np.random.Generator, shape: tuple[int, ...], centered: bool = False) -> Bowl:
    """A non-diagonal SPD Hessian with eigenvalues in [1, 4] (lr = 0.2 contracts by 0.2-0.8)."""
    size = int(np.prod(shape))
    q, _ = np.linalg.qr(rng.normal(size=(size, size)))
    hessian = q @ np.diag(rng.uniform(1.0, 4.0, size)) @ q.T
    center = np.zeros(shape) if centered else rng.uniform(-2.0, 2.0, shape)
    return Bowl((hessian + hessian.T) / 2, center)


def gradient_norms(case: Case, points: list[np.ndarray]) -> np.ndarray:
    return np.array([np.linalg.norm(case.bowl.gradient(p)) for p in points])


def tol_case(rng: np.random.Generator, shape: tuple[int, ...], label: str) -> Case:
    """A run that stops on tol after a known number of steps, with a wide margin.

    tol is the geometric mean of the gradient norms at x_(n-1) and x_n, so the
    norm at x_n is clearly below it and every earlier norm clearly above it.
    """
    bowl = random_bowl(rng, shape)
    x0 = bowl.center + rng.normal(size=shape)
    case = Case(label, bowl, x0, 0.2, None, None, "tol")
    norms = gradient_norms(case, plain_iterates(case, 60))
    n = int(np.argmax(norms < 1e-3 * norms[0]))  # stops around 1e-3 of the first norm
    tol = float(np.sqrt(norms[n - 1] * norms[n]))
    return Case(label, bowl, x0, 0.2, int(rng.integers(n + 5, 3 * n)), tol, "tol")


def default_tol_case(rng: np.random.Generator, shape: tuple[int, ...], label: str) -> Case:
    """A run with the default max_iters and tol = 1e-6 that stops on tol after ~15 steps.

    The bowl is centred on 0 and x0 scaled so that 1e-6 sits between two
    gradient norms, as in tol_case: the iterates stay distinguishable.
    """
    bowl = random_bowl(rng, shape, centered=True)
    direction = rng.normal(size=shape)
    probe = Case(label, bowl, direction, 0.2, None, None, "tol")
    norms = gradient_norms(probe, plain_iterates(probe, 60))
    n = int(rng.integers(12, 18))
    scale = 1e-6 / float(np.sqrt(norms[n - 1] * norms[n]))
    return Case(label, bowl, direction * scale, 0.2, None, None, "tol")


def max_iters_case(rng: np.random.Generator, shape: tuple[int, ...], label: str) -> Case:
    """A run that makes max_iters steps: tol is far below every norm it reaches."""
    bowl = random_bowl(rng, shape)
    x0 = bowl.center + rng.normal(size=shape)
    max_iters = int(rng.integers(6, 13))
    case = Case(label, bowl, x0, 0.2, max_iters, None, "max_iters")
    norms = gradient_norms(case, plain_iterates(case, max_iters + 2))
    return Case(label, bowl, x0, 0.2, max_iters, float(norms.min() / 10), "max_iters")


def flat_case(rng: np.random.Generator, shape: tuple[int, ...], label: str) -> Case:
    """x0 is already flat: the gradient norm is half of tol (but not zero, so that a
    wrongly taken step moves x visibly)."""
    bowl = random_bowl(rng, shape)
    x0 = bowl.center + rng.normal(scale=1e-2, size=shape)
    tol = 2 * float(np.linalg.norm(bowl.gradient(x0)))
    return Case(label, bowl, x0, 0.2, int(rng.integers(20, 100)), tol, "flat")


def plain_iterates(case: Case, steps: int) -> list[np.ndarray]:
    """x_0 .. x_steps by the update rule (used only to choose inputs)."""
    points = [case.x0]
    for _ in range(steps):
        points.append(points[-1] - case.lr * case.bowl.gradient(points[-1]))
    return points


def run_student(
    sub: Submission, ctx: Context, case: Case, expected: Expected
) -> tuple[np.ndarray, int, Recorder]:
    """Run the student's gradient_descent on ``case``; record its figure before any failure."""
    recorder = Recorder(case.bowl, budget=20 * (expected.n_steps + 2) + 100)
    try:
        result = sub.call("gradient_descent", recorder, case.x0.copy(), case.lr, **case.kwargs())
    except StudentError:
        descent_figure(ctx, case, expected, recorder.points)
        raise
    returned = result[0] if isinstance(result, tuple | list) and len(result) == 2 else None
    descent_figure(ctx, case, expected, recorder.points, point_or_none(returned, case.x0.shape))
    x, n_steps = as_tuple(result, "gradient_descent(...) result (x, n_steps)", 2)
    x = as_array(x, f"gradient_descent on {case.label}: x", case.x0.shape)
    return x, as_int(n_steps, f"gradient_descent on {case.label}: n_steps"), recorder


# ---------------------------------------------------------------------------
# figures (docs/figures.md)


def descent_figure(
    ctx: Context, case: Case, expected: Expected, points: Sequence[Any], end: Any = None
) -> None:
    """The student's iterates against the reference's, on the bowl of ``case``.

    2 entries: the paths over the bowl's contours; 1 entry: the paths of (x, f(x));
    more: the curves of f along both runs.
    """

    def build() -> Built:
        yours = path_of(points, end)
        reference = path_of(expected.iterates[: expected.n_steps + 1])
        if not len(yours):
            return None
        f = case.bowl.value
        paths = {"yours": yours, "reference": reference}
        if case.x0.size == 2:
            return "path", {
                "paths": {name: thinned(rows) for name, rows in paths.items()},
                "contours": contours(f, *frame(list(paths.values()), reference)),
                "xlabel": "x[0]",
                "ylabel": "x[1]",
            }
        if case.x0.size == 1:
            graphs = {
                name: thinned(np.array([[float(row[0]), f(row)] for row in rows]))
                for name, rows in paths.items()
            }
            return "path", {"paths": graphs, "xlabel": "x", "ylabel": "f(x)"}
        values = {name: [f(row) for row in rows] for name, rows in paths.items()}
        return curves(values, "iterate", "f(x)")

    ctx.figure_of(f"gradient_descent on {case.label}", build)


def diagnose_steps(
    x: np.ndarray, n_steps: int, case: Case, expected: Expected, tol: Tolerance
) -> str | None:
    """Name the mistake whose (x, n_steps) the student's result looks like."""
    n, points = expected.n_steps, expected.iterates

    def at(k: int) -> bool:
        return 0 <= k < len(points) and matches(x, points[k], tol)

    off_by_one = abs(n_steps - n) <= 1 and any(at(k) for k in (n - 1, n, n + 1))
    if case.tol is None and case.stop == "tol" and n_steps != n and at(n_steps):
        # stopped at another iterate of the right path, while the runs with a given tol
        # (checked first) stopped right: the default tol is off
        return "default_tol"
    if case.max_iters is None and case.stop == "max_iters" and n_steps != n and at(n_steps):
        # the same with the default max_iters, after the runs with a given max_iters
        return "default_max_iters"
    if case.stop != "max_iters" and at(n + 1) and n_steps in (n, n + 1):
        return "stop_test_after_step"  # took the step, then tested the old gradient
    if off_by_one:
        return "off_by_one_steps"
    return None


def require_result(
    x: np.ndarray, n_steps: int, case: Case, expected: Expected, tol: Tolerance
) -> None:
    """x and n_steps as the reference's; on failure, name the likely mistake."""
    what = f"gradient_descent on {case.label}"
    x_right = matches(x, expected.x, tol)
    if x_right and n_steps == expected.n_steps:
        return
    hint = diagnose_steps(x, n_steps, case, expected, tol)
    off = n_steps - expected.n_steps
    # a hidden message may say "off by one" (the diagnosis), never the expected count
    steps = f"off by {off:+d}" if abs(off) == 1 else "wrong"
    counted = f"n_steps: got {n_steps}, expected {expected.n_steps}"
    if x_right:
        raise CheckFailure(
            f"{what}: x is right but n_steps is {steps}",
            detail=f"{what}: x is right; {counted}",
            hint=hint,
        )
    failure = mismatch(x, expected.x, f"{what}: x", tol)
    assert failure is not None
    raise CheckFailure(
        f"{failure.message}; n_steps is {'right' if off == 0 else steps}",
        detail=f"{failure.detail or failure.message}\n  {counted}",
        hint=hint,
    )


def require_iterates(recorder: Recorder, case: Case, expected: Expected, tol: Tolerance) -> None:
    """The distinct points grad_fn saw are the reference's x_0, x_1, ... in order."""
    what = f"gradient_descent on {case.label}"
    points = recorder.distinct()
    for point in points:
        if point.shape != case.x0.shape:
            raise CheckFailure(
                f"{what}: grad_fn was called with an array of shape {point.shape}, "
                f"expected x0's shape {case.x0.shape}"
            )
    n = expected.n_steps
    shown = min(len(points), len(expected.iterates))
    if shown:
        failure = mismatch_steps(
            np.stack(points[:shown]),
            np.stack(expected.iterates[:shown]),
            f"{what}: the point passed to grad_fn",
            tol,
        )
        if failure is not None:
            step = next(
                k for k in range(shown) if not matches(points[k], expected.iterates[k], tol)
            )
            if step > 0 and matches(points[step - 1], expected.iterates[step - 1], tol):
                uphill = points[step - 1] + case.lr * case.bowl.gradient(points[step - 1])
                failure.hint = "step_uphill" if matches(points[step], uphill, tol) else None
            raise failure
    # every step needs the gradient at x_0 .. x_(n-1); stopping on tol needs it at x_n
    least = n + 1 if case.stop != "max_iters" else n
    if len(points) < least:
        raise CheckFailure(
            f"{what}: grad_fn was evaluated at {len(points)} distinct points, expected at "
            f"least {least} (the gradient at every point the loop reaches, before it steps "
            "or stops)"
        )
    if len(points) > n + 1:
        hint = "off_by_one_steps" if case.stop == "max_iters" else "stop_test_after_step"
        if case.tol is None:  # the runs with a given tol came first and passed
            hint = "default_tol"
        raise CheckFailure(
            f"{what}: grad_fn was evaluated at {len(points)} distinct points, expected at "
            f"most {n + 1}: the loop went past the point where it should stop",
            hint=hint,
        )


COURSE_STEP = Bowl(np.array([[2.0]]), np.array([3.0]))  # f(x) = (x - 3)^2: gradient 2 (x - 3)


@grader.check("gd-course-example", exercise="gradient_descent")
def gd_course_example(sub: Submission, ctx: Context) -> None:
    """gradient_descent stops on tol after 6 steps at [2.953125], and at max_iters=4 at [2.8125]

    grad_fn(x) = 2 * (x - 3) (the bowl (x - 3)**2), x0 = [0.0], lr = 0.25, tol = 0.1 (and
    max_iters = 100): each step halves the distance to 3, and the gradient norm first drops
    below 0.1 at x_6.
    """
    runs = [
        Case("f(x) = (x - 3)**2, x0=[0.0], lr=0.25, max_iters=100, tol=0.1", COURSE_STEP,
             np.array([0.0]), 0.25, 100, 0.1, "tol"),
        Case("f(x) = (x - 3)**2, x0=[0.0], lr=0.25, max_iters=4, tol=0.1", COURSE_STEP,
             np.array([0.0]), 0.25, 4, 0.1, "max_iters"),
    ]  # fmt: skip
    for case in runs:
        expected = expected_run(ctx, case)
        x, n_steps, _ = run_student(sub, ctx, case, expected)
        require_result(x, n_steps, case, expected, ctx.analytic)


@grader.check("gd-already-flat", exercise="gradient_descent")
def gd_already_flat(sub: Submission, ctx: Context) -> None:
    """gradient_descent takes 0 steps and returns x0 when x0 is already flat

    grad_fn(x) = 2 * (x - 3), x0 = [3.01] (gradient 0.02), lr = 0.25, tol = 0.1.
    """
    case = Case(
        "f(x) = (x - 3)**2, x0=[3.01], lr=0.25, tol=0.1",
        COURSE_STEP,
        np.array([3.01]),
        0.25,
        None,
        0.1,
        "flat",
    )
    expected = expected_run(ctx, case)
    x, n_steps, _ = run_student(sub, ctx, case, expected)
    require_result(x, n_steps, case, expected, ctx.analytic)


@grader.check("gd-input-unchanged", exercise="gradient_descent")
def gd_input_unchanged(sub: Submission, ctx: Context) -> None:
    """gradient_descent leaves x0 unchanged and returns an x of x0's shape and an integer n_steps

    grad_fn(x) = x - 1, x0 = [[1, -2, 0.5], [3, 0, -1]] (shape (2, 3)), lr = 0.5, max_iters = 5.
    """
    x0 = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    bowl = Bowl(np.eye(6), np.ones((2, 3)))
    recorder = Recorder(bowl, budget=200)
    called = sub.call_keep("gradient_descent", recorder, x0.copy(), 0.5, max_iters=5)
    x, n_steps = as_tuple(called.value, "gradient_descent(...) result (x, n_steps)", 2)
    as_array(x, "gradient_descent(grad_fn, x0, ...): x", x0.shape)
    as_int(n_steps, "gradient_descent(grad_fn, x0, ...): n_steps")
    after = as_array(called.args[1], "x0 after the call", x0.shape)
    if not np.array_equal(after, x0):
        raise CheckFailure(
            "gradient_descent changed x0: it must stay as the caller gave it",
            hint="input_modified",
        )


@grader.check("gd-hidden-iterates", exercise="gradient_descent")
def gd_hidden_iterates(sub: Submission, ctx: Context) -> None:
    """gradient_descent visits the iterates x_k+1 = x_k - lr * grad_fn(x_k) step by step

    On hidden bowls, 1-D and matrix-shaped x0, stopping on tol and on max_iters.
    """
    cases = [
        tol_case(ctx.rng, (5,), "a hidden bowl with a 1-D x0 that stops on tol"),
        tol_case(ctx.rng, (3, 2), "a hidden bowl with a (3, 2) x0 that stops on tol"),
        max_iters_case(ctx.rng, (2, 4), "a hidden bowl with a (2, 4) x0 that runs max_iters"),
    ]
    for case in cases:
        expected = expected_run(ctx, case)
        _, _, recorder = run_student(sub, ctx, case, expected)
        require_iterates(recorder, case, expected, ctx.analytic)


@grader.check("gd-hidden-stops-on-tol", exercise="gradient_descent")
def gd_hidden_stops_on_tol(sub: Submission, ctx: Context) -> None:
    """gradient_descent stops as soon as norm(grad_fn(x)) < tol, with the right x and n_steps

    On hidden bowls: 1-D and matrix-shaped x0, and one run with the default tol = 1e-6.
    """
    cases = [
        tol_case(ctx.rng, (4,), "a hidden bowl with a 1-D x0 that stops on tol"),
        tol_case(ctx.rng, (2, 3), "a hidden bowl with a (2, 3) x0 that stops on tol"),
        default_tol_case(ctx.rng, (3,), "a hidden bowl with the default max_iters and tol"),
    ]
    for case in cases:
        expected = expected_run(ctx, case)
        x, n_steps, _ = run_student(sub, ctx, case, expected)
        require_result(x, n_steps, case, expected, ctx.analytic)


@grader.check("gd-hidden-max-iters", exercise="gradient_descent")
def gd_hidden_max_iters(sub: Submission, ctx: Context) -> None:
    """gradient_descent makes exactly max_iters steps when the gradient stays above tol

    On hidden bowls, 1-D and matrix-shaped x0, and one run with the default max_iters = 10000
    (a learning rate so small that the gradient stays far above the default tol).
    """
    cases = [
        max_iters_case(ctx.rng, (6,), "a hidden bowl with a 1-D x0 that runs max_iters"),
        max_iters_case(ctx.rng, (3, 2), "a hidden bowl with a (3, 2) x0 that runs max_iters"),
        max_iters_case(ctx.rng, (2,), "a hidden bowl with a 1-D x0 that runs max_iters"),
    ]
    for case in cases:
        expected = expected_run(ctx, case)
        x, n_steps, _ = run_student(sub, ctx, case, expected)
        require_result(x, n_steps, case, expected, ctx.analytic)
    check_default_max_iters(sub, ctx)


# ---------------------------------------------------------------------------
# the default max_iters
#
# A run that reaches the default cap of 10000 steps cannot call back into the grader
# at every step: a callback is a round trip between processes (about 0.25 ms, so
# 2.5 s for 10000). It runs in the student's process instead: x0 is a 0-d array, so
# that after the first update x is a NumPy scalar, and grad_fn carries its answers at
# every iterate of the path (``Answered``), keyed by their exact bits. A loop that
# keeps x a 0-d array, or whose update rounds differently, comes back to the grader at
# every step: that run is left ungraded (the other runs of the check still grade the
# loop) rather than slowed down to its call's time limit.

DEFAULT_MAX_ITERS = 10000
TABLE_STEPS = 2 * DEFAULT_MAX_ITERS + 1  # answers up to twice the default, and one more
ROUND_TRIPS = 50  # calls that come back to the grader before the run is given up


class Abandoned(Exception):
    """Raised into the student's loop to end a run early (see ``ScalarBowl``)."""


class ScalarBowl:
    """grad_fn of the 1-D bowl f(x) = 0.5 k (x - c)**2 for a loop on NumPy scalars.

    ``path`` holds x_0 .. x_TABLE_STEPS of x = x - lr * grad_fn(x) in float arithmetic
    (the same bits as NumPy's float64); ``answered()`` sends grad_fn with its answers at
    all of them. A call that comes back anyway is either the first one (x0 is a 0-d
    array), a point beyond the path (the loop went on far past the default max_iters:
    ``beyond``) or a loop that rounds differently or keeps x an array (``slow``).
    Only calls made while ``live`` (during the student's call) count: the diagnosis by
    slips calls grad_fn again afterwards, in the grader's process, at every step.
    """

    def __init__(self, curvature: float, center: float, x0: float, lr: float) -> None:
        self.curvature, self.center, self.lr = curvature, center, lr
        self.path = [x0]
        for _ in range(TABLE_STEPS):
            x = self.path[-1]
            self.path.append(x - lr * self.slope(x))
        self.round_trips = 0
        self.outcome: str | None = None  # "beyond" or "slow" once the run was given up
        self.live = False

    def slope(self, x: float) -> float:
        return self.curvature * (x - self.center)

    def answered(self) -> Answered:
        table = Answered.at(self.slope, self.path)
        return Answered(self, table.answers)

    def __call__(self, x: Any) -> float:
        value = float(np.asarray(x, dtype=np.float64).reshape(-1)[0])
        if not self.live:
            return self.slope(value)
        self.round_trips += 1
        direction = np.sign(self.path[1] - self.path[0])
        step = abs(self.path[-1] - self.path[-2])
        if (value - self.path[-1]) * direction > step / 2:
            self.outcome = "beyond"
        elif self.round_trips > ROUND_TRIPS:
            self.outcome = "slow"
        if self.outcome is not None:
            raise Abandoned("the grader ended this run early")
        return self.slope(value)


def check_default_max_iters(sub: Submission, ctx: Context) -> None:
    """With the default max_iters, a run whose gradient stays far above the default tol
    makes exactly 10000 steps.

    The bowl 0.5 k (x - c)**2 with k in [1, 4], x0 at distance 1 from c and lr = 1e-5:
    after 20000 steps the gradient is still above 0.4.
    """
    curvature = float(ctx.rng.uniform(1.0, 4.0))
    center = float(ctx.rng.uniform(-2.0, 2.0))
    start = center + float(ctx.rng.choice([-1.0, 1.0]))
    bowl = ScalarBowl(curvature, center, start, 1e-5)
    label = "a hidden 1-D bowl with a 0-d x0, the default max_iters and tol, and a tiny lr"
    what = f"gradient_descent on {label}"
    bowl.live = True
    try:
        result = sub.call("gradient_descent", bowl.answered(), np.array(start), 1e-5)
    except StudentError:
        if bowl.outcome == "slow":
            return  # not gradable here (see above); the other runs graded the loop
        if bowl.outcome == "beyond":
            raise CheckFailure(
                f"{what}: the loop went on far past the default max_iters: n_steps is wrong",
                detail=f"{what}: more than {TABLE_STEPS} steps, expected {DEFAULT_MAX_ITERS}",
            ) from None
        raise
    finally:
        bowl.live = False
    x, n_steps = as_tuple(result, "gradient_descent(...) result (x, n_steps)", 2)
    x = as_array(x, f"{what}: x")
    if x.size != 1:
        raise CheckFailure(f"{what}: x has shape {x.shape}, expected one number like x0")
    n_steps = as_int(n_steps, f"{what}: n_steps")
    path = [np.array(point) for point in bowl.path]
    expected = Expected(path[DEFAULT_MAX_ITERS], DEFAULT_MAX_ITERS, path)
    case = Case(label, Bowl(np.array([[curvature]]), np.array(center)), np.array(start),
                1e-5, None, None, "max_iters")  # fmt: skip
    require_result(x.reshape(()), n_steps, case, expected, ctx.analytic)


@grader.check("gd-hidden-already-flat", exercise="gradient_descent")
def gd_hidden_already_flat(sub: Submission, ctx: Context) -> None:
    """gradient_descent returns x0 after 0 steps when x0 is already flat, on hidden bowls"""
    cases = [
        flat_case(ctx.rng, (3,), "a hidden bowl with a 1-D x0 that is already flat"),
        flat_case(ctx.rng, (2, 5), "a hidden bowl with a (2, 5) x0 that is already flat"),
        flat_case(ctx.rng, (7,), "a hidden bowl with a 1-D x0 that is already flat"),
    ]
    for case in cases:
        expected = expected_run(ctx, case)
        x, n_steps, _ = run_student(sub, ctx, case, expected)
        require_result(x, n_steps, case, expected, ctx.analytic)


# ---------------------------------------------------------------------------
# max_stable_learning_rate

COURSE_BOWL = np.array([[5.5, 4.5], [4.5, 5.5]])  # eigenvalues 10 and 1: limit 0.2
CHAIN = np.array(
    [[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 2.0]]
)  # 2 - sqrt 2, 2, 2 + sqrt 2


def require_limit(got: float, eigenvalues: np.ndarray, what: str) -> None:
    """2 / lambda_max; 2 / lambda_min, 1 / lambda_max and 2 / another eigenvalue named."""
    others = [value for value in eigenvalues if eigenvalues.min() < value < eigenvalues.max()]
    other = any(matches(got, 2 / value, EIGEN_TOLERANCE) for value in others)
    require_close(
        got,
        2 / eigenvalues.max(),
        what,
        EIGEN_TOLERANCE,
        mistakes={
            "lambda_min": 2 / eigenvalues.min(),
            "one_over_lambda_max": 1 / eigenvalues.max(),
        },
        hint="wrong_eigenvalue" if other else None,
    )


@grader.check("lr-limit-course-example", exercise="max_stable_learning_rate")
def lr_limit_course_example(sub: Submission, ctx: Context) -> None:
    """max_stable_learning_rate is 0.2 and 2 - sqrt(2) on the course's two matrices

    [[5.5, 4.5], [4.5, 5.5]] has eigenvalues 10 and 1; [[2, -1, 0], [-1, 2, -1], [0, -1, 2]]
    has 2 - sqrt(2), 2 and 2 + sqrt(2). Compared with a relative tolerance of 1e-6.
    """
    for A, shown in ((COURSE_BOWL, "[[5.5, 4.5], [4.5, 5.5]]"), (CHAIN, "[[2, -1, 0], ...]")):
        what = f"max_stable_learning_rate({shown})"
        got = as_float(sub.call("max_stable_learning_rate", A.copy()), what)
        require_limit(got, np.linalg.eigvalsh(A), what)


@grader.check("lr-limit-hidden-spd", exercise="max_stable_learning_rate")
def lr_limit_hidden(sub: Submission, ctx: Context) -> None:
    """max_stable_learning_rate is 2 / the largest eigenvalue on hidden SPD matrices

    Non-diagonal, 2x2 to 6x6, with well-separated eigenvalues; relative tolerance 1e-6, so
    power iteration (run to a relative change of 1e-7 or less) passes too.
    """
    for size in (2, 3, 4, 6):
        q, _ = np.linalg.qr(ctx.rng.normal(size=(size, size)))
        # log-spread eigenvalues: the largest stands out (ratio >= 1.5 to the next),
        # the smallest is at most a quarter of it, so every mistake is far off
        gaps = ctx.rng.uniform(np.log(1.5), np.log(4.0), size - 1)
        top = ctx.rng.uniform(2.0, 40.0)
        eigenvalues = top * np.exp(-np.concatenate([[0.0], np.cumsum(gaps)]))
        eigenvalues[-1] = min(eigenvalues[-1], top / 4)
        A = q @ np.diag(eigenvalues) @ q.T
        A = (A + A.T) / 2
        what = f"max_stable_learning_rate(A) for a hidden {size}x{size} matrix"
        got = as_float(sub.call("max_stable_learning_rate", A.copy()), what)
        require_limit(got, np.linalg.eigvalsh(A), what)


@grader.check("lr-limit-input-unchanged", exercise="max_stable_learning_rate")
def lr_limit_input_unchanged(sub: Submission, ctx: Context) -> None:
    """max_stable_learning_rate leaves A unchanged

    A = [[2, -1, 0], [-1, 2, -1], [0, -1, 2]].
    """
    called = sub.call_keep("max_stable_learning_rate", CHAIN.copy())
    as_float(called.value, "max_stable_learning_rate(A)")
    after = as_array(called.args[0], "A after the call", CHAIN.shape)
    if not np.array_equal(after, CHAIN):
        raise CheckFailure(
            "max_stable_learning_rate changed A: it must stay as the caller gave it",
            hint="input_modified",
        )


# ---------------------------------------------------------------------------
# train_linear_regression

COURSE_X = np.array([[1.0, 2.0], [2.0, 0.0], [0.0, 1.0], [3.0, 1.0], [1.0, 1.0]])
COURSE_Y = np.array([3.0, 1.0, 2.0, 5.0, 2.0])


def call_training(
    sub: Submission, X: np.ndarray, y: np.ndarray, what: str, n_losses: int, **kwargs: Any
) -> tuple[np.ndarray, float, np.ndarray, Any]:
    """Call train_linear_regression; validate (w, b, losses); return them and the call."""
    called = sub.call_keep("train_linear_regression", X.copy(), y.copy(), **kwargs)
    w, b, losses = as_tuple(called.value, f"{what} result (w, b, losses)", 3)
    return (
        as_array(w, f"{what}: w", (X.shape[1],)),
        as_float(b, f"{what}: b"),
        as_array(losses, f"{what}: losses (one per epoch)", (n_losses,)),
        called,
    )


def diagnose_first_update(
    sub: Submission, ctx: Context, X: np.ndarray, y: np.ndarray, lr: float
) -> str | None:
    """Which update is wrong, from one epoch of the student's training (from w = 0, b = 0,
    the residuals are -y whatever the code does with w and b, so the first w depends only on
    the update of w and the first b only on the update of b): one right and the other wrong
    names the wrong one; anything else (both wrong, both right, a failing call) names none.
    Only when the loss after that first update (losses[1] of two epochs) is wrong too: with
    it right, the updates are right and the w or b returned is not (a slip after the loop)."""
    what = "train_linear_regression(...) result (w, b, losses)"
    try:
        result = sub.call("train_linear_regression", X.copy(), y.copy(), lr=lr, epochs=1)
        w, b, _ = as_tuple(result, what, 3)
        w = as_array(w, "w", (X.shape[1],))
        b = as_float(b, "b")
        two = sub.call("train_linear_regression", X.copy(), y.copy(), lr=lr, epochs=2)
        losses = as_array(as_tuple(two, what, 3)[2], "losses", (2,))
    except (StudentError, CheckFailure):
        return None
    ref_losses = ctx.reference.train_linear_regression(X, y, lr=lr, epochs=2)[2]
    if matches(losses[1], float(ref_losses[1]), ctx.analytic):
        return None
    ref_w, ref_b, _ = ctx.reference.train_linear_regression(X, y, lr=lr, epochs=1)
    w_right = matches(w, np.asarray(ref_w), ctx.analytic)
    b_right = matches(b, float(ref_b), ctx.analytic)
    if w_right and not b_right:
        return "linreg_b_update"
    if b_right and not w_right:
        return "linreg_w_update"
    return None


def require_training(
    ctx: Context,
    got: tuple[np.ndarray, float, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    epochs: int,
    what: str,
    sub: Submission | None = None,
) -> None:
    """Losses epoch by epoch, then w and b, as the reference's. With ``sub``, a failure no
    known mistake explains is localised to the update of w or of b (one more call)."""
    w, b, losses = got
    ref_w, ref_b, ref_losses = ctx.reference.train_linear_regression(X, y, lr=lr, epochs=epochs)
    loss_curves(ctx, what, losses, lambda: ref_losses)
    _, _, one_more = ctx.reference.train_linear_regression(X, y, lr=lr, epochs=epochs + 1)
    shifted = {"losses_after_update": np.array(one_more[1:])}
    failure = None
    for epoch, expected in enumerate(ref_losses):  # the first epoch that differs
        failure = mismatch(losses[epoch], expected, f"{what}: losses[{epoch}]", ctx.analytic)
        if failure is not None:
            failure.hint = diagnose(losses, shifted, ctx.analytic)
            break
    if failure is None:
        failure = mismatch(w, np.asarray(ref_w), f"{what}: w", ctx.analytic)
    if failure is None:
        failure = mismatch(b, float(ref_b), f"{what}: b", ctx.analytic)
    if failure is None:
        return
    if failure.hint is None and sub is not None:
        failure.hint = diagnose_first_update(sub, ctx, X, y, lr)
    raise failure


def loss_curves(
    ctx: Context, title: str, losses: np.ndarray, reference: Callable[[], Sequence[float]]
) -> None:
    """The student's losses, epoch by epoch, against the reference's."""

    ctx.figure_of(
        title, lambda: curves({"yours": losses, "reference": reference()}, "epoch", "loss")
    )


def reference_losses(ctx: Context, X: np.ndarray, y: np.ndarray, **kwargs: Any) -> list[float]:
    """The reference's losses of train_linear_regression(X, y, **kwargs)."""
    return list(ctx.reference.train_linear_regression(X, y, **kwargs)[2])


def regression_data(rng: np.random.Generator, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Well-conditioned data: with the intercept column, the loss's Hessian has eigenvalues
    in [0.5, 8], so lr = 0.1 converges within 1000 epochs to machine precision."""
    while True:
        X = rng.normal(size=(n, d)) + rng.uniform(-0.3, 0.3, d)
        design = np.column_stack([X, np.ones(n)])
        eigenvalues = np.linalg.eigvalsh(2 / n * design.T @ design)
        if eigenvalues.min() >= 0.5 and eigenvalues.max() <= 8.0:
            break
    y = X @ rng.uniform(-2, 2, d) + rng.uniform(-1, 1) + 0.1 * rng.normal(size=n)
    return X, y


@grader.check("linreg-course-example", exercise="train_linear_regression")
def linreg_course_example(sub: Submission, ctx: Context) -> None:
    """train_linear_regression gives the course example's losses, w and b

    X = [[1, 2], [2, 0], [0, 1], [3, 1], [1, 1]], y = [3, 1, 2, 5, 2], lr = 0.1, epochs = 3:
    losses [8.6, 0.82208, 0.693103616], w = [0.92544, 0.776], b = 0.568448.
    """
    what = "train_linear_regression(X, y, lr=0.1, epochs=3) on the course example"
    w, b, losses, _ = call_training(sub, COURSE_X, COURSE_Y, what, 3, lr=0.1, epochs=3)
    require_training(ctx, (w, b, losses), COURSE_X, COURSE_Y, 0.1, 3, what, sub)


@grader.check("linreg-contract", exercise="train_linear_regression")
def linreg_contract(sub: Submission, ctx: Context) -> None:
    """train_linear_regression returns (w, b, losses) of the right kinds, leaving X, y unchanged

    On the course example with lr = 0.05, epochs = 7: w of shape (2,), b a number, 7 losses
    starting at the loss at w = 0, b = 0, mean(y ** 2) = 8.6.
    """
    what = "train_linear_regression(X, y, lr=0.05, epochs=7)"
    _, _, losses, called = call_training(sub, COURSE_X, COURSE_Y, what, 7, lr=0.05, epochs=7)
    loss_curves(
        ctx,
        f"{what} on the course example",
        losses,
        partial(reference_losses, ctx, COURSE_X, COURSE_Y, lr=0.05, epochs=7),
    )
    _, _, one_more = ctx.reference.train_linear_regression(COURSE_X, COURSE_Y, lr=0.05, epochs=2)
    require_close(
        losses[0],
        float(np.mean(COURSE_Y**2)),
        f"{what}: losses[0], the loss at w = 0, b = 0",
        ctx.analytic,
        mistakes={"losses_after_update": one_more[1]},
    )
    for index, (name, sent) in enumerate((("X", COURSE_X), ("y", COURSE_Y))):
        after = as_array(called.args[index], f"{name} after the call", sent.shape)
        if not np.array_equal(after, sent):
            raise CheckFailure(
                f"train_linear_regression changed {name}: it must stay as the caller gave it",
                hint="input_modified",
            )


@grader.check("linreg-hidden-epochs", exercise="train_linear_regression")
def linreg_hidden_epochs(sub: Submission, ctx: Context) -> None:
    """train_linear_regression matches the reference epoch by epoch on hidden data

    Each loss (recorded before its update), then w and b; N != D, several lr and epochs,
    and one run with the default lr = 0.1 (epochs = 3 given).
    """
    for n, d, lr, epochs in ((40, 3, 0.1, 6), (25, 4, 0.05, 5), (60, 2, 0.2, 8)):
        X, y = regression_data(ctx.rng, n, d)
        what = f"train_linear_regression(X, y, lr, epochs={epochs}) on hidden data ({n} x {d})"
        w, b, losses, _ = call_training(sub, X, y, what, epochs, lr=lr, epochs=epochs)
        require_training(ctx, (w, b, losses), X, y, lr, epochs, what, sub)
    X, y = regression_data(ctx.rng, 30, 3)
    what = "train_linear_regression(X, y, epochs=3) with the default lr on hidden data (30 x 3)"
    w, b, losses, _ = call_training(sub, X, y, what, 3, epochs=3)
    require_training(ctx, (w, b, losses), X, y, 0.1, 3, what, sub)


def call_default_training(
    sub: Submission, X: np.ndarray, y: np.ndarray, what: str
) -> tuple[np.ndarray, float, np.ndarray, Any]:
    """call_training with the default lr and epochs. A wrong number of losses is blamed on
    the default epochs when the same call with epochs=1000 given returns 1000 losses."""
    try:
        return call_training(sub, X, y, what, 1000)
    except CheckFailure as failure:
        called = sub.call("train_linear_regression", X.copy(), y.copy())
        if not (isinstance(called, tuple | list) and len(called) == 3):
            raise
        if np.shape(called[2]) == (1000,):
            raise  # the defaults make 1000 epochs: the failure is something else
        try:
            given = sub.call("train_linear_regression", X.copy(), y.copy(), epochs=1000)
            as_array(as_tuple(given, what, 3)[2], what, (1000,))
        except (StudentError, CheckFailure):
            raise failure from None
        failure.hint = "default_epochs"
        raise


@grader.check("linreg-hidden-converges", exercise="train_linear_regression")
def linreg_hidden_converges(sub: Submission, ctx: Context) -> None:
    """train_linear_regression(X, y) with its defaults reaches the least-squares solution

    Defaults lr = 0.1, epochs = 1000, on hidden well-conditioned data; compared with
    np.linalg.lstsq on [X, 1] at a relative tolerance of 1e-6.
    """
    for n, d in ((40, 3), (30, 5), (55, 2)):
        X, y = regression_data(ctx.rng, n, d)
        try:
            converges(sub, ctx, X, y, f"train_linear_regression(X, y) on hidden data ({n} x {d})")
        except CheckFailure as failure:
            if failure.hint is None:
                failure.hint = diagnose_first_update(sub, ctx, X, y, 0.1)
            raise


def converges(sub: Submission, ctx: Context, X: np.ndarray, y: np.ndarray, what: str) -> None:
    """train_linear_regression(X, y) reaches the least-squares solution."""
    n, d = X.shape
    w, b, losses, _ = call_default_training(sub, X, y, what)
    loss_curves(ctx, what, losses, partial(reference_losses, ctx, X, y))
    design = np.column_stack([X, np.ones(n)])
    theta = np.linalg.lstsq(design, y, rcond=None)[0]
    require_close(w, theta[:d], f"{what}: w (vs least squares)", CONVERGED)
    require_close(b, float(theta[d]), f"{what}: b (vs least squares)", CONVERGED)
    best = float(np.mean((design @ theta - y) ** 2))
    require_close(losses[-1], best, f"{what}: losses[-1]", CONVERGED)
