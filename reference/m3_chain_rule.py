"""The chain rule and backpropagation: layer forwards beside their backwards, a scalar autograd."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np


def chain_rule(
    fs: Sequence[Callable[[float], float]], dfs: Sequence[Callable[[float], float]], x: float
) -> tuple[float, float]:
    """Value and derivative at a scalar ``x`` of the composition ``fs[-1](...fs[0](x))``.

    ``fs`` are scalar functions, applied in order (``fs[0]`` first), and ``dfs``
    their derivatives, in the same order. Returns ``(value, derivative)`` as floats.
    """
    value, slope = x, 1.0
    for f, df in zip(fs, dfs, strict=True):
        slope *= df(value)  # (f o g)'(x) = f'(g(x)) * g'(x)
        value = f(value)
    return float(value), float(slope)


def linear_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A linear layer: ``Z = X @ W + b``.

    ``X`` is a batch ``(N, D_in)`` (samples are rows), ``W`` is ``(D_in, D_out)`` and
    ``b`` is ``(D_out,)``; returns ``Z``, shape ``(N, D_out)``.
    """
    # Z = X W + b, one row per sample
    return X @ W + b


def linear_backward(
    dZ: np.ndarray, X: np.ndarray, W: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward of ``Z = X @ W + b``, given the upstream gradient ``dZ = dL/dZ``.

    ``dZ`` is ``(N, D_out)``, ``X`` is ``(N, D_in)``, ``W`` is ``(D_in, D_out)``.
    Returns ``(dX, dW, db)``: the gradients of the loss with respect to ``X``, ``W``
    and ``b``, each of the shape of what it differentiates (``db`` is ``(D_out,)``).
    """
    dX = dZ @ W.T  # dL/dX = dZ W^T
    dW = X.T @ dZ  # dL/dW = X^T dZ
    db = dZ.sum(axis=0)  # b is added to every row: dL/db = sum over the batch
    return dX, dW, db


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-Z))``, elementwise; an array of ``Z``'s shape."""
    # s(Z) = 1 / (1 + exp(-Z)), written with exp(-|Z|) so it never overflows
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Backward of ``sigmoid``: the upstream gradient ``dA`` times ``sigmoid'(Z)``, elementwise.

    Takes the upstream gradient ``dA = dL/dA`` and the pre-activation ``Z`` (not the
    activation ``sigmoid(Z)``), of the same shape; returns ``dL/dZ`` of that shape.
    """
    s = sigmoid(Z)
    return dA * s * (1 - s)  # d(sigmoid)/dZ = s * (1 - s)


def tanh_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Backward of ``np.tanh``: the upstream gradient ``dA`` times ``tanh'(Z)``, elementwise.

    Takes ``dA = dL/dA`` and the pre-activation ``Z`` (not ``np.tanh(Z)``), arrays
    of the same shape, any shape; returns ``dL/dZ`` of that shape.
    """
    return dA * (1 - np.tanh(Z) ** 2)  # d(tanh)/dZ = 1 - tanh(Z)^2


def relu(Z: np.ndarray) -> np.ndarray:
    """``max(Z, 0)``, elementwise: a new array of ``Z``'s shape, ``Z`` left unchanged."""
    return np.maximum(Z, 0.0)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Backward of ``relu``: ``dA`` where ``Z > 0``, else 0; the derivative at exactly 0 is 0.

    Takes the upstream gradient ``dA`` and the pre-activation ``Z``, of the same
    shape; returns ``dL/dZ`` of that shape.
    """
    return dA * (Z > 0)  # d(relu)/dZ = 1 if Z > 0 else 0 (0 at Z == 0)


def mse_loss(pred: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error and its gradient: returns ``(loss, dpred)``.

    ``loss = mean((pred - y) ** 2)``, averaged over all elements, is a float;
    ``dpred`` is the gradient of ``loss`` with respect to ``pred``, of ``pred``'s shape.
    """
    diff = pred - y
    loss = float(np.mean(diff**2))  # L = mean((pred - y)^2)
    dpred = 2 * diff / pred.size  # dL/dpred = 2 (pred - y) / n
    return loss, dpred


def mlp_loss_and_grads(
    params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and gradients of a two-layer network: returns ``(loss, grads)``.

    Forward: ``H = tanh(X @ W1 + b1)``, ``pred = H @ W2 + b2``, and the loss is
    ``mse_loss(pred, y)``. ``params`` holds ``W1 (D, H)``, ``b1 (H,)``, ``W2 (H, O)``
    and ``b2 (O,)``; ``X`` is ``(N, D)`` and ``y`` is ``(N, O)``. ``loss`` is a float and
    ``grads`` a dict of the gradients of the loss, with the same keys and shapes as
    ``params``.
    """
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    # forward: Z1 = X W1 + b1, H = tanh(Z1), pred = H W2 + b2
    Z1 = linear_forward(X, W1, b1)
    H = np.tanh(Z1)
    pred = linear_forward(H, W2, b2)
    loss, dpred = mse_loss(pred, y)
    # backward, the same steps in reverse
    dH, dW2, db2 = linear_backward(dpred, H, W2)
    dZ1 = tanh_backward(dH, Z1)
    _, dW1, db1 = linear_backward(dZ1, X, W1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


class Value:
    """*Going deeper.* A scalar autograd node.

    ``Value(data)`` holds the float ``.data`` and its gradient ``.grad`` (0 until
    ``backward`` runs). The operators ``+ - * /`` take a ``Value`` or a number on
    either side, and ``** k`` a number ``k``; each returns a new ``Value`` that
    remembers the nodes it was computed from, and so do the methods ``tanh()``,
    ``exp()`` and ``relu()``.
    """

    def __init__(self, data: float, _children: tuple[Value, ...] = (), _op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._backward: Callable[[], None] = lambda: None
        self._prev = _children
        self._op = _op

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            # d(a+b)/da = 1, d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            # d(a*b)/da = b, d(a*b)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: float) -> Value:
        if not isinstance(k, int | float):
            raise TypeError("Value ** k supports a number k only")
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward() -> None:
            self.grad += k * self.data ** (k - 1) * out.grad  # d(a^k)/da = k a^(k-1)

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        """``tanh`` of this node, as a new ``Value``."""
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t * t) * out.grad  # d(tanh a)/da = 1 - tanh(a)^2

        out._backward = _backward
        return out

    def exp(self) -> Value:
        """``exp`` of this node, as a new ``Value``."""
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def _backward() -> None:
            self.grad += e * out.grad  # d(e^a)/da = e^a

        out._backward = _backward
        return out

    def relu(self) -> Value:
        """``max(data, 0)`` as a new ``Value``; its slope at exactly 0 is not graded."""
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward() -> None:
            self.grad += (self.data > 0) * out.grad  # d(relu a)/da = 1 if a > 0 else 0

        out._backward = _backward
        return out

    def backward(self) -> None:
        """Fill ``.grad`` of every node reachable from this output with the output's derivative.

        The output's own ``.grad`` becomes 1. Gradients accumulate: a node used twice
        gets the sum of both contributions. Returns None.
        """
        # order the graph so every node comes after all the nodes it was computed from
        topo: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            v, children_done = stack.pop()
            if children_done:
                topo.append(v)
            elif id(v) not in visited:
                visited.add(id(v))
                stack.append((v, True))
                stack.extend((child, False) for child in v._prev)
        # dL/dL = 1, then the chain rule one node at a time, output to inputs
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

    def __neg__(self) -> Value:  # -a
        return self * -1

    def __radd__(self, other: float) -> Value:  # other + a
        return self + other

    def __sub__(self, other: Value | float) -> Value:  # a - b
        return self + (-other)

    def __rsub__(self, other: float) -> Value:  # other - a
        return other + (-self)

    def __rmul__(self, other: float) -> Value:  # other * a
        return self * other

    def __truediv__(self, other: Value | float) -> Value:  # a / b = a * b^-1
        return self * other**-1

    def __rtruediv__(self, other: float) -> Value:  # other / a
        return other * self**-1

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
