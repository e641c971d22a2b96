"""The submission handle: the only way a grader touches student code.

A grader calls functions, makes instances, calls methods and gets or sets
attributes through a ``Submission``. Arguments and results cross as plain data
(see ``calcgrade_worker.wire``), both when the code runs in a sandboxed worker
and when it runs in the learner's own notebook, so graders behave the same on
both sides. A callable passed as an argument stays with the grader: the student
receives a stand-in that calls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from calcgrade_worker import wire

from .errors import GradingError

Message = dict[str, Any]


class Transport(Protocol):
    """Carries one request to the student's code and brings back its reply."""

    generation: int

    def request(self, message: Message, on_callback: Callable[[Message], Message]) -> Message:
        """Send ``message``; answer callbacks until the result arrives."""
        ...


class RemoteObject:
    """An object that lives with the student's code (an instance, a node...)."""

    def __init__(self, ref: int, type_name: str, generation: int) -> None:
        self.ref = ref
        self.type_name = type_name
        self.generation = generation

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


@dataclass(frozen=True)
class Raised:
    """What a recorded call into student code raised instead of returning a value."""

    type_name: str
    message: str


@dataclass(frozen=True)
class Called:
    """A call's result together with its arguments as they are after the call.

    ``same[i]``, for a dict given as the i-th positional argument, says for each
    of its keys whether the value is still the very object it was before the
    call (an optimizer's ``step`` must update the arrays of ``params`` in place,
    not put new arrays in their place); None for other arguments.
    """

    value: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    same: tuple[dict[str, bool] | None, ...] = ()


@dataclass(frozen=True)
class Record:
    """One call into student code, kept while a check runs (``Submission.recording``),
    for the diagnosis to replay on models of mistakes (``calcgrade.diagnosis``).

    ``target`` is a top-level name, or the number of a student object whose
    method ``method`` was called (``.name``: an attribute read, ``=name``: an
    attribute set to the one argument), or ``PLAN`` for a plan (``sent`` holds
    its steps, as sent; ``value`` the values of the steps that ran). ``sent`` is
    the arguments as they were sent (encoded ``[args, kwargs]``: the wire's
    form, so recording copies nothing), ``callbacks`` the grader functions they
    name, ``value`` the result and ``after`` the arguments after the call (for
    calls that kept them). ``Record.of`` makes one from plain arguments.
    """

    target: str | int
    method: str | None
    sent: Any
    value: Any
    after: tuple[Any, ...] | None = None
    callbacks: Mapping[int, Callable[..., Any]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        target: str | int,
        method: str | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        value: Any,
        after: tuple[Any, ...] | None = None,
    ) -> Record:
        callbacks: dict[int, Callable[..., Any]] = {}

        def fallback(item: Any) -> Any:
            if type(item) is RemoteObject:
                return {"r": item.ref, "type": item.type_name}
            if callable(item):
                callbacks[len(callbacks) + 1] = item
                return {"c": len(callbacks)}
            raise GradingError(f"cannot record {type(item).__name__}")

        sent = wire.encode([tuple(args), dict(kwargs)], fallback)
        return cls(target, method, sent, value, after, callbacks)

    def decoded(self, data: Any, steps: list[Any] | None = None) -> Any:
        """Fresh copies of encoded values of this record: arrays are new arrays, grader
        functions themselves, student objects ``RemoteObject``s, earlier plan steps
        their values in ``steps``."""

        def on_ref(ref: int, type_name: str) -> RemoteObject:
            return RemoteObject(ref, type_name, -1)

        def on_callable(callback_id: int, known: Any) -> Any:
            function = self.callbacks.get(callback_id)
            if function is None:
                raise wire.WireError("unknown callable reference")
            return function

        return wire.decode(data, on_ref, on_callable, steps=steps)

    def arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Fresh copies of the arguments: (args, kwargs)."""
        args, kwargs = self.decoded(self.sent)
        return tuple(args), dict(kwargs)


PLAN = "<plan>"


@dataclass(frozen=True)
class Answered:
    """A grader function sent together with its answers at some points.

    For scalar functions that student code calls many times (the links of a
    chain): a call with the positional numbers of one of the ``answers`` is
    answered in the student's process without a round trip; any other call
    comes back to ``function`` as usual. Build it with ``Answered.at``.
    """

    function: Callable[..., Any]
    answers: Mapping[tuple[float, ...], float]

    @classmethod
    def at(cls, function: Callable[[float], Any], points: Iterable[float]) -> Answered:
        """``function`` with its answers at ``points`` (where it gives a plain number)."""
        answers: dict[tuple[float, ...], float] = {}
        for x in points:
            try:
                value = function(x)
            except Exception:  # the student's call will come back and raise the same
                continue
            if type(value) in (int, float) and type(x) in (int, float):
                answers[(x,)] = value
        return cls(function, answers)


class StudentError(Exception):
    """Student code raised an exception."""

    def __init__(self, error: Message) -> None:
        self.type_name = str(error.get("type", "Exception"))
        self.message = str(error.get("message", ""))
        self.frames: list[Message] = list(error.get("frames", []))
        self.syntax: Message | None = error.get("syntax")
        self.call = ""
        super().__init__(self.describe())

    @property
    def not_implemented(self) -> bool:
        return self.type_name == "NotImplementedError"

    def where(self) -> str:
        """The innermost place in the student's code, as 'file, line N, in f: `code`'."""
        if self.syntax:
            place = f"{self.syntax['file']}, line {self.syntax['line']}"
            return f"{place}: `{self.syntax['code']}`" if self.syntax["code"] else place
        if not self.frames:
            return ""
        frame = self.frames[-1]
        place = f"{frame['file']}, line {frame['line']}, in {frame['function']}"
        return f"{place}: `{frame['code']}`" if frame.get("code") else place

    def describe(self) -> str:
        text = f"{self.type_name}: {self.message}" if self.message else self.type_name
        where = self.where()
        return f"{text} ({where})" if where else text


