"""Only derivative done; the file then crashes at top level."""

def derivative(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)

print(derivative(lambda x: x ** 2, 3.0))
profit(1, 2, 3, 4)  # called before it is defined
