# expect: exercise=derivative hint=central_difference_factor_2
# derivative divides the central difference by h instead of 2h.


def derivative(f, x, h=1e-5):
    """Estimate of f'(x)."""
    return (f(x + h) - f(x - h)) / h
