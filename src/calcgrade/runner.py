"""Grading one submission for one module: load the grader, run its checks, score.

The grader and the reference are imported here, in the trusted process; the
student's code is reached only through a ``Submission`` handle.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.util
import inspect
import sys
import textwrap
import time
import traceback
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from calcgrade_worker import wire

from .checks import CheckDef, CheckFailure, Context, Grader, running_check
from .config import Course, Tolerance
from .course_version import module_version
from .demo_cells import leave_out_demos
from .diagnosis import diagnose, explain, raised
from .errors import ConfigError, GradingError
from .forkserver import ForkServer
from .grader_validation import noted, unknown_hint_note, validated
from .grading_secret import seed_fingerprint
from .handle import (
    NotDefined,
    Record,
    StudentError,
    StudentTimeout,
    Submission,
    WorkerDied,
)
from .inprocess import InProcessTransport
from .relations import recognise
from .results import SLIP, CheckResult, ModuleResult, Status, summarise
from .sandbox import Worker, WorkerTransport
from .submission import SourceFile, read_submission

_loaded: dict[Path, ModuleType] = {}


def _import(path: Path, name: str) -> ModuleType:
    """Import the file ``path``, or the package in the folder ``path``, as ``name`` (a
    private name: its modules import each other relatively, as ``name.<module>``)."""
    if path in _loaded:
        return _loaded[path]
    if path.is_dir():
        init = path / "__init__.py"
        if not init.is_file():
            raise ConfigError(f"{path}: a folder without __init__.py")
        spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(path)]
        )
    elif path.is_file():
        spec = importlib.util.spec_from_file_location(name, path)
    else:
        raise ConfigError(f"{path}: file not found")
    if spec is None or spec.loader is None:
        raise ConfigError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    for stale in [key for key in sys.modules if key.startswith(f"{name}.")]:
        del sys.modules[stale]  # a package of that name from another course's folder
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    _loaded[path] = module
    return module


def load_grader(course: Course, module: str) -> Grader:
    """Import ``graders/<module>.py`` and check it against course_config.yml: its checks'
    exercises and ids, and the hint ids it can give (``calcgrade.grader_validation``)."""
    path = course.grader_path(module)
    loaded = _import(path, f"calcgrade_graders.{module}")
    grader = getattr(loaded, "grader", None)
    if not isinstance(grader, Grader):
        raise ConfigError(f"{path}: defines no `grader = Grader(...)`")
    validated(course, module, grader, path, vars(loaded))
    return grader


def load_reference(course: Course, module: str) -> ModuleType:
    return _import(course.reference_path(module), f"calcgrade_reference.{module}")


def check_rng(seed: int, module: str, check_id: str) -> np.random.Generator:
    """A generator per (seed, module, check): stable whatever checks run."""
    return np.random.default_rng([seed, zlib.crc32(module.encode()), zlib.crc32(check_id.encode())])


def _hidden_seed(course: Course, options: Options) -> int:
    return options.seed if options.seed is not None else course.spec.seed


@dataclass(frozen=True)
class Options:
    seed: int | None = None  # of the hidden checks (calcgrade.grading_secret); else the public one
    public_only: bool = False
    exercise: str | None = None
    isolation: str = "basic"
    run_demo_cells: bool = False  # else the course's unchanged demo cells are left out


def grade_file(
    course: Course,
    module: str,
    path: Path,
    options: Options = Options(),
    server: ForkServer | None = None,
    root: Path | None = None,
) -> ModuleResult:
    """Grade a submission file in a worker forked by ``server`` (started if not given);
    the file is read without following links (below ``root`` when given)."""
    course.module(module)
    return grade_source(course, module, read_submission(path, root), options, server)


def grade_source(
    course: Course,
    module: str,
    source: SourceFile,
    options: Options = Options(),
    server: ForkServer | None = None,
) -> ModuleResult:
    """Grade a submission already read, in a worker forked by ``server`` (started if
    not given)."""
    course.module(module)
    own_server = server is None
    if server is None:
        server = ForkServer(options.isolation)
    try:
        server.start()
        generation = server.generation
        result = _grade_source(course, module, source, options, server)
        if server.generation != generation:  # its worker may have gone with the server
            raise GradingError("the worker server stopped while grading")
        return result
    finally:
        if own_server:
            server.close()


def grade_batch_item(
    course: Course, module: str, source: SourceFile, options: Options, server: ForkServer
) -> ModuleResult:
    """Grade one submission of a batch: the one function every batch engine calls
    (threads on this machine, or a Dask worker). A server that stops under it is
    restarted and the submission graded once more; a second failure is raised."""
    for attempt in range(2):
        generation = server.generation
        try:
            return grade_source(course, module, source, options, server)
        except GradingError:
            server.restart(generation)  # unless another thread did already
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def _grade_source(
    course: Course, module: str, source: SourceFile, options: Options, server: ForkServer
) -> ModuleResult:
    limits = course.limits(module)
    budget = limits.submission_timeout_s

    def make_worker() -> Worker:
        return Worker(server, limits.memory_mb, int(budget) + 5, limits.output_kb)

    run = source if options.run_demo_cells else leave_out_demos(source, course.course_cells(module))
    transport = WorkerTransport(
        make_worker, run.load_message(), limits.call_timeout_s, limits.load_timeout_s
    )
    started = time.monotonic()
    transport.budget_deadline = started + budget
    notes = list(run.notes)
    try:
        loaded = _load(transport, run, notes)
        code = "\n".join(cell.source for cell in source.cells)
        cells = {cell.label: cell.source for cell in run.cells}
        submission = Submission(transport, loaded.names, code, cells)
        checks = _run_checks(course, module, submission, loaded, options, transport)
    finally:
        transport.close()
    return _result(
        course,
        module,
        checks,
        server.isolation,
        options,
        started,
        submission=str(source.path),
        sha256=source.sha256,
        notes=notes,
        output=transport.output(),
    )


@dataclass(frozen=True)
class _Loaded:
    """What loading left: the names defined, and why others may be missing."""

    names: dict[str, str]
    problem: str | None = None
    timed_out: bool = False


def _load(transport: WorkerTransport, source: SourceFile, notes: list[str]) -> _Loaded:
    """Start the worker and run the submission's code."""
    if source.problem:
        return _Loaded({}, source.problem)
    try:
        report = transport.load()
    except StudentTimeout as timeout:
        return _Loaded(
            {},
            f"your code did not finish running within {timeout.seconds:g} s "
            "(an endless loop or a long computation at top level?)",
            timed_out=True,
        )
    except WorkerDied as died:
        return _Loaded({}, f"running your code ended its process ({died.reason})")
    except wire.WireError as error:
        return _Loaded({}, f"running your code broke the connection to the grader ({error})")
    names = report.get("names") or {}
    if type(names) is not dict:
        raise GradingError("the worker sent a malformed load report")
    problems = [StudentError(error) for error in report.get("errors") or []]
    for problem in problems:
        notes.append(f"running your code raised {problem.describe()}")
    reason = f"your code raised {problems[0].describe()}" if problems else None
    return _Loaded({str(k): str(v) for k, v in names.items()}, reason)


