# expect: exercise=optimal_price hint=optimal_price_end_test
# optimal_price decides about the ends by comparing the profit at an end with the profit 0.5 further in, so it returns an end when the peak is just inside the interval.


def _slope_at(f, x, h=1e-3):
    return (f(x + h) - f(x - h)) / (2 * h)


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Maximize a smooth unimodal profit_fn on [low, high] by bisection on its derivative."""
    low, high = float(low), float(high)
    if profit_fn(low + 0.5) <= profit_fn(low):  # profit falls from low: the peak is low
        return low
    if profit_fn(high - 0.5) <= profit_fn(high):  # profit rises up to high: the peak is high
        return high
    lo, hi = low, high
    while hi - lo > tol / 4:
        mid = 0.5 * (lo + hi)
        if _slope_at(profit_fn, mid) > 0:
            lo = mid
        else:
            hi = mid
    return min(max(0.5 * (lo + hi), low), high)
