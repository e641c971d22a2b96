# %% [markdown]
# # Module 0 — Can you start?
#
# Before the calculus begins, two quick self-checks on what the course builds on:
# the **slope** of a straight line, and the **dot product** of two vectors.
#
# - The slope of the line through (1, 3) and (4, 9) is **2**.
# - The dot product of [1, 2, 3] and [4, 5, 6] is **32**.
#
# If both feel familiar, write the two small functions below and run the checks.
# If not, revise slopes, vectors and NumPy arrays first: everything later is built
# from these two ideas.

# %%
import numpy as np

from calcgrade import check

# %% [markdown]
# ## 1. The slope of a line
#
# The slope says how much a line goes **up** for every step **to the right**:
#
# $$\text{slope} = \frac{\text{rise}}{\text{run}} = \frac{y_2 - y_1}{x_2 - x_1}.$$
#
# From (1, 3) to (4, 9) the line rises 6 while it runs 3, so its slope is 6 / 3 = 2.
# A vertical line (`x1 == x2`) has no slope: the run is zero, and your function
# must say so by raising `ValueError` instead of dividing by zero.
#
# In module 1 the slope of a *curve* at a point — the derivative — is exactly this
# rise over run, taken between two points that are very close together.


# %%
def slope(p1, p2):
    """Slope of the line through the points p1 = (x1, y1) and p2 = (x2, y2).

    Returns (y2 - y1) / (x2 - x1) as a float. Raises ValueError when x1 == x2
    (a vertical line has no slope).
    """
    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("return rise / run; raise ValueError when x1 == x2")
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        raise ValueError(f"x1 == x2 == {x1}: a vertical line has no slope")
    return float((y2 - y1) / (x2 - x1))
    ### END SOLUTION


# %%
check("m0_readiness", globals(), exercise="slope")

# %% [markdown]
# ## 2. The dot product
#
# The dot product multiplies two vectors position by position and adds up the
# products:
#
# $$a \cdot b = a_1 b_1 + a_2 b_2 + \dots + a_n b_n.$$
#
# For [1, 2, 3] and [4, 5, 6]: 1·4 + 2·5 + 3·6 = 4 + 10 + 18 = 32. A neuron
# computes exactly this — inputs times weights, summed — so it is worth writing
# once by hand. Use a loop (no `np.dot`, no `@`), and raise `ValueError` when the
# two sequences have different lengths.


# %%
def dot(a, b):
    """Dot product of two equal-length 1-D sequences, without np.dot or @.

    Returns sum(a[i] * b[i]) as a float. Raises ValueError when the lengths differ.
    """
    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("loop over both sequences, add up a[i] * b[i]; ValueError on length mismatch")
    if len(a) != len(b):
        raise ValueError(f"lengths differ: len(a) = {len(a)}, len(b) = {len(b)}")
    total = 0.0
    for a_i, b_i in zip(a, b):
        total += a_i * b_i
    return float(total)
    ### END SOLUTION


# %%
check("m0_readiness", globals(), exercise="dot")

# %% [markdown]
# NumPy computes the same number with `np.dot`; from module 1 on you may use it
# freely:

# %%
np.dot([1, 2, 3], [4, 5, 6])
