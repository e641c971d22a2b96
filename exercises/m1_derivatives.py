# %% [markdown]
# # Module 1 — Derivatives: which way is downhill?
#
# **If I change this weight by 0.001, how much does my error change?**
#
# We start with a question a shop owner asks every day: **what price maximises
# profit?** Charge too little and every sale earns almost nothing; charge too much
# and nobody buys. Somewhere in between is the best price — and at that price, a
# tiny change in either direction changes the profit by (almost) nothing.
#
# That "how much does the output change when I nudge the input" is the
# **derivative**. It measures *sensitivity*. Training a network asks the same
# question about every weight; here we ask it about one price.
#
# By the end of this notebook you will have built a price optimizer that finds the
# best price using nothing but derivatives.

# %%
import numpy as np

from calcgrade import check

# %% [markdown]
# ## 1. Measuring a derivative numerically
#
# The slope of a straight line is rise over run (module 0). A curve has a
# different slope at every point, but if we zoom in far enough it looks straight.
# So take two points very close to `x`, a small distance `h` on either side, and
# compute rise over run between them:
#
# $$f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}.$$
#
# This is the **central difference**. It is much more accurate than the one-sided
# `(f(x + h) - f(x)) / h`: its error shrinks like $h^2$ instead of $h$. Mind the
# parentheses: `/ 2 * h` divides by 2 and then *multiplies* by `h`.


# %%
def derivative(f, x, h=1e-5):
    """Central-difference estimate of f'(x) for a scalar function f at a scalar x.

    Returns (f(x + h) - f(x - h)) / (2 * h) as a float.
    """
    # YOUR CODE HERE
    raise NotImplementedError("central difference: (f(x + h) - f(x - h)) / (2 * h)")


# %%
check("m1_derivatives", globals(), exercise="derivative")

# %% [markdown]
# **Interactive:** how small should `h` be? Move `h` and compare your central
# difference with the one-sided forward difference `(f(x + h) - f(x)) / h` for
# $f(x) = \sin x$ at $x = 1$, whose exact slope is $\cos 1$. On the left, the two
# secant lines; on the right, how far each is from the exact slope, on a log
# scale. Shrinking `h` ten times cuts the forward error ten times and the central
# error a hundred times, until, for very small `h`, rounding takes over and both
# get *worse* again.

# %% tags=["demo"]
from calcgrade.views import m1_derivatives as views

views.step_size(derivative)

# %% [markdown]
# ## 2. The profit curve
#
# A simple model of the shop: each unit costs `unit_cost` to make, and the number
# of units sold falls as the price rises,
#
# $$\text{units} = \text{base\_demand} - \text{price\_sensitivity} \cdot \text{price}.$$
#
# Profit is the margin on each unit times the number of units:
#
# $$\text{profit}(p) = (p - \text{unit\_cost}) \cdot (\text{base\_demand} - \text{price\_sensitivity} \cdot p).$$
#
# Write it with plain arithmetic so that it also works when `price` is a NumPy
# array of many prices at once (we use that to plot the curve).


# %%
def profit(price, unit_cost, base_demand, price_sensitivity):
    """Profit at `price`: (price - unit_cost) * (base_demand - price_sensitivity * price).

    Works elementwise when `price` is an array of prices.
    """
    # YOUR CODE HERE
    raise NotImplementedError("margin per unit times units sold")


# %%
check("m1_derivatives", globals(), exercise="profit")

# %% [markdown]
# ## 3. The exact derivative
#
# The numerical estimate is handy, but for a formula we can also find the slope
# exactly. Profit is a product of two factors, so use the **product rule**:
# $(u \cdot v)' = u' \cdot v + u \cdot v'$. With $u = p - c$ (so $u' = 1$) and
# $v = a - s\,p$ (so $v' = -s$):
#
# $$\text{profit}'(p) = (a - s\,p) + (p - c)\cdot(-s).$$
#
# The first term is what one more unit of price earns on every unit sold; the
# second is the sales lost, each costing its margin. Forgetting the `unit_cost`
# or the minus sign are the two classic slips — compare your result with
# `derivative` at a few prices if in doubt.


# %%
def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """The exact derivative of `profit` with respect to `price` (product rule)."""
    # YOUR CODE HERE
    raise NotImplementedError("product rule: (base_demand - s * price) + (price - unit_cost) * (-s)")


# %%
check("m1_derivatives", globals(), exercise="profit_derivative")

# %% [markdown]
# ## 4. A tangent line
#
# The derivative at a price is the slope of the **tangent line**: the straight
# line that touches the curve there. Left of the peak it tilts up (raise the
# price!), right of the peak it tilts down (lower it!), and at the peak it is flat:
# the derivative is zero.

