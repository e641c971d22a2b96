# expect: full-marks
# dot uses an index-based while loop and returns an int (not a float) for integer inputs.


def dot(a, b):
    """Dot product of two equal-length 1-D sequences, without np.dot or @."""
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} != {len(b)}")
    total = 0
    i = 0
    while i < len(a):
        total = total + a[i] * b[i]
        i += 1
    return total
