# expect: exercise=Adam hint=t_per_key
# Adam increments t inside the per-key loop, so t counts (step, key) pairs instead of step() calls.

import numpy as np


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
        for key, p in params.items():
            self.t += 1
            g = grads[key]
            if key not in self.m:
                self.m[key] = np.zeros_like(p, dtype=float)
                self.v[key] = np.zeros_like(p, dtype=float)
            self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * g
            self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * g**2
            m_hat = self.m[key] / (1 - self.beta1**self.t)
            v_hat = self.v[key] / (1 - self.beta2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
