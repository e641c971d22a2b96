# expect: exercise=profit hint=profit_modifies_prices
# profit subtracts the cost in place (price -= unit_cost), which changes the caller's array of prices.
"""Module 1: derivatives and the price optimizer."""


def derivative(f, x, h=1e-5):
    """Central-difference estimate of f'(x)."""
    return (f(x + h) - f(x - h)) / (2 * h)


def profit(price, unit_cost, base_demand, price_sensitivity):
    """Profit = margin per unit * units sold."""
    units = base_demand - price_sensitivity * price
    price -= unit_cost
    return price * units


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
