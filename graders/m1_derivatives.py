"""Grader for m1_derivatives: central differences, the profit model and the price optimizer.

The functions handed to ``derivative`` and ``optimal_price`` are grader callables:
they stay here, and the student's code calls back into them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
    central_gradient,
    close,
    mismatch,
    require,
    which_mistake,
)

HINTS = {
    "default_h": (
        "The contract's default step is h=1e-5: write `def derivative(f, x, h=1e-5):` "
        "and use that h when the caller gives none."
    ),
    "forward_difference": (
        "This looks like a one-sided difference such as (f(x + h) - f(x)) / h. "
        "Use the central difference (f(x + h) - f(x - h)) / (2 * h): it is far more accurate."
    ),
    "precedence_slip": (
        "`/ 2 * h` divides by 2 and then multiplies by h. Put the denominator in "
        "parentheses: (f(x + h) - f(x - h)) / (2 * h)."
    ),
    "central_difference_factor_2": (
        "The central difference spans a gap of 2h (from x - h to x + h): "
        "divide by (2 * h), not by h."
    ),
    "derivative_missing_cost": (
        "Your derivative ignores unit_cost. By the product rule the second term is "
        "(price - unit_cost) * (-price_sensitivity): keep the full margin (price - unit_cost)."
    ),
    "derivative_sign": (
        "A sign is flipped. Units sold fall as the price rises, so d(units)/d(price) is "
        "-price_sensitivity: profit'(p) = (base_demand - s*p) - s*(p - unit_cost). Check each sign."
    ),
    "derivative_product_rule": (
        "One term of the product rule is missing: (u*v)' = u'*v + u*v' with u = price - unit_cost "
        "and v = base_demand - price_sensitivity*price. Add both terms."
    ),
    "profit_modifies_prices": (
        "Your profit changed the prices array it was given (an in-place operation such as "
        "`price -= unit_cost`). Compute new arrays instead: margin = price - unit_cost."
    ),
    "optimal_price_minimum": (
        "Your optimizer returned a price where profit is lowest, not highest. A zero slope can "
        "be a valley: move towards the side where the slope says profit goes UP (and compare "
        "profits with max, not min)."
    ),
    "optimal_price_one_sided_slope": (
        "Your best price is off by about h/2 = 5e-6: the slope your optimizer uses looks "
        "one-sided, (f(x + h) - f(x)) / h. Use the central difference in derivative."
    ),
    "optimal_price_interval": (
        "Your optimizer returned a price outside [low, high]. Search only inside the interval, "
        "and return low or high when the best price in it is on an edge."
    ),
    "optimal_price_end_test": (
        "Your optimizer got an end of the interval wrong where the slope there is small: it "
        "returned an end although the slope there points into the interval (profit still rises "
        "away from it), or did not return an end although the slope points out of it. An end "
        "is the best price exactly when slope(low) <= 0 (return low) or slope(high) >= 0 "
        "(return high), however small the slope is: test its sign, compare it with 0."
    ),
    "optimal_price_slope_threshold": (
        "At your price the slope of profit is about 1 (or -1), not 0: your search compares "
        "the slope with 1 instead of 0. The best price is where the slope changes sign: the "
        "peak is to the right when slope > 0, to the left when slope < 0."
    ),
    "optimal_price_no_search": (
        "Your optimizer returned the middle of [low, high], as if its search never ran: check "
        "the loop's condition (for a bisection, `while high - low > tol:`), so that the "
        "interval is narrowed towards the side where the slope says profit rises."
    ),
    "optimal_price_search_outside": (
        "Your search left [low, high]: a point it tried, or an end of the interval it narrows, "
        "lies far outside it. Every point tried must lie between low and high: for a "
        "bisection, middle = (low + high) / 2, and low or high only ever moves to middle "
        "(low = middle or high = middle, nothing else)."
    ),
    "optimal_price_midpoint": (
        "Your search closes in on the right price, but the price you return from the final "
        "interval is not its midpoint (it is a fixed multiple of the best price, such as 2/3 "
        "or 3/2 of it, or the division fails). The midpoint of low and high is "
        "(low + high) / 2, with the parentheses."
    ),
    "optimal_price_middle": (
        "The point your search looks at in each step is not the middle of the interval. "
        "Compute middle = (low + high) / 2 (with the parentheses) inside the loop, before you "
        "use it, then keep the half where the slope says profit rises."
    ),
    "factor_not_computed": (
        "Your code uses `margin` or `units` before giving it a value (Python raised "
        "NameError). Compute each factor first, in the same function: "
        "margin = price - unit_cost and units = base_demand - price_sensitivity * price; "
        "then combine them."
    ),
}

grader = Grader("m1_derivatives", HINTS)

# ---------------------------------------------------------------------------
# derivative


class Recorded:
    """A scalar function the student differentiates; remembers where it was evaluated."""

    def __init__(self, formula: Callable[[float], float]) -> None:
        self.formula = formula
        self.points: list[float] = []

    def __call__(self, x: object) -> float:
        value = float(np.asarray(x, dtype=np.float64))
        self.points.append(value)
        return float(self.formula(value))


def derivative_mistakes(f: Callable[[float], float], x: float, h: float) -> dict[str, float]:
    """What the common wrong formulas give at (f, x, h)."""
    plus, here, minus = f(x + h), f(x), f(x - h)
    return {
        "forward_difference": (plus - here) / h,
        "precedence_slip": (plus - minus) / 2 * h,
        "central_difference_factor_2": (plus - minus) / h,
    }


def backward_difference(f: Callable[[float], float], x: float, h: float) -> float:
    return (f(x) - f(x - h)) / h


def check_derivative(
    sub: Submission,
    ctx: Context,
    formula: Callable[[float], float],
    x: float,
    h: float | None,
    what: str,
) -> None:
    """derivative(f, x[, h]) must equal the central formula for that h, up to rounding."""
    step = 1e-5 if h is None else h
    f = Recorded(formula)
    args: tuple[object, ...] = (f, x) if h is None else (f, x, h)
    got = as_float(sub.call("derivative", *args), what)
    expected = ctx.reference.derivative(formula, x, step)
    mistakes = derivative_mistakes(formula, x, step)
    sides = {x + step in f.points, x - step in f.points}
    one_sided = x in f.points and sides == {True, False}
    one_sided |= close(got, backward_difference(formula, x, step), ctx.analytic)
    require(
        mismatch(
            got,
            expected,
            what,
            ctx.analytic,
            mistakes=mistakes,
            hint="forward_difference" if one_sided else None,
        )
    )
    if h is None:
        require_default_step(f.points, x, what)


def require_default_step(points: list[float], x: float, what: str) -> None:
    """With the default h, f must be evaluated at x + 1e-5 and x - 1e-5: a default h
    that is off by a small factor moves the value too little to show, but not where f
    is evaluated (the grader's f records its points)."""

    def near(point: float) -> bool:
        return any(abs(p - point) <= 1e-12 * max(1.0, abs(point)) for p in points)

    if near(x + 1e-5) and near(x - 1e-5):
        return
    steps = sorted({abs(p - x) for p in points if p != x and near(2 * x - p)})
    if steps:
        raise CheckFailure(
            f"{what} evaluated f at x ± {steps[0]:.3g}, expected at x ± 1e-05 "
            "(the default h of the contract)",
            hint="default_h",
        )


def cube(x: float) -> float:
    return x**3


@grader.check("derivative-course-example", exercise="derivative")
def derivative_example(sub: Submission, ctx: Context) -> None:
    """derivative(f, 2.0) for f(x) = x**3 is the central difference with h = 1e-5 (about 12)"""
    check_derivative(sub, ctx, cube, 2.0, None, "derivative(f, 2.0) with f(x) = x**3")


@grader.check("derivative-step-size", exercise="derivative")
def derivative_step(sub: Submission, ctx: Context) -> None:
    """derivative(f, 2.0, 0.1) for f(x) = x**3 is (f(2.1) - f(1.9)) / 0.2 = 12.01"""
    check_derivative(sub, ctx, cube, 2.0, 0.1, "derivative(f, 2.0, 0.1) with f(x) = x**3")


def hidden_function(rng: np.random.Generator, kind: int) -> Callable[[float], float]:
    """Smooth functions with a clearly nonzero second derivative (so one-sided differences show)."""
    if kind == 0:
        a, k, b = rng.uniform(0.5, 2.0), rng.uniform(1.5, 3.0), rng.uniform(0.5, 2.0)
        return lambda x: a * np.exp(k * x) + b * x * x
    if kind == 1:
        w, b = rng.uniform(0.5, 1.5), rng.uniform(2.5, 4.0)
        return lambda x: np.sin(w * x) + b * x * x
    a, b, c = rng.uniform(0.5, 2.0), rng.uniform(-1.0, 1.0), rng.uniform(-2.0, 2.0)
    return lambda x: a * x**4 + b * x**3 + 3.0 * x * x + c * x


@grader.check("derivative-hidden-functions", exercise="derivative")
def derivative_hidden(sub: Submission, ctx: Context) -> None:
    """derivative matches the central difference on hidden functions, with default and given h"""
    for kind, h in ((0, None), (1, None), (2, None), (0, 0.05), (1, 0.2), (2, 1e-3)):
        formula = hidden_function(ctx.rng, kind)
        x = float(ctx.rng.uniform(-1.5, 1.5))
        what = "derivative(f, x) with the default h" if h is None else "derivative(f, x, h)"
        check_derivative(sub, ctx, formula, x, h, what)


# ---------------------------------------------------------------------------
# profit

SHOP = (2.0, 100.0, 5.0)  # unit_cost, base_demand, price_sensitivity of the course's shop


# The course writes profit and its derivative with two factors, each computed on its own
# line: margin = price - unit_cost and units = base_demand - price_sensitivity * price.
# Without one of those lines, that form raises exactly this (a model of the mistake: the
# hint is given only when the student's code raised the very same error).
FACTORS = ("margin", "units")
FACTOR_ERRORS = {f"name '{factor}' is not defined" for factor in FACTORS}
WITHHELD = " (the details are withheld because this check is hidden)"


@contextmanager
def factors_computed(ctx: Context, name: str) -> Iterator[None]:
    """Name the mistake when ``name`` (profit or profit_derivative) raised the NameError
    of a factor of the course's form that was never computed."""
    try:
        yield
    except StudentError as error:
        if error.type_name != "NameError" or error.message not in FACTOR_ERRORS:
            raise
        told = f"`{name}` raised {error.describe()}"
        message = told if not ctx.hidden else f"`{name}` raised NameError{WITHHELD}"
        raise CheckFailure(message, hint="factor_not_computed", detail=told) from None


def hidden_shop(rng: np.random.Generator) -> tuple[float, float, float]:
    """unit_cost, base_demand, price_sensitivity with the best price between 6 and 25."""
    cost, sensitivity = rng.uniform(0.5, 5.0), rng.uniform(0.5, 4.0)
    best = rng.uniform(6.0, 25.0)
    return float(cost), float(sensitivity * (2 * best - cost)), float(sensitivity)


def shop_tolerance(
    ctx: Context, price: float | np.ndarray, shop: tuple[float, float, float]
) -> Tolerance:
    """The analytic tolerance, with atol scaled by the size of the terms of the formula, so
    that an expanded form (-s*p**2 + (a + s*c)*p - a*c) near a zero passes too."""
    cost, demand, sensitivity = shop
    p = np.abs(np.asarray(price, dtype=np.float64))
    terms = demand * p + sensitivity * p * p + demand * cost + sensitivity * cost * p
    return Tolerance(
        rtol=ctx.analytic.rtol, atol=max(ctx.analytic.atol, 1e-13 * float(np.max(terms)))
    )


def check_profit_array(
    sub: Submission,
    ctx: Context,
    prices: np.ndarray,
    shop: tuple[float, float, float],
    what: str,
) -> None:
    """profit on an array: one profit per price, the right values, the array left unchanged."""
    with factors_computed(ctx, "profit"):
        called = sub.call_keep("profit", prices.copy(), *shop)
    after = np.asarray(called.args[0])
    modified = after.shape != prices.shape or not np.array_equal(after, prices)
    try:
        got = as_array(called.value, what, prices.shape)
        expected = ctx.reference.profit(prices, *shop)
        require(mismatch(got, expected, what, shop_tolerance(ctx, prices, shop)))
    except CheckFailure as failure:
        if modified:
            failure.hint = "profit_modifies_prices"
        raise
    if modified:
        raise CheckFailure(
            f"{what}: the prices array was changed by the call; "
            "a function must not modify the arrays it receives",
            hint="profit_modifies_prices",
        )


@grader.check("profit-course-example", exercise="profit")
def profit_example(sub: Submission, ctx: Context) -> None:
    """profit(11.0, 2.0, 100.0, 5.0) is 405, and an array of prices gives one profit each"""
    what = "profit(11.0, 2.0, 100.0, 5.0)"
    with factors_computed(ctx, "profit"):
        got = as_float(sub.call("profit", 11.0, *SHOP), what)
    require(mismatch(got, 405.0, what, shop_tolerance(ctx, 11.0, SHOP)))
    prices = np.array([2.0, 6.0, 11.0, 16.0, 21.0])
    what = "profit(np.array([2.0, 6.0, 11.0, 16.0, 21.0]), 2.0, 100.0, 5.0)"
    check_profit_array(sub, ctx, prices, SHOP, what)


@grader.check("profit-hidden-prices", exercise="profit")
def profit_hidden(sub: Submission, ctx: Context) -> None:
    """profit matches (price - unit_cost) * (base_demand - sensitivity * price) on hidden shops"""
    what = "profit(price, ...)"
    for _ in range(5):
        shop = hidden_shop(ctx.rng)
        price = float(ctx.rng.uniform(0.0, 40.0))
        with factors_computed(ctx, "profit"):
            got = as_float(sub.call("profit", price, *shop), what)
        expected = ctx.reference.profit(price, *shop)
        require(mismatch(got, expected, what, shop_tolerance(ctx, price, shop)))


@grader.check("profit-elementwise-arrays", exercise="profit")
def profit_arrays(sub: Submission, ctx: Context) -> None:
    """profit works elementwise on arrays of prices (1-D and 2-D) and leaves them unchanged"""
    for shape in ((7,), (3, 4), (1,)):
        shop = hidden_shop(ctx.rng)
        prices = ctx.rng.uniform(0.0, 40.0, size=shape)
        check_profit_array(sub, ctx, prices, shop, f"profit(prices, ...), prices of shape {shape}")


# ---------------------------------------------------------------------------
# profit_derivative


def profit_derivative_mistakes(
    price: float, cost: float, demand: float, sensitivity: float
) -> list[tuple[str, float]]:
    """What the common wrong derivatives give, each with its hint (a hint may have variants)."""
    units = demand - sensitivity * price
    margin = price - cost
    return [
        ("derivative_missing_cost", units - sensitivity * price),
        ("derivative_sign", units + sensitivity * margin),
        ("derivative_sign", demand + sensitivity * cost + 2 * sensitivity * price),
        ("derivative_sign", demand - sensitivity * cost - 2 * sensitivity * price),
        ("derivative_sign", -(units - sensitivity * margin)),
        ("derivative_sign", -units - sensitivity * margin),
        ("derivative_product_rule", units),
        ("derivative_product_rule", -sensitivity * margin),
    ]


def check_profit_derivative(
    sub: Submission, ctx: Context, price: float, shop: tuple[float, float, float], what: str
) -> None:
    with factors_computed(ctx, "profit_derivative"):
        got = as_float(sub.call("profit_derivative", price, *shop), what)
    expected = ctx.reference.profit_derivative(price, *shop)
    mistakes = profit_derivative_mistakes(price, *shop)
    require(mismatch(got, expected, what, shop_tolerance(ctx, price, shop), mistakes=mistakes))


@grader.check("profit-derivative-course-example", exercise="profit_derivative")
def profit_derivative_example(sub: Submission, ctx: Context) -> None:
    """profit_derivative(6.0, 2.0, 100.0, 5.0) is 50, and at price 11.0 it is 0"""
    for price in (6.0, 11.0):
        what = f"profit_derivative({price}, 2.0, 100.0, 5.0)"
        check_profit_derivative(sub, ctx, price, SHOP, what)


@grader.check("profit-derivative-hidden", exercise="profit_derivative")
def profit_derivative_hidden(sub: Submission, ctx: Context) -> None:
    """profit_derivative matches the product rule on hidden shops and prices"""
    for _ in range(5):
        shop = hidden_shop(ctx.rng)
        price = float(ctx.rng.uniform(shop[0] + 1.0, 40.0))
        check_profit_derivative(sub, ctx, price, shop, "profit_derivative(price, ...)")


def own_profit_slope(
    sub: Submission, ctx: Context, price: float, shop: tuple[float, float, float]
) -> float | None:
    """Central difference of the student's own profit at ``price``; None when their profit is
    wrong or unusable there (the profit checks report that, so it is not graded twice)."""

    def student_profit(p: np.ndarray | float) -> float:
        return as_float(sub.call("profit", float(p), *shop), "profit(price, ...)")

    try:
        expected = ctx.reference.profit(price, *shop)
        if not close(student_profit(price), expected, shop_tolerance(ctx, price, shop)):
            return None
        return float(central_gradient(student_profit, price))
    except (StudentError, CheckFailure):
        return None


@grader.check("profit-derivative-own-profit", exercise="profit_derivative")
def profit_derivative_own(sub: Submission, ctx: Context) -> None:
    """profit_derivative agrees with central differences of your own profit"""
    for _ in range(4):
        shop = hidden_shop(ctx.rng)
        price = float(ctx.rng.uniform(shop[0] + 1.0, 40.0))
        what = "profit_derivative(price, ...) against the slope of your profit"
        with factors_computed(ctx, "profit_derivative"):
            got = as_float(sub.call("profit_derivative", price, *shop), what)
        slope = own_profit_slope(sub, ctx, price, shop)
        if slope is None:  # fall back to the exact slope
            slope = ctx.reference.profit_derivative(price, *shop)
        tol = Tolerance(
            rtol=ctx.finite_difference.rtol,
            atol=ctx.finite_difference.atol * max(1.0, abs(slope)),
        )
        # the mistakes are named at the analytic tolerance of the exact formula, not at
        # the tolerance of the comparison with the slope
        mistakes = profit_derivative_mistakes(price, *shop)
        hint = which_mistake(got, mistakes, shop_tolerance(ctx, price, shop))
        require(mismatch(got, slope, what, tol, hint=hint))


# ---------------------------------------------------------------------------
# optimal_price

SLACK = 1e-7  # on top of tol: rounding in the student's arithmetic and in ours


# Calls of profit_fn during one optimal_price call before the grader ends it: a search to
# tol = 1e-6 needs about 60 (a coarse grid a few hundred), and each call is a round trip
# between processes (about 0.25 ms), so a loop that never narrows its interval is told so
# in about a second rather than left to run into the call's time limit.
PROFIT_CALLS = 5000


class ProfitCurve:
    """A profit function handed to the student's optimizer (floats, NumPy scalars or arrays).

    While ``live`` (during the student's call: the diagnosis by slips calls it again
    afterwards, in the grader's process), it counts its calls and ends a search that makes
    far too many with an exception raised into the student's loop."""

    def __init__(self, formula: Callable[[np.ndarray], np.ndarray]) -> None:
        self.formula = formula
        self.calls = 0
        self.live = False
        self.lowest, self.highest = np.inf, -np.inf  # of the prices asked while live
        self.points: list[float] = []  # the first prices asked while live, in order

    def __call__(self, price: object) -> float | np.ndarray:
        if self.live:
            self.calls += 1
            if self.calls > PROFIT_CALLS:
                raise RuntimeError(
                    f"profit_fn was called more than {PROFIT_CALLS} times, far more than a "
                    "search to tol needs: does your loop narrow the interval at every step, "
                    "and stop once it is narrower than tol?"
                )
        p = np.asarray(price, dtype=np.float64)
        if self.live and p.size:
            self.lowest = min(self.lowest, float(np.min(p)))
            self.highest = max(self.highest, float(np.max(p)))
            if len(self.points) < SEARCH_POINTS:
                self.points.extend(float(v) for v in p.ravel()[: SEARCH_POINTS - len(self.points)])
        with np.errstate(all="ignore"):  # far outside the interval, exp() may overflow
            value = np.asarray(self.formula(p), dtype=np.float64)
        return float(value) if value.ndim == 0 else value


class Case:
    """An optimizer problem: the curve, the interval, the best price and where minima lie.

    (A plain class: the engine imports graders without registering them in sys.modules,
    which ``dataclasses`` needs.)
    """

    def __init__(
        self,
        formula: Callable[[np.ndarray], np.ndarray],
        low: float,
        high: float,
        best: float,
        tol: float | None = None,
    ) -> None:
        self.formula = formula
        self.low = low
        self.high = high
        self.best = best
        self.tol = tol

    def minima(self, grid_size: int = 20001) -> list[float]:
        """The prices a 'returns a minimum' optimizer would give: the argmin on the interval
        and the worse end."""
        grid = np.linspace(self.low, self.high, grid_size)
        values = np.asarray(self.formula(grid))
        f_low, f_high = float(values[0]), float(values[-1])
        worse = [
            end
            for end, value in ((self.low, f_low), (self.high, f_high))
            if value <= min(f_low, f_high)
        ]
        return [float(grid[int(np.argmin(values))]), *worse]


def quadratic(cost: float, demand: float, sensitivity: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda p: (p - cost) * (demand - sensitivity * p)


def one_sided_root(got: float, case: Case, tol: float) -> bool:
    """Whether ``got`` is where a one-sided slope with the default h = 1e-5 vanishes: about
    h/2 from the peak (f'(p) + f''(p) h/2 = 0), the trace of a forward difference in
    ``derivative`` used by the optimizer."""
    return any(abs(got - (case.best + shift)) <= tol + SLACK for shift in (-5e-6, 5e-6))


def on_edge(got: float, edge: float) -> bool:
    """Whether ``got`` is the end ``edge`` itself, up to rounding (a search that merely
    converges towards the end stops at least tol/8 away from it)."""
    return abs(got - edge) <= 1e-12 * max(1.0, abs(edge))


def slope_of(case: Case, price: float) -> float:
    """The slope of the case's profit curve at ``price`` (the grader's own central difference)."""
    h = 1e-5 * max(1.0, abs(price))
    with np.errstate(all="ignore"):
        plus, minus = case.formula(np.array([price + h, price - h]))
    return float((plus - minus) / (2 * h))


def end_against_slope(got: float, case: Case) -> bool:
    """Whether ``got`` is an end of the interval where the slope points into the interval
    (profit rises away from that end), so that the end cannot be the best price."""
    return (on_edge(got, case.low) and slope_of(case, case.low) > 0) or (
        on_edge(got, case.high) and slope_of(case, case.high) < 0
    )


def wrong_midpoint(got: float, case: Case, tol: float) -> bool:
    """Whether ``got`` is what a search that closes in on the best price gives when the price
    it returns from its final interval [l, h] (l, h within tol of the best) is not
    (l + h) / 2 but (l + h) / 3, (l + h) / 4 or l + h / 2."""
    return case.best != 0 and any(
        abs(got - factor * case.best) <= 2 * tol + SLACK * max(1.0, abs(case.best))
        for factor in (2 / 3, 1 / 2, 3 / 2)
    )


def searched_outside(curve: ProfitCurve, case: Case) -> bool:
    """Whether the optimizer asked for profits far outside [low, high] (well beyond the step
    of any derivative estimate)."""
    margin = 0.5 + 0.05 * (case.high - case.low)
    return curve.lowest < case.low - margin or curve.highest > case.high + margin


# Models of a search gone wrong: the course's bisection (the slope a central difference with
# h = 1e-5, the ends tested first, then middle = (low + high) / 2 until the interval is
# narrower than tol, the midpoint of the final interval returned) with one step written
# wrong, each with its hint. A model names the mistake only when it reproduces what the
# student's search did: the price it returned, or the same error raised (or a search that
# never ends) after evaluating profit at the very same prices.
SEARCH_POINTS = 200  # the prices compared, from the first


class _Runaway(Exception):
    pass


def _middle_missing(low: float, high: float) -> float:
    raise NameError("name 'middle' is not defined")


def _half(low: float, high: float) -> float:
    return (low + high) / 2


SEARCH_MISTAKES: list[tuple[str, dict[str, Callable[[float, float], float]]]] = [
    # (low + high) / 3, as in a ternary search; low + high / 2 without parentheses
    ("optimal_price_middle", {"middle": lambda low, high: (low + high) / 3}),
    ("optimal_price_middle", {"middle": lambda low, high: low + high / 2}),
    ("optimal_price_middle", {"middle": lambda low, high: (low + high) / 0}),
    ("optimal_price_middle", {"middle": _middle_missing}),  # the line left out
    # the end of the interval moved to -middle: it leaves the interval
    ("optimal_price_search_outside", {"low": lambda middle, _: -middle}),
    ("optimal_price_midpoint", {"result": lambda low, high: (low + high) / 0}),
]


Ending = tuple[str, float, str]  # ("value", price, ""), ("raised", nan, "Type: message"), ...


def textbook_search(
    case: Case, tol: float, steps: dict[str, Callable[[float, float], float]]
) -> tuple[list[float], Ending]:
    """The course's bisection on ``case`` with ``steps`` in place of its own: the prices
    where it evaluated profit, and how it ended: ("value", price, ""), ("raised", nan,
    "Type: message") or ("runaway", nan, "") after PROFIT_CALLS evaluations."""
    middle_of = steps.get("middle", _half)
    move_low = steps.get("low", lambda middle, _: middle)
    result = steps.get("result", _half)
    points: list[float] = []

    def f(p: float) -> float:
        if len(points) >= PROFIT_CALLS:
            raise _Runaway
        points.append(p)
        with np.errstate(all="ignore"):
            return float(case.formula(np.asarray(p, dtype=np.float64)))

    def slope(p: float) -> float:
        return (f(p + 1e-5) - f(p - 1e-5)) / (2 * 1e-5)

    low, high = case.low, case.high
    try:
        if slope(low) <= 0:
            return points, ("value", low, "")
        if slope(high) >= 0:
            return points, ("value", high, "")
        while high - low > tol:
            middle = middle_of(low, high)
            if middle in (low, high):
                break
            if slope(middle) > 0:
                low = move_low(middle, low)
            else:
                high = middle
        return points, ("value", result(low, high), "")
    except _Runaway:
        return points, ("runaway", np.nan, "")
    except (ZeroDivisionError, NameError) as error:
        return points, ("raised", np.nan, f"{type(error).__name__}: {error}")


def same_points(student: list[float], model: list[float]) -> bool:
    """Whether the first prices the student's search evaluated are the model's."""
    first, expected = student[:SEARCH_POINTS], model[:SEARCH_POINTS]
    return len(first) == len(expected) and all(
        abs(a - b) <= 1e-12 * max(1.0, abs(b)) for a, b in zip(first, expected, strict=True)
    )


def search_mistake(case: Case, tol: float, curve: ProfitCurve, ended: Ending) -> str | None:
    """The hint of the model of SEARCH_MISTAKES that ends as the student's search did
    (``ended``, as ``textbook_search`` says it): a returned price within tol of the
    model's (a model that is itself right says nothing), or the same error or runaway
    after the same prices."""
    for hint, steps in SEARCH_MISTAKES:
        points, outcome = textbook_search(case, tol, steps)
        kind, value, raised = outcome
        if kind != ended[0]:
            continue
        if kind == "value":
            wrong = abs(value - case.best) > tol + SLACK
            if wrong and abs(ended[1] - value) <= tol + SLACK * max(1.0, abs(value)):
                return hint
        elif raised == ended[2] and same_points(curve.points, points):
            return hint
    return None


def diagnose_inside(got: float, case: Case, tol: float, gentle: bool, outside: bool) -> str | None:
    """The hint for a wrong price inside [low, high], if a known mistake gives it."""
    if outside:  # first: a search that ran off the interval can end anywhere, even a minimum
        return "optimal_price_search_outside"
    near = max(1e-3 * (case.high - case.low), 10 * tol)
    if any(abs(got - m) <= near for m in case.minima()):
        return "optimal_price_minimum"
    if case.low < case.best < case.high and one_sided_root(got, case, tol):
        return "optimal_price_one_sided_slope"
    if gentle and end_against_slope(got, case):
        return "optimal_price_end_test"
    middle = (case.low + case.high) / 2
    if abs(got - middle) <= 1e-12 * max(1.0, abs(middle)):
        return "optimal_price_no_search"
    if case.low < got < case.high and abs(abs(slope_of(case, got)) - 1.0) <= 1e-3:
        return "optimal_price_slope_threshold"
    if wrong_midpoint(got, case, tol):
        return "optimal_price_midpoint"
    return None


def check_optimal_price(
    sub: Submission,
    ctx: Context,
    case: Case,
    what: str,
    exact_edge: bool = False,
    gentle: bool = False,
) -> None:
    """The student's price within tol of ``case.best``; with ``exact_edge`` (the best price
    is an end of the interval), that end itself, as the contract asks. ``gentle``: the slope
    at the end nearest the peak is small (``gentle_case``), and the steep cases of the same
    check came first and passed."""
    curve = ProfitCurve(case.formula)
    args: tuple[object, ...] = (curve, case.low, case.high)
    if case.tol is not None:
        args = (*args, case.tol)
    curve.live = True
    try:
        value = sub.call("optimal_price", *args)
    except StudentError as error:
        tol = 1e-6 if case.tol is None else case.tol
        if curve.calls <= PROFIT_CALLS:
            raised = f"{error.type_name}: {error.message}"
            ended: Ending = ("raised", np.nan, raised)
            modelled = None if error.not_implemented else search_mistake(case, tol, curve, ended)
            if modelled is None:
                raise
            told = f"`optimal_price` raised {error.describe()}"
            message = (
                told if not ctx.hidden else f"`optimal_price` raised {error.type_name}{WITHHELD}"
            )
            raise CheckFailure(message, hint=modelled, detail=told) from None
        where = error.where() or "optimal_price"
        outside = searched_outside(curve, case)
        raise CheckFailure(
            f"{what}: profit_fn was called more than {PROFIT_CALLS} times, far more than a "
            f"search to tol needs, so the grader ended the search (it raised RuntimeError in "
            f"your code at {where})",
            hint="optimal_price_search_outside"
            if outside
            else search_mistake(case, tol, curve, ("runaway", np.nan, "")),
        ) from None
    finally:
        curve.live = False
    if isinstance(value, float | np.floating) and np.isinf(value):
        raise CheckFailure(
            f"{what}: got an infinite price, outside [low, high]",
            hint="optimal_price_interval",
            detail=f"{what}: got {value!r}; interval [{case.low:.10g}, {case.high:.10g}]",
        )
    got = as_float(value, what)
    tol = 1e-6 if case.tol is None else case.tol
    distance = abs(got - case.best)
    if distance <= tol + SLACK:
        if not exact_edge or on_edge(got, case.best):
            return
        side = "low" if case.best == case.low else "high"
        raise CheckFailure(
            f"{what}: the best price is an end of the interval and your price is within tol "
            "of it, but not that end itself: when the maximum is on the boundary, return "
            "low or high exactly",
            hint="optimal_price_end_test" if gentle else None,
            detail=(
                f"{what}: got {got!r}, expected {side} = {case.best!r} exactly "
                f"(off by {distance:.3g}); interval [{case.low!r}, {case.high!r}]"
            ),
        )
    detail = (
        f"{what}: got {got:.10g}, expected {case.best:.10g} "
        f"(off by {distance:.3g}; allowed tol = {tol:g}); "
        f"interval [{case.low:.10g}, {case.high:.10g}]"
    )
    hint = None
    if got < case.low - SLACK or got > case.high + SLACK:
        # a wrong midpoint of the final interval can land outside: that names the cause
        hint = (
            "optimal_price_midpoint" if wrong_midpoint(got, case, tol) else "optimal_price_interval"
        )
        message = f"{what}: got a price outside [low, high]"
        detail += "; the price is outside the interval"
    else:
        hint = diagnose_inside(got, case, tol, gentle, searched_outside(curve, case))
        message = (
            f"{what}: got a price {distance:.2g} away from the best price (allowed tol = {tol:g})"
        )
    hint = search_mistake(case, tol, curve, ("value", got, "")) or hint
    raise CheckFailure(message, hint=hint, detail=detail)


@grader.check("optimal-price-course-example", exercise="optimal_price")
def optimal_price_example(sub: Submission, ctx: Context) -> None:
    """optimal_price(lambda p: profit(p, 2.0, 100.0, 5.0), 2.0, 20.0) is 11 (within tol = 1e-6)"""
    case = Case(quadratic(*SHOP), 2.0, 20.0, 11.0)
    check_optimal_price(sub, ctx, case, "optimal_price(course profit, 2.0, 20.0)")


@grader.check("optimal-price-stays-in-interval", exercise="optimal_price")
def optimal_price_interval(sub: Submission, ctx: Context) -> None:
    """the course profit's best price in [12.0, 20.0] is 12 and in [2.0, 8.0] is 8 (the edges)"""
    for low, high, best in ((12.0, 20.0, 12.0), (2.0, 8.0, 8.0)):
        case = Case(quadratic(*SHOP), low, high, best)
        check_optimal_price(sub, ctx, case, f"optimal_price(course profit, {low}, {high})")


def gentle_peak(level: float, depth: float, peak: float) -> Callable[[np.ndarray], np.ndarray]:
    """A concave parabola with its maximum ``level`` at ``peak`` (slope -2 depth (p - peak))."""
    return lambda p: level - depth * (p - peak) ** 2


def gentle_case(rng: np.random.Generator, side: str, inside: bool) -> Case:
    """A gentle parabola whose peak is 0.15 to 0.25 from the ``side`` end of the interval,
    just inside it (``inside``) or just outside it (then that end is the best price): the
    slope at that end is between 0.15 and 0.9 in size, positive or negative, so an
    optimizer must use its sign, not compare it with 1."""
    low = float(rng.uniform(1.0, 20.0))
    high = float(low + rng.uniform(5.0, 15.0))
    depth, level = float(rng.uniform(0.5, 1.8)), float(rng.uniform(1.0, 10.0))
    offset = float(rng.uniform(0.15, 0.25))
    towards_middle = offset if inside else -offset
    peak = low + towards_middle if side == "left" else high - towards_middle
    best = peak if inside else (low if side == "left" else high)
    return Case(gentle_peak(level, depth, peak), low, high, best)


def negative_interval_case(rng: np.random.Generator) -> Case:
    """A parabola on an interval of negative values (optimal_price is a generic maximiser),
    with its peak inside, away from the midpoint."""
    low = float(rng.uniform(-40.0, -20.0))
    high = float(rng.uniform(-15.0, -2.0))
    fraction = rng.uniform(0.15, 0.35) if rng.random() < 0.5 else rng.uniform(0.65, 0.85)
    peak = float(low + (high - low) * fraction)
    depth, level = float(rng.uniform(0.5, 4.0)), float(rng.uniform(1.0, 20.0))
    return Case(gentle_peak(level, depth, peak), low, high, peak)


@grader.check("optimal-price-hidden-profits", exercise="optimal_price")
def optimal_price_hidden(sub: Submission, ctx: Context) -> None:
    """optimal_price finds the best price of hidden quadratic profits within tol

    Also a gentle peak just inside each end of the interval (a small slope there), and an
    interval of negative values.
    """
    for tol in (None, 1e-4, None, 1e-5):
        cost, demand, sensitivity = hidden_shop(ctx.rng)
        best = (demand + sensitivity * cost) / (2 * sensitivity)
        low = float(best * ctx.rng.uniform(0.1, 0.8))
        high = float(best * ctx.rng.uniform(1.2, 3.0))
        case = Case(quadratic(cost, demand, sensitivity), low, high, best, tol)
        check_optimal_price(sub, ctx, case, "optimal_price(profit_fn, low, high)")
    for case in (gentle_case(ctx.rng, "left", inside=True), gentle_case(ctx.rng, "right", True)):
        check_optimal_price(sub, ctx, case, "optimal_price(profit_fn, low, high)", gentle=True)
    check_optimal_price(
        sub, ctx, negative_interval_case(ctx.rng), "optimal_price(profit_fn, low, high)"
    )


def exponential_demand(rng: np.random.Generator) -> Case:
    """profit = (p - c) * A * exp(-p / k): best price c + k."""
    cost, scale, size = rng.uniform(1.0, 5.0), rng.uniform(2.0, 10.0), rng.uniform(20.0, 200.0)
    best = cost + scale
    low = float(cost + scale * rng.uniform(-0.5, 0.7))
    high = float(best + scale * rng.uniform(0.5, 3.0))
    return Case(lambda p: (p - cost) * size * np.exp(-p / scale), low, high, float(best))


def logistic_demand(rng: np.random.Generator) -> Case:
    """profit = (p - c) * N / (1 + exp((p - m) / w)), unimodal; best price by bisection on f'."""
    cost = rng.uniform(1.0, 5.0)
    middle = cost + rng.uniform(3.0, 15.0)
    width, size = rng.uniform(1.0, 4.0), rng.uniform(50.0, 300.0)

    def slope(p: float) -> float:
        z = np.exp(-(p - middle) / width)  # 1 / (1 + exp((p - m) / w)) = z / (1 + z)
        share = z / (1.0 + z)
        return size * (share - (p - cost) * share * (1.0 - share) / width)

    left, right = cost, middle + 20.0 * width
    for _ in range(200):
        mid = 0.5 * (left + right)
        left, right = (mid, right) if slope(mid) > 0 else (left, mid)
    best = 0.5 * (left + right)
    low = float(cost + (best - cost) * rng.uniform(-0.5, 0.7))
    high = float(best + width * rng.uniform(1.0, 4.0))
    return Case(
        lambda p: (p - cost) * size / (1.0 + np.exp((p - middle) / width)), low, high, float(best)
    )


@grader.check("optimal-price-smooth-curve", exercise="optimal_price")
def optimal_price_smooth(sub: Submission, ctx: Context) -> None:
    """optimal_price finds the best price of hidden non-quadratic, single-peaked profit curves"""
    for make in (exponential_demand, logistic_demand, exponential_demand, logistic_demand):
        check_optimal_price(sub, ctx, make(ctx.rng), "optimal_price(profit_fn, low, high)")


@grader.check("optimal-price-boundary-maximum", exercise="optimal_price")
def optimal_price_boundary(sub: Submission, ctx: Context) -> None:
    """optimal_price returns low or high when the best price in [low, high] is on an edge

    That end itself (up to rounding), not a price within tol of it; also when the slope
    there is small.
    """
    for side in ("right", "left", "right", "left"):
        cost, demand, sensitivity = hidden_shop(ctx.rng)
        best = (demand + sensitivity * cost) / (2 * sensitivity)
        if side == "right":  # the peak is right of the interval: profit rises all the way
            low = float(best * ctx.rng.uniform(0.2, 0.5))
            high = float(best - ctx.rng.uniform(0.5, 3.0))
            edge = high
        else:  # the peak is left of the interval: profit falls all the way
            low = float(best + ctx.rng.uniform(0.5, 3.0))
            high = float(low + ctx.rng.uniform(5.0, 15.0))
            edge = low
        case = Case(quadratic(cost, demand, sensitivity), low, high, edge)
        check_optimal_price(sub, ctx, case, "optimal_price(profit_fn, low, high)", True)
    for side in ("right", "left"):  # a gentle slope at the best end
        case = gentle_case(ctx.rng, side, inside=False)
        what = "optimal_price(profit_fn, low, high)"
        check_optimal_price(sub, ctx, case, what, exact_edge=True, gentle=True)


def valley(bottom: float, depth: float, level: float) -> Callable[[np.ndarray], np.ndarray]:
    """A profit curve with a minimum (zero slope) at ``bottom``."""
    return lambda p: level + depth * (p - bottom) ** 2


@grader.check("optimal-price-not-a-minimum", exercise="optimal_price")
def optimal_price_valley(sub: Submission, ctx: Context) -> None:
    """optimal_price does not stop at a valley (a zero slope where profit is lowest)"""
    # the valley is near the right end: profit falls from low, bottoms out and rises a
    # little, so the best price in [low, high] is low (f(low) > f(high))
    for _ in range(3):
        low = float(ctx.rng.uniform(1.0, 10.0))
        high = float(low + ctx.rng.uniform(5.0, 20.0))
        bottom = low + (high - low) * ctx.rng.uniform(0.75, 0.9)
        depth, level = ctx.rng.uniform(0.5, 3.0), ctx.rng.uniform(10.0, 100.0)
        case = Case(valley(bottom, depth, level), low, high, low)
        check_optimal_price(sub, ctx, case, "optimal_price(profit_fn, low, high)")
