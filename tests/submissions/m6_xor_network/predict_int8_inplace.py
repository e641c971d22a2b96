# expect: full-marks
# predict converts a boolean mask to np.int8; train updates the parameter arrays in place; the loss clips probabilities instead of using logits.
"""Module 6: a network that learns XOR, NumPy only."""

import numpy as np


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


class XORNetwork:
    def __init__(self, hidden_size=4, seed=0):
        rng = np.random.default_rng(seed)
        self.hidden_size = hidden_size
        self.params = {
            "W1": rng.normal(0.0, 1.0, size=(2, hidden_size)),
            "b1": np.zeros(hidden_size),
            "W2": rng.normal(0.0, 1.0, size=(hidden_size, 1)),
            "b2": np.zeros(1),
        }

    def _forward(self, X):
        p = self.params
        H = np.tanh(X @ p["W1"] + p["b1"])
        Z2 = H @ p["W2"] + p["b2"]
        return H, Z2

    def forward(self, X):
        _, Z2 = self._forward(np.asarray(X, dtype=float))
        return _sigmoid(Z2)

    def loss(self, X, y):
        out = np.clip(self.forward(X), 1e-12, 1 - 1e-12)
        y = np.asarray(y, dtype=float)
        return float(-np.mean(y * np.log(out) + (1 - y) * np.log(1 - out)))

    def gradients(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        p = self.params
        H, Z2 = self._forward(X)
        out = _sigmoid(Z2)
        n = X.shape[0]
        dZ2 = (out - y) / n
        dW2 = H.T @ dZ2
        db2 = dZ2.sum(axis=0)
        dH = dZ2 @ p["W2"].T
        dZ1 = dH * (1 - H**2)
        dW1 = X.T @ dZ1
        db1 = dZ1.sum(axis=0)
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    def train(self, X, y, lr=0.5, epochs=5000):
        losses = []
        for _ in range(epochs):
            losses.append(self.loss(X, y))
            grads = self.gradients(X, y)
            for key, p in self.params.items():
                p -= lr * grads[key]
        return losses

    def predict(self, X):
        labels = self.forward(X) > 0.5
        return labels.astype(np.int8)
