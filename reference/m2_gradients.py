"""Gradients of many variables: finite differences, a two-knob profit model, gradient ascent."""

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    x = np.array(x, dtype=np.float64)  # our own copy: the caller's x is never touched
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xi = x[i]
        x[i] = xi + h
        f_plus = f(x)
        x[i] = xi - h
        f_minus = f(x)
        x[i] = xi
        # df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h, one coordinate at a time
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def business_profit(
    params: np.ndarray,
    unit_cost: float,
    base_demand: float,
    price_sensitivity: float,
    ad_effect: float,
) -> float:
    price, ad_spend = params
    # units = a - s p + e sqrt(ad);  profit = (p - c) units - ad
    units = base_demand - price_sensitivity * price + ad_effect * np.sqrt(ad_spend)
    return float((price - unit_cost) * units - ad_spend)


def business_profit_gradient(
    params: np.ndarray,
    unit_cost: float,
    base_demand: float,
    price_sensitivity: float,
    ad_effect: float,
) -> np.ndarray:
    price, ad_spend = params
    units = base_demand - price_sensitivity * price + ad_effect * np.sqrt(ad_spend)
    # d/dp = units + (p - c)(-s)
    d_price = units - price_sensitivity * (price - unit_cost)
    # d/dad = (p - c) e / (2 sqrt(ad)) - 1
    d_ad = (price - unit_cost) * ad_effect / (2 * np.sqrt(ad_spend)) - 1
    return np.array([d_price, d_ad], dtype=np.float64)


def gradient_ascent(
    grad_fn: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    lr: float = 0.01,
    max_steps: int = 10000,
    tol: float = 1e-8,
) -> np.ndarray:
    x = np.array(x0, dtype=np.float64)
    for _ in range(max_steps):
        g = np.asarray(grad_fn(x), dtype=np.float64)
        if np.linalg.norm(g) < tol:  # stop at a flat point, tested before each step
            break
        x = x + lr * g  # uphill: x <- x + lr grad f(x)
    return x


def directional_derivative(grad: np.ndarray, direction: np.ndarray) -> float:
    grad = np.asarray(grad, dtype=np.float64)
    u = np.asarray(direction, dtype=np.float64)
    # D_u f = grad f . u / |u|
    return float(np.sum(grad * u) / np.linalg.norm(u))


def numerical_jacobian(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    columns = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e.flat[j] = h
        f_plus = np.atleast_1d(np.asarray(f(x + e), dtype=np.float64)).ravel()
        f_minus = np.atleast_1d(np.asarray(f(x - e), dtype=np.float64)).ravel()
        # J[:, j] = df/dx_j ~ (f(x + h e_j) - f(x - h e_j)) / 2h
        columns.append((f_plus - f_minus) / (2 * h))
    return np.stack(columns, axis=1)


def numerical_hessian(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4
) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    n = x.size
    E = (np.eye(n) * h).reshape(n, *x.shape)  # E[i] = h e_i, shaped like x
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            # d2f/dx_i dx_j ~ [f(+i+j) - f(+i-j) - f(-i+j) + f(-i-j)] / 4h^2
            H[i, j] = (
                f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j]) + f(x - E[i] - E[j])
            ) / (4 * h * h)
            H[j, i] = H[i, j]  # mixed partials commute: the Hessian is symmetric
    return H
