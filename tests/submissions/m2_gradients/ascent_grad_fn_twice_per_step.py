# expect: full-marks
# gradient_ascent calls grad_fn twice at every x, once for the stopping test and once for the step.

import numpy as np


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    x = np.array(x0, dtype=float)
    for _ in range(max_steps):
        if np.linalg.norm(grad_fn(x)) < tol:
            break
        x = x + lr * np.asarray(grad_fn(x), dtype=float)
    return x
