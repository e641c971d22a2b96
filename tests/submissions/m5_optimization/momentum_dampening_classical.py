# expect: exercise=Momentum hint=momentum_dampening
# Momentum in the classical form but dampened: v = beta*v - lr*(1-beta)*g; p += v.

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
            v = self.beta * v - self.lr * (1 - self.beta) * grads[key]
            self.velocity[key] = v
            p += v
