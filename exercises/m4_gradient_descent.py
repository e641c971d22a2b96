# %% [markdown]
# # Module 4 — Gradient descent: taking steps downhill
#
# **How big should each step be, and when do we stop?**
#
# You now know which way is downhill (the negative gradient) and how to compute it
# for a whole network (backpropagation). Learning is simply walking that way,
# blindfolded, one step at a time:
#
# $$\theta \leftarrow \theta - \alpha \, \nabla J(\theta).$$
#
# Two questions decide whether the walk works: the **learning rate** $\alpha$ —
# too big and you overshoot the valley and climb out the other side, too small and
# you crawl — and the **stopping rule**: stop when the ground is flat, or when you
# run out of patience.

# %%
import numpy as np

from calcgrade import check

# %% [markdown]
# ## 1. The descent loop
#
# Starting from (a copy of) `x0`, repeat:
#
# 1. compute the gradient `g = grad_fn(x)`;
# 2. if its length `np.linalg.norm(g)` is below `tol`, stop — the ground is flat;
# 3. otherwise step: `x = x - lr * g`, and count the step.
#
# Stop also after `max_iters` steps. Return the final `x` and the number of
# steps (updates) actually taken. The order matters: the test comes **before**
# each step, so starting at the minimum takes 0 steps.


# %%
def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-6):
    """Repeat x = x - lr * grad_fn(x) from x0.

    Before each step, stop if norm(grad_fn(x)) < tol; take at most `max_iters`
    steps. Returns (x, n_steps) with n_steps the number of updates made.
    """
    # YOUR CODE HERE
    raise NotImplementedError("loop: g = grad_fn(x); stop if norm(g) < tol; else x = x - lr * g and count the step")


# %%
check("m4_gradient_descent", globals(), exercise="gradient_descent")

# %% [markdown]
# ## 2. How big can a step be?
#
# Take the bowl $f(x) = \tfrac12\, x^\top A x$ with a symmetric positive-definite
# matrix $A$. Its gradient is $A x$, so one step gives $x \leftarrow (I - \alpha A)\,x$.
# Along each eigenvector of $A$ with eigenvalue $\lambda$, the step multiplies
# the distance to the minimum by $1 - \alpha\lambda$. The walk converges only if
# every such factor has size below 1: $|1 - \alpha\lambda| < 1$, that is
# $\alpha < 2/\lambda$ for **every** eigenvalue.
#
# The steepest direction — the **largest** eigenvalue — sets the limit:
#
# $$\alpha_{\max} = \frac{2}{\lambda_{\max}}.$$
#
# `np.linalg.eigvalsh` returns the eigenvalues of a symmetric matrix, smallest
# first.


# %%
def max_stable_learning_rate(A):
    """For f(x) = 0.5 * x @ A @ x with symmetric positive-definite A: 2 / largest eigenvalue."""
    # YOUR CODE HERE
    raise NotImplementedError("2 / the largest eigenvalue of A")


# %%
check("m4_gradient_descent", globals(), exercise="max_stable_learning_rate")

# %% [markdown]
# ## 3. Learning rates, side by side
#
# The bowl below has eigenvalues 1 and 10, so $\alpha_{\max} = 0.2$. Watch four
# walks of 30 steps from the same start: a tiny rate crawls, a good one glides in,
# one just under the limit zig-zags across the valley, and one just over it
# explodes. The interactive view after the plot puts the learning rate on a
# slider.

# %% tags=["demo"]
try:
    import matplotlib.pyplot as plt

    A = np.array([[5.5, 4.5], [4.5, 5.5]])  # eigenvalues 10 and 1
    start = np.array([-2.0, 1.0])
    limit = max_stable_learning_rate(A)

    def descent_path(lr, steps=30):
        """Every point gradient_descent visits, from the start to the end."""
        path = []

        def recording_gradient(x):
            path.append(x.copy())
            return A @ x

        end, _ = gradient_descent(recording_gradient, start, lr=lr, max_iters=steps)
        return np.array([*path, end])

    walks = {lr: descent_path(lr) for lr in [0.02, 0.1, 0.19, 0.21]}

    grid = np.linspace(-3, 3, 100)
    xs, ys = np.meshgrid(grid, grid)
    bowl = 0.5 * (A[0, 0] * xs**2 + 2 * A[0, 1] * xs * ys + A[1, 1] * ys**2)
    fig, axes = plt.subplots(1, 4, figsize=(16, 4), sharey=True)
    for ax, (lr, path) in zip(axes, walks.items()):
        ax.contour(xs, ys, bowl, levels=15, cmap="viridis")
        ax.plot(path[:, 0], path[:, 1], "o-", color="red", markersize=3)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_title(f"lr = {lr}  ({'stable' if lr < limit else 'unstable'})")
    plt.show()
