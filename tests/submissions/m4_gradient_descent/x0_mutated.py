# expect: exercise=gradient_descent hint=input_modified
# gradient_descent updates x0 itself in place (x = x0; x -= lr * g), so the caller's array changes; the results are right.
"""Module 4: gradient descent and a complete training loop."""

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-6):
    x = x0
    n_steps = 0
    while n_steps < max_iters:
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g) < tol:
            break
        x -= lr * g
        n_steps += 1
    return x, n_steps


def max_stable_learning_rate(A):
    eigenvalues = np.linalg.eigvalsh(np.asarray(A, dtype=float))
    return float(2.0 / eigenvalues.max())


def train_linear_regression(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n_samples, n_features = X.shape
    w = np.zeros(n_features)
    b = 0.0
    losses = []
    for _ in range(epochs):
        residual = X @ w + b - y
        losses.append(float(np.mean(residual**2)))
        w = w - lr * 2 / n_samples * (X.T @ residual)
        b = b - lr * 2 * float(np.mean(residual))
    return w, b, losses
