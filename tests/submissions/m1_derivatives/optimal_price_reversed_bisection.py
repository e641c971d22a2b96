# expect: exercise=optimal_price hint=optimal_price_minimum
# optimal_price bisects with the update reversed (keeps the half where the slope goes DOWN), so it walks to a minimum.


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Bisection on the sign of the derivative."""
    low, high = float(low), float(high)
    while high - low > tol:
        mid = (low + high) / 2
        if derivative(profit_fn, mid) > 0:
            high = mid
        else:
            low = mid
    return (low + high) / 2
