"""Grading an nbgrader assignment as it was released.

An assignment released before an exercise was added to course_config.yml has no
test cell for it: its students never saw the exercise. The exercises an
assignment grades are the test cells of its released notebook
(``release/<module>/<module>.ipynb``, nbgrader's grade ids
``<module>-<exercise>``); results are cut down to them before they reach
nbgrader's gradebook, so an exercise added later is neither scored nor counted in
the maximum. When the course and the release differ, one warning says how: the
exercises added since the release (not graded), and those released but no
longer in the course (calcgrade has no checks left for them).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .results import ModuleResult, summarise


@dataclass(frozen=True)
class Release:
    """How the released notebook of ``module`` compares with the course."""

    module: str
    notebook: Path
    released: tuple[str, ...]  # the exercises of its test cells, in notebook order
    added: tuple[str, ...]  # in the course, not released: not graded
    dropped: tuple[str, ...]  # released, no longer in the course: calcgrade cannot grade them

    def warning(self) -> str | None:
        """The one warning for the instructor, or None when course and release agree."""
        if not (self.added or self.dropped):
            return None
        parts = []
        if self.added:
            parts.append(
                f"added to the course since the release, so not graded and not in the "
                f"maximum: {', '.join(self.added)}"
            )
        if self.dropped:
            parts.append(
                f"released but no longer in the course, so calcgrade gives them no score "
                f"(grade them in the formgrader): {', '.join(self.dropped)}"
            )
        return (
            f"{self.module}: the released assignment ({self.notebook}) and course_config.yml "
            f"differ; {'; '.join(parts)}. Students are graded on what was released."
        )


def released_exercises(notebook: Mapping[str, Any], module: str) -> list[str]:
    """The exercises of a notebook's autograded test cells (grade ids ``<module>-<exercise>``),
    in order."""
    found: list[str] = []
    prefix = f"{module}-"
    for cell in notebook.get("cells") or []:
        meta = ((cell.get("metadata") or {}) if isinstance(cell, Mapping) else {}).get("nbgrader")
        if not isinstance(meta, Mapping) or meta.get("grade") is not True:
            continue
        grade_id = meta.get("grade_id")
        if isinstance(grade_id, str) and grade_id.startswith(prefix):
            exercise = grade_id[len(prefix) :]
            if exercise and exercise not in found:
                found.append(exercise)
    return found


def compare_release(notebook: Path, module: str, course: Iterable[str]) -> Release | None:
    """The release in ``notebook`` against the course's exercises of ``module``; None when
    there is no such notebook (nothing released from this folder), or it cannot be read,
    or it has no test cell of ``module``."""
    try:
        data = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    released = released_exercises(data, module)
    if not released:  # not a notebook of calcgrade's: no basis to grade by
        return None
    exercises = list(course)
    return Release(
        module=module,
        notebook=notebook,
        released=tuple(released),
        added=tuple(e for e in exercises if e not in released),
        dropped=tuple(e for e in released if e not in exercises),
    )


def as_released(result: ModuleResult, exercises: Iterable[str]) -> ModuleResult:
    """``result`` with only the checks of ``exercises``: its score and maximum theirs."""
    keep = set(exercises)
    checks = tuple(check for check in result.checks if check.exercise in keep)
    if len(checks) == len(result.checks):
        return result
    return dataclasses.replace(
        result,
        checks=checks,
        score=round(sum(check.score for check in checks), 6),
        max_score=round(sum(check.max_score for check in checks), 6),
        exercises=summarise(checks),
    )
