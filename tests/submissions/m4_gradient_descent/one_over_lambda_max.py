# expect: exercise=max_stable_learning_rate hint=one_over_lambda_max
# max_stable_learning_rate returns 1 / largest eigenvalue (the 'optimal' step for one direction) instead of 2 / largest.

import numpy as np


def max_stable_learning_rate(A):
    eigenvalues = np.linalg.eigvalsh(np.asarray(A, dtype=float))
    return float(1.0 / eigenvalues.max())
