# expect: exercise=optimal_price hint=optimal_price_search_outside
# optimal_price's bisection computes the midpoint as lo + (lo - hi) / 2 (the difference reversed), a point left of the interval, so the search runs away from [low, high].


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
        mid = lo + (lo - hi) / 2
        if _slope_at(profit_fn, mid) > 0:
            lo = mid
        else:
            hi = mid
    return min(max(0.5 * (lo + hi), low), high)
