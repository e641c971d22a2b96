# expect: exercise=linear_backward hint=db_not_summed
# linear_backward returns db = dZ[0], the first sample's bias gradient only (right shape, wrong value).

import numpy as np


def linear_backward(dZ, X, W):
    dX = dZ @ W.T
    dW = X.T @ dZ
    db = dZ[0]
    return dX, dW, db


def mlp_loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = X @ W1 + b1
    H = np.tanh(Z1)
    pred = H @ W2 + b2
    diff = pred - y
    loss = float(np.mean(diff**2))
    dpred = 2 * diff / diff.size
    dW2 = H.T @ dpred
    db2 = dpred.sum(axis=0)
    dH = dpred @ W2.T
    dZ1 = dH * (1 - H**2)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
