"""Derivatives of one variable: central differences, a profit model and its best price."""

from collections.abc import Callable

import numpy as np


def derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    # f'(x) ~ (f(x + h) - f(x - h)) / 2h, error O(h^2)
    return float((f(x + h) - f(x - h)) / (2 * h))


def profit(
    price: float | np.ndarray, unit_cost: float, base_demand: float, price_sensitivity: float
) -> float | np.ndarray:
    # profit = margin * units = (p - c) * (a - s p)
    return (price - unit_cost) * (base_demand - price_sensitivity * price)


def profit_derivative(
    price: float | np.ndarray, unit_cost: float, base_demand: float, price_sensitivity: float
) -> float | np.ndarray:
    # d/dp (p - c)(a - s p) = (a - s p) + (p - c)(-s)   (product rule)
    return (base_demand - price_sensitivity * price) - price_sensitivity * (price - unit_cost)


def optimal_price(
    profit_fn: Callable[[float], float], low: float, high: float, tol: float = 1e-6
) -> float:
    def slope(p: float) -> float:
        return derivative(profit_fn, p, h=1e-5 * max(1.0, abs(p)))

    # unimodal: the maximum is where f' changes sign from + to -, or on an edge
    if slope(low) <= 0:
        return float(low)
    if slope(high) >= 0:
        return float(high)
    # bisection on f': keep f'(low) > 0 > f'(high)
    while high - low > tol / 4:
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        if slope(mid) > 0:
            low = mid
        else:
            high = mid
    return float(0.5 * (low + high))
