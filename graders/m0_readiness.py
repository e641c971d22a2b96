"""Grader for m0_readiness: the slope of a line and a hand-written dot product."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from calcgrade import (
    CheckFailure,
    Context,
    Grader,
    StudentError,
    Submission,
    as_float,
    mismatch,
    require,
    uses_in,
)

HINTS = {
    "slope_vertical_no_error": (
        "A vertical line (x1 == x2) has no slope: check for it before dividing and "
        "`raise ValueError(...)` with a short explanation."
    ),
    "dot_numpy_product": (
        "This exercise asks you to compute the dot product yourself: multiply the "
        "entries position by position in a loop and add them up. np.dot, @ and the "
        "like are for module 1 on."
    ),
    "dot_length_mismatch": (
        "Your dot does not check that the lengths match: zip() silently stops at the shorter "
        "sequence, and indexing past its end raises IndexError. Compare len(a) and len(b) "
        "first and `raise ValueError(...)` when they differ."
    ),
    "dot_not_accumulated": (
        "Your dot returns only the last product a[-1] * b[-1]: `total = a_i * b_i` replaces "
        "the running total at every step. Add each product to it: `total += a_i * b_i`."
    ),
    "dot_sign": (
        "Your dot is the dot product with the opposite sign: there is a minus sign too many, "
        "where the products are added up (`total -= ...`) or on the result. The dot product "
        "adds the products up, `total += a_i * b_i` from 0, and returns that total."
    ),
}

grader = Grader("m0_readiness", HINTS)


def expect_value_error(
    sub: Submission, name: str, args: tuple[object, ...], hint: str, symptoms: tuple[str, ...]
) -> None:
    """The call must raise ValueError. A value returned, or one of the exceptions of
    ``symptoms`` (what the operation the missing check guards raises), fails with ``hint``;
    any other exception says where it was raised, with no hint: the code is broken in
    another way (a name it does not define, an operation on the wrong type)."""
    shown = ", ".join(repr(a) for a in args)
    try:
        got = sub.call(name, *args)
    except StudentError as error:
        if error.not_implemented:
            raise
        if error.type_name == "ValueError":
            return
        where = error.where()
        raised = f"{name}({shown}) raised {error.type_name}"
        if error.type_name in symptoms:
            raise CheckFailure(f"{raised}, expected ValueError", hint=hint) from None
        raise CheckFailure(
            f"{raised}{f' ({where})' if where else ''}, expected ValueError"
        ) from None
    raise CheckFailure(f"{name}({shown}) returned {got!r}, expected a ValueError", hint=hint)


@grader.check("slope-course-example", exercise="slope")
def slope_example(sub: Submission, ctx: Context) -> None:
    """slope((1, 3), (4, 9)) is 2"""
    got = as_float(sub.call("slope", (1, 3), (4, 9)), "slope((1, 3), (4, 9))")
    require(mismatch(got, 2.0, "slope((1, 3), (4, 9))", ctx.analytic))


@grader.check("slope-hidden-points", exercise="slope")
def slope_hidden(sub: Submission, ctx: Context) -> None:
    """slope matches (y2 - y1) / (x2 - x1) on hidden points"""
    for _ in range(4):
        x1, y1, x2, y2 = ctx.rng.uniform(-10, 10, size=4)
        got = as_float(sub.call("slope", (x1, y1), (x2, y2)), "slope(p1, p2)")
        expected = ctx.reference.slope((x1, y1), (x2, y2))
        require(mismatch(got, expected, "slope(p1, p2)", ctx.analytic))


@grader.check("slope-vertical-line", exercise="slope")
def slope_vertical(sub: Submission, ctx: Context) -> None:
    """slope raises ValueError for a vertical line"""
    expect_value_error(
        sub,
        "slope",
        ((2.0, 1.0), (2.0, 5.0)),
        "slope_vertical_no_error",
        ("ZeroDivisionError", "FloatingPointError"),
    )


def dot_mistakes(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray
) -> dict[str, float]:
    """What the common wrong loops give: the last product only (``total = ...`` instead of
    ``total += ...``), and the products subtracted."""
    products = [float(x) * float(y) for x, y in zip(a, b, strict=True)]
    return {"dot_not_accumulated": products[-1], "dot_sign": -sum(products)}


@grader.check("dot-course-example", exercise="dot")
def dot_example(sub: Submission, ctx: Context) -> None:
    """dot([1, 2, 3], [4, 5, 6]) is 32"""
    got = as_float(sub.call("dot", [1, 2, 3], [4, 5, 6]), "dot([1, 2, 3], [4, 5, 6])")
    mistakes = dot_mistakes([1, 2, 3], [4, 5, 6])
    require(mismatch(got, 32.0, "dot([1, 2, 3], [4, 5, 6])", ctx.analytic, mistakes=mistakes))


@grader.check("dot-hidden-vectors", exercise="dot")
def dot_hidden(sub: Submission, ctx: Context) -> None:
    """dot matches the sum of products on hidden vectors, as lists and as arrays"""
    for length in (1, 5, 17):
        a, b = ctx.rng.normal(size=length), ctx.rng.normal(size=length)
        expected = ctx.reference.dot(a, b)
        for shown, (left, right) in (("lists", (a.tolist(), b.tolist())), ("arrays", (a, b))):
            got = as_float(sub.call("dot", left, right), f"dot(a, b) of two {shown}")
            what = f"dot(a, b) of two {shown}"
            mistakes = dot_mistakes(a, b)
            require(mismatch(got, expected, what, ctx.analytic, mistakes=mistakes))


@grader.check("dot-length-mismatch", exercise="dot")
def dot_mismatch(sub: Submission, ctx: Context) -> None:
    """dot raises ValueError for sequences of different lengths"""
    symptoms = ("IndexError",)  # a loop over range(len(a)) reads past the end of b
    expect_value_error(sub, "dot", ([1.0, 2.0, 3.0], [4.0, 5.0]), "dot_length_mismatch", symptoms)
    expect_value_error(sub, "dot", (np.ones(2), np.ones(4)), "dot_length_mismatch", symptoms)


NUMPY_PRODUCTS = ("dot", "matmul", "inner", "vdot", "einsum", "tensordot")


@grader.check("dot-by-hand", exercise="dot")
def dot_by_hand(sub: Submission, ctx: Context) -> None:
    """dot (and what it calls) computes the product itself: no np.dot, @, np.matmul..."""
    sub.call("dot", [1.0, 2.0], [3.0, 4.0])  # a stub's NotImplementedError ends the check here
    uses = uses_in(sub.cells, "dot", NUMPY_PRODUCTS)
    if uses:
        raise CheckFailure(
            "dot must compute the product itself, without NumPy's products or @:\n  "
            + "\n  ".join(f"{use.place} uses {use.name}" for use in uses[:5]),
            hint="dot_numpy_product",
        )