except NotImplementedError:
    print("Implement gradient_descent and max_stable_learning_rate to see this plot.")

# %% [markdown]
# **Interactive:** move the learning rate and watch the path on the bowl and the
# loss per step: crawl, glide, zig-zag, and past $2/\lambda_{\max}$, explode.

# %% tags=["demo"]
from calcgrade.views import m4_gradient_descent as views

views.learning_rates(gradient_descent, max_stable_learning_rate)

# %% [markdown]
# ## 4. A complete training loop: linear regression
#
# Now learn from data. A linear model predicts `X @ w + b` for a batch `X` of
# shape `(N, D)`; the loss is the mean squared error against targets `y` of
# shape `(N,)`:
#
# $$J(w, b) = \frac1N \sum_n (x_n \cdot w + b - y_n)^2,
# \qquad \nabla_w J = \frac2N X^\top r, \qquad \frac{\partial J}{\partial b} = \frac2N \sum_n r_n,$$
#
# where $r = X w + b - y$ are the residuals. Start from `w = 0` (shape `(D,)`) and
# `b = 0.0`, and for each of `epochs` epochs: record the loss **before** the
# update, then update `w` and `b` together from the same residuals. Return
# `(w, b, losses)`.


# %%
def train_linear_regression(X, y, lr=0.1, epochs=1000):
    """Full-batch gradient descent on mean((X @ w + b - y) ** 2) from w = 0, b = 0.

    X has shape (N, D) and y shape (N,). Returns (w, b, losses): w of shape (D,),
    b a float, and losses[i] the loss before update i (len(losses) == epochs).
    """
    # YOUR CODE HERE
    raise NotImplementedError("per epoch: residuals, record the loss, then step w and b")


# %%
check("m4_gradient_descent", globals(), exercise="train_linear_regression")

# %% [markdown]
# ### Watching it learn
#
# The data come from $y = 2x_1 - 3x_2 + 0.5$ plus a little noise. The loss curve
# is the first thing to look at when training anything: it should fall and then
# level off. Too small a learning rate and it is still falling when time runs out.

# %% tags=["demo"]
try:
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    X_data = rng.normal(size=(100, 2))
    y_data = X_data @ np.array([2.0, -3.0]) + 0.5 + 0.1 * rng.normal(size=100)
    curves = {
        lr: train_linear_regression(X_data, y_data, lr=lr, epochs=100) for lr in [0.01, 0.1, 0.4]
    }

    fig, ax = plt.subplots(figsize=(7, 4))
    for lr, (w, b, losses) in curves.items():
        ax.semilogy(losses, label=f"lr = {lr}: w = {np.round(w, 2)}, b = {b:.2f}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.legend()
    plt.show()
except NotImplementedError:
    print("Implement train_linear_regression to see this plot.")

# %% [markdown]
# ## Local minima
#
# A bowl has one bottom, so gradient descent finds it from anywhere. Most losses
# are not bowls: $f(x) = x^4 - 3x^2 + x$ has two valleys, and where you start
# decides which one you end in. Networks have such landscapes too; in practice
# their many valleys tend to be similarly deep, and momentum and noise (module 5)
# help the walk past flat stretches and saddle points.

# %% tags=["demo"]
try:

    def double_well_gradient(x):
        return 4 * x**3 - 6 * x + 1  # the derivative of x^4 - 3x^2 + x

    for start in [-2.0, 0.5, 2.0]:
        end, steps = gradient_descent(double_well_gradient, np.array([start]), lr=0.01)
        print(f"start {start:+.1f} -> valley at x = {end[0]:+.4f} after {steps} steps")
except NotImplementedError:
    print("Implement gradient_descent to try it.")

# %% [markdown]
# **Interactive:** move the start point and see which valley the walk ends in.

# %% tags=["demo"]
views.double_well(gradient_descent)
