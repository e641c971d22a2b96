# expect: exercise=numerical_gradient hint=gradient_all_zero
# numerical_gradient builds a zero step array for each index but never sets step[idx] = h, so f(x + step) and f(x - step) are the same number and every entry is 0.

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    x = np.array(x, dtype=float)
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        grad[idx] = (f(x + step) - f(x - step)) / (2 * h)
    return grad
