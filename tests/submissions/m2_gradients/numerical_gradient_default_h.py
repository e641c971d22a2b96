# expect: exercise=numerical_gradient hint=default_h
# numerical_gradient's default step is h=1e-4, ten times the contract's 1e-5 (the gradient moves too little to show).

import numpy as np


def numerical_gradient(f, x, h=1e-4):
    """Central-difference gradient of scalar f at an array x of any shape."""
    x = np.array(x, dtype=float)  # private copy: the caller's array is never touched
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
