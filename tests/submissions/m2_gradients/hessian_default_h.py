# expect: exercise=numerical_hessian hint=hessian_default_h
# numerical_hessian's default step is h=1e-5 (the gradient's) instead of the contract's 1e-4; the Hessian is still close, but f is evaluated at the wrong points.

import numpy as np


def numerical_hessian(f, x, h=1e-5):
    """(n, n) symmetric matrix of second derivatives of scalar f."""
    x = np.array(x, dtype=float)
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = h
        for j in range(i, n):
            ej = np.zeros(n)
            ej[j] = h
            H[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h
            )
            H[j, i] = H[i, j]
    return H
