# expect: exercise=gradient_descent hint=input_modified
# gradient_descent updates x0 itself in place (x = x0; x -= lr * g), so the caller's array changes; the results are right.

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-6):
    x = x0
    n_steps = 0
    while n_steps < max_iters:
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g) < tol:
            break
        x -= lr * g
        n_steps += 1
    return x, n_steps
