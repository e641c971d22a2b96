# expect: exercise=gradient_descent hint=off_by_one_steps
# gradient_descent returns the for-loop index as n_steps: right when it breaks on tol, but max_iters - 1 (with x after max_iters steps) when it runs out of steps.

import numpy as np


def gradient_descent(grad_fn, x0, lr, max_iters=10000, tol=1e-6):
    x = np.array(x0, dtype=float)
    i = 0
    for i in range(max_iters):  # noqa: B007
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g) < tol:
            break
        x = x - lr * g
    return x, i
