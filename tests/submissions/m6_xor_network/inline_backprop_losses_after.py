# expect: full-marks
# train does its own backpropagation inline (not via gradients), records the loss after each update and returns a NumPy array; uniform initial weights; sigmoid via tanh; per-sample loss with math.log; matplotlib imported for a plot.
"""Module 6: a network that learns XOR, NumPy only."""

import math
from collections import namedtuple

import matplotlib.pyplot as plt
import numpy as np

Cache = namedtuple("Cache", ["H", "out"])


def sigmoid(z):
    # 1 / (1 + e^-z) written with tanh: never overflows
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class XORNetwork:
    def __init__(self, hidden_size=4, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": rng.uniform(-1.5, 1.5, size=(2, hidden_size)),
            "b1": rng.uniform(-0.5, 0.5, size=hidden_size),
            "W2": rng.uniform(-1.0, 1.0, size=(hidden_size, 1)),
            "b2": np.zeros(1),
        }

    def _cache(self, X):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        H = np.tanh(np.einsum("nd,dh->nh", X, W1) + b1)
        return Cache(H, sigmoid(H @ W2 + b2))

    def forward(self, X):
        return self._cache(np.asarray(X, dtype=float)).out

    def loss(self, X, y):
        out = self.forward(X).ravel()
        total = 0.0
        for p, label in zip(out, np.ravel(y), strict=True):
            p = min(max(float(p), 1e-12), 1 - 1e-12)
            total -= label * math.log(p) + (1 - label) * math.log(1 - p)
        return total / len(out)

    def gradients(self, X, y):
        X = np.asarray(X, dtype=float)
        H, out = self._cache(X)
        dZ2 = (out - y) / len(X)
        dZ1 = np.einsum("no,ho->nh", dZ2, self.params["W2"]) * (1 - H * H)
        return {
            "W1": np.einsum("nd,nh->dh", X, dZ1),
            "b1": dZ1.sum(axis=0),
            "W2": np.einsum("nh,no->ho", H, dZ2),
            "b2": dZ2.sum(axis=0),
        }

    def train(self, X, y, lr=0.5, epochs=5000):
        X = np.asarray(X, dtype=float)
        n = len(X)
        history = np.empty(epochs)
        for epoch in range(epochs):
            p = self.params
            H = np.tanh(X @ p["W1"] + p["b1"])
            out = sigmoid(H @ p["W2"] + p["b2"])
            dZ2 = (out - y) / n
            dZ1 = (dZ2 @ p["W2"].T) * (1 - H**2)
            self.params = {
                "W1": p["W1"] - lr * (X.T @ dZ1),
                "b1": p["b1"] - lr * dZ1.sum(axis=0),
                "W2": p["W2"] - lr * (H.T @ dZ2),
                "b2": p["b2"] - lr * dZ2.sum(axis=0),
            }
            history[epoch] = self.loss(X, y)  # the loss after this epoch's update
        return history

    def predict(self, X):
        return np.where(self.forward(X) >= 0.5, 1, 0)


def plot_losses(losses):
    plt.semilogy(losses)
    plt.xlabel("epoch")
    plt.ylabel("loss")
