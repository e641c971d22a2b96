# expect: exercise=gradient_descent hint=off_by_one_steps
# gradient_descent counts loop iterations instead of updates: x is right but n_steps is one too many whenever it stops on the tolerance.

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-6):
    x = np.array(x0, dtype=float)
    n_steps = 0
    for i in range(max_iters):
        n_steps = i + 1
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g.ravel()) < tol:
            break
        x = x - lr * g
    return x, n_steps
