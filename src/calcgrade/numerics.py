"""The course's numerics policy (docs/contract.md, "Numerics"), shared by every grader.

Float64 everywhere; central differences with ``h_i = 6e-6 * max(1, |x_i|)``;
elementwise tolerance ``|got - expected| <= atol + rtol * |expected|``;
inputs sampled away from kinks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .config import Tolerance

STEP_SCALE = 6e-6


def step_sizes(x: np.ndarray) -> np.ndarray:
    """Central-difference step per entry: ``6e-6 * max(1, |x_i|)``."""
    return STEP_SCALE * np.maximum(1.0, np.abs(x))


def central_gradient(f: Callable[[np.ndarray], Any], x: np.ndarray | float) -> np.ndarray:
    """Central differences of scalar ``f`` at ``x`` (any shape), in float64."""
    x = np.array(x, dtype=np.float64)

    def at_points(changes: list[tuple[int, float]]) -> list[Any]:
        points = []
        for index, value in changes:
            point = x.copy()
            point.flat[index] = value
            points.append(f(point))
        return points

    return central_gradient_of_changes(at_points, x)


def central_gradient_of_changes(
    f_changed: Callable[[list[tuple[int, float]]], list[Any]], x: np.ndarray | float
) -> np.ndarray:
    """``central_gradient`` with every evaluation asked for at once.

    ``f_changed`` gets the points as changes of x: (flat index, new value) for
    x + h e_i and x - h e_i, for each entry i in order, and returns f at each.
    With ``Submission.call_varied``, all the evaluations of a student's
    function cost one round trip, and x crosses once.
    """
    x = np.array(x, dtype=np.float64)
    flat, steps = x.ravel(), step_sizes(x).ravel()
    changes = []
    for i in range(flat.size):
        for sign in (1.0, -1.0):
            changes.append((i, float(flat[i] + sign * steps[i])))
    values = f_changed(changes)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        grad[i] = (float(values[2 * i]) - float(values[2 * i + 1])) / (2 * steps[i])
    return grad.reshape(x.shape)


def scaled_for_differences(tol: Tolerance, expected: np.ndarray) -> Tolerance:
    """Finite-difference tolerance: atol scales with the size of the values."""
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    return Tolerance(rtol=tol.rtol, atol=tol.atol * scale)


def close(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Elementwise ``|got - expected| <= atol + rtol * |expected|``; NaN is never close."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(got - expected) <= tol.atol + tol.rtol * np.abs(expected)


def relative_error(got: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``|got - expected| / max(|got|, |expected|)``, 0 where both are 0."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        denominator = np.maximum(np.abs(got), np.abs(expected))
        rel = np.abs(got - expected) / np.where(denominator == 0, 1.0, denominator)
    return np.where(np.isnan(rel), np.inf, rel)


def error_band(rel: float) -> str:
    """The familiar reading of a relative error."""
    if rel < 1e-7:
        return "fine"
    if rel < 1e-4:
        return "suspicious"
    if rel < 1e-2:
        return "probably wrong"
    return "wrong"


def away_from_kinks(
    rng: np.random.Generator, shape: tuple[int, ...], scale: float = 2.0, margin: float = 0.1
) -> np.ndarray:
    """Normal samples with every entry at least ``margin`` away from zero."""
    z = rng.normal(0.0, scale, size=shape)
    return np.where(np.abs(z) < margin, np.copysign(margin, z) + z, z)
