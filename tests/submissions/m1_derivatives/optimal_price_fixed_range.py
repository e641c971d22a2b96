# expect: exercise=optimal_price hint=optimal_price_interval
# optimal_price bisects on the slope over a fixed range [0, 1000], ignoring low and high.


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Bisection on the sign of the derivative."""
    lo, hi = 0.0, 1000.0
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if derivative(profit_fn, mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
