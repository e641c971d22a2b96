# expect: exercise=gradient_ascent hint=ascent_defaults
# gradient_ascent's default learning rate is lr=0.1 instead of the contract's 0.01 (calls that pass lr are right).

import numpy as np


def gradient_ascent(grad_fn, x0, lr=0.1, max_steps=10000, tol=1e-8):
    x = np.array(x0, dtype=float)
    for _ in range(max_steps):
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g) < tol:
            break
        x = x + lr * g
    return x
