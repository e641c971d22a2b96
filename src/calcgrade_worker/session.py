"""Runs a submission's code and answers the grader's requests about it.

A ``Session`` owns the submission's namespace and the objects it handed out by
reference. It is used by the sandboxed worker (``serve``) and, for the
in-notebook check on a learner's own machine, directly in process. Requests
and replies are already-encoded wire data (see ``wire``), so both paths share
the same copying and validation.
"""

from __future__ import annotations

import builtins
import linecache
import sys
import time
import traceback
import types
from collections.abc import Callable
from typing import Any

from . import wire

Callback = Callable[[int, tuple[Any, ...], dict[str, Any]], Any]

MAX_TEXT = 600
SUBMISSION_MODULE = "submission"


class CallbackFailed(RuntimeError):
    """Raised in student code when a function the grader passed could not run."""


def _text(obj: object, limit: int = MAX_TEXT) -> str:
    try:
        text = str(obj)
    except Exception as error:  # a hostile __str__ must not break the worker
        text = f"[str failed for {type(obj).__name__}: {type(error).__name__}]"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(value: object) -> str:
    if isinstance(value, type):
        return "class"
    if callable(value):
        return "function"
    return "value"


def _fake_calcgrade() -> types.ModuleType:
    """What ``import calcgrade`` gives a submission: check cells do nothing here, and
    the interactive views of ``calcgrade.views`` draw nothing."""
    module = types.ModuleType("calcgrade", "Grading happens outside this process.")
    module.check = lambda *args, **kwargs: None  # type: ignore[attr-defined]
    module.__path__ = []  # a package, so that ``calcgrade.views`` imports
    views = types.ModuleType("calcgrade.views", "No views while grading.")
    views.__getattr__ = lambda name: _NoViews()  # type: ignore[method-assign]
    module.views = views  # type: ignore[attr-defined]
    return module


