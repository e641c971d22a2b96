# expect: exercise=Value hint=value_grad_not_accumulated
# Value.tanh's _backward assigns self.grad = (1 - t * t) * out.grad instead of adding to it, so a node used both inside tanh() and elsewhere keeps only the tanh contribution.
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
    """A scalar autograd node."""

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent):
        assert isinstance(exponent, (int, float)), "only numeric exponents"
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad = (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def _backward():
            self.grad += e * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        # iterative topological sort (no recursion limit on long chains)
        topo, visited = [], set()
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                topo.append(node)
                continue
            if node in visited:
                continue
            visited.add(node)
            stack.append((node, True))
            for child in node._prev:
                if child not in visited:
                    stack.append((child, False))
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
