# expect: full-marks
# max_stable_learning_rate uses np.linalg.eigvals; train_linear_regression records the first loss before the loop and then the loss after each update, dropping the last one (so losses[i] is still the loss before update i).

import numpy as np


def max_stable_learning_rate(A):
    return 2.0 / np.max(np.abs(np.linalg.eigvals(A)))


def loss(X, y, w, b):
    return float(np.mean((X @ w + b - y) ** 2))


def train_linear_regression(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y)
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = [loss(X, y, w, b)]
    for _ in range(epochs):
        residual = X @ w + b - y
        w = w - lr * (2.0 / n) * residual @ X
        b = b - lr * (2.0 / n) * residual.sum()
        losses.append(loss(X, y, w, b))
    return w, b, losses[:epochs]
