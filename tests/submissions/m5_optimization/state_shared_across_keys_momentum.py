# expect: exercise=Momentum hint=state_shared_across_keys
# Momentum keeps a single velocity in self.velocity (not one per key); it is created from the first parameter and every key reuses and overwrites it, which only runs when all keys share a shape.

import numpy as np


class Momentum:
    def __init__(self, lr, beta=0.9):
        self.lr = lr
        self.beta = beta
        self.velocity = None

    def step(self, params, grads):
        for key, p in params.items():
            if self.velocity is None:
                self.velocity = np.zeros_like(p, dtype=float)
            self.velocity = self.beta * self.velocity + grads[key]
            p -= self.lr * self.velocity
