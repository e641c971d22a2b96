# expect: exercise=dot hint=dot_sign
# The loop starts from zero and subtracts each product (total -= a[i] * b[i]), so dot has the opposite sign.


def dot(a, b):
    """Dot product of two equal-length 1-D sequences, without np.dot or @."""
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} != {len(b)}")
    total = 0
    for ai, bi in zip(a, b, strict=True):
        total -= ai * bi
    return total
