# expect: exercise=gradient_ascent hint=ascent_x_not_updated
# gradient_ascent calls np.add(x, lr * g) as if it updated x in place, but it returns a new array that is thrown away, so x stays at x0.

import numpy as np


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    x = np.array(x0, dtype=float)
    for _ in range(max_steps):
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g) < tol:
            break
        np.add(x, lr * g)
    return x
