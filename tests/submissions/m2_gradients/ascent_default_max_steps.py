# expect: exercise=gradient_ascent hint=ascent_defaults
# gradient_ascent's default max_steps is 1000 instead of the contract's 10000, so a slow climb stops long before the gradient is flat.

import numpy as np


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=1000, tol=1e-8):
    x = np.array(x0, dtype=float)
    for _ in range(max_steps):
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g) < tol:
            break
        x = x + lr * g
    return x
