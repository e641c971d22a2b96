# %% [markdown]
# # Module 3 — The chain rule: how do changes propagate through layers?
#
# **In a 50-layer network, how does a weight in layer 1 affect the output?**
#
# A network is a function of a function of a function… Layer 1 feeds layer 2,
# which feeds layer 3, and so on up to the loss. A nudge to a weight in layer 1
# ripples through every layer above it. The **chain rule** says how big the ripple
# is: multiply the local derivatives along the chain,
#
# $$\frac{d}{dx} f_2(f_1(x)) = f_2'(f_1(x)) \cdot f_1'(x).$$
#
# **Backpropagation** is the chain rule organised cleverly: start at the loss and
# walk *backwards*, so that one pass computes the derivative of the loss with
# respect to every weight at once. In this module you build it from scratch.

# %%
import numpy as np

from calcgrade import check

# %% [markdown]
# ## 1. The chain rule on numbers
#
# `fs = [f1, f2, f3]` means the composition `f3(f2(f1(x)))`, and `dfs` holds their
# derivatives. Walk forward through the chain; at each link, multiply the running
# derivative by the link's derivative **evaluated at that link's input** — not at
# `x`:
#
# $$\frac{d}{dx} f_3(f_2(f_1(x))) = f_3'(f_2(f_1(x))) \cdot f_2'(f_1(x)) \cdot f_1'(x).$$


# %%
def chain_rule(fs, dfs, x):
    """Value and derivative of fs[-1](...fs[0](x)) at a scalar x.

    `dfs[i]` is the derivative of `fs[i]`. Returns (value, derivative) as floats.
    """
    # YOUR CODE HERE
    raise NotImplementedError("walk the chain: derivative *= df(value); value = f(value)")


# %%
check("m3_chain_rule", globals(), exercise="chain_rule")

# %% [markdown]
# ## 2. A linear layer, forward and backward
#
# A layer maps a batch of inputs `X` (shape `(N, D)`, one sample per row) to
# `Z = X @ W + b`, with `W` of shape `(D, out)` and `b` of shape `(out,)`.
#
# Going backward, we receive `dZ`: the derivative of the loss with respect to each
# entry of `Z` (same shape as `Z`). The chain rule gives the three gradients:
#
# - `dX = dZ @ W.T` — shape `(N, D)`, to pass further back;
# - `dW = X.T @ dZ` — shape `(D, out)`, like `W`;
# - `db = dZ.sum(axis=0)` — shape `(out,)`: `b` is added to **every** row, so its
#   gradient collects (sums) the contributions of every sample.
#
# A quick sanity test for any gradient: it must have the same shape as the thing
# it is the gradient of.


# %%
def linear_forward(X, W, b):
    """Z = X @ W + b for a batch X (N, D), weights W (D, out) and bias b (out,)."""
    # YOUR CODE HERE
    raise NotImplementedError("X @ W + b")


def linear_backward(dZ, X, W):
    """Gradients (dX, dW, db) of Z = X @ W + b, given the upstream gradient dZ (N, out)."""
    # YOUR CODE HERE
    raise NotImplementedError("dX = dZ @ W.T, dW = X.T @ dZ, db = dZ summed over the batch")


# %%
check("m3_chain_rule", globals(), exercise="linear_forward")

# %%
check("m3_chain_rule", globals(), exercise="linear_backward")

# %% [markdown]
# ## 3. Activations
#
# Between the linear layers sit nonlinear **activations**, applied elementwise.
# Each backward function receives the upstream gradient `dA` and the
# **pre-activation** `Z` (the activation's input), and multiplies `dA` by the
# activation's slope at `Z`:
#
# | activation | forward | slope at `Z` |
# | --- | --- | --- |
# | sigmoid | $\sigma(Z) = 1 / (1 + e^{-Z})$ | $\sigma(Z)\,(1 - \sigma(Z))$ |
# | tanh | `np.tanh(Z)` | $1 - \tanh(Z)^2$ |
# | ReLU | $\max(Z, 0)$ | 1 where $Z > 0$, else 0 (also at exactly 0) |
#
# A classic slip is to plug the *activation* (the output) into the slope formula
# instead of `Z`; another is to build the ReLU mask from `dA` instead of `Z`.


