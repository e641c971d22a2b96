# expect: exercise=gradient_ascent hint=input_mutated
# gradient_ascent updates x0 itself in place (x = x0; x += lr * g), so the caller's starting point is changed.

import numpy as np


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    x = x0
    for _ in range(max_steps):
        g = grad_fn(x)
        if np.linalg.norm(g) < tol:
            break
        x += lr * g
    return x