class NotDefined(Exception):
    """The submission does not define a name the grader needs."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"{name!r} is not defined")


class StudentTimeout(Exception):
    """Student code ran past its deadline and was stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"did not finish within {seconds:g} s")


class WorkerDied(Exception):
    """The student's process ended in the middle of a call."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _same(reply: Any, args: tuple[Any, ...]) -> tuple[dict[str, bool] | None, ...]:
    """The worker's identity report, validated against the arguments that were sent."""
    if type(reply) is not list or len(reply) != len(args):
        raise wire.WireError("the worker sent a malformed identity report")
    same: list[dict[str, bool] | None] = []
    for entry, arg in zip(reply, args, strict=True):
        if type(arg) is not dict:
            if entry is not None:
                raise wire.WireError("the worker sent a malformed identity report")
            same.append(None)
        elif (
            type(entry) is dict
            and all(type(k) is str and type(v) is bool for k, v in entry.items())
            and set(entry) == {str(key) for key in arg}
        ):
            same.append(dict(entry))
        else:
            raise wire.WireError("the worker sent a malformed identity report")
    return tuple(same)


class Submission:
    """What a grader holds: the student's top-level names, callable through a transport."""

    def __init__(
        self,
        transport: Transport,
        names: dict[str, str],
        source: str = "",
        cells: Mapping[str, str] | None = None,
    ) -> None:
        self._transport = transport
        self.names = dict(names)
        self.source = source
        self._cells = dict(cells or {})  # label -> code, the grader's copy of what runs
        self.recording: list[Record] | None = None  # calls kept while a check runs

    @property
    def cells(self) -> dict[str, str]:
        """The submission's code cells, label -> code (for static checks: ``source_scan``)."""
        return dict(self._cells)

    def line_of(self, label: str, line: object) -> str | None:
        """'label, line N: `code`' from the grader's own copy of the submission, or None
        when ``label`` and ``line`` (which the student's process reported) name no line."""
        lines = self._cells.get(label, "").splitlines()
        if type(line) is not int or not 1 <= line <= len(lines):
            return None
        code = lines[line - 1].strip()
        return f"{label}, line {line}: `{code[:200]}`" if code else f"{label}, line {line}"

    def imported_modules(self) -> list[str]:
        """The names of the modules loaded in the student's process so far."""
        reply = self._request({"op": "modules"}, {})
        names = self._decode(reply.get("value"), {})
        if type(names) is not list or not all(type(name) is str for name in names):
            raise wire.WireError("the worker sent a malformed module list")
        return names

    def plan(self) -> Plan:
        """Calls to record now and send in one round trip (see ``Plan``)."""
        return Plan(self)

    def defines(self, name: str) -> bool:
        """Whether the submission defines ``name`` at top level."""
        return name in self.names

    # -- calls ---------------------------------------------------------------

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the student's top-level function (or class) ``name``."""
        return self._call(self._name(name), None, args, kwargs, keep=False).value

    def call_keep(self, name: str, *args: Any, **kwargs: Any) -> Called:
        """Like ``call``, and also return the arguments as they are afterwards."""
        return self._call(self._name(name), None, args, kwargs, keep=True)

    def call_varied(
        self,
        name: str,
        args: tuple[Any, ...],
        at: tuple[int | str, ...],
        changes: list[tuple[int, float]],
        pick: int | str | None = None,
    ) -> list[Any]:
        """Call ``name`` once per change, in one round trip; the results in order.

        Each call gets a fresh copy of ``args`` in which the array at ``at`` (an
        index into ``args``, then keys or indices inside it) has one entry, given
        by its flat index, set to a new value. For finite differences: the
        arguments cross once, not once per point. With ``pick``, only
        ``result[pick]`` of each result comes back.
        """
        callbacks: dict[int, Callable[..., Any]] = {}
        message = {
            "op": "call",
            "target": self._name(name),
            "attr": None,
            "keep": False,
            "args": self._encode(tuple(args), callbacks),
            "vary": {
                "at": list(at),
                "index": [int(index) for index, _ in changes],
                "value": self._encode([float(value) for _, value in changes], callbacks),
            },
            "pick": pick,
        }
        try:
            reply = self._request(message, callbacks)
        except StudentError as error:
            error.call = name
            raise
        values = self._decode(reply.get("value"), callbacks)
        if type(values) is not list or len(values) != len(changes):
            raise wire.WireError("the worker sent a malformed list of results")
        return values

    def method(self, obj: RemoteObject, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call method ``name`` of an object made by the student's code."""
        return self._call(self._ref(obj), name, args, kwargs, keep=False).value

    def method_keep(self, obj: RemoteObject, name: str, *args: Any, **kwargs: Any) -> Called:
        return self._call(self._ref(obj), name, args, kwargs, keep=True)

    def _name(self, name: str) -> Message:
        if name not in self.names:
            raise NotDefined(name)
        return {"name": name}

    def get(self, obj: RemoteObject, attr: str) -> Any:
        reply = self._request({"op": "get", "target": self._ref(obj), "attr": attr}, {})
        value = self._decode(reply.get("value"), {})
        self._record(Record(obj.ref, f".{attr}", None, value))
        return value

    def set(self, obj: RemoteObject, attr: str, value: Any) -> None:
        callbacks: dict[int, Callable[..., Any]] = {}
        message = {
            "op": "set",
            "target": self._ref(obj),
            "attr": attr,
            "value": self._encode(value, callbacks),
        }
        self._request(message, callbacks)
        sent = [{"t": [message["value"]]}, {"d": {}}]  # encoded (value,), {}
        self._record(Record(obj.ref, f"={attr}", sent, None, callbacks=callbacks))

    def _record(self, record: Record) -> None:
        if self.recording is not None:
            self.recording.append(record)

    # -- plumbing ------------------------------------------------------------

    def _call(
        self,
        target: Message,
        attr: str | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        keep: bool,
    ) -> Called:
        callbacks: dict[int, Callable[..., Any]] = {}
        fallback = self._fallback(callbacks)
        message = {
            "op": "call",
            "target": target,
            "attr": attr,
            "keep": keep,
            "args": wire.encode(tuple(args), fallback),
            "kwargs": wire.encode(dict(kwargs), fallback),
        }
        where: str | int = target["name"] if "name" in target else target["ref"]
        try:
            reply = self._request(message, callbacks)
        except StudentError as error:
            error.call = str(target.get("name") or attr)
            raised = Raised(error.type_name, error.message)
            sent = [message["args"], message["kwargs"]]
            self._record(Record(where, attr, sent, raised, None, callbacks))
            raise
        value = self._decode(reply.get("value"), callbacks)
        called = Called(value, (), {})
        if keep:
            after_args = self._decode(reply.get("args"), callbacks)
            after_kwargs = self._decode(reply.get("kwargs"), callbacks)
            if type(after_args) is not tuple or type(after_kwargs) is not dict:
                raise wire.WireError("the worker sent malformed arguments back")
            called = Called(value, after_args, after_kwargs, _same(reply.get("same"), args))
        if self.recording is not None:
            sent = [message["args"], message["kwargs"]]
            after = called.args if keep else None
            self._record(Record(where, attr, sent, value, after, callbacks))
        return called

    def _request(self, message: Message, callbacks: dict[int, Callable[..., Any]]) -> Message:
        def on_callback(request: Message) -> Message:
            return self._run_callback(request, callbacks)

        reply = self._transport.request(message, on_callback)
        if reply.get("kind") != "result":
            raise wire.WireError("the worker sent an unexpected message")
        if not reply.get("ok"):
            raise StudentError(dict(reply.get("error") or {}))
        return reply

    def _run_callback(self, request: Message, callbacks: dict[int, Callable[..., Any]]) -> Message:
        function = callbacks.get(request.get("id"))  # type: ignore[arg-type]
        if function is None:
            raise wire.WireError("the worker called back an unknown function")
        args = self._decode(request.get("args"), callbacks)
        kwargs = self._decode(request.get("kwargs"), callbacks)
        if type(args) is not tuple or type(kwargs) is not dict:
            raise wire.WireError("malformed callback arguments")
        try:
            result = function(*args, **kwargs)
            return {"op": "return", "value": self._encode(result, callbacks)}
        except Exception as error:  # reported to the student's code as an exception
            return {"op": "raise", "message": f"{type(error).__name__}: {error}"}

    def _ref(self, obj: RemoteObject) -> Message:
        if type(obj) is not RemoteObject:
            raise GradingError(f"expected an object made by the submission, got {obj!r}")
        if obj.generation != self._transport.generation:
            raise GradingError("this object belongs to a worker that has been restarted")
        return {"ref": obj.ref}

    def _encode(self, value: Any, callbacks: dict[int, Callable[..., Any]]) -> Any:
        return wire.encode(value, self._fallback(callbacks))

    def _fallback(
        self, callbacks: dict[int, Callable[..., Any]], plan: Plan | None = None
    ) -> Callable[[Any], Any]:
        """How what is not plain data is sent: by reference, or as a callable."""

        def register(function: Callable[..., Any]) -> int:
            callbacks[len(callbacks) + 1] = function
            return len(callbacks)

        def fallback(item: Any) -> Any:
            if type(item) is RemoteObject:
                return {"r": self._ref(item)["ref"], "type": item.type_name}
            if type(item) is Step:
                return {"o": item.index_in(plan)}
            if type(item) is Answered:
                known = [[tuple(args), value] for args, value in item.answers.items()]
                return {"c": register(item.function), "known": wire.encode(known, fallback)}
            if callable(item):
                return {"c": register(item)}
            raise GradingError(f"cannot send {type(item).__name__} to student code")

        return fallback

    def _decode(self, data: Any, callbacks: dict[int, Callable[..., Any]]) -> Any:
        generation = self._transport.generation

        def on_ref(ref: int, type_name: str) -> RemoteObject:
            return RemoteObject(ref, type_name, generation)

        def on_callable(callback_id: int, known: Any) -> Any:
            if callback_id not in callbacks or known is not None:
                raise wire.WireError("unknown callable reference")
            return callbacks[callback_id]

        return wire.decode(data, on_ref, on_callable)


class Step:
    """One step of a ``Plan``: its ``value`` can be read once the plan has run."""

    def __init__(self, plan: Plan, index: int) -> None:
        self.plan = plan
        self.index = index

    def index_in(self, plan: Plan | None) -> int:
        if plan is not self.plan:
            raise GradingError("a plan step can only be used in its own plan")
        return self.index

    @property
    def value(self) -> Any:
        return self.plan.result(self.index)


class Plan:
    """Calls to the student's code, recorded first and then sent in one round trip.

    Each step calls a top-level name, calls a method or reads an attribute; its
    target and its arguments may be the results of earlier steps, which stay
    in the student's process. The steps run in order and the first one that
    raises ends the plan: reading the ``value`` of that step, or of any later
    one, raises its ``StudentError``. For expressions built from many small
    operations (``Value`` nodes), where one round trip each would dominate.
    """

    def __init__(self, sub: Submission) -> None:
        self.sub = sub
        self.steps: list[Message] = []
        self.names: list[str] = []
        self.callbacks: dict[int, Callable[..., Any]] = {}
        self.values: list[Any] | None = None
        self.error: Message = {}
        self._fallback = sub._fallback(self.callbacks, self)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Step:
        return self._add("call", self.sub._name(name), None, args, kwargs, name)

    def method(self, obj: RemoteObject | Step, name: str, *args: Any, **kwargs: Any) -> Step:
        return self._add("call", self._target(obj), name, args, kwargs, name)

    def get(self, obj: RemoteObject | Step, attr: str) -> Step:
        return self._add("get", self._target(obj), attr, (), {}, attr)

    def _target(self, obj: RemoteObject | Step) -> Message:
        if type(obj) is Step:
            return {"step": obj.index_in(self)}
        return self.sub._ref(obj)  # type: ignore[arg-type]

    def _add(
        self,
        do: str,
        target: Message,
        attr: str | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        name: str,
    ) -> Step:
        if self.values is not None:
            raise GradingError("this plan has already run")
        # most steps (Value nodes) have no arguments: those need no encoding, for speed
        self.steps.append(
            {
                "do": do,
                "target": target,
                "attr": attr,
                "args": wire.encode(tuple(args), self._fallback) if args else {"t": []},
                "kwargs": wire.encode(dict(kwargs), self._fallback) if kwargs else {"d": {}},
            }
        )
        self.names.append(name)
        return Step(self, len(self.steps) - 1)

    def run(self) -> None:
        """Send every step; their values are read from the steps afterwards."""
        reply = self.sub._request({"op": "plan", "steps": self.steps}, self.callbacks)
        values = self.sub._decode(reply.get("value"), self.callbacks)
        failed = reply.get("failed", {"step": len(self.steps)})  # no step failed: all ran
        ran = failed.get("step") if type(failed) is dict else None
        if type(values) is not list or len(values) != ran:
            raise wire.WireError("the worker sent a malformed plan result")
        self.error = dict(failed.get("error") or {})
        self.values = values
        recorded = list(values)
        if ran < len(self.steps):  # the step that raised, for the diagnosis to replay
            error = StudentError(self.error)
            recorded.append(Raised(error.type_name, error.message))
        self.sub._record(Record(PLAN, None, self.steps, recorded, callbacks=self.callbacks))

    def result(self, index: int) -> Any:
        if self.values is None:
            raise GradingError("a plan step's value is read before the plan has run")
        if index < len(self.values):
            return self.values[index]
        error = StudentError(self.error)
        error.call = self.names[len(self.values)]
        raise error