# %%
def sigmoid(Z):
    """The logistic function 1 / (1 + exp(-Z)), elementwise."""
    # YOUR CODE HERE
    raise NotImplementedError("1 / (1 + np.exp(-Z))")


def sigmoid_backward(dA, Z):
    """Upstream gradient dA times the sigmoid's slope at the pre-activation Z."""
    # YOUR CODE HERE
    raise NotImplementedError("dA * s * (1 - s) with s = sigmoid(Z)")


# %%
check("m3_chain_rule", globals(), exercise="sigmoid")

# %%
check("m3_chain_rule", globals(), exercise="sigmoid_backward")


# %%
def tanh_backward(dA, Z):
    """Upstream gradient dA times the slope of np.tanh at the pre-activation Z."""
    # YOUR CODE HERE
    raise NotImplementedError("dA * (1 - np.tanh(Z) ** 2)")


# %%
check("m3_chain_rule", globals(), exercise="tanh_backward")


# %%
def relu(Z):
    """max(Z, 0), elementwise."""
    # YOUR CODE HERE
    raise NotImplementedError("np.maximum(Z, 0)")


def relu_backward(dA, Z):
    """Upstream gradient dA where Z > 0, and 0 elsewhere (the slope at exactly 0 is 0)."""
    # YOUR CODE HERE
    raise NotImplementedError("dA where Z > 0, else 0")


# %%
check("m3_chain_rule", globals(), exercise="relu")

# %%
check("m3_chain_rule", globals(), exercise="relu_backward")

# %% [markdown]
# ### Vanishing gradients
#
# The sigmoid's slope is never more than 0.25. Chain many sigmoids and the chain
# rule multiplies many numbers below 0.25: the derivative of the output with
# respect to the input shrinks exponentially with depth. This is the **vanishing
# gradient** problem, and one reason deep networks use ReLU.

# %% tags=["demo"]
try:
    import matplotlib.pyplot as plt

    depths = np.arange(1, 21)
    sigmoid_slopes = [
        abs(chain_rule([sigmoid] * n, [lambda z: sigmoid_backward(1.0, z)] * n, 0.5)[1])
        for n in depths
    ]
    relu_slopes = [
        abs(chain_rule([relu] * n, [lambda z: relu_backward(1.0, z)] * n, 0.5)[1]) for n in depths
    ]

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogy(depths, sigmoid_slopes, "o-", label="chain of sigmoids")
    ax.semilogy(depths, relu_slopes, "s-", label="chain of ReLUs")
    ax.set_xlabel("number of layers")
    ax.set_ylabel("|d output / d input| at x = 0.5")
    ax.legend()
    plt.show()
except NotImplementedError:
    print(
        "Implement chain_rule, sigmoid, sigmoid_backward, relu and relu_backward to see this plot."
    )

# %% [markdown]
# ## 4. The loss and its gradient
#
# The mean squared error averages over **all** elements:
# `loss = mean((pred - y) ** 2)`. Its gradient with respect to each prediction
# brings down the exponent and keeps the averaging:
#
# $$\frac{\partial\,\text{loss}}{\partial\,\text{pred}} = \frac{2\,(\text{pred} - y)}{\text{number of elements}}.$$
#
# Both the factor 2 and the division are easy to forget — and the gradient check
# will notice.


# %%
def mse_loss(pred, y):
    """Mean squared error and its gradient: (loss, dpred) with loss = mean((pred - y) ** 2)."""
    # YOUR CODE HERE
    raise NotImplementedError("loss = mean((pred - y) ** 2), dpred = 2 * (pred - y) / number of elements")


# %%
check("m3_chain_rule", globals(), exercise="mse_loss")

