# expect: exercise=profit_derivative hint=derivative_sign
# profit_derivative takes d(demand)/d(price) as +price_sensitivity, so the price_sensitivity term of the product rule has the wrong sign.


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price by the product rule."""
    return (base_demand - price_sensitivity * price) + price_sensitivity * (price - unit_cost)
