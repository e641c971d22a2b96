# expect: exercise=business_profit_gradient hint=components_swapped
# business_profit_gradient returns [d/d_ad_spend, d/d_price] instead of [d/d_price, d/d_ad_spend].

import numpy as np


def business_profit_gradient(params, unit_cost, base_demand, price_sensitivity, ad_effect):
    price, ad_spend = float(params[0]), float(params[1])
    units = base_demand - price_sensitivity * price + ad_effect * np.sqrt(ad_spend)
    d_price = units - price_sensitivity * (price - unit_cost)
    d_ad = (price - unit_cost) * ad_effect / (2 * np.sqrt(ad_spend)) - 1.0
    return np.array([d_ad, d_price])
