# expect: exercise=derivative hint=default_h
# derivative's default step is h=1e-4, ten times the contract's 1e-5 (the value moves too little to show).


def derivative(f, x, h=1e-4):
    """Central-difference estimate of f'(x)."""
    return (f(x + h) - f(x - h)) / (2 * h)
