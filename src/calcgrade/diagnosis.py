"""Diagnosis by slips: which one small change of the reference gives the student's numbers.

When a check fails and no mistake of the grader's catalogue explains it, the
calls the check made into the student's code (``Submission.recording``) are
replayed on the slips of the trusted reference (``calcgrade.slips``): the
reference with one operator, constant, transpose, axis, reduction, default,
loop bound or statement changed. A slip that gives the student's results on
every call the check made, where the reference itself does not, names the
mistake and where it is: "where the correct code computes `x + h`, yours
computes `x - h`". When no slip does, or more than ``MAX_NAMED`` different
ones do, nothing is said: the diagnosis never guesses.

Everything here runs in the grader's process on the grader's code (the
reference and its slips); the student's code is never called again. Each
search has a deadline, enforced line by line inside the slips' own code, so a
slip that loops forever ends the search (with no diagnosis), not the batch.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

import numpy as np

from .config import Tolerance
from .handle import PLAN, Raised, Record, RemoteObject
from .numerics import close, scaled_for_differences
from .slips import Slip, slips

MAX_NAMED = 3  # more slips than this explain the numbers: say nothing
MAX_CALLS = 40  # calls replayed per check at most (the first ones)
FILENAME = "<calcgrade reference slip>"


class _OutOfTime(Exception):
    pass


@dataclass(frozen=True)
class _Model:
    slip: Slip | None  # None: the reference itself
    code: CodeType


@dataclass(frozen=True)
class _Catalogue:
    reference: _Model
    by_scope: dict[str, list[_Model]]
    owner: dict[str, str]  # method exercise -> the class that holds it
    helpers: tuple[str, ...]  # top-level functions and classes outside the contract


_CACHE: dict[str, _Catalogue] = {}
_LOCK = threading.Lock()


def _catalogue(source: str, contract: Sequence[str]) -> _Catalogue:
    """The reference and its slips, compiled once per source text and contract."""
    key = hashlib.sha256(("\0".join([source, *contract])).encode()).hexdigest()
    with _LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    tree = ast.parse(source)
    helpers = tuple(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name not in contract
    )
    by_scope: dict[str, list[_Model]] = {}
    for slip in slips(source, [*contract, *helpers]):
        try:
            code = compile(slip.source, FILENAME, "exec")
        except SyntaxError:
            continue
        by_scope.setdefault(slip.scope, []).append(_Model(slip, code))
    catalogue = _Catalogue(
        reference=_Model(None, compile(source, FILENAME, "exec")),
        by_scope=by_scope,
        owner=_method_owners(tree, contract),
        helpers=helpers,
    )
    with _LOCK:
        _CACHE[key] = catalogue
    return catalogue


def _method_owners(tree: ast.Module, contract: Sequence[str]) -> dict[str, str]:
    """Exercise -> its class, for the exercises that are methods (m6's `train`), not
    top-level functions as well (m3's `relu` is one; `Value.relu` belongs to `Value`)."""
    top = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    owners = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = [item.name for item in node.body if isinstance(item, ast.FunctionDef)]
            for name in methods:
                if name in contract and name not in top:
                    owners[name] = node.name
    return owners


def diagnose(
    source: str,
    contract: Sequence[str],
    exercise: str,
    records: Sequence[Record],
    tol: Tolerance,
    seconds: float,
) -> list[Slip] | None:
    """The slips of ``exercise`` (or of a helper of the reference outside the
    contract) in the reference ``source`` that reproduce the student's results
    of ``records``, where the reference does not; None when
    there is nothing to replay, the reference reproduces them, the search ran
    out of ``seconds``, or more than MAX_NAMED different slips fit."""
    catalogue = _catalogue(source, contract)
    target = catalogue.owner.get(exercise, exercise)
    histories = _histories(records, target)
    if not histories:
        return None
    deadline = time.monotonic() + seconds
    try:
        with _deadline(deadline):
            if _reproduces(catalogue.reference, target, histories, tol):
                return None
            found: list[Slip] = []
            scopes = [exercise, *catalogue.helpers]  # a helper's slip shows in its callers
            for model in (m for scope in scopes for m in catalogue.by_scope.get(scope, [])):
                if _reproduces(model, target, histories, tol):
                    assert model.slip is not None
                    found.append(model.slip)
    except _OutOfTime:
        return None
    named = {(slip.changed, slip.replacement) for slip in found}
    return found if 0 < len(named) <= MAX_NAMED else None


def explain(exercise: str, found: Sequence[Slip], raised: bool = False) -> str:
    """The hint for slips found by ``diagnose``: what changed, in the reference's words
    (``raised``: the student's code raised, and the slips raise the same error)."""
    phrases = list(dict.fromkeys(_phrase(slip, exercise) for slip in found))
    if raised:
        head = f"A correct `{exercise}` raises this same error with one small change"
    else:
        head = f"Your results match a correct `{exercise}` with one small change"
    if len(phrases) == 1:
        return f"{head}: {phrases[0]}. Find that spot in your code."
    listed = "; ".join(f"({n}) {phrase}" for n, phrase in enumerate(phrases, 1))
    return f"{head}, one of these: {listed}. Find that spot in your code."


def _phrase(slip: Slip, exercise: str) -> str:
    changed, new = _one_line(slip.changed), _one_line(slip.replacement)
    where = "" if slip.scope == exercise else f" (in `{slip.scope}`)"
    if slip.kind == "delete":
        return f"the step `{changed}`{where} is missing"
    if slip.kind == "default":
        return f"a default argument{where} is {new} instead of {changed}"
    if slip.kind == "augassign":
        return f"`{changed}`{where} is written `{new}`"
    return f"where the correct code{where} computes `{changed}`, yours computes `{new}`"


def _one_line(code: str) -> str:
    text = " ".join(code.split())
    return text if len(text) <= 120 else text[:117] + "..."


# ----------------------------------------------------------------- replaying


@dataclass(frozen=True)
class _History:
    """Calls to replay together: one function call, an object's life, or a plan."""

    make: Record | None  # the constructor call of an object, if any
    calls: tuple[Record, ...]
    plan: bool = False
    # the constructor calls of the fresh student objects a function call was given: the
    # replay gives it the reference's objects made the same way instead
    stand_ins: tuple[Record, ...] = ()


def _histories(records: Sequence[Record], target: str) -> list[_History]:
    """The calls of ``records`` about ``target`` (a function or a class) that can be
    replayed: their arguments are plain data or grader functions, or (a call of the
    function ``target``) student objects that nothing used before, each made by a
    recorded constructor call with plain arguments (the reference's own objects, made
    the same way, stand in for them)."""
    histories: list[_History] = []
    objects: dict[int, list[Record]] = {}
    makers: dict[int, Record] = {}
    made_by: dict[int, Record] = {}  # fresh student objects -> their constructor call
    for record in records[:MAX_CALLS]:
        if type(record.target) is int:
            made_by.pop(record.target, None)  # used: its state is the student's now
        if record.target == PLAN:
            if _plan_replayable(record, target):
                histories.append(_History(None, (record,), plan=True))
        elif record.sent is not None and _holds_object(record.arguments()):
            refs = _refs(record.arguments())
            if record.target == target and record.method is None and set(refs) <= set(made_by):
                stand_ins = tuple(made_by[ref] for ref in refs)
                histories.append(_History(None, (record,), stand_ins=stand_ins))
            for ref in refs:
                made_by.pop(ref, None)
            continue
        elif record.target == target and record.method is None:
            if type(record.value) is RemoteObject:
                makers[record.value.ref] = record
                objects[record.value.ref] = []
            else:
                histories.append(_History(None, (record,)))
        elif type(record.target) is int and record.target in objects:
            objects[record.target].append(record)
        if (
            type(record.target) is str
            and record.method is None
            and type(record.value) is RemoteObject
            and not (record.sent is not None and _holds_object(record.arguments()))
        ):
            made_by[record.value.ref] = record
    histories += [_History(makers[ref], tuple(calls)) for ref, calls in objects.items() if calls]
    return histories


def _refs(value: Any) -> list[int]:
    """The student objects in ``value`` (nested in dicts, lists and tuples), in order."""
    if type(value) is RemoteObject:
        return [value.ref]
    items = value.values() if type(value) is dict else value if type(value) in (list, tuple) else ()
    return list(dict.fromkeys(ref for item in items for ref in _refs(item)))


def _swapped(value: Any, objects: Mapping[int, Any]) -> Any:
    """``value`` with each student object replaced by its stand-in of ``objects``."""
    if type(value) is RemoteObject:
        return objects[value.ref]
    if type(value) is dict:
        return {key: _swapped(item, objects) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_swapped(item, objects) for item in value)
    return value


def _plan_replayable(record: Record, target: str) -> bool:
    steps = record.sent
    if type(steps) is not list or type(record.value) is not list:
        return False
    made = False
    unknown = list(range(len(steps)))  # stand-ins for the steps' values
    for step in steps:
        where = step.get("target") or {}
        if "ref" in where:
            return False  # an object made before the plan: not replayed
        made |= where.get("name") == target and step.get("attr") is None
        if _holds_object(record.decoded([step.get("args"), step.get("kwargs")], unknown)):
            return False
    return made


def _holds_object(value: Any) -> bool:
    if type(value) is RemoteObject:
        return True
    if type(value) is dict:
        return any(_holds_object(item) for item in value.values())
    if type(value) in (list, tuple):
        return any(_holds_object(item) for item in value)
    return False


def _reproduces(model: _Model, target: str, histories: Sequence[_History], tol: Tolerance) -> bool:
    namespace: dict[str, Any] = {"__name__": "calcgrade_reference_slip"}
    try:
        with np.errstate(all="ignore"):
            exec(model.code, namespace)  # the grader's own reference, with one slip
            return all(_replay(namespace, target, history, tol) for history in histories)
    except _OutOfTime:
        raise
    except Exception:
        return False


def _replay(namespace: dict[str, Any], target: str, history: _History, tol: Tolerance) -> bool:
    if history.plan:
        return _replay_plan(namespace, history.calls[0], tol)
    if history.make is None:
        (record,) = history.calls
        objects = {}
        for maker in history.stand_ins:
            args, kwargs = maker.arguments()
            objects[maker.value.ref] = namespace[str(maker.target)](*args, **kwargs)
        return _call_matches(namespace[target], record, tol, objects)
    args, kwargs = history.make.arguments()
    obj = namespace[target](*args, **kwargs)
    for record in history.calls:
        name = str(record.method)
        if name.startswith("="):
            setattr(obj, name[1:], record.arguments()[0][0])
        elif name.startswith("."):
            if not _same(record.value, getattr(obj, name[1:]), tol):
                return False
        elif not _call_matches(getattr(obj, name), record, tol):
            return False
    return True


def _replay_plan(namespace: dict[str, Any], record: Record, tol: Tolerance) -> bool:
    """Run a plan's steps on the model; each step that ran for the student must agree."""
    results: list[Any] = []
    for step, student in zip(record.sent, record.value, strict=False):
        where = step["target"]
        args = tuple(record.decoded(step["args"], results))
        kwargs = dict(record.decoded(step["kwargs"], results))
        subject = namespace[where["name"]] if "name" in where else results[where["step"]]

        if type(student) is Raised:  # the student's step raised: the plan ends there
            return _raises_alike(functools.partial(_step, step, subject), args, kwargs, student)
        value = _step(step, subject, *args, **kwargs)
        results.append(value)
        if not _same(student, value, tol):
            return False
    return True


def _step(step: dict[str, Any], subject: Any, *args: Any, **kwargs: Any) -> Any:
    """One step of a plan on the model: read an attribute, or call."""
    if step["do"] == "get":
        return getattr(subject, step["attr"])
    if step["attr"] is None:
        return subject(*args, **kwargs)
    return getattr(subject, step["attr"])(*args, **kwargs)


def raised(record: Record) -> bool:
    """Whether the student's code raised in the call (or the plan step) recorded last."""
    value = record.value
    return type(value) is Raised or (
        type(value) is list and bool(value) and type(value[-1]) is Raised
    )


def _call_matches(
    function: Callable[..., Any], record: Record, tol: Tolerance, objects: Mapping[int, Any] = {}
) -> bool:
    args, kwargs = record.arguments()
    if objects:  # the reference's stand-ins for the student's objects
        args, kwargs = _swapped(args, objects), _swapped(kwargs, objects)
    if type(record.value) is Raised:
        return _raises_alike(function, args, kwargs, record.value)
    value = function(*args, **kwargs)
    if not _same(record.value, value, tol):
        return False
    if record.after is None:
        return True
    return all(
        _same(student, model, tol)
        for student, model in zip(record.after, args, strict=False)
        if isinstance(student, np.ndarray | dict | list)
    )


def _raises_alike(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], raised: Raised
) -> bool:
    """Whether the model, called as the student's code was, raises what it raised: the
    same exception type and the same message (both compared, never shown)."""
    try:
        function(*args, **kwargs)
    except _OutOfTime:
        raise
    except Exception as error:
        return type(error).__name__ == raised.type_name and str(error) == raised.message
    return False


def _same(student: Any, model: Any, tol: Tolerance) -> bool:
    """Whether a student's result equals a model's, within ``tol`` for numbers."""
    if type(student) is RemoteObject:
        return True  # an object (self, a node): its numbers are compared elsewhere
    if student is None or model is None or isinstance(student, str | bytes):
        return bool(student is model or student == model)
    if type(student) is dict:
        return (
            isinstance(model, dict)
            and set(student) == set(model)
            and all(_same(student[key], model[key], tol) for key in student)
        )
    if type(student) in (list, tuple) and not isinstance(model, np.ndarray):
        return (
            isinstance(model, list | tuple)
            and len(student) == len(model)
            and all(_same(s, m, tol) for s, m in zip(student, model, strict=True))
        )
    try:
        got = np.asarray(student, dtype=np.float64)
        expected = np.asarray(model, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if got.shape != expected.shape:
        return False
    finite = np.isfinite(expected)
    if not np.array_equal(finite, np.isfinite(got)):
        return False
    alike = np.where(finite, False, (got == expected) | (np.isnan(got) & np.isnan(expected)))
    scale = expected[finite] if finite.any() else np.zeros(1)
    near = close(got, np.where(finite, expected, 0.0), scaled_for_differences(tol, scale))
    return bool(np.where(finite, near, alike).all())


@contextmanager
def _deadline(deadline: float) -> Iterator[None]:
    """Raise _OutOfTime inside the slips' code (line by line) once ``deadline`` passes."""

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _OutOfTime
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == FILENAME:
            return local(frame, event, arg)
        return None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        yield
    finally:
        sys.settrace(previous)