class _NoViews:
    """A module of views while grading: every view is there, and does nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class Session:
    """A submission's namespace plus the request handlers of the protocol."""

    def __init__(self, namespace: dict[str, Any] | None = None) -> None:
        self.namespace: dict[str, Any] = namespace if namespace is not None else {}
        self.objects: dict[int, Any] = {}
        self.filenames: set[str] = set()
        self.callback: Callback | None = None

    # -- loading -------------------------------------------------------------

    def load(self, cells: list[dict[str, Any]], stop_on_error: bool) -> dict[str, Any]:
        """Execute the submission's code cells; report names and errors."""
        sys.modules["calcgrade"] = _fake_calcgrade()
        sys.modules["calcgrade.views"] = sys.modules["calcgrade"].views
        module = types.ModuleType(SUBMISSION_MODULE)
        self.namespace = module.__dict__
        self.namespace["__builtins__"] = builtins
        sys.modules[SUBMISSION_MODULE] = module
        errors = []
        for cell in cells:
            label, source = str(cell["label"]), str(cell["source"])
            self.filenames.add(label)
            linecache.cache[label] = (len(source), None, source.splitlines(True), label)
            try:
                code = compile(source, label, "exec")
                exec(code, self.namespace)
            except BaseException as error:  # SystemExit and KeyboardInterrupt too
                errors.append(self._error(error))
                if stop_on_error:
                    break
        names = {
            name: _describe(value)
            for name, value in list(self.namespace.items())
            if not name.startswith("__")
        }
        return {"kind": "loaded", "names": names, "errors": errors}

    # -- requests ------------------------------------------------------------

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one request: call, plan, get, set or modules."""
        op = request.get("op")
        started = time.perf_counter()
        try:
            if op == "call":
                reply = self._call(request)
            elif op == "plan":
                reply = self._plan(request)
            elif op == "get":
                target = self._target(request["target"])
                reply = {"value": self._out(getattr(target, str(request["attr"])))}
            elif op == "modules":
                reply = {"value": sorted(name for name in list(sys.modules) if type(name) is str)}
            elif op == "set":
                target = self._target(request["target"])
                setattr(target, str(request["attr"]), self._in(request["value"]))
                reply = {"value": None}
            else:
                raise wire.WireError(f"unknown operation {op!r}")
        except wire.WireError:
            raise
        except BaseException as error:
            reply = {"ok": False, "error": self._error(error)}
        reply.setdefault("ok", True)
        reply["kind"] = "result"
        reply["seconds"] = time.perf_counter() - started
        return reply

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        target = self._target(request["target"])
        attr = request.get("attr")
        function = target if attr is None else getattr(target, str(attr))
        args, kwargs = self._arguments(request)
        if "vary" in request:  # one call per changed entry, the arguments sent once
            return {"value": self._out(self._varied(function, args, kwargs, request))}
        before = [dict(arg) if type(arg) is dict else None for arg in args]
        result = function(*args, **kwargs)
        reply = {"value": self._out(result)}
        if request.get("keep"):
            reply["args"] = self._out(args)
            reply["kwargs"] = self._out(kwargs)
            # for each dict argument: which of its values are still the very same objects
            reply["same"] = [
                None if old is None else {str(k): k in arg and arg[k] is v for k, v in old.items()}
                for arg, old in zip(args, before, strict=True)
            ]
        return reply

    def _arguments(
        self, message: dict[str, Any], steps: list[Any] | None = None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The positional and keyword arguments of a call (or of a plan step)."""
        args = self._in(message.get("args", {"t": []}), steps)
        kwargs = self._in(message.get("kwargs", {"d": {}}), steps)
        if type(args) is not tuple or type(kwargs) is not dict:
            raise wire.WireError("call needs a tuple of args and a dict of kwargs")
        return args, kwargs

    def _varied(
        self,
        function: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        request: dict[str, Any],
    ) -> list[Any]:
        """Call ``function`` once per change, each time on a fresh copy of the
        arguments in which the array at ``at`` has one entry (by flat index) set
        to a new value; with ``pick``, keep only ``result[pick]`` of each result."""
        vary = request["vary"]
        if type(vary) is not dict:
            raise wire.WireError("vary needs the changes")
        at, indices, values = (
            vary.get("at"),
            self._in(vary.get("index")),
            self._in(vary.get("value")),
        )
        pick = request.get("pick")
        if (
            type(at) is not list
            or not all(type(key) in (int, str) for key in at)
            or type(indices) is not list
            or type(values) is not list
            or len(indices) != len(values)
            or not all(type(i) is int for i in indices)
            or not all(type(v) is float for v in values)
            or (pick is not None and type(pick) not in (int, str))
        ):
            raise wire.WireError("malformed changes")
        results = []
        for index, value in zip(indices, values, strict=True):
            call_args = wire.copy_plain(args)
            target = call_args
            try:
                for key in at:
                    target = target[key]
                target.flat[index] = value
            except (IndexError, KeyError, TypeError, AttributeError):
                raise wire.WireError(f"no array entry {index} at {at}") from None
            result = function(*call_args, **wire.copy_plain(kwargs))
            results.append(result if pick is None else result[pick])
        return results

    def _plan(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run steps in order, each a call or an attribute read, in one round trip.

        A step's target and arguments may be the results of earlier steps. The
        first step that raises ends the plan: the reply holds the results so far
        and the error, with the index of its step.
        """
        steps = request.get("steps")
        if type(steps) is not list:
            raise wire.WireError("a plan needs a list of steps")
        results: list[Any] = []
        for index, step in enumerate(steps):
            if type(step) is not dict or step.get("do") not in ("call", "get"):
                raise wire.WireError("a plan step must be a call or a get")
            target = self._target(step.get("target"), results)
            attr = step.get("attr")
            args, kwargs = self._arguments(step, results)
            try:
                if step["do"] == "get":
                    results.append(getattr(target, str(attr)))
                else:
                    function = target if attr is None else getattr(target, str(attr))
                    results.append(function(*args, **kwargs))
            except BaseException as error:  # the student's code raised: the plan stops here
                failed = {"step": index, "error": self._error(error)}
                return {"value": self._out(results), "failed": failed}
        return {"value": self._out(results)}

    def _target(self, spec: Any, steps: list[Any] | None = None) -> Any:
        if type(spec) is not dict:
            raise wire.WireError("bad call target")
        if "step" in spec:  # the result of an earlier step of a plan
            return wire.plan_step(steps, spec["step"])
        if "name" in spec:
            name = str(spec["name"])
            if name not in self.namespace:
                raise NameError(f"name {name!r} is not defined")
            return self.namespace[name]
        ref = spec.get("ref")
        if type(ref) is not int or ref not in self.objects:
            raise wire.WireError(f"unknown object reference {ref!r}")
        return self.objects[ref]

    # -- conversion ----------------------------------------------------------

    def _keep(self, value: Any) -> dict[str, Any]:
        ref = len(self.objects) + 1
        self.objects[ref] = value
        return {"r": ref, "type": _text(type(value).__name__, 200)}

    def _out(self, value: Any) -> Any:
        return wire.encode(value, self._keep)

    def _in(self, data: Any, steps: list[Any] | None = None) -> Any:
        return wire.decode(data, self._resolve, self._stub, steps=steps)

    def _resolve(self, ref: int, type_name: str) -> Any:
        if ref not in self.objects:
            raise wire.WireError(f"unknown object reference {ref}")
        return self.objects[ref]

    def _stub(
        self, callable_id: int, known: dict[tuple[Any, ...], Any] | None
    ) -> Callable[..., Any]:
        session = self
        answers = known or {}

        def grader_function(*args: Any, **kwargs: Any) -> Any:
            key = None if kwargs else wire.answer_key(args)
            if key in answers:  # a point the grader answered in advance
                return answers[key]
            if session.callback is None:
                raise CallbackFailed("this function can only be called while grading")
            return session.callback(callable_id, args, kwargs)

        return grader_function

    def call_back(self, send_and_wait: Callable[[dict[str, Any]], dict[str, Any]]) -> Callback:
        """Make the callback that forwards calls of grader functions."""

        def callback(callable_id: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            reply = send_and_wait(
                {
                    "kind": "callback",
                    "id": callable_id,
                    "args": self._out(args),
                    "kwargs": self._out(kwargs),
                }
            )
            if reply.get("op") == "return":
                return self._in(reply.get("value"))
            raise CallbackFailed(_text(reply.get("message", "the grader's function failed")))

        return callback

    # -- errors --------------------------------------------------------------

    def _error(self, error: BaseException) -> dict[str, Any]:
        frames = []
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename in self.filenames:
                frames.append(
                    {
                        "file": frame.filename,
                        "line": frame.lineno or 0,
                        "function": frame.name,
                        "code": _text(frame.line or "", 200),
                    }
                )
        return {
            "type": _text(type(error).__name__, 100),
            "message": _text(error),
            "frames": frames[-5:],
            "syntax": _syntax(error),
        }


def _syntax(error: BaseException) -> dict[str, Any] | None:
    if not isinstance(error, SyntaxError):
        return None
    return {
        "file": _text(error.filename or "", 200),
        "line": error.lineno or 0,
        "offset": error.offset or 0,
        "code": _text((error.text or "").rstrip(), 200),
    }
