"""m4_gradient_descent's figures (docs/figures.md).

Every gradient_descent run against the reference records the student's iterates
(the points grad_fn saw, then the returned x) and the reference's: a ``path`` over
the bowl's contours when x has 2 entries, a ``path`` of (x, f(x)) when it has 1,
and ``curves`` of f along both runs when it has more. The train_linear_regression
checks record the loss curves (``curves``), the student's and the reference's.
Figures use values the check already has or computes on the grader's side (no
extra calls of student code), and never change a grade.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from calcgrade import Context
from calcgrade.figure_data import Built, contours, curves, frame, path_of, thinned

from .cases import Case, Expected


def descent_figure(
    ctx: Context, case: Case, expected: Expected, points: Sequence[Any], end: Any = None
) -> None:
    """The student's iterates against the reference's, on the bowl of ``case``.

    2 entries: the paths over the bowl's contours; 1 entry: the paths of (x, f(x));
    more: the curves of f along both runs.
    """

    def build() -> Built:
        yours = path_of(points, end)
        reference = path_of(expected.iterates[: expected.n_steps + 1])
        if not len(yours):
            return None
        f = case.bowl.value
        paths = {"yours": yours, "reference": reference}
        if case.x0.size == 2:
            return "path", {
                "paths": {name: thinned(rows) for name, rows in paths.items()},
                "contours": contours(f, *frame(list(paths.values()), reference)),
                "xlabel": "x[0]",
                "ylabel": "x[1]",
            }
        if case.x0.size == 1:
            graphs = {
                name: thinned(np.array([[float(row[0]), f(row)] for row in rows]))
                for name, rows in paths.items()
            }
            return "path", {"paths": graphs, "xlabel": "x", "ylabel": "f(x)"}
        values = {name: [f(row) for row in rows] for name, rows in paths.items()}
        return curves(values, "iterate", "f(x)")

    ctx.figure_of(f"gradient_descent on {case.label}", build)


def loss_curves(
    ctx: Context, title: str, losses: np.ndarray, reference: Callable[[], Sequence[float]]
) -> None:
    """The student's losses, epoch by epoch, against the reference's."""

    ctx.figure_of(
        title, lambda: curves({"yours": losses, "reference": reference()}, "epoch", "loss")
    )


def reference_losses(ctx: Context, X: np.ndarray, y: np.ndarray, **kwargs: Any) -> list[float]:
    """The reference's losses of train_linear_regression(X, y, **kwargs)."""
    return list(ctx.reference.train_linear_regression(X, y, **kwargs)[2])
