"""Comparators: one per kind of student value, each localising the mismatch.

Modelled on NumPy's mismatch report, in the words "got / expected": shape
first, then how many entries differ, the worst index with both values, the
relative error and its band. Every failure has two texts: ``detail`` with the
values (public checks, instructor) and ``message`` without them (hidden checks).

One convention for every comparator::

    mismatch(got, expected, what, tol, *, mistakes=..., hint=..., ...) -> CheckFailure | None

None when ``got`` agrees with ``expected`` within ``tol``; else the failure, not
raised. ``mistakes`` maps hint ids to what a known mistake would give (or lists
``(hint, predicted)`` pairs, several per hint allowed): the first that ``got``
matches names the failure's hint; ``hint`` is the fallback. When no listed
mistake explains the difference, a simple relation (transposed, off by a factor,
components swapped, one step behind...; see ``calcgrade.relations``) is the
failure's ``relation`` and the last line of both texts. ``require(*failures)``
raises the first failure given.

Two predicates, for diagnosis by hand: ``close(got, expected, tol)`` and
``which_mistake(got, mistakes, tol)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .checks import CheckFailure
from .config import Tolerance
from .numerics import close as close_entries
from .numerics import error_band, relative_error
from .relations import blocks, relation, steps_shift

# hint id -> what the mistake gives, or (hint id, what it gives) pairs
Mistakes = Mapping[str, Any] | Iterable[tuple[str, Any]]


def fmt(x: float) -> str:
    """A number as people read it: up to 8 significant digits."""
    return f"{x:.8g}"


def _index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def _tolerance(tol: Tolerance) -> str:
    return f"rtol={tol.rtol:g}, atol={tol.atol:.3g}"


# -- predicates ------------------------------------------------------------------------


def close(got: Any, expected: Any, tol: Tolerance) -> bool:
    """Whether validated values agree within ``tol``: same shape and every entry close;
    for dicts, the same keys and every value close."""
    if isinstance(expected, Mapping):
        return (
            isinstance(got, Mapping)
            and set(got) == set(expected)
            and all(close(got[key], expected[key], tol) for key in expected)
        )
    if isinstance(got, Mapping):
        return False
    got_array = np.asarray(got, dtype=np.float64)
    expected_array = np.asarray(expected, dtype=np.float64)
    return got_array.shape == expected_array.shape and bool(
        close_entries(got_array, expected_array, tol).all()
    )


def _pairs(mistakes: Mistakes) -> Iterable[tuple[str, Any]]:
    return mistakes.items() if isinstance(mistakes, Mapping) else mistakes


def which_mistake(got: Any, mistakes: Mistakes, tol: Tolerance) -> str | None:
    """The first known mistake whose predicted output ``got`` matches (``close``); a
    prediction of None is skipped."""
    for hint, predicted in _pairs(mistakes):
        if predicted is not None and close(got, predicted, tol):
            return hint
    return None


# -- comparators -----------------------------------------------------------------------


def require(*failures: CheckFailure | None) -> None:
    """Raise the first of ``failures`` that is not None."""
    for failure in failures:
        if failure is not None:
            raise failure


def mismatch(
    got: Any,
    expected: Any,
    what: str,
    tol: Tolerance,
    *,
    mistakes: Mistakes = (),
    hint: str | None = None,
    factors: Mapping[str, float] = {},
    batch: int | None = None,
    previous: Any = None,
) -> CheckFailure | None:
    """Compare validated float64 values (numbers or arrays); None when every entry is
    within ``tol``.

    The first of ``mistakes`` that ``got`` matches names the hint, else ``hint``;
    then (no mistake matched) a relation that explains the difference
    (``calcgrade.relations.relation``, which ``factors``, ``batch`` and
    ``previous`` are passed to) ends the texts.
    """
    failure = _compare(got, expected, what, tol)
    if failure is None:
        return None
    return _diagnosed(
        failure,
        which_mistake(got, mistakes, tol),
        hint,
        lambda: relation(got, expected, tol, factors=factors, batch=batch, previous=previous),
    )


def mismatch_dict(
    got: Mapping[str, Any],
    expected: Mapping[str, Any],
    what: str,
    tol: Tolerance,
    *,
    mistakes: Mistakes = (),
    hint: str | None = None,
    factors: Mapping[str, float] = {},
    batch: int | None = None,
    explanations: Mapping[frozenset[str], str] = {},
) -> CheckFailure | None:
    """Compare dicts of arrays key by key; every differing key is reported.

    A mistake (a dict of predicted values) names its hint only when it explains
    every key of ``expected``. The relation, when no mistake matched: with one
    wrong key, that key's relation; with several wrong keys and some right ones,
    which are right and which wrong (``calcgrade.relations.blocks``), with the
    relation the wrong ones share and the caller's explanation of that set of
    wrong keys (``explanations``); with every key wrong, the relation they share
    or the explanation, if any.
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
    compared = {key: got[key] for key in expected}
    predictions = [
        (name, {key: p[key] for key in expected if key in p} if isinstance(p, Mapping) else p)
        for name, p in _pairs(mistakes)
    ]
    known = which_mistake(compared, predictions, tol)

    def sentence() -> str | None:
        wrong = list(failures)
        right = [key for key in expected if key not in failures]
        shared = {
            relation(got[key], expected[key], tol, factors=factors, batch=batch) for key in wrong
        }
        common = shared.pop() if len(shared) == 1 else None
        if frozenset(wrong) in explanations or (len(wrong) > 1 and (right or common)):
            return blocks(wrong, right, explanations, relation=common)
        return common

    return _diagnosed(failure, known, hint, sentence)


