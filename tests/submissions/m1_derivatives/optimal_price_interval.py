# expect: exercise=optimal_price hint=optimal_price_interval
# optimal_price runs Newton's method from the midpoint and returns the unconstrained stationary point, even when it lies outside [low, high].


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
