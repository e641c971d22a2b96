# expect: exercise=profit_derivative hint=derivative_sign
# profit_derivative negates the units-sold term of the product rule, -(base_demand - s*p) - s*(p - c), as if d(margin)/d(price) were -1.


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price by the product rule."""
    units = base_demand - price_sensitivity * price
    margin = price - unit_cost
    return -units - price_sensitivity * margin
