# expect: exercise=derivative hint=central_difference_factor_2
# derivative divides the central difference by h instead of 2h.
"""Module 1: derivatives and the price optimizer."""


def derivative(f, x, h=1e-5):
    """Estimate of f'(x)."""
    return (f(x + h) - f(x - h)) / h


def profit(price, unit_cost, base_demand, price_sensitivity):
    """Profit = margin per unit * units sold; works elementwise on arrays."""
    return (price - unit_cost) * (base_demand - price_sensitivity * price)


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price by the product rule."""
    return (base_demand - price_sensitivity * price) - price_sensitivity * (price - unit_cost)


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
