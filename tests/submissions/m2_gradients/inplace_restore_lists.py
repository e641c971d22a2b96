# expect: full-marks
# numerical_gradient nudges the caller's own array in place and restores it by arithmetic (+h, -2h, +h); other functions return lists and call grad_fn twice per step.
"""Module 2: gradients for price and ad spend."""

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    x = np.asarray(x, dtype=float)  # no copy: the caller's array, put back afterwards
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        x[idx] += h
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def business_profit(params, unit_cost, base_demand, price_sensitivity, ad_effect):
    price, ad_spend = params
    margin = price - unit_cost
    return (
        margin * base_demand
        - margin * price_sensitivity * price
        + margin * ad_effect * ad_spend**0.5
        - ad_spend
    )


def business_profit_gradient(params, unit_cost, base_demand, price_sensitivity, ad_effect):
    price, ad_spend = params
    d_price = (
        base_demand
        - 2 * price_sensitivity * price
        + price_sensitivity * unit_cost
        + ad_effect * np.sqrt(ad_spend)
    )
    d_ad = 0.5 * (price - unit_cost) * ad_effect * ad_spend**-0.5 - 1
    return [d_price, d_ad]


def gradient_ascent(grad_fn, x0, lr=0.01, max_steps=10000, tol=1e-8):
    x = np.array(x0, dtype=float)
    for _ in range(max_steps):
        if np.sqrt(np.sum(np.asarray(grad_fn(x)) ** 2)) < tol:
            return x.tolist()
        x = x + lr * np.asarray(grad_fn(x))
    grad_fn(x)  # one more look at the final point (harmless)
    return x.tolist()


def directional_derivative(grad, direction):
    unit = np.asarray(direction) / np.linalg.norm(direction)
    return np.sum(np.asarray(grad) * unit)


def numerical_jacobian(f, x, h=1e-5):
    """(m, n) matrix of central differences of f: R^n -> R^m."""
    x = np.asarray(x, dtype=float)
    m = np.size(f(x))
    J = np.zeros((m, x.size))
    for j in range(x.size):
        x[j] += h
        f_plus = np.asarray(f(x), dtype=float).ravel()
        x[j] -= 2 * h
        f_minus = np.asarray(f(x), dtype=float).ravel()
        x[j] += h
        J[:, j] = (f_plus - f_minus) / (2 * h)
    return J


def numerical_hessian(f, x, h=1e-4):
    """(n, n) matrix of second derivatives of scalar f; every entry computed, diagonal by the 3-point rule."""
    x = np.array(x, dtype=float)
    n = x.size
    f0 = f(x)
    H = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ei[i] = h
            ej = np.zeros(n)
            ej[j] = h
            if i == j:
                H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h**2
            else:
                H[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                    4 * h * h
                )
    return H
