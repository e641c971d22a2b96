# expect: exercise=profit hint=factor_not_computed
# profit computes margin on its own line but leaves out the line units = base_demand - price_sensitivity * price, so it raises NameError.


def profit(price, unit_cost, base_demand, price_sensitivity):
    """Profit = margin per unit * units sold; works elementwise on arrays."""
    margin = price - unit_cost
    return margin * units
