# expect: exercise=numerical_hessian hint=hessian_index_range
# numerical_hessian's outer loop runs over range(n + 1), so it sets entry n of a vector of n entries and raises IndexError.

import numpy as np


def numerical_hessian(f, x, h=1e-4):
    """(n, n) symmetric matrix of second derivatives of scalar f."""
    x = np.array(x, dtype=float)
    n = x.size
    H = np.zeros((n, n))
    for i in range(n + 1):
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
