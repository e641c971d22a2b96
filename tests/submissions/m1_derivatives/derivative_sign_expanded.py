# expect: exercise=profit_derivative hint=derivative_sign
# profit_derivative in expanded form a + s*c + 2*s*p: the sign of the price_sensitivity * price term is flipped.


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price by the product rule."""
    return base_demand + price_sensitivity * unit_cost + 2 * price_sensitivity * price
