"""Relations between a wrong value and the expected one, checked on the numbers.

A wrong value is often the right one, transformed: transposed, off by a
constant factor (2, 1/2, -1, the size of an axis, the batch size, a factor the
grader names), with its components in another order, one step off in a
sequence, or what the same call returned the time before. These functions test
such relations in a fixed order, most specific first, and name the first one
that explains every entry within the comparison's tolerance. They never guess:
when no relation holds, or the values cannot tell relations apart (the expected
values all zero, a NaN, a single number for an arbitrary factor), the answer is
None.

A sentence names the relation and at most a factor's name or a small number
(2, 1/2, N = 8, the learning rate), never a value: it is shown in hidden checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from .checks import in_hidden_check
from .config import Tolerance
from .numerics import close

MAX_COMPONENTS = 16  # a 1-D vector longer than this is not "components"
MAX_ROWS = 64  # rows (or columns) compared pairwise for another order
MAX_PAIRWISE_ENTRIES = 1_000_000  # rows * rows * columns compared at most
MIN_ENTRIES_FOR_CONSTANT = 3  # nonzero entries an arbitrary factor must explain
WITHHELD_FACTOR = (
    "off by a constant factor c (its value is withheld in a hidden check): got = c * expected"
)
MAX_WHOLE = 1_000_000  # a larger constant factor is shown in significant digits

TRANSPOSED = "it looks transposed: got.T matches the expected values"
TRANSPOSED_SHAPE = (
    "it has the transposed shape, but got.T does not match the expected values either"
)
PREVIOUS = "it matches what the previous call returned, as if the state had not been updated"
SIGN = "the sign is flipped: got = -expected"


# What a pattern of right and wrong gradients of a two-layer network (W1, b1 -> hidden
# layer -> W2, b2) says about where backpropagation went wrong: ``explanations`` for
# ``blocks`` and the comparators (m3's mlp_loss_and_grads, m6's XORNetwork.gradients).
TWO_LAYER_BLOCKS = {
    frozenset({"W1", "b1"}): (
        "the error is in the backward pass before the output layer (the gradient sent back "
        "through W2, or the hidden activation's derivative)"
    ),
    frozenset({"W1"}): "the error is in the first layer's weight gradient (X.T @ dZ1)",
    frozenset({"b1"}): "the error is in the first layer's bias gradient (dZ1 summed over rows)",
    frozenset({"W1", "W2"}): (
        "the weight gradients are wrong and the bias gradients right: look at the input "
        "(transposed) each weight gradient multiplies"
    ),
    frozenset({"b1", "b2"}): (
        "the bias gradients are wrong and the weight gradients right: sum each layer's "
        "upstream gradient over the rows of the batch"
    ),
}


def relation(
    got: np.ndarray | float,
    expected: np.ndarray | float,
    tol: Tolerance,
    *,
    factors: Mapping[str, float] = {},
    batch: int | None = None,
    previous: np.ndarray | float | None = None,
) -> str | None:
    """The first simple relation between ``got`` and ``expected`` that holds, as a sentence.

    ``factors`` names factors the caller expects (``{"the learning rate": 0.1}``),
    ``batch`` is the number of rows the value should be averaged over, and
    ``previous`` is what the same call returned before. In order: the transposed
    shape; what the previous call returned; the transpose of a square matrix; the
    sign; the named factors and their inverses; the batch size (summed instead of
    averaged, or the reverse); 2 and 1/2; the size N of an axis, or the number
    of entries, and 1/N; the components, rows or columns in another order; any
    other constant factor.
    """
    got_array = np.asarray(got, dtype=np.float64)
    expected_array = np.asarray(expected, dtype=np.float64)
    if not _informative(got_array, expected_array, tol):
        return None
    if got_array.shape != expected_array.shape:
        if got_array.ndim == 2 and got_array.shape == expected_array.shape[::-1]:
            return TRANSPOSED if _holds(got_array.T, expected_array, tol) else TRANSPOSED_SHAPE
        return None
    if _holds(got_array, expected_array, tol):
        return None
    if previous is not None:
        before = np.asarray(previous, dtype=np.float64)
        if before.shape == got_array.shape and _holds(got_array, before, tol):
            return PREVIOUS
    if (
        expected_array.ndim == 2
        and expected_array.shape[0] == expected_array.shape[1]
        and not _holds(expected_array.T, expected_array, tol)
        and _holds(got_array, expected_array.T, tol)
    ):
        return TRANSPOSED
    for factor, sentence in _factors(expected_array, factors, batch):
        if _holds(got_array, factor * expected_array, tol):
            return sentence
    return _order(got_array, expected_array, tol) or _constant(got_array, expected_array, tol)


STEP = "the update (after - before): "


def step_relation(
    before: np.ndarray | float,
    got: np.ndarray | float,
    expected: np.ndarray | float,
    tol: Tolerance,
    *,
    factors: Mapping[str, float] = {},
) -> str | None:
    """A relation between the update a call made (``got - before``) and the one it
    should have made (``expected - before``), for a step that updates values (an
    optimizer's ``params``): "the update (after - before): off by a factor equal to
    the learning rate...". None when no relation holds. For a failure that ``relation``
    did not explain already (``got`` against ``expected`` itself: the comparators
    try that first)."""
    start = np.asarray(before, dtype=np.float64)
    got_array = np.asarray(got, dtype=np.float64)
    expected_array = np.asarray(expected, dtype=np.float64)
    if not (start.shape == got_array.shape == expected_array.shape):
        return None
    scale = float(np.max(np.abs(start))) if start.size else 0.0
    step_tol = Tolerance(rtol=tol.rtol, atol=tol.atol + tol.rtol * scale)
    sentence = relation(got_array - start, expected_array - start, step_tol, factors=factors)
    return STEP + sentence if sentence else None


def steps_shift(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> str | None:
    """Whether a sequence (one row per step) is the expected one shifted by one step.

    Same length: ``got[1:] == expected[:-1]`` (behind) or ``got[:-1] ==
    expected[1:]`` (ahead); one step shorter or longer: the expected sequence
    without its first or last step, or with one more. Needs at least two steps
    compared, and an expected sequence that changes from step to step.
    """
    got_array = np.asarray(got, dtype=np.float64)
    expected_array = np.asarray(expected, dtype=np.float64)
    if (
        got_array.ndim == 0
        or expected_array.ndim == 0
        or got_array.shape[1:] != expected_array.shape[1:]
        or not _informative(got_array, expected_array, tol)
    ):
        return None
    n, m = len(got_array), len(expected_array)
    if min(n, m) < 3 or _holds(expected_array[1:], expected_array[:-1], tol):
        return None
    if n == m:
        if _holds(got_array, expected_array, tol):
            return None
        if _holds(got_array[1:], expected_array[:-1], tol):
            return "your sequence is one step behind the expected one"
        if _holds(got_array[:-1], expected_array[1:], tol):
            return "your sequence is one step ahead of the expected one"
    elif n == m - 1:
        if _holds(got_array, expected_array[1:], tol):
            return "your sequence is one step ahead of the expected one: it lacks the first step"
        if _holds(got_array, expected_array[:-1], tol):
            return "your sequence stops one step early: it lacks the last step"
    elif n == m + 1:
        if _holds(got_array[1:], expected_array, tol):
            return "your sequence is one step behind the expected one: it has an extra first step"
        if _holds(got_array[:-1], expected_array, tol):
            return "your sequence goes one step too far: it has an extra last step"
    return None


def blocks(
    wrong: Sequence[str],
    right: Sequence[str],
    explanations: Mapping[frozenset[str], str] = {},
    *,
    relation: str | None = None,
) -> str:
    """Which blocks (keys of a dict of arrays) are right and which are wrong.

    ``explanations`` maps a set of wrong keys to a sentence about that pattern;
    ``relation`` is what the wrong blocks have in common, if anything. Keys are
    listed in the order given.
    """
    if right:
        sentence = f"{_listed(right)} {_be(right)} right, {_listed(wrong)} {_be(wrong)} wrong"
    else:
        sentence = f"{_listed(wrong)} {_be(wrong)} {'all ' if len(wrong) > 1 else ''}wrong"
    if relation:
        sentence += f" ({relation})"
    explanation = explanations.get(frozenset(wrong))
    return f"{sentence}: {explanation}" if explanation else sentence


def recognise(text: str) -> str | None:
    """The relation sentence in a failure's text: the first line that is one.

    The comparators append the sentence as a line of its own, indented by two
    spaces; a check may add lines before or after it.
    """
    for line in text.splitlines():
        if line.startswith("  ") and _SENTENCE.fullmatch(line[2:]):
            return line[2:]
    return None


# ---- the pieces ---------------------------------------------------------------------------


def _informative(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> bool:
    """Whether the values can tell relations apart: finite, not all zero, not empty."""
    return bool(
        expected.size
        and got.size
        and np.isfinite(expected).all()
        and np.isfinite(got).all()
        and np.any(np.abs(expected) > tol.atol)
    )


def _holds(got: np.ndarray, predicted: np.ndarray, tol: Tolerance) -> bool:
    return got.shape == predicted.shape and bool(close(got, predicted, tol).all())


def _factors(
    expected: np.ndarray, named: Mapping[str, float], batch: int | None
) -> list[tuple[float, str]]:
    """The factors to try, in order, each with its sentence."""
    candidates: list[tuple[float, str]] = [(-1.0, SIGN)]
    for name, factor in named.items():
        if np.isfinite(factor) and factor not in (0.0, 1.0, -1.0):
            candidates.append((factor, f"off by a factor equal to {name}: got = {name} * expected"))
            candidates.append((1 / factor, f"off by a factor 1/({name}): got = expected / {name}"))
    if batch is not None and batch > 1:
        rows = f"the N = {batch} rows"
        candidates.append((batch, f"summed instead of averaged over {rows}? got = N * expected"))
        candidates.append(
            (1 / batch, f"averaged instead of summed over {rows}? got = expected / N")
        )
    candidates.append((2.0, "off by a factor 2: got = 2 * expected"))
    candidates.append((0.5, "off by a factor 1/2: got = expected / 2"))
    seen = {2}
    sizes = [(size, _axis_name(expected.ndim, axis)) for axis, size in enumerate(expected.shape)]
    for size, what in [*sizes, (expected.size, "the number of entries")]:
        if size in seen or size < 3:
            continue
        seen.add(size)
        candidates.append((size, f"off by a factor N = {size} ({what}): got = N * expected"))
        candidates.append(
            (1 / size, f"off by a factor 1/N, N = {size} ({what}): got = expected / N")
        )
    return candidates


def _axis_name(ndim: int, axis: int) -> str:
    if ndim == 1:
        return "the number of entries"
    if ndim == 2:
        return "the number of rows" if axis == 0 else "the number of columns"
    return f"the length of axis {axis}"


def _order(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> str | None:
    """The components of a short vector, or the rows or columns of a matrix, in another order."""
    if expected.ndim == 1 and 2 <= expected.size <= MAX_COMPONENTS:
        return _order_sentence(_matching(got[:, None], expected[:, None], tol), "components")
    if expected.ndim == 2:
        for rows_of_got, rows_of_expected, kind in (
            (got, expected, "rows"),
            (got.T, expected.T, "columns"),
        ):
            if 2 <= len(rows_of_expected) <= MAX_ROWS:
                found = _matching(rows_of_got, rows_of_expected, tol)
                if found is not None:
                    return _order_sentence(found, kind)
    return None


def _matching(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> list[int] | None:
    """For each row of ``got``, a distinct row of ``expected`` it matches; None if none do."""
    if got.shape[0] ** 2 * got.shape[1] > MAX_PAIRWISE_ENTRIES:
        return None
    matches: np.ndarray = np.all(close(got[:, None, :], expected[None, :, :], tol), axis=2)
    taken: set[int] = set()
    order = []
    for row in matches:
        free = [j for j in np.flatnonzero(row).tolist() if j not in taken]
        if not free:
            return None
        taken.add(free[0])
        order.append(free[0])
    return order


def _order_sentence(order: list[int] | None, kind: str) -> str | None:
    if order is None or order == sorted(order):
        return None
    n = len(order)
    moved = [i for i, j in enumerate(order) if i != j]
    if n == 2:
        return f"the two {kind} are swapped"
    if len(moved) == 2:
        return f"two {kind} are swapped"
    if order == list(range(n - 1, -1, -1)):
        return f"the {kind} are in reverse order"
    return f"the {kind} are in another order"


def _constant(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> str | None:
    """Any other factor, constant over every entry: needs a few nonzero entries."""
    if int(np.sum(np.abs(expected) > tol.atol)) < MIN_ENTRIES_FOR_CONSTANT:
        return None
    factor = float(np.vdot(got, expected) / np.vdot(expected, expected))
    predicted = factor * expected
    if (
        not np.isfinite(factor)
        or not _holds(got, predicted, tol)
        or _holds(predicted, expected, tol)
        or _holds(predicted, np.zeros_like(expected), tol)
    ):
        return None
    if in_hidden_check():  # the student's code chose the factor: it could carry the inputs
        return WITHHELD_FACTOR
    whole = round(factor) if abs(factor) < MAX_WHOLE else 0
    if abs(whole) >= 2 and _holds(got, whole * expected, tol):
        return f"off by a constant factor {whole}: got = {whole} * expected"
    inverse = round(1 / factor) if abs(1 / factor) < MAX_WHOLE else 0
    if abs(inverse) >= 2 and _holds(got, expected / inverse, tol):
        sign = "-" if inverse < 0 else ""
        return (
            f"off by a constant factor {sign}1/{abs(inverse)}: "
            f"got = {sign}expected / {abs(inverse)}"
        )
    for digits in range(2, 7):
        shown = f"{factor:.{digits}g}"
        if abs(float(shown)) != 1.0:
            break
    if _holds(got, float(shown) * expected, tol):
        return f"off by a constant factor {shown}: got = {shown} * expected"
    return f"off by a constant factor about {shown}: got ≈ {shown} * expected"


def _listed(keys: Sequence[str]) -> str:
    keys = list(keys)
    return keys[0] if len(keys) == 1 else f"{', '.join(keys[:-1])} and {keys[-1]}"


def _be(keys: Sequence[str]) -> str:
    return "is" if len(keys) == 1 else "are"


_KIND = r"(components|rows|columns)"
_SENTENCE = re.compile(
    "|".join(
        [
            re.escape(TRANSPOSED),
            re.escape(TRANSPOSED_SHAPE),
            re.escape(PREVIOUS),
            re.escape(SIGN),
            r"off by a (constant )?factor [^:]+: got [=≈] .+",
            r"off by a factor equal to .+: got = .+ \* expected",
            r"(summed instead of averaged|averaged instead of summed) over the N = \d+ rows\? "
            r"got = .+",
            rf"(the two|two) {_KIND} are swapped",
            rf"the {_KIND} are in (reverse|another) order",
            r"your sequence (is one step|stops one step|goes one step) .+",
            re.escape(STEP) + ".+",
            r".+ (is|are) right, .+ (is|are) wrong( \(.+\))?(: .+)?",
            r".+ (is|are) (all )?wrong( \(.+\)(: .+)?|: .+)",
        ]
    )
)
