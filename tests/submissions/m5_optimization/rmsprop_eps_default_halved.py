# expect: exercise=RMSProp hint=eps_default
# RMSProp's default eps is 5e-9 instead of the contract's 1e-8, which only shows when sqrt(s) is about as small as eps.

import numpy as np


class RMSProp:
    def __init__(self, lr=0.01, beta=0.9, eps=5e-9):
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
