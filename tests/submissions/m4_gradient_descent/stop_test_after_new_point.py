# expect: exercise=gradient_descent hint=stop_test_after_step
# gradient_descent steps first and then tests the gradient at the new point, so it never tests x0: from an x0 that is already flat it still takes one step.

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-6):
    x = np.array(x0, dtype=float)
    n_steps = 0
    while n_steps < max_iters:
        x = x - lr * np.asarray(grad_fn(x), dtype=float)
        n_steps += 1
        if np.linalg.norm(grad_fn(x)) < tol:
            break
    return x, n_steps
