# expect: exercise=forward hint=hidden_activation
# forward uses the sigmoid in the hidden layer too, H = sigmoid(X @ W1 + b1), instead of tanh (loss, gradients and predict use the right layers).

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class XORNetwork:
    def __init__(self, hidden_size=4, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": rng.normal(0.0, 1.0, size=(2, hidden_size)),
            "b1": np.zeros(hidden_size),
            "W2": rng.normal(0.0, 1.0, size=(hidden_size, 1)),
            "b2": np.zeros(1),
        }

    def _layers(self, X):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        H = np.tanh(X @ W1 + b1)
        Z2 = H @ W2 + b2
        return H, Z2

    def forward(self, X):
        W1, b1 = self.params["W1"], self.params["b1"]
        H = sigmoid(X @ W1 + b1)
        return sigmoid(H @ self.params["W2"] + self.params["b2"])

    def loss(self, X, y):
        out = np.clip(sigmoid(self._layers(X)[1]), 1e-12, 1 - 1e-12)
        return float(-np.mean(y * np.log(out) + (1 - y) * np.log(1 - out)))

    def gradients(self, X, y):
        N = X.shape[0]
        H, Z2 = self._layers(X)
        out = sigmoid(Z2)
        dZ2 = (out - y) / N
        dH = dZ2 @ self.params["W2"].T
        dZ1 = dH * (1 - H**2)
        return {
            "W1": X.T @ dZ1,
            "b1": np.sum(dZ1, axis=0),
            "W2": H.T @ dZ2,
            "b2": np.sum(dZ2, axis=0),
        }

    def train(self, X, y, lr=0.5, epochs=5000):
        losses = []
        for _ in range(epochs):
            losses.append(self.loss(X, y))
            grads = self.gradients(X, y)
            for name in self.params:
                self.params[name] = self.params[name] - lr * grads[name]
        return losses

    def predict(self, X):
        return (sigmoid(self._layers(X)[1]) >= 0.5).astype(int)
