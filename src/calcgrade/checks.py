"""Declaring checks: a grader is a list of checks, each grading one exercise.

Points and visibility come from course_config.yml, so an instructor can
reweight without touching code. A check body raises ``CheckFailure`` with a
message and, where a known mistake is recognised, a hint id from the grader's
table of hints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal

import numpy as np

from .config import Tolerance, Tolerances
from .numerics import scaled_for_differences
from .results import Figure


def plain(value: Any) -> Any:
    """Arrays and NumPy numbers as JSON-able lists and floats (NaN and inf as None)."""
    if isinstance(value, np.ndarray | np.generic):
        kind = value.dtype.kind
        if kind in "biu" or (kind == "f" and np.isfinite(value).all()):
            return value.tolist()  # nothing to replace: no walk over the list, for speed
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


_HIDDEN_CHECK: ContextVar[bool] = ContextVar("calcgrade_hidden_check", default=False)


def in_hidden_check() -> bool:
    """Whether a hidden check is running (in this thread): then messages quote no
    student-controlled text (an exception's message, a class name, a dict key),
    which could carry the hidden inputs the student's code was called with."""
    return _HIDDEN_CHECK.get()


@contextmanager
def running_check(hidden: bool) -> Iterator[None]:
    token = _HIDDEN_CHECK.set(hidden)
    try:
        yield
    finally:
        _HIDDEN_CHECK.reset(token)


class CheckFailure(Exception):
    """A check found the submission wrong.

    ``message`` is what the student sees for a hidden check: it must not name
    hidden inputs or the reference's values. ``detail``, when given, replaces
    it for public checks and for the instructor's copy. ``relation`` is the
    sentence naming a relation between the wrong value and the expected one
    (``calcgrade.relations``), which the comparators also append to both texts.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        detail: str | None = None,
        relation: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail
        self.relation = relation


@dataclass(frozen=True)
class Context:
    """What a check body gets besides the submission."""

    module: str
    check_id: str
    rng: np.random.Generator
    tolerances: Tolerances
    reference: ModuleType
    hidden: bool
    figures: list[Figure] = field(default_factory=list)

    def figure(self, kind: str, title: str, **data: Any) -> None:
        """Record data for a picture of this check (see ``calcgrade.figures``).

        In a hidden check the picture is for the instructor only: what the
        student's code did there may carry the hidden inputs.
        """
        audience: Literal["everyone", "instructor"] = "instructor" if self.hidden else "everyone"
        self.figures.append(Figure(kind, title, {k: plain(v) for k, v in data.items()}, audience))

    def figure_of(
        self,
        title: str,
        build: Callable[[], tuple[str, dict[str, Any]] | None],
    ) -> None:
        """Record the figure ``build`` makes: its kind and data, or None for no figure.

        A picture never changes a grade: if its data cannot be made (even if the
        student code it calls fails or hangs), it is left out.
        """
        try:
            built = build()
        except Exception:
            return
        if built is not None:
            self.figure(built[0], title, **built[1])

    @property
    def analytic(self) -> Tolerance:
        return self.tolerances.analytic

    @property
    def finite_difference(self) -> Tolerance:
        return self.tolerances.finite_difference

    @property
    def arithmetic(self) -> Tolerance:
        return self.tolerances.arithmetic

    def finite_difference_for(self, expected: Any) -> Tolerance:
        """The finite-difference tolerance, its atol scaled by the size of ``expected``."""
        return scaled_for_differences(
            self.tolerances.finite_difference, np.asarray(expected, dtype=np.float64)
        )


CheckBody = Callable[[Any, Context], None]


@dataclass(frozen=True)
class CheckDef:
    id: str
    exercise: str
    body: CheckBody

    @property
    def description(self) -> str:
        doc = (self.body.__doc__ or self.id).strip()
        return doc.splitlines()[0]


class Grader:
    """One module's checks and the hints for the mistakes they recognise."""

    def __init__(self, module: str, hints: dict[str, str]) -> None:
        self.module = module
        self.hints = dict(hints)
        self.checks: list[CheckDef] = []

    def check(self, check_id: str, exercise: str) -> Callable[[CheckBody], CheckBody]:
        """Decorator: register ``body`` as check ``check_id`` of ``exercise``."""

        def register(body: CheckBody) -> CheckBody:
            if any(existing.id == check_id for existing in self.checks):
                raise ValueError(f"{self.module}: duplicate check id {check_id!r}")
            self.checks.append(CheckDef(check_id, exercise, body))
            return body

        return register
