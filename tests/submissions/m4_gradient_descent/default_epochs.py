# expect: exercise=train_linear_regression hint=default_epochs
# train_linear_regression's default epochs is 100 instead of the contract's 1000, so it returns 100 losses when the caller gives none.

import numpy as np


def train_linear_regression(X, y, lr=0.1, epochs=100):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1:] + y.shape[1:])
    b = 0.0 if y.ndim == 1 else np.zeros(y.shape[1:])
    losses = []
    for _ in range(epochs):
        residual = X @ w + b - y
        losses.append(float(np.mean(residual**2)))
        grad_w = 2 * X.T @ residual / residual.size
        grad_b = 2 * residual.sum(axis=0) / residual.size
        w = w - lr * grad_w
        b = b - lr * grad_b
    return w, (float(b) if y.ndim == 1 else b), losses
