# expect: exercise=optimal_price hint=optimal_price_interval
# optimal_price bisects on the slope over a fixed range [0, 1000], ignoring low and high.
"""Module 1: derivatives and the price optimizer."""


def derivative(f, x, h=1e-5):
    """Central-difference estimate of f'(x)."""
    return (f(x + h) - f(x - h)) / (2 * h)


def profit(price, unit_cost, base_demand, price_sensitivity):
    """Profit = margin per unit * units sold; works elementwise on arrays."""
    return (price - unit_cost) * (base_demand - price_sensitivity * price)


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price by the product rule."""
    return (base_demand - price_sensitivity * price) - price_sensitivity * (price - unit_cost)


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Bisection on the sign of the derivative."""
    lo, hi = 0.0, 1000.0
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if derivative(profit_fn, mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
