"""The chain rule and backpropagation: layer forwards beside their backwards, a scalar autograd."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np


def chain_rule(
    fs: Sequence[Callable[[float], float]], dfs: Sequence[Callable[[float], float]], x: float
) -> tuple[float, float]:
    value, slope = x, 1.0
    for f, df in zip(fs, dfs, strict=True):
        slope *= df(value)  # (f o g)'(x) = f'(g(x)) * g'(x)
        value = f(value)
    return float(value), float(slope)


def linear_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Z = X W + b, one row per sample
    return X @ W + b


def linear_backward(
    dZ: np.ndarray, X: np.ndarray, W: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dX = dZ @ W.T  # dL/dX = dZ W^T
    dW = X.T @ dZ  # dL/dW = X^T dZ
    db = dZ.sum(axis=0)  # b is added to every row: dL/db = sum over the batch
    return dX, dW, db


def sigmoid(Z: np.ndarray) -> np.ndarray:
    # s(Z) = 1 / (1 + exp(-Z)), written with exp(-|Z|) so it never overflows
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    s = sigmoid(Z)
    return dA * s * (1 - s)  # d(sigmoid)/dZ = s * (1 - s)


def tanh_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    return dA * (1 - np.tanh(Z) ** 2)  # d(tanh)/dZ = 1 - tanh(Z)^2


def relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(Z, 0.0)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    return dA * (Z > 0)  # d(relu)/dZ = 1 if Z > 0 else 0 (0 at Z == 0)


def mse_loss(pred: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    diff = pred - y
    loss = float(np.mean(diff**2))  # L = mean((pred - y)^2)
    dpred = 2 * diff / pred.size  # dL/dpred = 2 (pred - y) / n
    return loss, dpred


def mlp_loss_and_grads(
    params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
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
    """A scalar that remembers how it was computed, so it can backpropagate."""

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
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t * t) * out.grad  # d(tanh a)/da = 1 - tanh(a)^2

        out._backward = _backward
        return out

    def exp(self) -> Value:
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def _backward() -> None:
            self.grad += e * out.grad  # d(e^a)/da = e^a

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward() -> None:
            self.grad += (self.data > 0) * out.grad  # d(relu a)/da = 1 if a > 0 else 0

        out._backward = _backward
        return out

    def backward(self) -> None:
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
