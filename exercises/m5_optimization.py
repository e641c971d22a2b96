# %% [markdown]
# # Module 5 — Optimization: getting there faster
#
# **Plain descent is slow: how do we speed it up?**
#
# In module 4 the walk zig-zagged across steep valleys and crawled along flat ones,
# and a single learning rate had to suit every direction at once. Modern
# optimizers fix this with a little memory:
#
# - **Momentum** remembers the recent steps. In a consistent direction it builds
#   up speed, like a ball rolling downhill; back-and-forth zig-zags cancel out.
# - **RMSProp** and **Adam** remember how large each weight's gradients have been
#   and scale each weight's step by that: small steps where the ground is steep,
#   bigger ones where it is flat.
#
# Every optimizer here is a class with a `step(params, grads)` method. `params` is
# a dictionary of NumPy arrays (like a network's weights) and `grads` has the same
# keys. `step` updates the arrays **in place** (`params[key] -= ...`), and keeps
# its memory — its *state* — separately for each key: weight `"W1"` must never use
# the velocity of `"b2"`.

# %%
import numpy as np

from calcgrade import check

# %% [markdown]
# ## 1. Plain gradient descent, as an optimizer
#
# The update from module 4, for every key: `p -= lr * g`. No state.


# %%
class SGD:
    """Plain gradient descent: p -= lr * g for every array of params."""

    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        """Update every params[key] in place with its gradient grads[key]."""
        # YOUR CODE HERE
        raise NotImplementedError("for each key: params[key] -= lr * grads[key]")


# %%
check("m5_optimization", globals(), exercise="SGD")

# %% [markdown]
# ## 2. Momentum
#
# Keep a **velocity** `v` per key, starting at zero. Each step adds the new
# gradient to the decayed velocity and moves along the velocity:
#
# $$v \leftarrow \beta v + g, \qquad p \leftarrow p - \text{lr}\cdot v.$$
#
# With $\beta = 0.9$, a gradient that keeps pointing the same way builds a step up
# to ten times larger than plain descent's. (Some texts write
# $v \leftarrow \beta v + (1 - \beta) g$; that dampened form changes the effective
# learning rate — use the form above.)


# %%
class Momentum:
    """Gradient descent with momentum: v = beta * v + g; p -= lr * v (v starts at 0, one per key)."""

    def __init__(self, lr, beta=0.9):
        self.lr = lr
        self.beta = beta
        self.velocity = {}

    def step(self, params, grads):
        """Update every params[key] in place, keeping one velocity per key."""
        # YOUR CODE HERE
        raise NotImplementedError("per key: v = beta * v + g (v starts at zero); params[key] -= lr * v")


# %%
check("m5_optimization", globals(), exercise="Momentum")

# %% [markdown]
# ## 3. Adam
#
# Adam keeps two running averages per key: `m`, of the gradients (momentum), and
# `v`, of the *squared* gradients (how large they typically are). Both start at
# zero, so early on they are too small; dividing by $1 - \beta^t$ corrects that
# **bias**, where $t$ counts the calls to `step` (once per call, not once per
# key):
#
# $$t \leftarrow t + 1,\quad m \leftarrow \beta_1 m + (1 - \beta_1) g,\quad v \leftarrow \beta_2 v + (1 - \beta_2) g^2,$$
# $$\hat m = \frac{m}{1 - \beta_1^t},\quad \hat v = \frac{v}{1 - \beta_2^t},\quad p \leftarrow p - \text{lr}\cdot\frac{\hat m}{\sqrt{\hat v} + \varepsilon}.$$
#
# Because each weight's step is divided by the typical size of its own gradient,
# every weight moves at roughly `lr` per step, however steep its direction is.
# That robustness is why Adam is the usual default.


