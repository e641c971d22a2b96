# %% [markdown]
# # Module 2 — Gradients: which way is MOST downhill?
#
# **With 1,000 weights, which combination of changes reduces error fastest?**
#
# In module 1 the shop had one knob, the price. Now it has two: the price and the
# money spent on advertising. Ads bring in more customers, but they cost money.
# Which combination of price and ad spend earns the most?
#
# With several inputs, each one gets its own derivative — how much the output
# changes when you nudge *that* input and hold the others still. That is a
# **partial derivative**. Put them in a list and you have the **gradient**. It
# points in the direction of steepest *ascent*; to go downhill (to shrink an
# error), step the opposite way.

# %%
import numpy as np

from calcgrade import check

# %% [markdown]
# ## 1. The numerical gradient
#
# Compute the gradient one coordinate at a time: nudge coordinate `i` up and down
# by `h`, leave all the others alone, and take the central difference. Three
# things to watch:
#
# - perturb **one** coordinate at a time, never all of them at once;
# - never change the caller's `x` — work on copies, so `x` is exactly as it was
#   afterwards;
# - `x` may be a matrix (a layer's weights!), not only a vector: `np.ndindex(x.shape)`
#   walks over every index of an array of any shape.


# %%
def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of a scalar function f at an array x of any shape.

    Returns an array of x's shape whose entry i is (f(x + h e_i) - f(x - h e_i)) / (2h).
    `x` is left unchanged.
    """
    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("for each index i of x: central difference along e_i, on copies of x")
    x = np.asarray(x, dtype=float)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[i] = h  # nudge coordinate i only; x + step is a new array
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad
    ### END SOLUTION


# %%
check("m2_gradients", globals(), exercise="numerical_gradient")

# %% [markdown]
# ## 2. Profit with price and ad spend
#
# Advertising adds customers with diminishing returns — doubling the ad budget
# does not double the new customers — so we model its effect with a square root:
#
# $$\text{units} = a - s\,p + e\sqrt{\text{ad}}, \qquad
# \text{profit}(p, \text{ad}) = (p - c)\cdot\text{units} - \text{ad},$$
#
# where `params = [price, ad_spend]`, $c$ is the unit cost, $a$ the base demand,
# $s$ the price sensitivity and $e$ the ad effect.


# %%
def business_profit(params, unit_cost, base_demand, price_sensitivity, ad_effect):
    """Profit for params = [price, ad_spend].

    units = base_demand - price_sensitivity * price + ad_effect * sqrt(ad_spend);
    returns (price - unit_cost) * units - ad_spend.
    """
    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("unpack price, ad_spend; compute units, then margin * units - ad_spend")
    price, ad_spend = params
    units = base_demand - price_sensitivity * price + ad_effect * np.sqrt(ad_spend)
    return float((price - unit_cost) * units - ad_spend)
    ### END SOLUTION


# %%
check("m2_gradients", globals(), exercise="business_profit")

# %% [markdown]
# ## 3. The exact gradient
#
# Take each partial derivative treating the other input as a constant.
#
# - **Price** (ad spend fixed): the product rule again, exactly as in module 1:
#   $\partial/\partial p = \text{units} + (p - c)\cdot(-s)$.
# - **Ad spend** (price fixed): the margin $p - c$ is a constant factor, the
#   derivative of $\sqrt{\text{ad}}$ is $1 / (2\sqrt{\text{ad}})$, and the ads
#   themselves cost 1 per unit spent:
#   $\partial/\partial\,\text{ad} = (p - c)\cdot e / (2\sqrt{\text{ad}}) - 1$.
#
# Return them in the same order as `params`: price first, then ad spend.


# %%
def business_profit_gradient(params, unit_cost, base_demand, price_sensitivity, ad_effect):
    """The exact gradient of `business_profit`: array [d/d price, d/d ad_spend], shape (2,)."""
    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("return np.array([d profit / d price, d profit / d ad_spend])")
    price, ad_spend = params
    units = base_demand - price_sensitivity * price + ad_effect * np.sqrt(ad_spend)
    margin = price - unit_cost
    d_price = units - price_sensitivity * margin
    d_ad_spend = margin * ad_effect / (2 * np.sqrt(ad_spend)) - 1
    return np.array([d_price, d_ad_spend], dtype=float)
    ### END SOLUTION


# %%
check("m2_gradients", globals(), exercise="business_profit_gradient")

# %% [markdown]
# **Interactive:** the profit landscape of a shop with unit cost 2, base demand
# 100, price sensitivity 5 and ad effect 2: as a 3-D surface (drag it to turn it)
# and as a contour map seen from above. Move the point and see your gradient's
# arrow. The two axes have very different spans (prices up to 20, ad spend up to
# 250), so the arrow is drawn in the map's proportions: each component is scaled
# to its axis, and it then crosses the contour lines at right angles, pointing
# uphill. The gradient itself is in the title.

# %% tags=["demo"]
from calcgrade.views import m2_gradients as views

views.gradient(business_profit, business_profit_gradient)

# %% [markdown]
# ## 4. Climbing: gradient ascent
#
# The gradient points uphill, so to **maximise** profit, take small steps along it:
#
# $$x \leftarrow x + \text{lr} \cdot \nabla f(x).$$
#
# Stop when the ground is flat — before each step, test whether the gradient's
# length `np.linalg.norm(g)` is below `tol` — or after `max_steps` steps. (To
# minimise an error you would step *against* the gradient; that is module 4.)
# Start from a copy of `x0` so the caller's array is never changed.


# %%
def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    """Repeat x = x + lr * grad_fn(x) from x0.

    Before each step, stop if norm(grad_fn(x)) < tol; take at most `max_steps` steps.
    Returns the final x.
    """
    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("loop: g = grad_fn(x); stop if norm(g) < tol; else x = x + lr * g")
    x = np.array(x0, dtype=float)
    for _ in range(max_steps):
        g = grad_fn(x)
        if np.linalg.norm(g) < tol:  # flat enough: we are at the top
            break
        x = x + lr * g
    return x
    ### END SOLUTION


# %%
check("m2_gradients", globals(), exercise="gradient_ascent")

# %% [markdown]
# ## 5. The landscape and the climb
#
# The contour lines below join points of equal profit, like height lines on a
# hiking map. The gradient is always perpendicular to them. The path first jumps
# to the best price for the current ad budget, then creeps along a long, gentle
# ridge towards the top: when one direction is much steeper than another, plain
# gradient steps are slow. Modules 4 and 5 are about exactly that.

# %% tags=["demo"]
try:
    import matplotlib.pyplot as plt

    shop = dict(unit_cost=2.0, base_demand=100.0, price_sensitivity=5.0, ad_effect=2.0)
    path = []

    def recording_gradient(x):
        path.append(x.copy())
        return business_profit_gradient(x, **shop)

    top = gradient_ascent(recording_gradient, np.array([5.0, 25.0]), lr=0.1)
    path = np.array(path)
    prices, ad_spends = np.meshgrid(np.linspace(3, 20, 120), np.linspace(0, 250, 120))
    heights = np.vectorize(lambda p, ad: business_profit([p, ad], **shop))(prices, ad_spends)

    fig, ax = plt.subplots(figsize=(7, 5))
    contours = ax.contour(prices, ad_spends, heights, levels=20, cmap="viridis")
    ax.clabel(contours, fontsize=7)
    ax.plot(path[:, 0], path[:, 1], color="red", label="gradient ascent")
    ax.plot(*path[0], "o", color="red")
    ax.plot(
        *top, "*", color="red", markersize=14, label=f"end: price {top[0]:.2f}, ads {top[1]:.1f}"
    )
    ax.set_xlabel("price")
    ax.set_ylabel("ad spend")
    ax.legend()
    plt.show()
except NotImplementedError:
    print(
        "Implement business_profit, business_profit_gradient and gradient_ascent to see this plot."
    )

# %% [markdown]
# **Interactive:** the same climb, step by step: move the number of steps taken and
# follow your `gradient_ascent` on the surface and on the map. Watch how few steps
# the jump takes, and how many the ridge does.

# %% tags=["demo"]
views.ascent(business_profit, business_profit_gradient, gradient_ascent)

# %% [markdown]
# ## 6. Directional derivatives
#
# How fast does profit change if we move in some direction $d$ — say, raise the
# price and the ads together? Project the gradient onto the *unit* vector along
# $d$:
#
# $$D_d f = \nabla f \cdot \frac{d}{\lVert d \rVert}.$$
#
# The length of `direction` must not matter, only where it points. This number is
# largest when $d$ points along the gradient — which is why the gradient is the
# direction of steepest ascent.


# %%
def directional_derivative(grad, direction):
    """Rate of change along `direction`: grad · direction / norm(direction)."""
    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("dot product of grad with the unit vector along direction")
    grad = np.asarray(grad, dtype=float).ravel()
    direction = np.asarray(direction, dtype=float).ravel()
    return float(grad @ direction / np.linalg.norm(direction))
    ### END SOLUTION


# %%
check("m2_gradients", globals(), exercise="directional_derivative")

# %% [markdown]
# ## Going deeper: Jacobians and Hessians
#
# **The Jacobian.** When a function has several *outputs*, $f: \mathbb{R}^n \to
# \mathbb{R}^m$, every output has a gradient. Stack them as rows and you get the
# $(m, n)$ **Jacobian**: entry $(i, j)$ is how output $i$ changes with input $j$.
# Column $j$ is the central difference of the whole output vector along input $j$.


# %%
def numerical_jacobian(f, x, h=1e-5):
    """For f: R^n -> R^m, the (m, n) matrix of central differences d f_i / d x_j."""
    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("column j = (f(x + h e_j) - f(x - h e_j)) / (2h)")
    x = np.asarray(x, dtype=float)
    columns = []
    for j in range(x.size):
        step = np.zeros(x.shape)
        step.flat[j] = h
        f_plus = np.atleast_1d(np.asarray(f(x + step), dtype=float)).ravel()
        f_minus = np.atleast_1d(np.asarray(f(x - step), dtype=float)).ravel()
        columns.append((f_plus - f_minus) / (2 * h))
    return np.stack(columns, axis=1)
    ### END SOLUTION


# %%
check("m2_gradients", globals(), exercise="numerical_jacobian")

# %% [markdown]
# **The Hessian.** Second derivatives describe the *curvature*: how the slope
# itself changes. For a scalar $f$, the $(n, n)$ **Hessian** has entry $(i, j)$
# equal to $\partial^2 f / \partial x_i \partial x_j$. Estimate it by central
# differences in both directions,
#
# $$H_{ij} \approx \frac{f(x + h e_i + h e_j) - f(x + h e_i - h e_j) - f(x - h e_i + h e_j) + f(x - h e_i - h e_j)}{4h^2}.$$
#
# The order of differentiation does not matter for smooth functions, so the
# Hessian is symmetric: compute the upper triangle and mirror it. A negative
# definite Hessian at a flat point means a peak; that is how we know the top of the
# profit landscape above is a maximum.


# %%
def numerical_hessian(f, x, h=1e-4):
    """The (n, n) symmetric matrix of second derivatives of a scalar f at x."""
    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("H[i, j] = four-point central difference / (4 h^2), mirrored")
    x = np.asarray(x, dtype=float)
    n = x.size
    hessian = np.zeros((n, n))
    for i in range(n):
        e_i = np.zeros(x.shape)
        e_i.flat[i] = h
        for j in range(i, n):
            e_j = np.zeros(x.shape)
            e_j.flat[j] = h
            hessian[i, j] = (
                f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j) + f(x - e_i - e_j)
            ) / (4 * h * h)
            hessian[j, i] = hessian[i, j]
    return hessian
    ### END SOLUTION


# %%
check("m2_gradients", globals(), exercise="numerical_hessian")
