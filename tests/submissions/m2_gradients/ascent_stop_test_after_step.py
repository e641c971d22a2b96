# expect: exercise=gradient_ascent hint=stopping_rule
# gradient_ascent takes the step first and tests the norm of the old gradient afterwards, so it always takes one step too many.

import numpy as np


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    x = np.array(x0, dtype=float)
    for _ in range(max_steps):
        g = np.asarray(grad_fn(x), dtype=float)
        x = x + lr * g
        if np.linalg.norm(g) < tol:
            break
    return x
