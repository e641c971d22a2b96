# expect: full-marks
# optimal_price runs a bracketed Newton iteration using numerical first AND second derivatives (nothing analytic).

import numpy as np


def _slope_at(f, x, h=1e-3):
    return (f(x + h) - f(x - h)) / (2 * h)


def _curvature_at(f, x, h=1e-4):
    return (f(x + h) - 2 * f(x) + f(x - h)) / (h * h)


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Newton's method on f' = 0 with numerical f' and f'', kept inside a sign bracket."""
    low, high = float(low), float(high)
    if _slope_at(profit_fn, low) <= 0:
        return low
    if _slope_at(profit_fn, high) >= 0:
        return high
    lo, hi = low, high  # invariant: f'(lo) > 0 > f'(hi)
    x = 0.5 * (lo + hi)
    for _ in range(200):
        d1 = _slope_at(profit_fn, x)
        if d1 > 0:
            lo = x
        else:
            hi = x
        d2 = _curvature_at(profit_fn, x)
        x_new = x - d1 / d2 if d2 < 0 else 0.5 * (lo + hi)
        if not lo < x_new < hi:
            x_new = 0.5 * (lo + hi)  # Newton left the bracket: bisect instead
        if abs(x_new - x) < tol / 10 or hi - lo < tol / 4:
            x = x_new
            break
        x = x_new
    return float(np.clip(x, low, high))
