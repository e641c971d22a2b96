# expect: full-marks
# Unusual but correct: chain_rule stores the forward values then multiplies slopes back to front and returns NumPy scalars, linear_backward returns a list, mse_loss returns a 0-d array loss, tanh_backward uses 1/cosh**2, mlp reuses the module's own functions with in-place updates on its own arrays, and Value sorts its graph recursively with no __neg__/__sub__ shortcuts.
"""Module 3: the chain rule and backprop from scratch."""

import numpy as np


def chain_rule(fs, dfs, x):
    inputs = []
    value = np.float64(x)
    for f in fs:
        inputs.append(value)
        value = np.float64(f(value))
    slope = np.float64(1.0)
    for df, u in zip(reversed(dfs), reversed(inputs), strict=True):
        slope = slope * df(u)
    return value, slope


def linear_forward(X, W, b):
    return np.dot(X, W) + b[np.newaxis, :]


def linear_backward(dZ, X, W):
    return [np.dot(dZ, W.T), np.dot(X.T, dZ), np.sum(dZ, axis=0, keepdims=True)[0]]


def sigmoid(Z):
    Z = np.asarray(Z, dtype=float)
    out = np.empty_like(Z)
    pos = Z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-Z[pos]))
    e = np.exp(Z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def sigmoid_backward(dA, Z):
    e = np.exp(-np.abs(Z))
    return dA * e / (1.0 + e) ** 2


def tanh_backward(dA, Z):
    return dA / np.cosh(Z) ** 2


def relu(Z):
    return np.where(Z > 0, Z, 0.0)


def relu_backward(dA, Z):
    grad = np.array(dA, dtype=float, copy=True)
    grad[Z <= 0] = 0.0
    return grad


def mse_loss(pred, y):
    diff = np.subtract(pred, y)
    return np.mean(diff * diff, keepdims=False)[()], diff * (2.0 / np.size(diff))


def mlp_loss_and_grads(params, X, y):
    Z1 = linear_forward(X, params["W1"], params["b1"])
    H = np.tanh(Z1)
    pred = linear_forward(H, params["W2"], params["b2"])
    loss, dpred = mse_loss(pred, y)
    dH, dW2, db2 = linear_backward(dpred, H, params["W2"])
    dZ1 = dH.copy()
    dZ1 *= 1.0 - H**2
    _, dW1, db1 = linear_backward(dZ1, X, params["W1"])
    grads = {}
    for name, g in zip(("W1", "b1", "W2", "b2"), (dW1, db1, dW2, db2), strict=True):
        grads[name] = g
    return float(loss), grads


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = list(_children)

    def _wrap(self, other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self._wrap(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data**k, (self,))

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):
        return self._wrap(other) + self

    def __rmul__(self, other):
        return self._wrap(other) * self

    def __sub__(self, other):
        return self + self._wrap(other) * (-1)

    def __rsub__(self, other):
        return self._wrap(other) + self * (-1)

    def __truediv__(self, other):
        return self * self._wrap(other) ** (-1)

    def __rtruediv__(self, other):
        return self._wrap(other) * self ** (-1)

    def tanh(self):
        t = np.tanh(self.data)
        out = Value(t, (self,))

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        e = np.exp(self.data)
        out = Value(e, (self,))

        def _backward():
            self.grad += e * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data * (self.data > 0), (self,))

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo, seen = [], set()

        def build(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()
