# expect: exercise=chain_rule hint=chain_rule_wrong_point
# chain_rule evaluates every derivative at the original x instead of at the input of its own link.


def chain_rule(fs, dfs, x):
    """Value and derivative of fs[-1](...fs[0](x)) at scalar x."""
    value, deriv = x, 1.0
    for f, df in zip(fs, dfs, strict=True):
        deriv = deriv * df(x)
        value = f(value)
    return value, deriv
