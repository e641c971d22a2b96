"""Gradient descent: the update rule, its stability limit, and a linear-regression training loop."""

from collections.abc import Callable

import numpy as np


def gradient_descent(
    grad_fn: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    lr: float,
    max_iters: int = 10000,
    tol: float = 1e-6,
) -> tuple[np.ndarray, int]:
    """Gradient descent from ``x0``: repeat ``x = x - lr * grad_fn(x)``.

    Stops when ``norm(grad_fn(x)) < tol``, tested before each step, or after
    ``max_iters`` steps. Returns ``(x, n_steps)``: the final ``x`` (a float array of
    ``x0``'s shape) and the number of steps taken, an int (0 when ``x0`` is already
    flat). ``x0`` is left unchanged.
    """
    x = np.array(x0, dtype=np.float64)
    n_steps = 0
    while n_steps < max_iters:
        g = np.asarray(grad_fn(x), dtype=np.float64)
        if np.linalg.norm(g) < tol:  # stopping test before each step
            break
        x = x - lr * g  # downhill: x <- x - lr grad f(x)
        n_steps += 1
    return x, n_steps


def max_stable_learning_rate(A: np.ndarray) -> float:
    """The largest learning rate at which gradient descent on ``f(x) = 0.5 * x @ A @ x`` converges.

    ``A`` is symmetric positive-definite (and left unchanged). Returns the supremum
    of the learning rates for which gradient descent converges,
    ``2 / (largest eigenvalue of A)``, as a float.
    """
    # f = x^T A x / 2: x <- (I - lr A) x converges iff |1 - lr lambda| < 1 for every
    # eigenvalue lambda, i.e. lr < 2 / lambda_max
    return float(2 / np.linalg.eigvalsh(A).max())


def train_linear_regression(
    X: np.ndarray, y: np.ndarray, lr: float = 0.1, epochs: int = 1000
) -> tuple[np.ndarray, float, list[float]]:
    """Full-batch gradient descent on ``mean((X @ w + b - y) ** 2)`` from ``w = 0``, ``b = 0``.

    ``X`` is ``(N, D)`` and ``y`` is ``(N,)``; ``epochs`` updates with learning rate
    ``lr``. Returns ``(w, b, losses)``: ``w`` of shape ``(D,)``, the float ``b``, and the
    list ``losses`` where ``losses[i]`` is the loss before update ``i``
    (``len(losses) == epochs``).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = []
    for _ in range(epochs):
        r = X @ w + b - y  # residuals
        losses.append(float(np.mean(r**2)))  # L = mean(r^2), recorded before the update
        dw = 2 / N * X.T @ r  # dL/dw = 2/N X^T r
        db = 2 * np.mean(r)  # dL/db = 2 mean(r)
        w = w - lr * dw
        b = b - lr * db
    return w, float(b), losses
