# expect: exercise=profit_derivative hint=derivative_product_rule
# profit_derivative keeps only u'*v = units sold, forgetting the u*v' term of the product rule.


def profit_derivative(price, unit_cost, base_demand, price_sensitivity):
    """d profit / d price."""
    return base_demand - price_sensitivity * price
