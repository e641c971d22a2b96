"""Fewer round trips, same meaning: plans, shared arrays, picked results, answered callables.

Each is checked through the in-process transport, which runs the same Session
code as a sandboxed worker and passes the same encoded messages.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from calcgrade.errors import GradingError
from calcgrade.handle import Answered, RemoteObject, StudentError, Submission
from calcgrade.inprocess import InProcessTransport
from calcgrade_worker import wire


class Counter:
    """A transport that counts requests and callbacks."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.inner = InProcessTransport(namespace, call_timeout_s=5)
        self.generation = self.inner.generation
        self.requests = 0
        self.callbacks = 0

    def request(self, message: dict[str, Any], on_callback: Any) -> dict[str, Any]:
        self.requests += 1
        json.dumps(message, allow_nan=False)  # what crosses is JSON

        def counted(request: dict[str, Any]) -> dict[str, Any]:
            self.callbacks += 1
            return on_callback(request)

        return self.inner.request(message, counted)


class Node:
    """A tiny Value-like class, as a student would write it."""

    def __init__(self, data: float) -> None:
        self.data = data

    def __add__(self, other: Any) -> Any:
        if isinstance(other, Node):
            return Node(self.data + other.data)
        if other == "boom":
            raise ValueError("cannot add boom")
        return NotImplemented

    def double(self) -> Node:
        return Node(2 * self.data)


def submission(namespace: dict[str, Any]) -> tuple[Submission, Counter]:
    transport = Counter(namespace)
    return Submission(transport, {name: "value" for name in namespace}), transport


# -- plans -----------------------------------------------------------------------------------


def test_a_plan_runs_its_steps_in_one_round_trip() -> None:
    sub, transport = submission({"Node": Node})
    plan = sub.plan()
    a, b = plan.call("Node", 1.5), plan.call("Node", 2.0)
    total = plan.method(a, "__add__", b)
    doubled = plan.method(total, "double")
    data = plan.get(doubled, "data")
    plan.run()
    assert transport.requests == 1
    assert data.value == 7.0
    assert type(doubled.value) is RemoteObject and doubled.value.type_name == "Node"
    # a kept result can be used in later requests
    assert sub.get(doubled.value, "data") == 7.0


def test_a_plan_stops_at_the_first_step_that_raises() -> None:
    sub, _ = submission({"Node": Node})
    plan = sub.plan()
    a = plan.call("Node", 1.0)
    odd = plan.method(a, "__add__", 3.0)  # returns NotImplemented: not an error
    bad = plan.method(a, "__add__", "boom")
    after = plan.get(a, "data")
    plan.run()
    assert type(odd.value) is RemoteObject and odd.value.type_name == "NotImplementedType"
    for step in (bad, after):
        with pytest.raises(StudentError, match="ValueError: cannot add boom") as raised:
            step.value  # noqa: B018
        assert raised.value.call == "__add__"


def test_plan_misuse_is_a_grading_error() -> None:
    sub, _ = submission({"Node": Node})
    plan, other = sub.plan(), sub.plan()
    step = plan.call("Node", 1.0)
    with pytest.raises(GradingError, match="before the plan has run"):
        step.value  # noqa: B018
    with pytest.raises(GradingError, match="its own plan"):
        other.method(step, "double")
    plan.run()
    with pytest.raises(GradingError, match="already run"):
        plan.call("Node", 2.0)


@pytest.mark.parametrize(
    "steps",
    [
        "not a list",
        [{"do": "exec", "target": {"name": "Node"}}],
        [{"do": "get", "target": {"step": 0}, "attr": "data"}],  # no step 0 yet
        [{"do": "call", "target": {"name": "Node"}, "args": {"t": [{"o": 5}]}}],
    ],
)
def test_malformed_plans_are_refused(steps: Any) -> None:
    transport = InProcessTransport({"Node": Node}, call_timeout_s=5)
    with pytest.raises(wire.WireError):
        transport.request({"op": "plan", "steps": steps}, lambda request: request)


# -- call_varied: the arguments cross once ---------------------------------------------------------


def test_varied_calls_each_get_their_own_copy_of_the_arguments() -> None:
    seen: list[np.ndarray] = []

    def loss(params: dict[str, np.ndarray], X: np.ndarray) -> tuple[float, str]:
        X += 1.0  # a careless student changes an input in place
        seen.append(X)
        return float(params["w"].sum() + X.sum()), "extra"

    sub, transport = submission({"loss": loss})
    X, w = np.zeros(3), np.ones(2)
    changes = [(0, 5.0), (1, -1.0), (0, 0.0)]
    assert sub.call_varied("loss", ({"w": w}, X), (0, "w"), changes, pick=0) == [9.0, 3.0, 4.0]
    assert transport.requests == 1
    assert len({id(x) for x in seen}) == 3 and all((x == 1.0).all() for x in seen)
    assert (X == 0.0).all() and (w == 1.0).all()


