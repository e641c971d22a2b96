# expect: exercise=numerical_gradient hint=one_d_only
# numerical_gradient builds its nudge with np.zeros(len(x)), which cannot be added to a matrix x (a broadcasting error on 2-D input).

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at a vector x."""
    x = np.array(x, dtype=float)
    grad = np.zeros(len(x))
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad
