# expect: exercise=optimal_price hint=optimal_price_no_search
# optimal_price's bisection loop tests lo - hi > tol, which is never true, so it returns the middle of [low, high].


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
    while lo - hi > tol:
        mid = 0.5 * (lo + hi)
        if _slope_at(profit_fn, mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
