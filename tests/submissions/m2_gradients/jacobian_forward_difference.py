# expect: exercise=numerical_jacobian hint=one_sided_difference
# numerical_jacobian takes the forward difference (f(x + h e_j) - f(x)) / h: off by O(h), which only the hidden functions show.

import numpy as np


def numerical_jacobian(f, x, h=1e-5):
    """(m, n) matrix of central differences of f: R^n -> R^m."""
    x = np.array(x, dtype=float)
    n = x.size
    columns = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        f_plus = np.atleast_1d(np.asarray(f(x + e), dtype=float))
        f_here = np.atleast_1d(np.asarray(f(x), dtype=float))
        columns.append((f_plus - f_here) / h)
    return np.stack(columns, axis=1)
