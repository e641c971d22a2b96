"""Comparators: one per kind of student value, each localising the mismatch.

Modelled on NumPy's mismatch report, in the words "got / expected": shape
first, then how many entries differ, the worst index with both values, the
relative error and its band. Every failure has two texts: ``detail`` with the
values (public checks, instructor) and ``message`` without them (hidden checks).

When a simple relation explains the wrong value (transposed, off by a factor,
components swapped, one step behind...; see ``calcgrade.relations``), its
sentence is the failure's ``relation`` and the last line of both texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .checks import CheckFailure
from .config import Tolerance
from .numerics import close, error_band, relative_error
from .relations import blocks, relation, steps_shift


def fmt(x: float) -> str:
    """A number as people read it: up to 8 significant digits."""
    return f"{x:.8g}"


def _index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def _tolerance(tol: Tolerance) -> str:
    return f"rtol={tol.rtol:g}, atol={tol.atol:.3g}"


def mismatch(
    got: np.ndarray | float,
    expected: np.ndarray | float,
    what: str,
    tol: Tolerance,
    *,
    factors: Mapping[str, float] = {},
    batch: int | None = None,
    previous: np.ndarray | float | None = None,
) -> CheckFailure | None:
    """Compare validated float64 values; None when every entry is within ``tol``.

    A relation that explains the difference (``calcgrade.relations.relation``,
    which ``factors``, ``batch`` and ``previous`` are passed to) ends the texts.
    """
    failure = _compare(got, expected, what, tol)
    if failure is not None:
        explain(
            failure,
            relation(got, expected, tol, factors=factors, batch=batch, previous=previous),
        )
    return failure


def explain(failure: CheckFailure, sentence: str | None) -> CheckFailure:
    """Give ``failure`` the relation ``sentence``, as the last line of its texts."""
    if sentence:
        failure.relation = sentence
        failure.message = f"{failure.message}\n  {sentence}"
        if failure.detail is not None:
            failure.detail = f"{failure.detail}\n  {sentence}"
    return failure


def _compare(
    got: np.ndarray | float, expected: np.ndarray | float, what: str, tol: Tolerance
) -> CheckFailure | None:
    """``mismatch`` without the relation."""
    got_array = np.asarray(got, dtype=np.float64)
    expected_array = np.asarray(expected, dtype=np.float64)
    if got_array.shape != expected_array.shape:
        text = f"{what}: got shape {got_array.shape}, expected shape {expected_array.shape}"
        return CheckFailure(text)
    ok = close(got_array, expected_array, tol)
    if ok.all():
        return None
    rel = relative_error(got_array, expected_array)
    worst = tuple(
        int(i) for i in np.unravel_index(int(np.argmax(np.where(ok, -1, rel))), rel.shape)
    )
    g, e, r = float(got_array[worst]), float(expected_array[worst]), float(rel[worst])
    band = error_band(r)
    if got_array.ndim == 0:
        message = f"{what} is off: relative error {r:.2g} ({band})"
        detail = f"{what}: got {fmt(g)}, expected {fmt(e)} (relative error {r:.2g}, {band})"
        return CheckFailure(message, detail=detail)
    bad, total = int((~ok).sum()), ok.size
    head = f"{what}: {bad} of {total} entries ({100 * bad / total:.0f}%) differ"
    message = f"{head}; worst at index {_index(worst)}, relative error {r:.2g} ({band})"
    detail = "\n".join(
        [
            f"{head} ({_tolerance(tol)})",
            f"  worst at index {_index(worst)}: got {fmt(g)}, expected {fmt(e)} "
            f"(relative error {r:.2g}, {band})",
            f"  max absolute difference {fmt(float(np.max(np.abs(got_array - expected_array))))}",
        ]
    )
    return CheckFailure(message, detail=detail)


def mismatch_dict(
    got: Mapping[str, np.ndarray],
    expected: Mapping[str, np.ndarray],
    what: str,
    tol: Tolerance,
    *,
    factors: Mapping[str, float] = {},
    batch: int | None = None,
    explanations: Mapping[frozenset[str], str] = {},
) -> CheckFailure | None:
    """Compare dicts of arrays key by key; every differing key is reported.

    The relation, when there is one: with one wrong key, that key's relation;
    with several wrong keys and some right ones, which are right and which wrong
    (``calcgrade.relations.blocks``), with the relation the wrong ones share and
    the caller's explanation of that set of wrong keys (``explanations``); with
    every key wrong, the relation they share or the explanation, if any.
    """
    failures = {
        key: failure
        for key in expected
        if (failure := _compare(got[key], expected[key], f"{what}[{key!r}]", tol)) is not None
    }
    if not failures:
        return None
    failure = CheckFailure(
        "\n".join(failure.message for failure in failures.values()),
        detail="\n".join(failure.detail or failure.message for failure in failures.values()),
    )
    wrong = list(failures)
    right = [key for key in expected if key not in failures]
    shared = {relation(got[key], expected[key], tol, factors=factors, batch=batch) for key in wrong}
    common = shared.pop() if len(shared) == 1 else None
    if frozenset(wrong) in explanations or (len(wrong) > 1 and (right or common)):
        return explain(failure, blocks(wrong, right, explanations, relation=common))
    return explain(failure, common)


def mismatch_steps(
    got: np.ndarray, expected: np.ndarray, what: str, tol: Tolerance
) -> CheckFailure | None:
    """Compare trajectories (one row per step) and report the first step that differs.

    The relation: the whole sequence one step behind or ahead
    (``calcgrade.relations.steps_shift``), else a relation of the whole
    trajectory, else one of the first step that differs.
    """
    first: int | None = None
    if got.shape != expected.shape:
        failure = _compare(got, expected, what, tol)
    else:
        steps = range(expected.shape[0])
        first = next((k for k in steps if not matches(got[k], expected[k], tol)), None)
        failure = (
            None
            if first is None
            else _compare(got[first], expected[first], f"{what} at step {first}", tol)
        )
    if failure is None:
        return None
    sentence = steps_shift(got, expected, tol) or relation(got, expected, tol)
    if sentence is None and first is not None:
        sentence = relation(got[first], expected[first], tol)
    return explain(failure, sentence)


def matches(got: Any, expected: Any, tol: Tolerance) -> bool:
    """Whether validated values agree within ``tol`` (same shape, all entries close)."""
    got_array = np.asarray(got, dtype=np.float64)
    expected_array = np.asarray(expected, dtype=np.float64)
    return got_array.shape == expected_array.shape and bool(
        close(got_array, expected_array, tol).all()
    )


def diagnose(got: Any, candidates: Mapping[str, Any], tol: Tolerance) -> str | None:
    """The first known mistake whose predicted output the student's output matches."""
    for hint, predicted in candidates.items():
        if predicted is not None and matches(got, predicted, tol):
            return hint
    return None


def require_close(
    got: Any,
    expected: Any,
    what: str,
    tol: Tolerance,
    mistakes: Mapping[str, Any] | None = None,
    hint: str | None = None,
    *,
    factors: Mapping[str, float] = {},
    batch: int | None = None,
    previous: Any = None,
) -> None:
    """Raise ``CheckFailure`` unless ``got`` matches ``expected``.

    ``mistakes`` maps hint ids to the outputs the known mistakes would give;
    the first that matches names the hint. ``hint`` is the fallback. When no
    known mistake matches, a relation that explains the difference (see
    ``mismatch``) ends the texts.
    """
    failure = _compare(got, expected, what, tol)
    if failure is None:
        return
    failure.hint = diagnose(got, mistakes or {}, tol)
    if failure.hint is None:
        explain(
            failure,
            relation(got, expected, tol, factors=factors, batch=batch, previous=previous),
        )
        failure.hint = hint
    raise failure
