# expect: full-marks
# Adam in Kingma and Ba's efficient form (lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t), eps added to sqrt(v) before the bias correction), defaultdict state, params[key] updated in place with augmented assignments, loops over grads, RMSProp with sqrt(s + eps**2), a preallocated trajectory and losses returned as a NumPy array.
"""Module 5: optimizers head-to-head."""

from collections import defaultdict

import numpy as np


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        for name, g in grads.items():
            params[name] -= self.lr * g


class Momentum:
    def __init__(self, lr, beta=0.9):
        self.lr = lr
        self.beta = beta
        self.v = defaultdict(float)

    def step(self, params, grads):
        for name, g in grads.items():
            self.v[name] = self.beta * self.v[name] - self.lr * g
            params[name] += self.v[name]


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = defaultdict(float)
        self.v = defaultdict(float)
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        lr_t = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        for name, g in grads.items():
            self.m[name] = self.beta1 * self.m[name] + (1 - self.beta1) * g
            self.v[name] = self.beta2 * self.v[name] + (1 - self.beta2) * g * g
            params[name] -= lr_t * self.m[name] / (np.sqrt(self.v[name]) + self.eps)


class RMSProp:
    def __init__(self, lr=0.01, beta=0.9, eps=1e-8):
        self.lr, self.beta, self.eps = lr, beta, eps
        self.s = defaultdict(float)

    def step(self, params, grads):
        for name, g in grads.items():
            self.s[name] = self.beta * self.s[name] + (1 - self.beta) * np.square(g)
            params[name] -= self.lr * g / np.sqrt(self.s[name] + self.eps**2)


def run_optimizer(optimizer, grad_fn, x0, steps):
    x0 = np.asarray(x0, dtype=np.float64)
    trajectory = np.empty((steps + 1, *x0.shape))
    trajectory[0] = x0
    params = {"x": x0.copy()}
    for i in range(1, steps + 1):
        optimizer.step(params, {"x": grad_fn(params["x"])})
        trajectory[i] = params["x"]
    return trajectory


def compare_optimizers(grad_fn, loss_fn, x0, steps, optimizers):
    return {
        name: np.array([loss_fn(x) for x in run_optimizer(opt, grad_fn, x0, steps)])
        for name, opt in optimizers.items()
    }