# %% [markdown]
# ## 5. Backpropagation through a two-layer network
#
# Now put the pieces together. The network is
#
# $$Z_1 = X W_1 + b_1,\quad H = \tanh(Z_1),\quad \text{pred} = H W_2 + b_2,\quad \text{loss} = \text{mse}(\text{pred}, y).$$
#
# **Forward**, compute and keep every intermediate (`Z1`, `H`, `pred`). **Backward**,
# start from `dpred` (from `mse_loss`) and undo one step at a time:
# `linear_backward` through the second layer gives `dH`, `dW2`, `db2`;
# `tanh_backward` turns `dH` into `dZ1`; `linear_backward` through the first layer
# gives `dW1`, `db1`. Return the gradients in a dictionary with the same keys as
# `params`.


# %%
def mlp_loss_and_grads(params, X, y):
    """Loss and gradients of the network pred = tanh(X @ W1 + b1) @ W2 + b2 under mse_loss.

    `params` has W1 (D, H), b1 (H,), W2 (H, O), b2 (O,). Returns (loss, grads) where
    grads has the same keys and shapes as params.
    """
    # YOUR CODE HERE
    raise NotImplementedError("forward: Z1, H, pred, loss; backward: linear, tanh, linear")


# %%
check("m3_chain_rule", globals(), exercise="mlp_loss_and_grads")

# %% [markdown]
# **Interactive:** step through backpropagation in a small 2 → 3 → 1 network with
# one sample, run by your own `linear_forward`, `tanh_backward`, `linear_backward`
# and `mse_loss`. Move the slider: the values fill in on the way forward (blue),
# then the gradients on the way back, one layer at a time (orange), until one
# backward pass has given the derivative of the loss with respect to every weight.
# Each gradient is the gradient of the node after it, times a local slope.

# %% tags=["demo"]
from calcgrade.views import m3_chain_rule as views

views.backprop(linear_forward, linear_backward, tanh_backward, mse_loss)

# %% [markdown]
# ### Your backprop, learning
#
# With the gradients in hand, learning is a loop: step every parameter a little
# against its gradient (module 4 is all about this loop). Here a network with 16
# hidden units learns the curve $y = \sin(x)$ from 50 samples.

# %% tags=["demo"]
try:
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    X_curve = np.linspace(-3, 3, 50).reshape(-1, 1)
    y_curve = np.sin(X_curve)
    net = {
        "W1": rng.normal(0, 1, (1, 16)),
        "b1": np.zeros(16),
        "W2": rng.normal(0, 0.5, (16, 1)),
        "b2": np.zeros(1),
    }
    losses = []
    for _ in range(3000):
        loss, grads = mlp_loss_and_grads(net, X_curve, y_curve)
        losses.append(loss)
        net = {key: net[key] - 0.05 * grads[key] for key in net}
    fitted = np.tanh(X_curve @ net["W1"] + net["b1"]) @ net["W2"] + net["b2"]

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.semilogy(losses)
    left.set_xlabel("step")
    left.set_ylabel("mean squared error")
    right.plot(X_curve, y_curve, "o", label="data: sin(x)")
    right.plot(X_curve, fitted, label="network after training")
    right.legend()
    plt.show()
except NotImplementedError:
    print("Implement mlp_loss_and_grads (and the pieces it uses) to see this plot.")

# %% [markdown]
# ## Going deeper: automatic differentiation
#
# PyTorch and JAX do not need you to write `*_backward` functions: they record
# every operation in a **computational graph** while computing forward, and then
# walk the graph backwards applying the chain rule at each node. Here is the whole
# idea on scalars.
#
# A `Value` wraps a number (`.data`) and gets a `.grad` slot, the derivative of
# the final output with respect to it. Each operation creates a new `Value` that
# remembers its inputs and a small `_backward` function that adds its share of
# gradient to them — using the local derivative, e.g. $\partial(ab)/\partial a = b$.
# Use `+=`: when a value is used twice, both uses contribute.
#
# `backward()` sets the output's grad to 1, orders the graph so every node comes
# after everything it depends on (a *topological* order), and calls the
# `_backward` functions from the output back to the inputs.
#
# Tip: `a - b` is `a + (-b)`, and `a / b` is `a * b ** -1`, so `+`, `*`, `**` and
# negation are all the rules you need to write.


