"""Optimizers head-to-head: SGD, momentum, Adam and RMSProp, each keeping its state per key."""

from collections.abc import Callable

import numpy as np

Params = dict[str, np.ndarray]


class SGD:
    def __init__(self, lr: float) -> None:
        self.lr = lr

    def step(self, params: Params, grads: Params) -> None:
        for k, g in grads.items():
            params[k] -= self.lr * g  # p <- p - lr g


class Momentum:
    def __init__(self, lr: float, beta: float = 0.9) -> None:
        self.lr, self.beta = lr, beta
        self.v: Params = {}

    def step(self, params: Params, grads: Params) -> None:
        for k, g in grads.items():
            self.v[k] = self.beta * self.v.get(k, 0.0) + g  # v <- beta v + g
            params[k] -= self.lr * self.v[k]  # p <- p - lr v


class Adam:
    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m: Params = {}
        self.v: Params = {}
        self.t = 0

    def step(self, params: Params, grads: Params) -> None:
        self.t += 1  # one tick per step, shared by every key
        for k, g in grads.items():
            self.m[k] = self.beta1 * self.m.get(k, 0.0) + (1 - self.beta1) * g  # mean of g
            self.v[k] = self.beta2 * self.v.get(k, 0.0) + (1 - self.beta2) * g**2  # mean of g^2
            m_hat = self.m[k] / (1 - self.beta1**self.t)  # undo the bias towards the zero start
            v_hat = self.v[k] / (1 - self.beta2**self.t)
            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class RMSProp:
    def __init__(self, lr: float = 0.01, beta: float = 0.9, eps: float = 1e-8) -> None:
        self.lr, self.beta, self.eps = lr, beta, eps
        self.s: Params = {}

    def step(self, params: Params, grads: Params) -> None:
        for k, g in grads.items():
            self.s[k] = self.beta * self.s.get(k, 0.0) + (1 - self.beta) * g**2  # mean of g^2
            params[k] -= self.lr * g / (np.sqrt(self.s[k]) + self.eps)


Optimizer = SGD | Momentum | Adam | RMSProp


def run_optimizer(
    optimizer: Optimizer, grad_fn: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, steps: int
) -> np.ndarray:
    params = {"x": np.array(x0, dtype=np.float64)}
    trajectory = [params["x"].copy()]
    for _ in range(steps):
        grads = {"x": np.asarray(grad_fn(params["x"].copy()), dtype=np.float64)}
        optimizer.step(params, grads)
        trajectory.append(params["x"].copy())
    return np.array(trajectory)


def compare_optimizers(
    grad_fn: Callable[[np.ndarray], np.ndarray],
    loss_fn: Callable[[np.ndarray], float],
    x0: np.ndarray,
    steps: int,
    optimizers: dict[str, Optimizer],
) -> dict[str, list[float]]:
    return {
        name: [float(loss_fn(x)) for x in run_optimizer(optimizer, grad_fn, x0, steps)]
        for name, optimizer in optimizers.items()
    }
