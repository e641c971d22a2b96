# expect: full-marks
# optimal_price runs a safeguarded Newton iteration with the student's own derivative (f' and f'' both numerical), then keeps the best of the stationary point and the two ends.


def derivative(f, x, h=1e-5):
    """Central-difference estimate of f'(x)."""
    return (f(x + h) - f(x - h)) / (2 * h)


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Newton's method on f'(p) = 0 inside a bracket, then the best of {low, high, p}."""
    low, high = float(low), float(high)

    def slope(p):
        return derivative(profit_fn, p, 1e-4)

    candidates = [low, high]
    if slope(low) > 0 > slope(high):
        lo, hi = low, high  # f'(lo) > 0 > f'(hi)
        p = (lo + hi) / 2
        while hi - lo > tol / 4:
            d1 = slope(p)
            if d1 > 0:
                lo = p
            else:
                hi = p
            d2 = derivative(slope, p, 1e-3)
            p_new = p - d1 / d2 if d2 < 0 else (lo + hi) / 2
            if not lo < p_new < hi:
                p_new = (lo + hi) / 2
            if abs(p_new - p) < tol / 10:
                p = p_new
                break
            p = p_new
        candidates.append(p)
    return max(candidates, key=profit_fn)
