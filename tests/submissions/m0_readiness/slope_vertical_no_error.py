# expect: exercise=slope hint=slope_vertical_no_error
# slope has no vertical-line check, so x1 == x2 raises ZeroDivisionError (or gives inf/nan for NumPy floats) instead of ValueError.


def slope(p1, p2):
    """Slope of the line through p1 = (x1, y1) and p2 = (x2, y2)."""
    (x1, y1), (x2, y2) = p1, p2
    return (y2 - y1) / (x2 - x1)
