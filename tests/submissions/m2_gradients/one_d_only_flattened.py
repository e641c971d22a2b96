# expect: exercise=numerical_gradient hint=one_d_only
# numerical_gradient flattens x and calls f with the flat vector, so f gets the wrong shape for a matrix x.

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at a vector x."""
    x = np.array(x, dtype=float).ravel()
    grad = np.zeros(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad
