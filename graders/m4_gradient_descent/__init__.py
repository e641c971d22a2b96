"""Grader for m4_gradient_descent: the descent loop, its stable learning rate, linear regression.

``grad_fn`` is a grader callable: it stays here, the student's loop calls back into
it, and every point it is evaluated at is recorded. That makes the student's
iterates visible, so the loop is compared with the reference step by step, and
the stopping rule (``norm(grad_fn(x)) < tol`` tested before each step) is pinned
by the number of steps. Extra evaluations of ``grad_fn`` are allowed: the
iterates are the distinct points, in the order they were first seen.

This file holds the checks. Beside it: ``cases.py`` (the bowls, data and cases the
checks run, and the reference's answers), ``diagnosis.py`` (the hints and the
mistakes that name them) and ``figures.py`` (the pictures of a check).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from calcgrade import (
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
    close,
    mismatch,
    mismatch_steps,
    require,
)
from calcgrade.figure_data import point_or_none

from .cases import (
    CHAIN,
    COURSE_BOWL,
    COURSE_STEP,
    COURSE_X,
    COURSE_Y,
    DEFAULT_MAX_ITERS,
    TABLE_STEPS,
    Bowl,
    Case,
    Expected,
    Recorder,
    ScalarBowl,
    default_tol_case,
    expected_run,
    flat_case,
    max_iters_case,
    regression_data,
    spd_matrix,
    tol_case,
)
from .diagnosis import (
    HINTS,
    diagnose_first_update,
    diagnose_steps,
    limit_mistakes,
    losses_after_update,
    other_eigenvalue,
    too_many_points,
    uphill,
)
from .figures import descent_figure, loss_curves, reference_losses

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


def run_student(
    sub: Submission, ctx: Context, name: str, case: Case, expected: Expected
) -> tuple[np.ndarray, int, Recorder]:
    """Run the student's descent ``name`` on ``case``; record its figure before any failure."""
    recorder = Recorder(case.bowl, budget=20 * (expected.n_steps + 2) + 100)
    try:
        result = sub.call(name, recorder, case.x0.copy(), case.lr, **case.kwargs())
    except StudentError:
        descent_figure(ctx, case, expected, recorder.points)
        raise
    returned = result[0] if isinstance(result, tuple | list) and len(result) == 2 else None
    descent_figure(ctx, case, expected, recorder.points, point_or_none(returned, case.x0.shape))
    x, n_steps = as_tuple(result, f"{name}(...) result (x, n_steps)", 2)
    x = as_array(x, f"{name} on {case.label}: x", case.x0.shape)
    return x, as_int(n_steps, f"{name} on {case.label}: n_steps"), recorder


def require_result(
    x: np.ndarray, n_steps: int, case: Case, expected: Expected, tol: Tolerance
) -> None:
    """x and n_steps as the reference's; on failure, name the likely mistake."""
    what = f"gradient_descent on {case.label}"
    x_right = close(x, expected.x, tol)
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
        require(
            mismatch_steps(
                np.stack(points[:shown]),
                np.stack(expected.iterates[:shown]),
                f"{what}: the point passed to grad_fn",
                tol,
                mistakes={"step_uphill": uphill(case, shown)},
            )
        )
    # every step needs the gradient at x_0 .. x_(n-1); stopping on tol needs it at x_n
    least = n + 1 if case.stop != "max_iters" else n
    if len(points) < least:
        raise CheckFailure(
            f"{what}: grad_fn was evaluated at {len(points)} distinct points, expected at "
            f"least {least} (the gradient at every point the loop reaches, before it steps "
            "or stops)"
        )
    if len(points) > n + 1:
        raise CheckFailure(
            f"{what}: grad_fn was evaluated at {len(points)} distinct points, expected at "
            f"most {n + 1}: the loop went past the point where it should stop",
            hint=too_many_points(case),
        )


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
        x, n_steps, _ = run_student(sub, ctx, "gradient_descent", case, expected)
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
    x, n_steps, _ = run_student(sub, ctx, "gradient_descent", case, expected)
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
        _, _, recorder = run_student(sub, ctx, "gradient_descent", case, expected)
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
        x, n_steps, _ = run_student(sub, ctx, "gradient_descent", case, expected)
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
        x, n_steps, _ = run_student(sub, ctx, "gradient_descent", case, expected)
        require_result(x, n_steps, case, expected, ctx.analytic)
    check_default_max_iters(sub, ctx, "gradient_descent")


