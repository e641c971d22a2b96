# expect: full-marks
# optimal_price evaluates profit_fn on whole arrays of prices: a coarse grid, then finer and finer grids around the best point.

import numpy as np


def optimal_price(profit_fn, low, high, tol=1e-6):
    """Grid search on [low, high], refined around the best grid point until finer than tol."""
    a, b = float(low), float(high)
    best = a
    while True:
        grid = np.linspace(a, b, 41)
        values = np.asarray(profit_fn(grid))
        i = int(np.argmax(values))
        best = float(grid[i])
        step = grid[1] - grid[0]
        if step < tol / 10:
            break
        a, b = max(float(low), best - step), min(float(high), best + step)
    # slope-based polish: near the top, values alone cannot resolve tiny steps
    if float(low) < best < float(high):
        s = 1e-3
        f_minus, f_mid, f_plus = profit_fn(best - s), profit_fn(best), profit_fn(best + s)
        curvature = f_plus - 2 * f_mid + f_minus
        if curvature < 0:
            best = best + 0.5 * s * (f_minus - f_plus) / curvature
    return float(min(max(best, float(low)), float(high)))
