# expect: exercise=Adam hint=state_sign_flipped
# Adam stores the first moment negated (self.m[key] = -m, a classical-momentum habit) but reads it back as if it were m.
"""Module 5: optimizers head-to-head."""

import numpy as np


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        for key, p in params.items():
            p -= self.lr * grads[key]


class Momentum:
    def __init__(self, lr, beta=0.9):
        self.lr = lr
        self.beta = beta
        self.velocity = {}

    def step(self, params, grads):
        for key, p in params.items():
            v = self.velocity.get(key)
            if v is None:
                v = np.zeros_like(p, dtype=float)
            v = self.beta * v + grads[key]
            self.velocity[key] = v
            p -= self.lr * v


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m = {}
        self.v = {}

    def step(self, params, grads):
        self.t += 1
        for key, p in params.items():
            g = grads[key]
            if key not in self.m:
                self.m[key] = np.zeros_like(p, dtype=float)
                self.v[key] = np.zeros_like(p, dtype=float)
            m = self.beta1 * self.m[key] + (1 - self.beta1) * g
            self.m[key] = -m
            self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * g**2
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = self.v[key] / (1 - self.beta2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class RMSProp:
    def __init__(self, lr=0.01, beta=0.9, eps=1e-8):
        self.lr = lr
        self.beta = beta
        self.eps = eps
        self.s = {}

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            s = self.s.get(key)
            if s is None:
                s = np.zeros_like(p, dtype=float)
            s = self.beta * s + (1 - self.beta) * g**2
            self.s[key] = s
            p -= self.lr * g / (np.sqrt(s) + self.eps)


def _trajectory(optimizer, grad_fn, x0, steps):
    params = {"x": np.array(x0, dtype=float)}
    rows = [params["x"].copy()]
    for _ in range(steps):
        optimizer.step(params, {"x": np.asarray(grad_fn(params["x"].copy()), dtype=float)})
        rows.append(params["x"].copy())
    return np.array(rows)


def run_optimizer(optimizer, grad_fn, x0, steps):
    return _trajectory(optimizer, grad_fn, x0, steps)


def compare_optimizers(grad_fn, loss_fn, x0, steps, optimizers):
    results = {}
    for name, optimizer in optimizers.items():
        trajectory = _trajectory(optimizer, grad_fn, x0, steps)
        results[name] = [float(loss_fn(x)) for x in trajectory]
    return results
