"""Checking a grader against the course when it loads, not when a student trips on it.

Every check must grade an exercise of its module in course_config.yml, with the
check ids the config lists; every hint id the grader can give
(``calcgrade.hint_flow``) must be a key of its hints. A hint id that escapes
this (one built at run time) still never leaves a student ungraded: the runner
fails the check without a hint and notes the id for the instructor.
"""

from __future__ import annotations

import ast
import sys
import warnings
from pathlib import Path
from typing import Any

from .checks import Grader
from .config import Course
from .errors import ConfigError
from .hint_flow import HintUse, hint_uses


class GraderWarning(UserWarning):
    """A fault of a grader that does not stop it loading: hints none of its checks gives,
    or hint ids that could not be followed in its source."""


_validated: set[tuple[Path, str, str]] = set()


def validated(
    course: Course, module: str, grader: Grader, path: Path, names: dict[str, Any]
) -> None:
    """``validate_grader``, once per grader file and course version; warns (a
    ``GraderWarning``) of hints that nothing in the grader gives."""
    key = (path, course.fingerprint, module)
    if key in _validated:
        return
    uses = validate_grader(course, module, grader, path, names)
    unused = unused_hints(grader, uses) if uses is not None else []
    if unused:
        warnings.warn(f"{path}: no check gives the hint(s) {', '.join(unused)}", GraderWarning, 2)
    _validated.add(key)


def unused_hints(grader: Grader, uses: list[HintUse]) -> list[str]:
    """The grader's hints that nothing in its source gives."""
    given = {use.hint for use in uses}
    return [hint for hint in grader.hints if hint not in given]


def validate_grader(
    course: Course, module: str, grader: Grader, path: Path, names: dict[str, Any]
) -> list[HintUse] | None:
    """Raise ConfigError, naming the place, when ``grader`` (defined in ``path``, a file
    or a package's folder; ``names``: the globals of the module defining it) does not fit
    the course: a check of an exercise the module does not have, a check id the config
    does not list (or the other way round), a hint id that is not a key of its hints.
    Returns the hint ids found (None if they could not be followed in its source)."""
    spec = course.module(module)
    trees = _parsed(path)
    lines = _check_lines(trees)
    for check in grader.checks:
        if check.exercise not in spec.exercises:
            known = ", ".join(spec.exercises)
            raise ConfigError(
                f"{lines.get(check.id, path)}: check {check.id!r} grades exercise "
                f"{check.exercise!r}, which module {module} does not have in "
                f"course_config.yml (its exercises: {known})"
            )
    declared = {(check.exercise, check.id) for check in grader.checks}
    configured = {(ex, cid) for ex, exercise in spec.exercises.items() for cid in exercise.checks}
    for exercise, check_id in sorted(configured - declared):
        raise ConfigError(
            f"course_config.yml: modules.{module}.exercises.{exercise}.checks.{check_id}: "
            f"no such check in {path.name}"
        )
    for exercise, check_id in sorted(declared - configured):
        raise ConfigError(
            f"{lines.get(check_id, path)}: check {check_id!r} of exercise {exercise!r} "
            f"is not in course_config.yml (add it under "
            f"modules.{module}.exercises.{exercise}.checks)"
        )
    try:
        uses = hint_uses(dict(trees), {**_globals_beside(trees), **names})
    except (RecursionError, ValueError, TypeError, AttributeError) as error:
        # source this reading cannot follow: the runner still grades a check whose hint
        # id is unknown (without the hint), so loading goes on
        warnings.warn(f"{path}: hint ids not checked ({error!r})", GraderWarning, 2)
        return None
    for use in uses:
        if use.hint not in grader.hints:
            raise ConfigError(
                f"{use.file}:{use.line}: unknown hint id {use.hint!r}: not a key of the "
                f"hints given to Grader({module!r}, ...)"
            )
    return uses


def _parsed(path: Path) -> dict[str, ast.Module]:
    """The grader's files, parsed, by path: the file, or every file of the package."""
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    trees = {}
    for file in files:
        try:
            trees[str(file)] = ast.parse(file.read_bytes(), filename=str(file))
        except (OSError, SyntaxError, ValueError) as error:
            raise ConfigError(f"{file}: cannot read the grader's source ({error})") from None
    return trees


def _globals_beside(trees: dict[str, ast.Module]) -> dict[str, Any]:
    """The globals of the grader package's modules already imported (for the signatures
    of the functions they import)."""
    names: dict[str, Any] = {}
    for loaded in list(sys.modules.values()):
        file = getattr(loaded, "__file__", None)
        if file is not None and file in trees:
            names.update(vars(loaded))
    return names


def _check_lines(trees: dict[str, ast.Module]) -> dict[str, str]:
    """Where each ``@grader.check("<id>", ...)`` is: ``file:line``."""
    lines: dict[str, str] = {}
    for file, tree in trees.items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "check"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                lines.setdefault(node.args[0].value, f"{file}:{node.lineno}")
    return lines


def unknown_hint_note(module: str, check_id: str, hint: str) -> str:
    """The instructor's note on a check that failed with a hint id its grader lacks."""
    return (
        f"grader fault: check {check_id} of {module} failed with hint id {hint!r}, which "
        "is not a key of the grader's hints; the check failed without a hint"
    )


def noted(detail: str, note: str) -> str:
    return f"{detail}\n[{note}]"
