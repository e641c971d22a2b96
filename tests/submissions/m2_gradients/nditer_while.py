# expect: full-marks
# numerical_gradient walks a copy with np.nditer(multi_index, readwrite); gradient_ascent is a while loop; directional_derivative normalises the direction first.

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    work = np.array(x, dtype=float, copy=True)
    grad = np.empty_like(work)
    it = np.nditer(work, flags=["multi_index"], op_flags=[["readwrite"]])
    for cell in it:
        idx = it.multi_index
        old = float(cell)
        cell[...] = old + h
        f_plus = f(work)
        cell[...] = old - h
        f_minus = f(work)
        cell[...] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    x = np.array(x0, dtype=float)
    steps = 0
    g = np.asarray(grad_fn(x), dtype=float)
    while steps < max_steps and np.linalg.norm(g) >= tol:
        x = x + lr * g
        steps += 1
        if steps < max_steps:
            g = np.asarray(grad_fn(x), dtype=float)
    return x


def directional_derivative(grad, direction):
    grad = np.asarray(grad, dtype=float)
    direction = np.asarray(direction, dtype=float)
    unit = direction / np.linalg.norm(direction)
    return float(np.sum(grad * unit))
