# expect: full-marks
# gradient_descent uses for/else for the step count; train_linear_regression fits an augmented [X, 1] design with one float64 theta vector, no np.linalg.

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-6):
    x = np.array(x0, dtype=np.float64)
    for n_steps in range(max_iters):  # noqa: B007
        g = np.asarray(grad_fn(x), dtype=np.float64)
        if np.sqrt(np.sum(g * g)) < tol:
            break
        x = x - lr * g
    else:
        n_steps = max_iters
    return x, n_steps


def train_linear_regression(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = X.shape
    Xa = np.concatenate([X, np.ones((n, 1), dtype=np.float64)], axis=1)
    theta = np.zeros((d + 1, *y.shape[1:]), dtype=np.float64)
    losses = np.empty(epochs, dtype=np.float64)
    for epoch in range(epochs):
        residual = Xa @ theta - y
        losses[epoch] = np.mean(residual * residual)
        theta = theta - lr * (2.0 / residual.size) * (Xa.T @ residual)
    w, b = theta[:d], theta[d]
    return w, (float(b) if y.ndim == 1 else b), [float(v) for v in losses]
