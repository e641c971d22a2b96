# expect: exercise=relu hint=input_modified
# relu zeroes the negative entries of Z in place and returns Z itself, so the caller's array is changed.


def relu(Z):
    Z[Z < 0] = 0
    return Z
