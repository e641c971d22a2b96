# expect: exercise=RMSProp hint=eps_subtracted
# RMSProp stores self.eps = -eps, so its denominator is sqrt(s) - eps, which blows up or flips the step on tiny gradients.

import numpy as np


class RMSProp:
    def __init__(self, lr=0.01, beta=0.9, eps=1e-8):
        self.lr = lr
        self.beta = beta
        self.eps = -eps
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
