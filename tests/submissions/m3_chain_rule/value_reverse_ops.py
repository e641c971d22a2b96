# expect: full-marks
# Value stores parents with local derivatives (no closures) and spells out __radd__/__rmul__/__rsub__/__rtruediv__/__neg__ explicitly.
"""Module 3: the chain rule and backprop from scratch."""

import math

import numpy as np


def chain_rule(fs, dfs, x):
    """Value and derivative of fs[-1](...fs[0](x)) at scalar x."""
    value, deriv = x, 1.0
    for f, df in zip(fs, dfs, strict=True):
        deriv = deriv * df(value)
        value = f(value)
    return value, deriv


def linear_forward(X, W, b):
    return X @ W + b


def linear_backward(dZ, X, W):
    dX = dZ @ W.T
    dW = X.T @ dZ
    db = dZ.sum(axis=0)
    return dX, dW, db


def sigmoid(Z):
    return np.exp(-np.logaddexp(0.0, -Z))


def sigmoid_backward(dA, Z):
    s = sigmoid(Z)
    return dA * s * (1 - s)


def tanh_backward(dA, Z):
    return dA * (1 - np.tanh(Z) ** 2)


def relu(Z):
    return np.maximum(Z, 0)


def relu_backward(dA, Z):
    return dA * (Z > 0)


def mse_loss(pred, y):
    diff = pred - y
    loss = float(np.mean(diff**2))
    dpred = 2 * diff / diff.size
    return loss, dpred


def mlp_loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = X @ W1 + b1
    H = np.tanh(Z1)
    pred = H @ W2 + b2
    diff = pred - y
    loss = float(np.mean(diff**2))
    dpred = 2 * diff / diff.size
    dW2 = H.T @ dpred
    db2 = dpred.sum(axis=0)
    dH = dpred @ W2.T
    dZ1 = dH * (1 - H**2)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


class Value:
    """A scalar autograd node storing (parent, local derivative) pairs instead of closures."""

    def __init__(self, data, parents=()):
        self.data = float(data)
        self.grad = 0.0
        self._parents = tuple(parents)  # ((node, d self / d node), ...)

    def __repr__(self):
        return f"Value({self.data!r}, grad={self.grad!r})"

    @staticmethod
    def _lift(x):
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = Value._lift(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __radd__(self, other):
        return Value._lift(other) + self

    def __sub__(self, other):
        other = Value._lift(other)
        return Value(self.data - other.data, ((self, 1.0), (other, -1.0)))

    def __rsub__(self, other):
        return Value._lift(other) - self

    def __mul__(self, other):
        other = Value._lift(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))

    def __rmul__(self, other):
        return Value._lift(other) * self

    def __truediv__(self, other):
        other = Value._lift(other)
        q = self.data / other.data
        return Value(q, ((self, 1.0 / other.data), (other, -q / other.data)))

    def __rtruediv__(self, other):
        return Value._lift(other) / self

    def __neg__(self):
        return Value(-self.data, ((self, -1.0),))

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            raise TypeError("only numeric exponents are supported")
        return Value(self.data**exponent, ((self, exponent * self.data ** (exponent - 1)),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, ((self, 1.0 - t * t),))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, ((self, e),))

    def relu(self):
        return Value(max(self.data, 0.0), ((self, 1.0 if self.data > 0 else 0.0),))

    def backward(self):
        order, seen = [], set()
        stack = [(self, iter(self._parents))]
        seen.add(id(self))
        while stack:
            node, parents = stack[-1]
            for parent, _ in parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append((parent, iter(parent._parents)))
                    break
            else:
                stack.pop()
                order.append(node)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node._parents:
                parent.grad += local * node.grad
