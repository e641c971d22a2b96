# expect: exercise=RMSProp hint=state_shared_across_keys
# RMSProp keeps a single running mean s for all keys (created from the first parameter), so keys of the same shape mix their state and keys of different shapes crash.

import numpy as np


class RMSProp:
    def __init__(self, lr=0.01, beta=0.9, eps=1e-8):
        self.lr = lr
        self.beta = beta
        self.eps = eps
        self.s = None

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            if self.s is None:
                self.s = np.zeros_like(p, dtype=float)
            s = self.beta * self.s + (1 - self.beta) * g**2
            self.s = s
            p -= self.lr * g / (np.sqrt(s) + self.eps)
