# expect: exercise=business_profit_gradient hint=margin_wrong
# business_profit_gradient computes the margin as price + unit_cost and uses it in both components.

import numpy as np


def business_profit_gradient(params, unit_cost, base_demand, price_sensitivity, ad_effect):
    price, ad_spend = float(params[0]), float(params[1])
    units = base_demand - price_sensitivity * price + ad_effect * np.sqrt(ad_spend)
    margin = price + unit_cost
    d_price = units - price_sensitivity * margin
    d_ad = margin * ad_effect / (2 * np.sqrt(ad_spend)) - 1.0
    return np.array([d_price, d_ad])
