# expect: exercise=dot hint=dot_length_mismatch
# dot has no length check, so zip silently truncates to the shorter sequence instead of raising ValueError.
"""Module 0: readiness checks."""


def slope(p1, p2):
    """Slope of the line through p1 = (x1, y1) and p2 = (x2, y2)."""
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        raise ValueError("the line through these points is vertical: slope is undefined")
    return (y2 - y1) / (x2 - x1)


def dot(a, b):
    """Dot product of two equal-length 1-D sequences, without np.dot or @."""
    total = 0.0
    for ai, bi in zip(a, b, strict=False):
        total += ai * bi
    return total
