# expect: exercise=sigmoid_backward hint=derivative_of_activation
# sigmoid_backward computes dA * Z * (1 - Z), applying the s*(1-s) formula to the pre-activation Z as if it were the activation.


def sigmoid_backward(dA, Z):
    return dA * Z * (1 - Z)
