# expect: exercise=directional_derivative hint=direction_not_normalised
# directional_derivative returns grad . direction without dividing by the length of direction.

import numpy as np


def directional_derivative(grad, direction):
    return float(np.dot(grad, direction))
