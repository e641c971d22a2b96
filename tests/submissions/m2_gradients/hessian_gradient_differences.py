# expect: full-marks
# numerical_hessian takes central differences (step h) of a central-difference gradient with its own inner step 1e-5, then averages H with its transpose.

import numpy as np


def numerical_hessian(f, x, h=1e-4):
    """(n, n) symmetric matrix of second derivatives of scalar f."""
    x = np.array(x, dtype=float)
    n = x.size

    def gradient(point, step=1e-5):
        g = np.zeros(n)
        for k in range(n):
            e = np.zeros(n)
            e[k] = step
            g[k] = (f(point + e) - f(point - e)) / (2 * step)
        return g

    H = np.zeros((n, n))
    for j in range(n):
        ej = np.zeros(n)
        ej[j] = h
        H[:, j] = (gradient(x + ej) - gradient(x - ej)) / (2 * h)
    return (H + H.T) / 2
