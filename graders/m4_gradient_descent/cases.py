"""m4_gradient_descent: the cases the checks run, and the reference's answers to them.

The test functions are bowls ``f(x) = 0.5 (x - c) . H (x - c)`` over the
flattened ``x`` (so a matrix-shaped ``x0`` couples all entries), with a
non-diagonal symmetric positive-definite ``H``. ``Recorder`` is the ``grad_fn``
sent to the student: it remembers every point its loop asks about. A run to the
default max_iters uses ``ScalarBowl`` instead (see its docstring).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from calcgrade import Answered, Context

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


COURSE_STEP = Bowl(np.array([[2.0]]), np.array([3.0]))  # f(x) = (x - 3)^2: gradient 2 (x - 3)


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


# ---------------------------------------------------------------------------
# max_stable_learning_rate

COURSE_BOWL = np.array([[5.5, 4.5], [4.5, 5.5]])  # eigenvalues 10 and 1: limit 0.2
CHAIN = np.array(
    [[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 2.0]]
)  # 2 - sqrt 2, 2, 2 + sqrt 2


def spd_matrix(rng: np.random.Generator, size: int) -> np.ndarray:
    """A non-diagonal SPD matrix with log-spread eigenvalues: the largest stands out
    (ratio >= 1.5 to the next), the smallest is at most a quarter of it, so every
    mistake is far off."""
    q, _ = np.linalg.qr(rng.normal(size=(size, size)))
    gaps = rng.uniform(np.log(1.5), np.log(4.0), size - 1)
    top = rng.uniform(2.0, 40.0)
    eigenvalues = top * np.exp(-np.concatenate([[0.0], np.cumsum(gaps)]))
    eigenvalues[-1] = min(eigenvalues[-1], top / 4)
    A = q @ np.diag(eigenvalues) @ q.T
    return (A + A.T) / 2


# ---------------------------------------------------------------------------
# train_linear_regression

COURSE_X = np.array([[1.0, 2.0], [2.0, 0.0], [0.0, 1.0], [3.0, 1.0], [1.0, 1.0]])
COURSE_Y = np.array([3.0, 1.0, 2.0, 5.0, 2.0])


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
