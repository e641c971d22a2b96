# expect: exercise=dot hint=dot_length_mismatch
# dot has no length check, so zip silently truncates to the shorter sequence instead of raising ValueError.


def dot(a, b):
    """Dot product of two equal-length 1-D sequences, without np.dot or @."""
    total = 0.0
    for ai, bi in zip(a, b, strict=False):
        total += ai * bi
    return total
