# expect: exercise=profit_derivative hint=derivative_missing_cost
# profit_derivative differentiates price * (base_demand - price_sensitivity * price) only, dropping the unit_cost term.


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price by the product rule."""
    return base_demand - 2 * price_sensitivity * price
