# expect: exercise=numerical_gradient hint=step_size_ignored
# numerical_gradient uses a fixed step of 1e-5 whatever h it is given.

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = 1e-5
        grad[idx] = (f(x + step) - f(x - step)) / (2 * 1e-5)
    return grad
