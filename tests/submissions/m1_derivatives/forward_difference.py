# expect: exercise=derivative hint=forward_difference
# derivative uses the forward difference (f(x+h) - f(x)) / h instead of the central difference.


def derivative(f, x, h=1e-5):
    """Central-difference estimate of f'(x)."""
    return (f(x + h) - f(x)) / h


def _slope_at(f, x, h=1e-3):
    return (f(x + h) - f(x - h)) / (2 * h)


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Maximize a smooth unimodal profit_fn on [low, high] by bisection on its derivative."""
    low, high = float(low), float(high)
    if _slope_at(profit_fn, low) <= 0:
        return low
    if _slope_at(profit_fn, high) >= 0:
        return high
    lo, hi = low, high
    while hi - lo > tol / 4:
        mid = 0.5 * (lo + hi)
        if _slope_at(profit_fn, mid) > 0:
            lo = mid
        else:
            hi = mid
    return min(max(0.5 * (lo + hi), low), high)
