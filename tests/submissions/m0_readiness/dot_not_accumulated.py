# expect: exercise=dot hint=dot_not_accumulated
# The loop assigns each product to the total instead of adding it, so dot returns only the last product.


def dot(a, b):
    """Dot product of two equal-length 1-D sequences, without np.dot or @."""
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} != {len(b)}")
    total = 0.0
    for i in range(len(a)):
        total = a[i] * b[i]
    return total
