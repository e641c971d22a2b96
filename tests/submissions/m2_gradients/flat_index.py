# expect: full-marks
# numerical_gradient perturbs a flattened copy by flat index and reshapes each probe back; jacobian/hessian are built with np.eye columns.
"""Module 2: gradients for price and ad spend."""

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    shape = np.shape(x)
    flat = np.asarray(x, dtype=float).flatten()  # flatten() always copies
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        probe = flat.copy()
        probe[i] += h
        f_plus = f(probe.reshape(shape))
        probe[i] -= 2 * h
        f_minus = f(probe.reshape(shape))
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(shape)


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
    steps = np.eye(x.size) * h
    columns = [
        (np.atleast_1d(f(x + e)).astype(float) - np.atleast_1d(f(x - e)).astype(float)) / (2 * h)
        for e in steps
    ]
    return np.column_stack(columns)


def numerical_hessian(f, x, h=1e-4):
    """(n, n) symmetric matrix of second derivatives of scalar f."""
    x = np.array(x, dtype=float)
    E = np.eye(x.size) * h
    H = np.array(
        [
            [
                (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
                for ej in E
            ]
            for ei in E
        ]
    )
    return 0.5 * (H + H.T)
