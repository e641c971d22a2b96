# expect: full-marks
# derivative is a lambda that returns np.float64; profit_derivative is written in expanded form.

import numpy as np

derivative = lambda f, x, h=1e-5: np.float64((f(x + h) - f(x - h)) / (2 * h))  # noqa: E731


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price, expanded: a + s*c - 2*s*p."""
    return base_demand + price_sensitivity * unit_cost - 2 * price_sensitivity * price