# ---------------------------------------------------------------------------
# the default max_iters (cases.ScalarBowl says how such a run is made)


def check_default_max_iters(sub: Submission, ctx: Context, name: str) -> None:
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
    what = f"{name} on {label}"
    bowl.live = True
    try:
        result = sub.call(name, bowl.answered(), np.array(start), 1e-5)
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
    x, n_steps = as_tuple(result, f"{name}(...) result (x, n_steps)", 2)
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
        x, n_steps, _ = run_student(sub, ctx, "gradient_descent", case, expected)
        require_result(x, n_steps, case, expected, ctx.analytic)


# ---------------------------------------------------------------------------
# max_stable_learning_rate


def require_limit(got: float, eigenvalues: np.ndarray, what: str) -> None:
    """2 / lambda_max; 2 / lambda_min, 1 / lambda_max and 2 / another eigenvalue named."""
    expected = 2 / eigenvalues.max()
    mistakes = limit_mistakes(eigenvalues)
    other = other_eigenvalue(got, eigenvalues, EIGEN_TOLERANCE)
    require(mismatch(got, expected, what, EIGEN_TOLERANCE, mistakes=mistakes, hint=other))


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
        A = spd_matrix(ctx.rng, size)
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


def call_training(
    sub: Submission,
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    what: str,
    n_losses: int,
    **kwargs: Any,
) -> tuple[np.ndarray, float, np.ndarray, Any]:
    """Call the student's training ``name``; validate (w, b, losses); return them and the call."""
    called = sub.call_keep(name, X.copy(), y.copy(), **kwargs)
    w, b, losses = as_tuple(called.value, f"{what} result (w, b, losses)", 3)
    return (
        as_array(w, f"{what}: w", (X.shape[1],)),
        as_float(b, f"{what}: b"),
        as_array(losses, f"{what}: losses (one per epoch)", (n_losses,)),
        called,
    )


