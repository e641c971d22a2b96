# expect: exercise=train hint=does_not_learn
# train counts epochs with a while loop but never increments the counter, so it never returns (stopped by the call timeout).

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
        _, Z2 = self._forward(np.asarray(X, dtype=float))
        y = np.asarray(y, dtype=float)
        # -[y log s(z) + (1 - y) log(1 - s(z))] = log(1 + e^z) - y z, computed stably
        return float(np.mean(np.logaddexp(0.0, Z2) - y * Z2))

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
        epoch = 0
        while epoch < epochs:
            losses.append(self.loss(X, y))
            grads = self.gradients(X, y)
            for key in self.params:
                self.params[key] = self.params[key] - lr * grads[key]
        return losses

    def predict(self, X):
        return (self.forward(X) >= 0.5).astype(int)
