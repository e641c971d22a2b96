# expect: exercise=derivative hint=precedence_slip
# derivative writes (f(x+h) - f(x-h)) / 2*h, which multiplies by h instead of dividing by 2h.


def derivative(f, x, h=1e-5):
    """Central-difference estimate of f'(x)."""
    return (f(x + h) - f(x - h)) / 2 * h
