# expect: exercise=optimal_price hint=optimal_price_minimum
# optimal_price bisects with the update reversed (keeps the half where the slope goes DOWN), so it walks to a minimum.
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
    low, high = float(low), float(high)
    while high - low > tol:
        mid = (low + high) / 2
        if derivative(profit_fn, mid) > 0:
            high = mid
        else:
            low = mid
    return (low + high) / 2
