"""Comparators: one per kind of student value, each localising the mismatch.

Modelled on NumPy's mismatch report, in the words "got / expected": shape
first, then how many entries differ, the worst index with both values, the
relative error and its band. Every failure has two texts: ``detail`` with the
values (public checks, instructor) and ``message`` without them (hidden checks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .checks import CheckFailure
from .config import Tolerance
from .numerics import close, error_band, relative_error


def fmt(x: float) -> str:
    """A number as people read it: up to 8 significant digits."""
    return f"{x:.8g}"


def _index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def _tolerance(tol: Tolerance) -> str:
    return f"rtol={tol.rtol:g}, atol={tol.atol:.3g}"


def mismatch(
    got: np.ndarray | float, expected: np.ndarray | float, what: str, tol: Tolerance
) -> CheckFailure | None:
    """Compare validated float64 values; None when every entry is within ``tol``."""
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
    got: Mapping[str, np.ndarray], expected: Mapping[str, np.ndarray], what: str, tol: Tolerance
) -> CheckFailure | None:
    """Compare dicts of arrays key by key; every differing key is reported."""
    failures = [
        failure
        for key in expected
        if (failure := mismatch(got[key], expected[key], f"{what}[{key!r}]", tol)) is not None
    ]
    if not failures:
        return None
    return CheckFailure(
        "\n".join(failure.message for failure in failures),
        detail="\n".join(failure.detail or failure.message for failure in failures),
    )


def mismatch_steps(
    got: np.ndarray, expected: np.ndarray, what: str, tol: Tolerance
) -> CheckFailure | None:
    """Compare trajectories (one row per step) and report the first step that differs."""
    if got.shape != expected.shape:
        return mismatch(got, expected, what, tol)
    for step in range(expected.shape[0]):
        failure = mismatch(got[step], expected[step], f"{what} at step {step}", tol)
        if failure is not None:
            return failure
    return None


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
) -> None:
    """Raise ``CheckFailure`` unless ``got`` matches ``expected``.

    ``mistakes`` maps hint ids to the outputs the known mistakes would give;
    the first that matches names the hint. ``hint`` is the fallback.
    """
    failure = mismatch(got, expected, what, tol)
    if failure is None:
        return
    failure.hint = diagnose(got, mistakes or {}, tol) or hint
    raise failure
