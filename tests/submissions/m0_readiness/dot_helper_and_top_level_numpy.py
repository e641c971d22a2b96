# expect: full-marks
# dot loops in a helper of its own, and np.dot and @ appear only outside it, to compare.

import numpy as np


def _products(a, b):
    return [x * y for x, y in zip(a, b, strict=True)]


def dot(a, b):
    """Dot product of two equal-length 1-D sequences, by hand."""
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} != {len(b)}")
    return sum(_products(a, b))


print(dot([1, 2, 3], [4, 5, 6]), np.dot([1, 2, 3], [4, 5, 6]), np.array([1, 2]) @ np.array([3, 4]))
