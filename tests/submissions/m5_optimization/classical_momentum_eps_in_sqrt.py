# expect: full-marks
# Momentum uses the classical form v = beta*v - lr*g; p += v, Adam puts eps inside the sqrt as sqrt(v_hat + eps**2), and all state lives in one dict of per-name records.

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
            v = self.beta * v - self.lr * grads[key]
            self.velocity[key] = v
            p += v


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.state = {}  # name -> {"m": ..., "v": ...}

    def step(self, params, grads):
        self.t += 1
        c1 = 1 - self.beta1**self.t
        c2 = 1 - self.beta2**self.t
        for name in params:
            p, g = params[name], grads[name]
            st = self.state.setdefault(name, {"m": np.zeros(p.shape), "v": np.zeros(p.shape)})
            st["m"] = self.beta1 * st["m"] + (1 - self.beta1) * g
            st["v"] = self.beta2 * st["v"] + (1 - self.beta2) * np.square(g)
            m_hat = st["m"] / c1
            v_hat = st["v"] / c2
            p -= self.lr * m_hat / np.sqrt(v_hat + self.eps**2)
