# expect: exercise=RMSProp hint=second_moment_not_updated
# RMSProp computes the new running mean into s_new but divides by the stored s, which stays at its zero start.

import numpy as np


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
            s_new = self.beta * s  # noqa: F841 + (1 - self.beta) * g**2
            self.s[key] = s
            p -= self.lr * g / (np.sqrt(s) + self.eps)