def check_namespace(
    course: Course, module: str, namespace: dict[str, Any], options: Options = Options()
) -> ModuleResult:
    """Grade names already defined in ``namespace`` (a notebook's globals), in process."""
    limits = course.limits(module)
    transport = InProcessTransport(namespace, limits.call_timeout_s)
    names = {name: "value" for name in namespace if not name.startswith("_")}
    started = time.monotonic()
    cells = _sources(namespace)
    submission = Submission(transport, names, "\n\n".join(cells.values()), cells)
    checks = _run_checks(course, module, submission, _Loaded(names), options, None)
    return _result(course, module, checks, transport.isolation, options, started)


def _sources(namespace: dict[str, Any]) -> dict[str, str]:
    """The code of the functions and classes a notebook defined, for static checks."""
    cells = {}
    for name, value in namespace.items():
        if inspect.isfunction(value) or inspect.isclass(value):
            if value.__module__ != namespace.get("__name__", "__main__"):
                continue  # imported, not the learner's own
            with contextlib.suppress(OSError, TypeError):
                cells[f"your definition of {name}"] = textwrap.dedent(inspect.getsource(value))
    return cells


def _result(
    course: Course,
    module: str,
    checks: list[CheckResult],
    isolation: str,
    options: Options,
    started: float,
    submission: str = "",
    sha256: str = "",
    notes: Iterable[str] = (),
    output: str = "",
) -> ModuleResult:
    frozen = tuple(checks)
    return ModuleResult(
        module=module,
        score=round(sum(c.score for c in frozen), 6),
        max_score=round(sum(c.max_score for c in frozen), 6),
        isolation=isolation,
        checks=frozen,
        submission=submission,
        submission_sha256=sha256,
        course_version=module_version(course, module),
        course_path=str(course.root),
        seed_fingerprint=seed_fingerprint(_hidden_seed(course, options)),
        load_notes=tuple(notes),
        output=output,
        seconds=round(time.monotonic() - started, 3),
        exercises=summarise(frozen),
    )


