# expect: exercise=gradient_ascent hint=ascent_defaults
# gradient_ascent's default tol is 1e-6 (the value of module 4's gradient_descent) instead of the contract's 1e-8.

import numpy as np


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-6):
    x = np.array(x0, dtype=float)
    for _ in range(max_steps):
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g) < tol:
            break
        x = x + lr * g
    return x
