# expect: exercise=gradient_descent hint=default_max_iters
# gradient_descent's default max_iters is 1000 instead of the contract's 10000, so a slow run stops early when the caller gives none.
"""Module 4: gradient descent and a complete training loop."""

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=1000, tol=1e-6):
    x = np.array(x0, dtype=float)
    n_steps = 0
    while n_steps < max_iters:
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g.ravel()) < tol:
            break
        x = x - lr * g
        n_steps += 1
    return x, n_steps


def max_stable_learning_rate(A):
    eigenvalues = np.linalg.eigvalsh(np.asarray(A, dtype=float))
    return float(2.0 / eigenvalues.max())


def train_linear_regression(X, y, lr=0.1, epochs=1000):
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
