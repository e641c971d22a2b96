# expect: exercise=derivative hint=forward_difference
# derivative uses the one-sided backward difference (f(x) - f(x - h)) / h (its optimizer has its own central slope).


def derivative(f, x, h=1e-5):
    """Estimate of f'(x)."""
    return (f(x) - f(x - h)) / h


def _slope(f, p, h=1e-4):
    return (f(p + h) - f(p - h)) / (2 * h)


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Maximize a smooth unimodal profit_fn on [low, high] by bisection on its slope."""
    low, high = float(low), float(high)
    if _slope(profit_fn, low) <= 0:
        return low
    if _slope(profit_fn, high) >= 0:
        return high
    while high - low > tol:
        mid = (low + high) / 2
        if _slope(profit_fn, mid) > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2
