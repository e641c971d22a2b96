"""m4_gradient_descent: the hints, and the mistakes that name them.

Each mistake is a model of what the wrong code gives (a step count, a trajectory,
a number), compared with the student's output; the first that matches names
its hint. ``diagnose_first_update`` asks the student's code for one epoch more.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from calcgrade import (
    CheckFailure,
    Context,
    StudentError,
    Submission,
    Tolerance,
    as_array,
    as_float,
    as_tuple,
    close,
)

from .cases import Case, Expected

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


def diagnose_steps(
    x: np.ndarray, n_steps: int, case: Case, expected: Expected, tol: Tolerance
) -> str | None:
    """Name the mistake whose (x, n_steps) the student's result looks like."""
    n, points = expected.n_steps, expected.iterates

    def at(k: int) -> bool:
        return 0 <= k < len(points) and close(x, points[k], tol)

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


def too_many_points(case: Case) -> str:
    """The hint when grad_fn saw more distinct points than the loop should reach."""
    if case.tol is None:  # the runs with a given tol came first and passed
        return "default_tol"
    return "off_by_one_steps" if case.stop == "max_iters" else "stop_test_after_step"


def uphill(case: Case, steps: int) -> np.ndarray:
    """x_0 .. x_(steps - 1) of x = x + lr * grad_fn(x): the steps that climb the bowl."""
    points = [case.x0]
    for _ in range(steps - 1):
        points.append(points[-1] + case.lr * case.bowl.gradient(points[-1]))
    return np.stack(points)


def limit_mistakes(eigenvalues: np.ndarray) -> dict[str, float]:
    """What max_stable_learning_rate's mistakes give: 2 / lambda_min, 1 / lambda_max."""
    return {"lambda_min": 2 / eigenvalues.min(), "one_over_lambda_max": 1 / eigenvalues.max()}


def other_eigenvalue(got: float, eigenvalues: np.ndarray, tol: Tolerance) -> str | None:
    """``wrong_eigenvalue`` when ``got`` is 2 / an eigenvalue between the extremes."""
    others = [value for value in eigenvalues if eigenvalues.min() < value < eigenvalues.max()]
    return "wrong_eigenvalue" if any(close(got, 2 / value, tol) for value in others) else None


def losses_after_update(ctx: Context, X: np.ndarray, y: np.ndarray, lr: float, epochs: int) -> Any:
    """The losses of a loop that records each loss after its update: the reference's
    losses[1:] of one epoch more."""
    _, _, one_more = ctx.reference.train_linear_regression(X, y, lr=lr, epochs=epochs + 1)
    return np.array(one_more[1:])


def diagnose_first_update(
    sub: Submission, ctx: Context, name: str, X: np.ndarray, y: np.ndarray, lr: float
) -> str | None:
    """Which update is wrong, from one epoch of the student's training ``name`` (from w = 0,
    b = 0, the residuals are -y whatever the code does with w and b, so the first w depends
    only on the update of w and the first b only on the update of b): one right and the
    other wrong names the wrong one; anything else (both wrong, both right, a failing call)
    names none. Only when the loss after that first update (losses[1] of two epochs) is
    wrong too: with it right, the updates are right and the w or b returned is not (a slip
    after the loop)."""
    what = f"{name}(...) result (w, b, losses)"
    try:
        result = sub.call(name, X.copy(), y.copy(), lr=lr, epochs=1)
        w, b, _ = as_tuple(result, what, 3)
        w = as_array(w, "w", (X.shape[1],))
        b = as_float(b, "b")
        two = sub.call(name, X.copy(), y.copy(), lr=lr, epochs=2)
        losses = as_array(as_tuple(two, what, 3)[2], "losses", (2,))
    except (StudentError, CheckFailure):
        return None
    ref_losses = ctx.reference.train_linear_regression(X, y, lr=lr, epochs=2)[2]
    if close(losses[1], float(ref_losses[1]), ctx.analytic):
        return None
    ref_w, ref_b, _ = ctx.reference.train_linear_regression(X, y, lr=lr, epochs=1)
    w_right = close(w, np.asarray(ref_w), ctx.analytic)
    b_right = close(b, float(ref_b), ctx.analytic)
    if w_right and not b_right:
        return "linreg_b_update"
    if b_right and not w_right:
        return "linreg_w_update"
    return None
