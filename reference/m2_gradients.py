"""Gradients of many variables: finite differences, a two-knob profit model, gradient ascent."""

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    ``x`` is an array of any shape (a vector, a matrix, ...). Entry ``i`` of the
    result is ``(f(x + h e_i) - f(x - h e_i)) / (2 * h)``, one coordinate at a
    time, with the step ``h`` the caller gives (default ``1e-5``). Returns a float
    array of ``x``'s shape. ``x`` is unchanged afterwards.
    """
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
    """Profit from a price and an ad spend, ``params = [price, ad_spend]``.

    ``units = base_demand - price_sensitivity * price + ad_effect * sqrt(ad_spend)``;
    returns the float ``(price - unit_cost) * units - ad_spend``.
    """
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
    """The analytic gradient of ``business_profit`` with respect to ``params = [price, ad_spend]``.

    Same arguments as ``business_profit``; returns a float array of shape ``(2,)``:
    the derivative with respect to the price, then with respect to the ad spend.
    """
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
    """Gradient ascent from ``x0``: repeat ``x = x + lr * grad_fn(x)``.

    Stops when ``norm(grad_fn(x)) < tol``, tested before each step, or after
    ``max_steps`` steps, whichever comes first. Returns the final ``x`` (a float
    array of ``x0``'s shape); ``x0`` is left unchanged.
    """
    x = np.array(x0, dtype=np.float64)
    for _ in range(max_steps):
        g = np.asarray(grad_fn(x), dtype=np.float64)
        if np.linalg.norm(g) < tol:  # stop at a flat point, tested before each step
            break
        x = x + lr * g  # uphill: x <- x + lr grad f(x)
    return x


def directional_derivative(grad: np.ndarray, direction: np.ndarray) -> float:
    """The rate of change along ``direction``: ``grad · direction / norm(direction)``.

    ``grad`` is a gradient and ``direction`` a nonzero vector of the same shape, not
    necessarily of unit length. Returns a float.
    """
    grad = np.asarray(grad, dtype=np.float64)
    u = np.asarray(direction, dtype=np.float64)
    # D_u f = grad f . u / |u|
    return float(np.sum(grad * u) / np.linalg.norm(u))


def numerical_jacobian(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """*Going deeper.* The Jacobian of ``f: R^n -> R^m`` at ``x``, by central differences.

    Returns the ``(m, n)`` matrix whose entry ``(i, j)`` is the derivative of output
    ``i`` with respect to input ``j``: column ``j`` is
    ``(f(x + h e_j) - f(x - h e_j)) / (2 * h)`` (default ``h=1e-5``).
    """
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
    """*Going deeper.* The Hessian of the scalar function ``f`` at ``x``, by central differences.

    Returns the ``(n, n)`` symmetric matrix of second derivatives
    ``d2f / (dx_i dx_j)``, where ``n = x.size`` (default step ``h=1e-4``).
    """
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