def require_training(
    ctx: Context,
    got: tuple[np.ndarray, float, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    epochs: int,
    what: str,
    sub: Submission | None = None,
    name: str = "train_linear_regression",
) -> None:
    """Losses epoch by epoch, then w and b, as the reference's. With ``sub``, a failure no
    known mistake explains is localised to the update of w or of b (one more call of
    ``name``)."""
    w, b, losses = got
    ref_w, ref_b, ref_losses = ctx.reference.train_linear_regression(X, y, lr=lr, epochs=epochs)
    loss_curves(ctx, what, losses, lambda: ref_losses)
    shifted = losses_after_update(ctx, X, y, lr, epochs)
    failure = mismatch_steps(
        losses,
        np.asarray(ref_losses, dtype=np.float64),
        f"{what}: losses",
        ctx.analytic,
        mistakes={"losses_after_update": shifted},
        step="epoch",
    )
    if failure is None:
        failure = mismatch(w, np.asarray(ref_w), f"{what}: w", ctx.analytic)
    if failure is None:
        failure = mismatch(b, float(ref_b), f"{what}: b", ctx.analytic)
    if failure is not None and failure.hint is None and sub is not None:
        failure.hint = diagnose_first_update(sub, ctx, name, X, y, lr)
    require(failure)


@grader.check("linreg-course-example", exercise="train_linear_regression")
def linreg_course_example(sub: Submission, ctx: Context) -> None:
    """train_linear_regression gives the course example's losses, w and b

    X = [[1, 2], [2, 0], [0, 1], [3, 1], [1, 1]], y = [3, 1, 2, 5, 2], lr = 0.1, epochs = 3:
    losses [8.6, 0.82208, 0.693103616], w = [0.92544, 0.776], b = 0.568448.
    """
    what = "train_linear_regression(X, y, lr=0.1, epochs=3) on the course example"
    w, b, losses, _ = call_training(
        sub, "train_linear_regression", COURSE_X, COURSE_Y, what, 3, lr=0.1, epochs=3
    )
    require_training(ctx, (w, b, losses), COURSE_X, COURSE_Y, 0.1, 3, what, sub)


@grader.check("linreg-contract", exercise="train_linear_regression")
def linreg_contract(sub: Submission, ctx: Context) -> None:
    """train_linear_regression returns (w, b, losses) of the right kinds, leaving X, y unchanged

    On the course example with lr = 0.05, epochs = 7: w of shape (2,), b a number, 7 losses
    starting at the loss at w = 0, b = 0, mean(y ** 2) = 8.6.
    """
    what = "train_linear_regression(X, y, lr=0.05, epochs=7)"
    _, _, losses, called = call_training(
        sub, "train_linear_regression", COURSE_X, COURSE_Y, what, 7, lr=0.05, epochs=7
    )
    loss_curves(
        ctx,
        f"{what} on the course example",
        losses,
        partial(reference_losses, ctx, COURSE_X, COURSE_Y, lr=0.05, epochs=7),
    )
    shifted = losses_after_update(ctx, COURSE_X, COURSE_Y, 0.05, 1)
    require(
        mismatch(
            losses[0],
            float(np.mean(COURSE_Y**2)),
            f"{what}: losses[0], the loss at w = 0, b = 0",
            ctx.analytic,
            mistakes={"losses_after_update": shifted[0]},
        )
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
        w, b, losses, _ = call_training(
            sub, "train_linear_regression", X, y, what, epochs, lr=lr, epochs=epochs
        )
        require_training(ctx, (w, b, losses), X, y, lr, epochs, what, sub)
    X, y = regression_data(ctx.rng, 30, 3)
    what = "train_linear_regression(X, y, epochs=3) with the default lr on hidden data (30 x 3)"
    w, b, losses, _ = call_training(sub, "train_linear_regression", X, y, what, 3, epochs=3)
    require_training(ctx, (w, b, losses), X, y, 0.1, 3, what, sub)


def call_default_training(
    sub: Submission, name: str, X: np.ndarray, y: np.ndarray, what: str
) -> tuple[np.ndarray, float, np.ndarray, Any]:
    """call_training with the default lr and epochs. A wrong number of losses is blamed on
    the default epochs when the same call with epochs=1000 given returns 1000 losses."""
    try:
        return call_training(sub, name, X, y, what, 1000)
    except CheckFailure as failure:
        called = sub.call(name, X.copy(), y.copy())
        if not (isinstance(called, tuple | list) and len(called) == 3):
            raise
        if np.shape(called[2]) == (1000,):
            raise  # the defaults make 1000 epochs: the failure is something else
        try:
            given = sub.call(name, X.copy(), y.copy(), epochs=1000)
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
        what = f"train_linear_regression(X, y) on hidden data ({n} x {d})"
        try:
            converges(sub, ctx, "train_linear_regression", X, y, what)
        except CheckFailure as failure:
            if failure.hint is None:
                failure.hint = diagnose_first_update(sub, ctx, "train_linear_regression", X, y, 0.1)
            raise


def converges(
    sub: Submission, ctx: Context, name: str, X: np.ndarray, y: np.ndarray, what: str
) -> None:
    """The student's training ``name``, with its defaults, reaches the least-squares solution."""
    n, d = X.shape
    w, b, losses, _ = call_default_training(sub, name, X, y, what)
    loss_curves(ctx, what, losses, partial(reference_losses, ctx, X, y))
    design = np.column_stack([X, np.ones(n)])
    theta = np.linalg.lstsq(design, y, rcond=None)[0]
    best = float(np.mean((design @ theta - y) ** 2))
    require(
        mismatch(w, theta[:d], f"{what}: w (vs least squares)", CONVERGED),
        mismatch(b, float(theta[d]), f"{what}: b (vs least squares)", CONVERGED),
        mismatch(losses[-1], best, f"{what}: losses[-1]", CONVERGED),
    )
