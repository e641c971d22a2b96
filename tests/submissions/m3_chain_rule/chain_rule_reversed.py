# expect: exercise=chain_rule hint=chain_rule_reversed
# chain_rule walks the lists from the end, computing fs[0](fs[1](...(x))) instead of fs[-1](...fs[0](x)).


def chain_rule(fs, dfs, x):
    """Value and derivative of fs[-1](...fs[0](x)) at scalar x."""
    value, deriv = x, 1.0
    for f, df in zip(reversed(fs), reversed(dfs), strict=True):
        deriv = deriv * df(value)
        value = f(value)
    return value, deriv
