# expect: exercise=Adam hint=state_shared_across_keys
# Adam keys its m/v state by array shape instead of parameter name, so parameters of the same shape share (and mix) one state.

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
        self.t += 1
        for key, p in params.items():
            g = grads[key]
            slot = p.shape  # one slot per shape
            if slot not in self.m:
                self.m[slot] = np.zeros_like(p, dtype=float)
                self.v[slot] = np.zeros_like(p, dtype=float)
            self.m[slot] = self.beta1 * self.m[slot] + (1 - self.beta1) * g
            self.v[slot] = self.beta2 * self.v[slot] + (1 - self.beta2) * g**2
            m_hat = self.m[slot] / (1 - self.beta1**self.t)
            v_hat = self.v[slot] / (1 - self.beta2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