def _run_checks(
    course: Course,
    module: str,
    submission: Submission,
    loaded: _Loaded,
    options: Options,
    transport: WorkerTransport | None,
) -> list[CheckResult]:
    """Run the grader's checks and return their results in the grader's order.

    The public checks run first, then the hidden ones: whatever the student's
    code keeps from a hidden check's inputs (a module-level list, say) cannot
    reach a public check's message, because every public check has run before
    any hidden input is sent.
    """
    grader = load_grader(course, module)
    reference = load_reference(course, module)
    spec = course.module(module)
    chosen = [
        (check, spec.exercises[check.exercise].checks[check.id])
        for check in grader.checks
        if not (
            options.public_only
            and spec.exercises[check.exercise].checks[check.id].visibility != "public"
        )
        and (options.exercise is None or check.exercise == options.exercise)
    ]
    ordered = sorted(chosen, key=lambda pair: pair[1].visibility != "public")  # stable
    done: dict[str, CheckResult] = {}
    diagnosing = SLIP_SECONDS_PER_SUBMISSION  # what is left of the diagnosis's time
    for check, check_spec in ordered:
        hidden = check_spec.visibility == "hidden"
        seed = _hidden_seed(course, options) if hidden else course.spec.seed
        context = Context(
            module=module,
            check_id=check.id,
            rng=check_rng(seed, module, check.id),
            tolerances=course.tolerances(module),
            reference=reference,
            hidden=hidden,
        )
        out_of_time = transport is not None and time.monotonic() >= transport.budget_deadline
        started = time.perf_counter()
        if loaded.timed_out:
            outcome = _Outcome("timeout", loaded.problem or "")
        elif out_of_time:
            outcome = _Outcome("timeout", "not run: the submission used up its time budget")
        else:
            with running_check(hidden):
                outcome = _run_one(check, submission, context, loaded.problem, grader)
            if outcome.status == "failed" and outcome.hint_id is None and outcome.records:
                began = time.monotonic()
                seconds = min(SLIP_SECONDS, diagnosing)
                if seconds > 0:
                    outcome = _diagnosed(course, module, reference, check, outcome, seconds)
                diagnosing -= time.monotonic() - began
        done[check.id] = CheckResult(
            id=check.id,
            exercise=check.exercise,
            score=check_spec.points if outcome.status == "passed" else 0.0,
            max_score=check_spec.points,
            status=outcome.status,
            message=outcome.detail if not hidden and outcome.detail else outcome.message,
            hint=outcome.hint or (grader.hints.get(outcome.hint_id) if outcome.hint_id else None),
            hint_id=outcome.hint_id,
            visibility=check_spec.visibility,
            detail=noted(outcome.detail or outcome.message, outcome.note)
            if outcome.note
            else outcome.detail,
            seconds=round(time.perf_counter() - started, 4),
            figures=tuple(context.figures),
            relation=(recognise(outcome.message) if outcome.status == "failed" else None),
        )
    return [done[check.id] for check, _ in chosen]


@dataclass
class _Outcome:
    status: Status
    message: str
    detail: str | None = None
    hint_id: str | None = None
    hint: str | None = None  # a hint's text made for this failure (a diagnosed slip)
    records: tuple[Record, ...] = ()  # the calls into student code of a failed check
    note: str | None = None  # for the instructor only: a fault of the grader's


