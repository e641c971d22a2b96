# expect: full-marks
# numerical_gradient perturbs a flattened copy by flat index and reshapes each probe back; jacobian/hessian are built with np.eye columns.

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    shape = np.shape(x)
    flat = np.asarray(x, dtype=float).flatten()  # flatten() always copies
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        probe = flat.copy()
        probe[i] += h
        f_plus = f(probe.reshape(shape))
        probe[i] -= 2 * h
        f_minus = f(probe.reshape(shape))
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(shape)


def numerical_jacobian(f, x, h=1e-5):
    """(m, n) matrix of central differences of f: R^n -> R^m."""
    x = np.array(x, dtype=float)
    steps = np.eye(x.size) * h
    columns = [
        (np.atleast_1d(f(x + e)).astype(float) - np.atleast_1d(f(x - e)).astype(float)) / (2 * h)
        for e in steps
    ]
    return np.column_stack(columns)


def numerical_hessian(f, x, h=1e-4):
    """(n, n) symmetric matrix of second derivatives of scalar f."""
    x = np.array(x, dtype=float)
    E = np.eye(x.size) * h
    H = np.array(
        [
            [
                (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
                for ej in E
            ]
            for ei in E
        ]
    )
    return 0.5 * (H + H.T)
