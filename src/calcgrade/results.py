"""Frozen, JSON-serialisable grading results (never pickled)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["passed", "failed", "error", "timeout"]
SCHEMA_VERSION = 2  # 2: seed_fingerprint instead of the seed; course_path


@dataclass(frozen=True)
class Figure:
    """Data for a picture that explains a check (a path, curves, a heatmap...).

    ``kind`` names how to draw it; ``data`` is plain JSON (numbers, lists,
    strings). ``audience`` is "everyone", or "instructor" when the data would
    show hidden inputs or the reference's values.
    """

    kind: str
    title: str
    data: dict[str, Any]
    audience: Literal["everyone", "instructor"] = "everyone"


SLIP = "slip"  # the hint id of a mistake found by the diagnosis (calcgrade.diagnosis)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    ``message`` is safe to show the student; ``detail`` is the instructor's
    copy (for hidden checks it may name hidden inputs and expected values).
    ``relation`` names a relation between the wrong value and the expected one
    (transposed, off by a factor 2...; ``calcgrade.relations``), if one was found.
    """

    id: str
    exercise: str
    score: float
    max_score: float
    status: Status
    message: str
    hint: str | None = None
    hint_id: str | None = None
    visibility: Literal["public", "hidden"] = "hidden"
    detail: str | None = None
    seconds: float = 0.0
    figures: tuple[Figure, ...] = ()
    relation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = _fields(self)
        data["figures"] = [_fields(figure) for figure in self.figures]
        return data


@dataclass(frozen=True)
class ModuleResult:
    """Everything about grading one submission for one module."""

    module: str
    score: float
    max_score: float
    isolation: str
    checks: tuple[CheckResult, ...]
    submission: str = ""
    submission_sha256: str = ""
    course_version: str = ""
    course_path: str = ""  # the folder of the course_config.yml graded against
    seed_fingerprint: str = ""  # a hash of the hidden checks' seed (calcgrade.grading_secret)
    load_notes: tuple[str, ...] = ()
    output: str = ""
    seconds: float = 0.0
    schema_version: int = SCHEMA_VERSION
    exercises: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data; figure data is shared with the result, not copied."""
        data = _fields(self)
        data["checks"] = [check.to_dict() for check in self.checks]
        data["load_notes"] = list(self.load_notes)
        data["exercises"] = {name: dict(row) for name, row in self.exercises.items()}
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModuleResult:
        values = dict(data)
        values["checks"] = tuple(
            CheckResult(
                **{
                    **check,
                    "figures": tuple(Figure(**figure) for figure in check.get("figures", ())),
                }
            )
            for check in data["checks"]
        )
        values["load_notes"] = tuple(data.get("load_notes", ()))
        return cls(**values)


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def summarise(checks: tuple[CheckResult, ...]) -> dict[str, dict[str, float]]:
    """Points per exercise, in the order the checks come."""
    table: dict[str, dict[str, float]] = {}
    for check in checks:
        row = table.setdefault(check.exercise, {"score": 0.0, "max_score": 0.0})
        row["score"] += check.score
        row["max_score"] += check.max_score
    return table
