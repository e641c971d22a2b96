# expect: exercise=numerical_gradient hint=input_mutated
# numerical_gradient perturbs the caller's array in place and never restores it after the minus probe, so every coordinate of x is left shifted by -h.

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    x = np.asarray(x, dtype=float)  # no copy for a float array: x IS the caller's array
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
