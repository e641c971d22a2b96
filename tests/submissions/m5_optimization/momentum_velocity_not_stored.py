# expect: exercise=Momentum hint=state_not_kept
# Momentum computes the new velocity but never stores it back in self.velocity, so every step starts from zero.

import numpy as np


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
            p -= self.lr * v
