# expect: exercise=numerical_jacobian hint=jacobian_default_h
# numerical_jacobian's default step is h=1e-4 (the Hessian's) instead of the contract's 1e-5; the Jacobian moves too little to show, but not where f is evaluated.

import numpy as np


def numerical_jacobian(f, x, h=1e-4):
    """(m, n) matrix of central differences of f: R^n -> R^m."""
    x = np.array(x, dtype=float)
    n = x.size
    columns = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        f_plus = np.atleast_1d(np.asarray(f(x + e), dtype=float))
        f_minus = np.atleast_1d(np.asarray(f(x - e), dtype=float))
        columns.append((f_plus - f_minus) / (2 * h))
    return np.stack(columns, axis=1)
