# expect: exercise=gradient_descent hint=stop_test_after_step
# gradient_descent takes the step before testing the gradient norm, so it always makes one extra (counted) step, even from an x0 that is already converged.

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-6):
    x = np.array(x0, dtype=float)
    n_steps = 0
    while n_steps < max_iters:
        g = np.asarray(grad_fn(x), dtype=float)
        x = x - lr * g
        n_steps += 1
        if np.linalg.norm(g.ravel()) < tol:
            break
    return x, n_steps
