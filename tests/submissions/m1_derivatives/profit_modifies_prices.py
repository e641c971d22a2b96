# expect: exercise=profit hint=profit_modifies_prices
# profit subtracts the cost in place (price -= unit_cost), which changes the caller's array of prices.


def profit(price, unit_cost, base_demand, price_sensitivity):
    """Profit = margin per unit * units sold."""
    units = base_demand - price_sensitivity * price
    price -= unit_cost
    return price * units
