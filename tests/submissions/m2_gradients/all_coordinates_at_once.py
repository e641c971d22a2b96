# expect: exercise=numerical_gradient hint=all_coordinates_at_once
# numerical_gradient shifts the whole x by h at once and copies that single difference quotient into every component.

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at an array x of any shape."""
    x = np.array(x, dtype=float)
    slope = (f(x + h) - f(x - h)) / (2 * h)
    return np.full_like(x, slope)
