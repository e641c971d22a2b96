# expect: exercise=dot hint=dot_numpy_product
# dot checks the lengths, then hands the product to a helper that calls np.dot.

import numpy as np


def _product(a, b):
    return float(np.dot(a, b))


def dot(a, b):
    """Dot product of two equal-length 1-D sequences."""
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} != {len(b)}")
    return _product(a, b)
