"""Readiness checks: the slope of a line and a hand-written dot product."""

from collections.abc import Sequence


def slope(p1: Sequence[float], p2: Sequence[float]) -> float:
    """Slope of the line through the points ``p1 = (x1, y1)`` and ``p2 = (x2, y2)``.

    Returns ``(y2 - y1) / (x2 - x1)`` as a float. Raises ``ValueError`` when
    ``x1 == x2``: a vertical line has no slope.
    """
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        raise ValueError("slope is undefined for a vertical line (x1 == x2)")
    # m = (y2 - y1) / (x2 - x1)
    return float((y2 - y1) / (x2 - x1))


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    """Dot product of two equal-length 1-D sequences, ``sum(a[i] * b[i])``, as a float.

    Computed by hand, without ``np.dot`` or ``@``. Raises ``ValueError`` when the
    lengths differ.
    """
    if len(a) != len(b):
        raise ValueError(f"dot needs equal lengths, got {len(a)} and {len(b)}")
    # a . b = sum_i a_i * b_i
    return float(sum(ai * bi for ai, bi in zip(a, b, strict=True)))