def test_pick_that_fails_is_the_students_error() -> None:
    sub, _ = submission({"f": lambda x: float(x.sum())})
    with pytest.raises(StudentError, match="not subscriptable"):
        sub.call_varied("f", (np.zeros(2),), (0,), [(0, 1.0)], pick=0)


@pytest.mark.parametrize(
    "vary",
    [
        {"at": [0, "missing"], "index": [0], "value": [1.0]},
        {"at": [0], "index": [7], "value": [1.0]},
        {"at": [0], "index": [0, 1], "value": [1.0]},
        {"at": [0], "index": ["0"], "value": [1.0]},
        {"at": "0", "index": [0], "value": [1.0]},
    ],
)
def test_malformed_changes_are_refused(vary: dict[str, Any]) -> None:
    transport = InProcessTransport({"f": lambda x: x}, call_timeout_s=5)
    args = wire.encode((np.zeros(2),), lambda item: item)
    message = {"op": "call", "target": {"name": "f"}, "args": args, "vary": vary}
    with pytest.raises(wire.WireError):
        transport.request(message, lambda request: request)


def test_step_references_are_refused_outside_a_plan() -> None:
    for data in ({"o": 0}, {"k": 0}):
        with pytest.raises(wire.WireError):
            wire.decode(data, lambda ref, name: None, lambda cid, known: None)


def test_the_grader_refuses_step_and_answered_nodes_from_the_worker() -> None:
    sub, _ = submission({})
    for data in ({"k": 0}, {"o": 0}, {"c": 1, "known": []}):
        with pytest.raises(wire.WireError):
            sub._decode(data, {1: print})


# -- answered callables -------------------------------------------------------------------------


def chain_rule(fs: list[Any], dfs: list[Any], x: float) -> tuple[float, float]:
    value, slope = x, 1.0
    for f, df in zip(fs, dfs, strict=True):
        slope *= df(value)
        value = f(value)
    return value, slope


def test_answered_points_need_no_callback_and_give_the_same_values() -> None:
    sub, transport = submission({"chain_rule": chain_rule})
    f, df = (lambda u: 3.0 * u + 1.0), (lambda u: 3.0)
    g, dg = (lambda u: u * u), (lambda u: 2.0 * u)
    plain = sub.call("chain_rule", [f, g], [df, dg], 2.0)
    callbacks = transport.callbacks
    assert callbacks == 4
    answered = sub.call(
        "chain_rule",
        [Answered.at(f, [2.0]), Answered.at(g, [7.0])],
        [Answered.at(df, [2.0]), Answered.at(dg, [7.0])],
        2.0,
    )
    assert answered == plain == (49.0, 42.0)
    assert transport.callbacks == callbacks  # no round trip for the answered points
    # elsewhere, the grader's function is called back as usual
    assert sub.call("chain_rule", [Answered.at(g, [1.0])], [Answered.at(dg, [1.0])], 3.0) == (
        9.0,
        6.0,
    )
    assert transport.callbacks == callbacks + 2


def test_answer_keys_are_exact() -> None:
    assert wire.answer_key((0.0,)) != wire.answer_key((-0.0,))
    assert wire.answer_key((np.float64(1.5),)) == wire.answer_key((1.5,))
    assert wire.answer_key((2,)) != wire.answer_key((2.0,))
    for odd in ((True,), (np.float32(1.5),), (np.array(1.5),), ("1.5",)):
        assert wire.answer_key(odd) is None


@pytest.mark.parametrize(
    "known",
    [
        "not a list",
        [[{"t": ["x"]}, 1.0]],
        [[{"t": [1.0]}, "text"]],
        [[{"t": [1.0]}]],
    ],
)
def test_malformed_answers_are_refused(known: Any) -> None:
    with pytest.raises(wire.WireError):
        wire.decode({"c": 1, "known": known}, lambda ref, name: None, lambda cid, known: None)


# -- kept arguments: which arrays of a dict are still the same objects ------------------------


def test_a_kept_call_tells_which_arrays_of_a_dict_were_replaced() -> None:
    def step(params: dict[str, Any], grads: dict[str, Any], scale: float) -> None:
        params["w"] -= grads["w"]  # in place: the same array
        params["b"] = params["b"] - grads["b"]  # a new array in its place

    sub, _ = submission({"step": step})
    params = {"w": np.ones(3), "b": np.ones(2)}
    grads = {"w": np.full(3, 0.5), "b": np.full(2, 0.5)}
    called = sub.call_keep("step", params, grads, 1.0)
    assert called.same == ({"w": True, "b": False}, {"w": True, "b": True}, None)
    assert np.array_equal(called.args[0]["b"], [0.5, 0.5])


@pytest.mark.parametrize(
    "same",
    [None, [], [None, None], [{"w": 1}, None], [{"w": True, "x": True}, None], [None, {"w": True}]],
)
def test_malformed_identity_reports_are_refused(same: Any) -> None:
    from calcgrade.handle import _same

    with pytest.raises(wire.WireError, match="malformed identity report"):
        _same(same, ({"w": np.ones(1)}, 2.0))