def _diagnosed(
    course: Course,
    module: str,
    reference: ModuleType,
    check: CheckDef,
    outcome: _Outcome,
    seconds: float,
) -> _Outcome:
    """``outcome`` with the slip of the reference that reproduces the student's
    results as its hint, if there is one (``calcgrade.diagnosis``). The slips are
    made from the source of the ``reference`` module that the checks use."""
    try:
        found = diagnose(
            inspect.getsource(reference),
            list(course.module(module).exercises),
            check.exercise,
            outcome.records,
            SLIP_TOLERANCE,
            seconds,
        )
    except Exception:  # a hint is never worth a grade: the failure stands without one
        return outcome
    if not found:
        return outcome
    crashed = bool(outcome.records) and raised(outcome.records[-1])
    outcome.hint_id, outcome.hint = SLIP, explain(check.exercise, found, crashed)
    return outcome


# A slip reproduces the student's numbers when they agree this closely (its atol scaled by
# the size of the values): looser than rounding between ways of writing one formula,
# tighter than the checks' finite-difference tolerance, so that near-zero results of
# different slips stay apart.
SLIP_TOLERANCE = Tolerance(rtol=1e-6, atol=1e-10)
SLIP_SECONDS = 0.5  # the diagnosis of one failed check stops after this (then: no hint)
SLIP_SECONDS_PER_SUBMISSION = 3.0  # and of all the failed checks of one submission


def _run_one(
    check: CheckDef,
    submission: Submission,
    context: Context,
    load_problem: str | None,
    grader: Grader,
) -> _Outcome:
    submission.recording = []
    try:
        check.body(submission, context)
    except CheckFailure as failure:
        hint, note = failure.hint, None
        if failure.hint is not None and failure.hint not in grader.hints:  # graded: no hint
            hint, note = None, unknown_hint_note(grader.module, check.id, failure.hint)
        records = tuple(submission.recording) if hint is None else ()
        return _Outcome("failed", failure.message, failure.detail, hint, records=records, note=note)
    except NotDefined as missing:
        text = f"`{missing.name}` is not defined in your submission"
        if load_problem:
            text += f"; {load_problem}"
        return _Outcome("failed", text)
    except StudentError as error:
        name = f"`{error.call}`" if error.call else "your code"
        if error.not_implemented:
            return _Outcome(
                "failed", f"{name} is not implemented yet (it raises NotImplementedError)"
            )
        told = f"{name} raised {error.describe()}"
        records = tuple(submission.recording or ())  # the failing call's Record is last
        if context.hidden:
            withheld = f"{name} raised {_withheld(error, submission)}"
            return _Outcome("failed", withheld, told, records=records)
        return _Outcome("failed", told, records=records)
    except StudentTimeout as timeout:
        return _Outcome(
            "timeout",
            f"your code did not finish within {timeout.seconds:g} s "
            "(an endless loop, or far too many steps?); it was stopped",
        )
    except WorkerDied as died:
        told = f"your code ended its own process: {died.reason}"
        if context.hidden:
            return _Outcome("failed", f"your code ended its own process{WITHHELD}", told)
        return _Outcome("failed", told)
    except wire.WireError as error:
        told = f"your code sent data the grader cannot accept ({error})"
        if context.hidden:
            return _Outcome(
                "failed", f"your code sent data the grader cannot accept{WITHHELD}", told
            )
        return _Outcome("failed", told)
    except Exception:
        return _Outcome(
            "error",
            "the grader itself failed on this check; tell your instructor",
            traceback.format_exc(limit=8),
        )
    finally:
        submission.recording = None
    return _Outcome("passed", check.description)


WITHHELD = " (the details are withheld because this check is hidden)"
BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)


def _withheld(error: StudentError, submission: Submission) -> str:
    """A hidden check's exception without the student's text: the exception's type if
    it is a built-in one, and the line of the submission, quoted from the grader's own
    copy (the message, the frames and a custom class name could all carry the check's
    hidden inputs)."""
    kind = error.type_name if error.type_name in BUILTIN_EXCEPTIONS else "an exception"
    frame = error.syntax or (error.frames[-1] if error.frames else None)
    line = frame.get("line") if type(frame) is dict else None
    where = submission.line_of(str(frame.get("file")), line) if type(frame) is dict else None
    place = f" at {where}" if where else ""
    return f"{kind}{place}; its message is withheld because this check is hidden"
