# expect: exercise=gradient_ascent hint=ascent_steps_off_by_one
# gradient_ascent loops over range(max_steps + 1), so it takes one step more than max_steps.

import numpy as np


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    x = np.array(x0, dtype=float)
    for _ in range(max_steps + 1):
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g) < tol:
            break
        x = x + lr * g
    return x
