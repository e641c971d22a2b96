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


def _slope_at(f, x, h=1e-3):
    return (f(x + h) - f(x - h)) / (2 * h)


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Maximize a smooth unimodal profit_fn on [low, high] by bisection on its derivative."""
    x = 0.5 * (float(low) + float(high))
    h = 1e-4
    for _ in range(100):
        d1 = _slope_at(profit_fn, x)
        d2 = (profit_fn(x + h) - 2 * profit_fn(x) + profit_fn(x - h)) / (h * h)
        step = d1 / d2
        x = x - step
        if abs(step) < tol / 10:
            break
    return float(x)
