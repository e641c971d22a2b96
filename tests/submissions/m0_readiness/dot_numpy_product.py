# expect: exercise=dot hint=dot_numpy_product
# dot checks the lengths, then hands the product to a helper that calls np.dot.
"""Module 0: readiness checks."""

import numpy as np


def slope(p1, p2):
    """Slope of the line through p1 = (x1, y1) and p2 = (x2, y2)."""
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        raise ValueError("the line through these points is vertical: slope is undefined")
    return (y2 - y1) / (x2 - x1)


def _product(a, b):
    return float(np.dot(a, b))


def dot(a, b):
    """Dot product of two equal-length 1-D sequences."""
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} != {len(b)}")
    return _product(a, b)