# %%
class Value:
    """A scalar that remembers how it was computed, for reverse-mode autodiff.

    Value(data) has .data (float) and .grad (0.0 until backward() runs). Supports
    + - * / with Values or numbers on either side, ** number, tanh(), exp(), relu(),
    and backward(), which fills .grad of every node reachable from this one.
    """

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # how to pass this node's grad to its children
        self._prev = tuple(_children)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        # YOUR CODE HERE
        raise NotImplementedError("out = Value(a + b); d(a + b)/da = 1, d(a + b)/db = 1")

    def __mul__(self, other):
        # YOUR CODE HERE
        raise NotImplementedError("out = Value(a * b); d(a * b)/da = b, d(a * b)/db = a")

    def __pow__(self, exponent):
        # YOUR CODE HERE
        raise NotImplementedError("out = Value(a ** k) for a number k; d(a ** k)/da = k * a ** (k - 1)")

    def __neg__(self):
        # YOUR CODE HERE
        raise NotImplementedError("-a is a * -1")

    def __radd__(self, other):
        # YOUR CODE HERE
        raise NotImplementedError("other + self is self + other")

    def __sub__(self, other):
        # YOUR CODE HERE
        raise NotImplementedError("a - b is a + (-b)")

    def __rsub__(self, other):
        # YOUR CODE HERE
        raise NotImplementedError("other - self is (-self) + other")

    def __rmul__(self, other):
        # YOUR CODE HERE
        raise NotImplementedError("other * self is self * other")

    def __truediv__(self, other):
        # YOUR CODE HERE
        raise NotImplementedError("a / b is a * b ** -1")

    def __rtruediv__(self, other):
        # YOUR CODE HERE
        raise NotImplementedError("other / self is other * self ** -1")

    def tanh(self):
        # YOUR CODE HERE
        raise NotImplementedError("out = Value(tanh(a)); d tanh(a)/da = 1 - tanh(a) ** 2")

    def exp(self):
        # YOUR CODE HERE
        raise NotImplementedError("out = Value(exp(a)); d exp(a)/da = exp(a)")

    def relu(self):
        # YOUR CODE HERE
        raise NotImplementedError("out = Value(max(a, 0)); slope 1 where a > 0, else 0")

    def backward(self):
        """Fill .grad of every node reachable from this one (this node's grad becomes 1)."""
        # YOUR CODE HERE
        raise NotImplementedError("topological order, self.grad = 1, then each node's _backward from the output back")


# %%
check("m3_chain_rule", globals(), exercise="Value")

# %% [markdown]
# Try it: the derivative of $y = a \cdot b + \tanh(a)$ with respect to $a$ is
# $b + 1 - \tanh(a)^2$.

# %% tags=["demo"]
try:
    a, b = Value(0.5), Value(-2.0)
    y_autograd = a * b + a.tanh()
    y_autograd.backward()
    print(f"a.grad = {a.grad:.6f}   by hand: {-2.0 + 1 - np.tanh(0.5) ** 2:.6f}")
    print(f"b.grad = {b.grad:.6f}   by hand: {0.5:.6f}")
except NotImplementedError:
    print("Implement Value above to try it.")

# %% [markdown]
# **Interactive:** your `Value` builds the graph of one neuron's squared error,
# $L = (\tanh(x_1 w_1 + x_2 w_2 + b) - 0.2)^2$, and `L.backward()` fills every
# node's `.grad`. Move the slider to follow the backward pass node by node, from
# `L.grad = 1` back to the weights: each step is one local rule of the chain rule.
# The node `d` is used twice (`L = d * d`), so its gradient is the sum of two
# paths. A red node is one where your `.data` or `.grad` differs from the chain
# rule worked by hand; hover over it to see both.

# %% tags=["demo"]
from calcgrade.views import m3_chain_rule as views

views.autograd(Value)
