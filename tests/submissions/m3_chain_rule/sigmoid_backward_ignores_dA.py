# expect: exercise=sigmoid_backward hint=backward_ignores_dA
# sigmoid_backward returns the local slope s * (1 - s) without multiplying by the upstream gradient dA.


def sigmoid_backward(dA, Z):
    s = sigmoid(Z)
    return s * (1 - s)
