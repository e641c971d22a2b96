# expect: exercise=max_stable_learning_rate hint=lambda_min
# max_stable_learning_rate returns 2 / smallest eigenvalue instead of 2 / largest.

import numpy as np


def max_stable_learning_rate(A):
    eigenvalues = np.linalg.eigvalsh(np.asarray(A, dtype=float))
    return float(2.0 / eigenvalues.min())
