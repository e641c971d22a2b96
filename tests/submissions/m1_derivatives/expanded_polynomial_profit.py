# expect: full-marks
# profit and profit_derivative are expanded polynomials (different rounding near zeros), derivative multiplies by 0.5 / h and returns a 0-d array.

import numpy as np


def derivative(f, x, h=1e-5):
    """Central-difference estimate of f'(x)."""
    return np.asarray(0.5 * (f(x + h) - f(x - h)) / h)


def profit(price, unit_cost, base_demand, price_sensitivity):
    """Profit, expanded: -s*p**2 + (a + s*c)*p - a*c."""
    p = np.asarray(price, dtype=float)
    value = -price_sensitivity * p**2 + (base_demand + price_sensitivity * unit_cost) * p
    return value - base_demand * unit_cost


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price, expanded: -2*s*p + a + s*c."""
    return -2 * price_sensitivity * price + base_demand + price_sensitivity * unit_cost
