# expect: exercise=profit_derivative hint=derivative_sign
# profit_derivative in expanded form a - s*c - 2*s*p: the unit_cost term has the wrong sign.


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price."""
    return base_demand - price_sensitivity * unit_cost - 2 * price_sensitivity * price
