# expect: exercise=relu_backward hint=relu_mask_on_output_grad
# relu_backward masks with the upstream gradient, dA * (dA > 0), instead of with Z > 0.


def relu_backward(dA, Z):
    return dA * (dA > 0)
