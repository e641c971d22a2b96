# expect: full-marks
# linear_backward uses np.einsum, sigmoid is 0.5*(1+tanh(z/2)), relu_backward uses np.where, and mse_loss returns np.float64.

import numpy as np


def linear_backward(dZ, X, W):
    dX = np.einsum("no,io->ni", dZ, W)
    dW = np.einsum("ni,no->io", X, dZ)
    db = np.einsum("no->o", dZ)
    return dX, dW, db


def sigmoid(Z):
    return 0.5 * (1.0 + np.tanh(0.5 * Z))


def relu_backward(dA, Z):
    return np.where(Z > 0, dA, 0.0)


def mse_loss(pred, y):
    diff = pred - y
    loss = np.mean(np.square(diff))  # np.float64, not a Python float
    dpred = (2.0 / diff.size) * diff
    return loss, dpred