# %%
class Adam:
    """Adam: per-key running means of g and g**2, bias-corrected with t = number of step() calls."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m = {}
        self.v = {}

    def step(self, params, grads):
        """Update every params[key] in place; t counts calls to step, not keys."""
        # YOUR CODE HERE
        raise NotImplementedError("t += 1 once; per key: update m and v, bias-correct, params[key] -= lr * m_hat / (sqrt(v_hat) + eps)")


# %%
check("m5_optimization", globals(), exercise="Adam")

# %% [markdown]
# ## 4. Running an optimizer
#
# To compare optimizers on a landscape, drive one on a single array parameter:
# put a copy of `x0` in a dictionary `{"x": ...}`, and `steps` times compute the
# gradient at the current point and call `step`. Record the starting point and the
# point after every step: the trajectory has `steps + 1` rows, and the first row
# is `x0`.


# %%
def run_optimizer(optimizer, grad_fn, x0, steps):
    """Drive `optimizer` from x0 for `steps` steps on the single parameter {"x": x}.

    Returns the trajectory, an array of shape (steps + 1, *x0.shape) whose first row is x0.
    """
    # YOUR CODE HERE
    raise NotImplementedError("params = {'x': copy of x0}; record x0, then step and record `steps` times")


# %%
check("m5_optimization", globals(), exercise="run_optimizer")


# %%
def compare_optimizers(grad_fn, loss_fn, x0, steps, optimizers):
    """Run each optimizer of `optimizers` (name -> optimizer) from x0 for `steps` steps.

    Returns a dict mapping each name to the list of steps + 1 losses along its trajectory.
    """
    # YOUR CODE HERE
    raise NotImplementedError("for each name: run_optimizer, then loss_fn at every point")


# %%
check("m5_optimization", globals(), exercise="compare_optimizers")

# %% [markdown]
# ## Going deeper: RMSProp
#
# RMSProp is Adam without the momentum and without the bias correction: a running
# average `s` of the squared gradients per key (starting at zero), and a step
# scaled by its square root:
#
# $$s \leftarrow \beta s + (1 - \beta) g^2, \qquad p \leftarrow p - \text{lr}\cdot\frac{g}{\sqrt{s} + \varepsilon}.$$


# %%
class RMSProp:
    """RMSProp: s = beta * s + (1 - beta) * g**2; p -= lr * g / (sqrt(s) + eps), one s per key."""

    def __init__(self, lr=0.01, beta=0.9, eps=1e-8):
        self.lr = lr
        self.beta = beta
        self.eps = eps
        self.s = {}

    def step(self, params, grads):
        """Update every params[key] in place, keeping one running mean of g**2 per key."""
        # YOUR CODE HERE
        raise NotImplementedError("per key: s = beta * s + (1 - beta) * g ** 2; params[key] -= lr * g / (sqrt(s) + eps)")


# %%
check("m5_optimization", globals(), exercise="RMSProp")

# %% [markdown]
# ## 5. Head to head on the Rosenbrock valley
#
# $f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2$ is a classic test: a long, curved,
# nearly flat valley with steep walls, minimum at $(1, 1)$. Each optimizer gets
# 1,000 steps from $(-1.5, 1.5)$ with a learning rate that suits it. Plain descent
# must keep its steps small for the steep walls, so it crawls along the valley
# floor; momentum and the adaptive methods get much further.


# %%
def rosenbrock(p):
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_gradient(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


# %% tags=["demo"]
try:
    import matplotlib.pyplot as plt

    def contestants():
        return {
            "SGD, lr 1e-3": SGD(lr=1e-3),
            "Momentum, lr 2e-4": Momentum(lr=2e-4),
            "RMSProp, lr 5e-3": RMSProp(lr=5e-3),
            "Adam, lr 0.05": Adam(lr=0.05),
        }

    start = np.array([-1.5, 1.5])
    paths = {
        name: run_optimizer(opt, rosenbrock_gradient, start, 1000)
        for name, opt in contestants().items()
    }
    losses = compare_optimizers(rosenbrock_gradient, rosenbrock, start, 1000, contestants())

    xs, ys = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-1, 3, 200))
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    left.contour(xs, ys, rosenbrock([xs, ys]), levels=np.logspace(-1, 3.5, 12), colors="lightgray")
    for name, path in paths.items():
        left.plot(path[:, 0], path[:, 1], label=name)
    left.plot(1, 1, "*", color="black", markersize=14, label="minimum (1, 1)")
    left.legend()
    for name, curve in losses.items():
        right.semilogy(curve, label=name)
    right.set_xlabel("step")
    right.set_ylabel("loss")
    right.legend()
    plt.show()
except NotImplementedError:
    print("Implement the optimizers, run_optimizer and compare_optimizers to see this plot.")

# %% [markdown]
# **Interactive:** the same race, step by step. Move the slider (or press ▶) to see
# the four paths unfold together, and the distance each has left to the minimum.
# In a running notebook, sliders under the figure set each optimizer's learning rate
# and betas, and the race is run again with your classes. Push SGD's learning rate
# to 0.005 and it leaves the map within a few steps; set Momentum's beta to 0 and it
# is plain descent again; give Adam a larger learning rate and see how much sooner
# it gets there.

# %% tags=["demo"]
from calcgrade.views import m5_optimization as views

views.race(SGD, Momentum, Adam, RMSProp, run_optimizer)

# %% [markdown]
# ## Going deeper: convexity, convergence rates and saddle points
#
# A **convex** loss (a bowl, like linear regression's) has a single valley, and
# gradient descent with a small enough learning rate reaches it; the error shrinks
# by a constant factor each step, a factor set by the *condition number*
# $\lambda_{\max} / \lambda_{\min}$. Ill-conditioned problems — steep in one
# direction, flat in another, like Rosenbrock — converge slowly, and that is
# exactly what momentum and per-weight scaling help with. Network losses are not
# convex, and in high dimensions their flat points are mostly **saddle points**
# (downhill in some directions, uphill in others) rather than bad valleys;
# momentum and the noise of mini-batches help the walk slide off them.
