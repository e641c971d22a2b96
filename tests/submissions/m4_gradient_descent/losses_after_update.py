# expect: exercise=train_linear_regression hint=losses_after_update
# train_linear_regression records the loss after each update instead of before it.

import numpy as np


def train_linear_regression(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1:] + y.shape[1:])
    b = 0.0 if y.ndim == 1 else np.zeros(y.shape[1:])
    losses = []
    for _ in range(epochs):
        residual = X @ w + b - y
        grad_w = 2 * X.T @ residual / residual.size
        grad_b = 2 * residual.sum(axis=0) / residual.size
        w = w - lr * grad_w
        b = b - lr * grad_b
        losses.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, (float(b) if y.ndim == 1 else b), losses
