"""calcgrade: the course kit and grader for "Calculus for Machine Learning".

Graders import only what is listed in ``__all__``. Learners call ``check``
inside a notebook to run a module's checks on the functions they defined.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checks import CheckFailure, Context, Grader
    from .compare import (
        Mistakes,
        close,
        mismatch,
        mismatch_dict,
        mismatch_steps,
        require,
        which_mistake,
    )
    from .config import Tolerance
    from .errors import CalcgradeError, ConfigError, GradingError, SubmissionError
    from .expect import as_array, as_dict, as_float, as_int, as_tuple, describe
    from .handle import (
        Answered,
        Called,
        Plan,
        RemoteObject,
        Step,
        StudentError,
        StudentTimeout,
        Submission,
        WorkerDied,
    )
    from .nbgrader_support import Points
    from .numerics import (
        away_from_kinks,
        central_gradient,
        central_gradient_of_changes,
        relative_error,
        step_sizes,
    )
    from .results import CheckResult, ModuleResult
    from .source_scan import Use, uses_in

# Names load on first use (PEP 562): a command that needs none of them, or
# launches a fork server first, does not wait for NumPy or pydantic.
_HOMES = {
    "CheckFailure": "checks",
    "Context": "checks",
    "Grader": "checks",
    "Mistakes": "compare",
    "close": "compare",
    "mismatch": "compare",
    "mismatch_dict": "compare",
    "mismatch_steps": "compare",
    "require": "compare",
    "which_mistake": "compare",
    "Use": "source_scan",
    "uses_in": "source_scan",
    "Tolerance": "config",
    "CalcgradeError": "errors",
    "ConfigError": "errors",
    "GradingError": "errors",
    "SubmissionError": "errors",
    "as_array": "expect",
    "as_dict": "expect",
    "as_float": "expect",
    "as_int": "expect",
    "as_tuple": "expect",
    "describe": "expect",
    "Answered": "handle",
    "Called": "handle",
    "Plan": "handle",
    "RemoteObject": "handle",
    "Step": "handle",
    "StudentError": "handle",
    "StudentTimeout": "handle",
    "Submission": "handle",
    "WorkerDied": "handle",
    "Points": "nbgrader_support",
    "away_from_kinks": "numerics",
    "central_gradient": "numerics",
    "central_gradient_of_changes": "numerics",
    "relative_error": "numerics",
    "step_sizes": "numerics",
    "CheckResult": "results",
    "ModuleResult": "results",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'calcgrade' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "Answered",
    "CalcgradeError",
    "Called",
    "CheckFailure",
    "CheckResult",
    "ConfigError",
    "Context",
    "Grader",
    "GradingError",
    "Mistakes",
    "ModuleResult",
    "Plan",
    "Points",
    "RemoteObject",
    "Step",
    "StudentError",
    "StudentTimeout",
    "Submission",
    "SubmissionError",
    "Tolerance",
    "Use",
    "WorkerDied",
    "as_array",
    "as_dict",
    "as_float",
    "as_int",
    "as_tuple",
    "away_from_kinks",
    "central_gradient",
    "central_gradient_of_changes",
    "check",
    "close",
    "describe",
    "mismatch",
    "mismatch_dict",
    "mismatch_steps",
    "relative_error",
    "require",
    "step_sizes",
    "uses_in",
    "which_mistake",
]


def check(
    module: str,
    namespace: dict[str, Any],
    exercise: str | None = None,
    *,
    course: str | os.PathLike[str] | None = None,
    public_only: bool = False,
) -> Points:
    """Run ``module``'s checks on the functions defined in ``namespace``; print the report.

    Returns the score as a ``Points`` (a float that nbgrader reads as the partial
    credit of an autograded cell) that also carries the whole result
    (``.checks``, ``.exercises``...).

    Example, in a notebook cell::

        from calcgrade import check
        check("m1_derivatives", globals(), exercise="derivative")
    """
    from .config import find_course, load_course
    from .nbgrader_support import Points, stderr_to_stdout
    from .report import print_report
    from .runner import Options, check_namespace

    location = course or os.environ.get("CALCGRADE_COURSE")
    loaded = load_course(Path(location) if location else find_course())
    with stderr_to_stdout():  # nbgrader zeroes a test cell that writes to stderr
        result = check_namespace(
            loaded, module, namespace, Options(exercise=exercise, public_only=public_only)
        )
    print_report(result)
    return Points(result)
