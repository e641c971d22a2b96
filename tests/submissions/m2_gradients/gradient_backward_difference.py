# expect: exercise=numerical_gradient hint=one_sided_difference_backward
# numerical_gradient takes the backward difference (f(x) - f(x - h e_i)) / h, off by O(h).
"""Module 2: gradients for price and ad spend."""

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    x = np.array(x, dtype=float)  # private copy: the caller's array is never touched
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f(x) - f_minus) / h  # backward difference
    return grad


def business_profit(params, unit_cost, base_demand, price_sensitivity, ad_effect):
    price, ad_spend = params[0], params[1]
    units = base_demand - price_sensitivity * price + ad_effect * np.sqrt(ad_spend)
    return (price - unit_cost) * units - ad_spend


def business_profit_gradient(params, unit_cost, base_demand, price_sensitivity, ad_effect):
    price, ad_spend = float(params[0]), float(params[1])
    units = base_demand - price_sensitivity * price + ad_effect * np.sqrt(ad_spend)
    d_price = units - price_sensitivity * (price - unit_cost)
    d_ad = (price - unit_cost) * ad_effect / (2 * np.sqrt(ad_spend)) - 1.0
    return np.array([d_price, d_ad])


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    x = np.array(x0, dtype=float)
    for _ in range(max_steps):
        g = np.asarray(grad_fn(x), dtype=float)
        if np.linalg.norm(g) < tol:
            break
        x = x + lr * g
    return x


def directional_derivative(grad, direction):
    grad = np.asarray(grad, dtype=float)
    direction = np.asarray(direction, dtype=float)
    return float(np.dot(grad, direction) / np.linalg.norm(direction))


def numerical_jacobian(f, x, h=1e-5):
    """(m, n) matrix of central differences of f: R^n -> R^m."""
    x = np.array(x, dtype=float)
    n = x.size
    columns = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        f_plus = np.atleast_1d(np.asarray(f(x + e), dtype=float))
        f_minus = np.atleast_1d(np.asarray(f(x - e), dtype=float))
        columns.append((f_plus - f_minus) / (2 * h))
    return np.stack(columns, axis=1)


def numerical_hessian(f, x, h=1e-4):
    """(n, n) symmetric matrix of second derivatives of scalar f."""
    x = np.array(x, dtype=float)
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = h
        for j in range(i, n):
            ej = np.zeros(n)
            ej[j] = h
            H[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h
            )
            H[j, i] = H[i, j]
    return H