def mismatch_steps(
    got: np.ndarray,
    expected: np.ndarray,
    what: str,
    tol: Tolerance,
    *,
    mistakes: Mistakes = (),
    hint: str | None = None,
    step: str = "step",
) -> CheckFailure | None:
    """Compare trajectories (one row per step) and report the first step that differs
    (``{what} at {step} {k}``: ``step`` names a row, e.g. "epoch").

    ``mistakes`` maps hint ids to predicted trajectories: the first that agrees
    with ``got`` at every step up to the first one that differs, that one
    included, names the hint (it explains where the run went wrong); else
    ``hint``. The relation, when no mistake matched: the whole sequence one step
    behind or ahead (``calcgrade.relations.steps_shift``), else a relation of the
    whole trajectory, else one of the first step that differs.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    first: int | None = None
    if got.shape != expected.shape:
        failure = _compare(got, expected, what, tol)
        known = which_mistake(got, mistakes, tol)
    else:
        steps = range(expected.shape[0])
        first = next((k for k in steps if not close(got[k], expected[k], tol)), None)
        if first is None:
            return None
        failure = _compare(got[first], expected[first], f"{what} at {step} {first}", tol)
        known = which_mistake(got[: first + 1], _prefixes(mistakes, first + 1), tol)
    if failure is None:
        return None

    def sentence() -> str | None:
        found = steps_shift(got, expected, tol) or relation(got, expected, tol)
        if found is None and first is not None:
            found = relation(got[first], expected[first], tol)
        return found

    return _diagnosed(failure, known, hint, sentence)


def _prefixes(mistakes: Mistakes, steps: int) -> list[tuple[str, Any]]:
    """Each predicted trajectory's first ``steps`` rows (None if it is shorter)."""
    cut = []
    for name, predicted in _pairs(mistakes):
        rows = None if predicted is None else np.asarray(predicted, dtype=np.float64)
        cut.append((name, rows[:steps] if rows is not None and len(rows) >= steps else None))
    return cut


def _diagnosed(
    failure: CheckFailure,
    known: str | None,
    hint: str | None,
    sentence: Callable[[], str | None],
) -> CheckFailure:
    """``failure`` with the hint of the mistake it matched, else ``hint`` and the
    relation ``sentence()``."""
    if known is not None:
        failure.hint = known
        return failure
    failure.hint = hint
    return explain(failure, sentence())


def explain(failure: CheckFailure, sentence: str | None) -> CheckFailure:
    """Give ``failure`` the relation ``sentence``, as the last line of its texts."""
    if sentence:
        failure.relation = sentence
        failure.message = f"{failure.message}\n  {sentence}"
        if failure.detail is not None:
            failure.detail = f"{failure.detail}\n  {sentence}"
    return failure


def _compare(got: Any, expected: Any, what: str, tol: Tolerance) -> CheckFailure | None:
    """``mismatch`` without diagnosis."""
    got_array = np.asarray(got, dtype=np.float64)
    expected_array = np.asarray(expected, dtype=np.float64)
    if got_array.shape != expected_array.shape:
        text = f"{what}: got shape {got_array.shape}, expected shape {expected_array.shape}"
        return CheckFailure(text)
    ok = close_entries(got_array, expected_array, tol)
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
