# expect: full-marks
# gradient_descent calls grad_fn twice per step (and once more at the end) and updates its own copy in place; max_stable_learning_rate uses power iteration stopped at a relative change of 1e-7; losses come back as an ndarray and b as np.float64.
"""Module 4: gradient descent and a complete training loop."""

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-6):
    x = np.array(x0, dtype=float, copy=True)
    n_steps = 0
    while True:
        if np.linalg.norm(grad_fn(x)) < tol or n_steps == max_iters:
            break
        x -= lr * np.asarray(grad_fn(x))
        n_steps += 1
    return x, n_steps


def max_stable_learning_rate(A):
    A = np.asarray(A, dtype=float)
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    largest = 0.0
    for _ in range(100000):
        w = A @ v
        estimate = float(v @ w)
        v = w / np.linalg.norm(w)
        if abs(estimate - largest) <= 1e-7 * abs(estimate):
            break
        largest = estimate
    return 2 / estimate


def train_linear_regression(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1])
    b = np.float64(0.0)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        residual = X @ w + b - y
        losses[epoch] = np.mean(residual**2)
        grad_w = 2 * np.mean(X * residual[:, None], axis=0)
        grad_b = 2 * np.mean(residual)
        w, b = w - lr * grad_w, b - lr * grad_b
    return w, b, losses
