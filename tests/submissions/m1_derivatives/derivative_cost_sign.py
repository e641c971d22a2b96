# expect: exercise=profit_derivative hint=derivative_sign
# profit_derivative in expanded form a - s*c - 2*s*p: the unit_cost term has the wrong sign.
"""Module 1: derivatives and the price optimizer."""


def derivative(f, x, h=1e-5):
    """Central-difference estimate of f'(x)."""
    return (f(x + h) - f(x - h)) / (2 * h)


def profit(price, unit_cost, base_demand, price_sensitivity):
    """Profit = margin per unit * units sold; works elementwise on arrays."""
    return (price - unit_cost) * (base_demand - price_sensitivity * price)


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price."""
    return base_demand - price_sensitivity * unit_cost - 2 * price_sensitivity * price


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Maximize a smooth unimodal profit_fn on [low, high] by bisection on its derivative."""
    low, high = float(low), float(high)
    if derivative(profit_fn, low) <= 0:
        return low
    if derivative(profit_fn, high) >= 0:
        return high
    while high - low > tol:
        mid = (low + high) / 2
        if derivative(profit_fn, mid) > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2
