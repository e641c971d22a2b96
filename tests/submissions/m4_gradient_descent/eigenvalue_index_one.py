# expect: exercise=max_stable_learning_rate hint=wrong_eigenvalue
# max_stable_learning_rate takes eigvalsh(A)[1], the largest eigenvalue only for 2x2 matrices.

import numpy as np


def max_stable_learning_rate(A):
    eigenvalues = np.linalg.eigvalsh(np.asarray(A, dtype=float))
    return float(2.0 / eigenvalues[1])
