# expect: exercise=numerical_gradient hint=one_sided_difference_backward
# numerical_gradient takes the backward difference (f(x) - f(x - h e_i)) / h, off by O(h).

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    x = np.array(x, dtype=float)  # private copy: the caller's array is never touched
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f(x) - f_minus) / h  # backward difference
    return grad