# %% tags=["demo"]
try:
    import matplotlib.pyplot as plt

    shop = dict(unit_cost=2.0, base_demand=100.0, price_sensitivity=5.0)
    prices = np.linspace(2, 20, 200)
    curve = profit(prices, **shop)
    tangents = []
    for p0 in [6.0, 11.0, 16.0]:
        slope_at_p0 = round(derivative(lambda p: profit(p, **shop), p0), 6) + 0.0  # no "-0.0"
        near = np.linspace(p0 - 2.5, p0 + 2.5, 2)
        tangents.append((p0, slope_at_p0, near, profit(p0, **shop) + slope_at_p0 * (near - p0)))

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(prices, curve, color="black", label="profit")
    for p0, slope_at_p0, near, line in tangents:
        ax.plot(near, line, "--", label=f"tangent at {p0:g}: slope {slope_at_p0:+.1f}")
        ax.plot(p0, profit(p0, **shop), "o", color="black")
    ax.set_xlabel("price")
    ax.set_ylabel("profit")
    ax.legend()
    plt.show()
except NotImplementedError:
    print("Implement derivative and profit above to see this plot.")

# %% [markdown]
# **Interactive:** move the price along the curve and watch the tangent turn: its
# slope is your `derivative` of your `profit` at that price.

# %% tags=["demo"]
views.tangent(derivative, profit)

# %% [markdown]
# ## 5. The price optimizer
#
# Now find the best price in an interval `[low, high]`, using the derivative as a
# compass. For a profit curve with a single peak:
#
# - if the slope at `low` is already ≤ 0, profit only falls inside the interval:
#   the best price is `low`;
# - if the slope at `high` is still ≥ 0, profit only rises: the best price is
#   `high`;
# - otherwise the peak is inside. Look at the slope in the middle: positive means
#   the peak is to the right, negative means it is to the left. Keep the half that
#   contains the peak and repeat (**bisection**) until the interval is shorter than
#   `tol`.
#
# Use your `derivative` on `profit_fn`, so the optimizer works for any smooth
# profit curve, not only ours. Careful: the point where the derivative is zero is
# a peak here because we check the sign on each side — the same zero at the bottom
# of a valley would be the *worst* price.


# %%
def optimal_price(profit_fn, low, high, tol=1e-6):
    """The price in [low, high] that maximises a smooth, single-peaked `profit_fn`.

    Found with derivatives (bisection on the sign of the slope), within `tol` of
    the true maximiser. Returns `low` or `high` when the maximum is on the boundary.
    """
    # YOUR CODE HERE
    raise NotImplementedError("bisection on the sign of derivative(profit_fn, price)")


# %%
check("m1_derivatives", globals(), exercise="optimal_price")

# %% [markdown]
# For our shop the exact answer comes from setting the exact derivative to zero:
# $a - 2sp + sc = 0$, so $p^* = (a + s c) / (2 s) = (100 + 10) / 10 = 11$.

# %% tags=["demo"]
try:
    best = optimal_price(lambda p: profit(p, 2.0, 100.0, 5.0), low=2.0, high=20.0)
    print(f"best price {best:.4f}, profit {profit(best, 2.0, 100.0, 5.0):.2f}")
    print(f"exact derivative there: {profit_derivative(best, 2.0, 100.0, 5.0):.2e}")
except NotImplementedError:
    print("Implement the functions above to run the optimizer.")

# %% [markdown]
# **Interactive:** watch your `optimal_price` at work on the interval $[3, 20]$.
# The view records every price at which your optimizer asks for the profit; two
# calls a hair apart (one derivative estimate) count as one look, drawn with the
# slope it measured. On the right, how far each look is from the price it returns:
# bisection roughly halves that distance with every look.

# %% tags=["demo"]
views.optimizer(optimal_price, profit)

# %% [markdown]
# ## Going deeper: limits and the formal definition
#
# The derivative is defined as a **limit**: the value the difference quotient
# approaches as the gap shrinks to zero,
#
# $$f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}.$$
#
# A function has a derivative at `x` only when this limit exists — the curve must
# be *continuous* there and have no corner (`abs(x)` has a corner at 0, and no
# derivative there). On a computer we
# cannot take `h` all the way to zero: below about `1e-8` the subtraction
# `f(x + h) - f(x - h)` loses most of its digits to rounding. That is why
# `h = 1e-5` is a good default for the central difference. The step-size view in section 1
# shows both effects at once.
