# expect: exercise=gradient_ascent hint=ascent_wrong_sign
# gradient_ascent is a while loop that subtracts the gradient (x -= lr * g on a copy), i.e. it descends.

import numpy as np


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    x = np.array(x0, dtype=float)
    steps = 0
    while steps < max_steps:
        g = grad_fn(x)
        if np.linalg.norm(g) < tol:
            break
        x -= lr * g
        steps += 1
    return x
