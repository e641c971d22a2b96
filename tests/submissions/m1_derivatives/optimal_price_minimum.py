# expect: exercise=optimal_price hint=optimal_price_minimum
# optimal_price finds the stationary point but then picks the candidate with the LOWEST profit, returning the argmin on [low, high].


def _slope_at(f, x, h=1e-3):
    return (f(x + h) - f(x - h)) / (2 * h)


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Maximize a smooth unimodal profit_fn on [low, high] by bisection on its derivative."""
    low, high = float(low), float(high)
    candidates = [low, high]
    if _slope_at(profit_fn, low) > 0 > _slope_at(profit_fn, high):
        lo, hi = low, high
        while hi - lo > tol / 4:
            mid = 0.5 * (lo + hi)
            if _slope_at(profit_fn, mid) > 0:
                lo = mid
            else:
                hi = mid
        candidates.append(0.5 * (lo + hi))
    return float(min(candidates, key=profit_fn))
