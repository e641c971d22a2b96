"""Optimizers head-to-head: SGD, momentum, Adam and RMSProp, each keeping its state per key.

Each optimizer is a class whose ``step(params, grads)`` updates the arrays of the
``params`` dictionary in place, keeping its own state per key.
"""

from collections.abc import Callable

import numpy as np

Params = dict[str, np.ndarray]


class SGD:
    """Plain gradient descent: ``p -= lr * g`` for each key."""

    def __init__(self, lr: float) -> None:
        self.lr = lr

    def step(self, params: Params, grads: Params) -> None:
        """Update the arrays of ``params`` in place from ``grads`` (same keys); returns None."""
        for k, g in grads.items():
            params[k] -= self.lr * g  # p <- p - lr g


class Momentum:
    """Momentum: ``v = beta * v + g; p -= lr * v``, the velocity ``v`` starting at zero.

    The classical form ``v = beta * v - lr * g; p += v`` is the same update and is
    accepted.
    """

    def __init__(self, lr: float, beta: float = 0.9) -> None:
        self.lr = lr
        self.beta = beta
        self.velocity: Params = {}

    def step(self, params: Params, grads: Params) -> None:
        """Update the arrays of ``params`` in place from ``grads`` (same keys); returns None."""
        for key in params:
            v = self.velocity.get(key, np.zeros_like(params[key], dtype=float))  # starts at 0
            v = self.beta * v + grads[key]  # v <- beta v + g
            self.velocity[key] = v
            params[key] -= self.lr * v  # p <- p - lr v


class Adam:
    """Adam, with bias-corrected first and second moments.

    ``t += 1; m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g**2;
    m_hat = m/(1-beta1**t); v_hat = v/(1-beta2**t);
    p -= lr * m_hat / (sqrt(v_hat) + eps)``, with ``m`` and ``v`` starting at zero.
    ``t`` counts steps of this optimizer, not calls per key.
    """

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m: Params = {}
        self.v: Params = {}

    def step(self, params: Params, grads: Params) -> None:
        """Update the arrays of ``params`` in place from ``grads`` (same keys); returns None."""
        self.t += 1  # one tick per step, shared by every key
        for key in params:
            g = grads[key]
            m = self.m.get(key, np.zeros_like(params[key], dtype=float))  # both start at 0
            v = self.v.get(key, np.zeros_like(params[key], dtype=float))
            m = self.beta1 * m + (1 - self.beta1) * g  # mean of g
            v = self.beta2 * v + (1 - self.beta2) * g**2  # mean of g^2
            self.m[key], self.v[key] = m, v
            m_hat = m / (1 - self.beta1**self.t)  # undo the bias towards the zero start
            v_hat = v / (1 - self.beta2**self.t)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class RMSProp:
    """*Going deeper.* RMSProp: ``s = beta*s + (1-beta)*g**2; p -= lr * g / (sqrt(s) + eps)``.

    ``s`` starts at zero.
    """

    def __init__(self, lr: float = 0.01, beta: float = 0.9, eps: float = 1e-8) -> None:
        self.lr = lr
        self.beta = beta
        self.eps = eps
        self.s: Params = {}

    def step(self, params: Params, grads: Params) -> None:
        """Update the arrays of ``params`` in place from ``grads`` (same keys); returns None."""
        for key in params:
            g = grads[key]
            s = self.s.get(key, np.zeros_like(params[key], dtype=float))  # starts at 0
            s = self.beta * s + (1 - self.beta) * g**2  # mean of g^2
            self.s[key] = s
            params[key] -= self.lr * g / (np.sqrt(s) + self.eps)


Optimizer = SGD | Momentum | Adam | RMSProp


def run_optimizer(
    optimizer: Optimizer, grad_fn: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, steps: int
) -> np.ndarray:
    """Drive ``optimizer`` on a single array parameter from ``x0`` for ``steps`` steps.

    The gradient at ``x`` is ``grad_fn(x)``. Returns the trajectory, a float array of
    shape ``(steps + 1, *x0.shape)`` whose first row is ``x0`` and row ``i`` the
    parameter after ``i`` steps; ``x0`` is left unchanged.
    """
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
    """Run each optimizer from ``x0`` for ``steps`` steps and record its losses.

    ``optimizers`` maps a name to an optimizer. Returns a dict mapping each name to
    its list of ``steps + 1`` losses ``loss_fn(x)`` along its trajectory, the first
    at ``x0``; ``x0`` is left unchanged.
    """
    results = {}
    for name, optimizer in optimizers.items():
        trajectory = run_optimizer(optimizer, grad_fn, x0, steps)
        results[name] = [float(loss_fn(x)) for x in trajectory]
    return results
