"""Grader for m5_optimization: SGD, momentum, Adam and RMSProp, driven and compared.

The optimizers are compared step by step with the reference on grader-chosen
gradient sequences, over several parameter keys: the grader calls ``step``
itself and reads the updated ``params`` back from the call (``method_keep``),
then carries them into the next step. The known mistakes are recognised by
predicting what the mistaken optimizer would give on the same gradients.

``run_optimizer`` and ``compare_optimizers`` are checked with the student's own
optimizer objects (they live in the student's process): the expected trajectory
is what a fresh instance of the same class gives when the grader drives it step
by step, so a wrong optimizer costs points on that optimizer only (one that
cannot be stepped at all, a crash or NaN, is skipped where another can stand in).

Adam's step-by-step checks pass ``eps=0.0`` with gradients of size at least
1e-2: every placement of eps then gives the same numbers, so the harmless ones
(``sqrt(v_hat + eps**2)``, eps added before the bias correction) pass, and a
hard-coded offset is still seen. The defaults of Adam are checked with gradients
in the thousands, where those harmless placements stay below rtol; the default
``eps=1e-8`` of Adam and RMSProp with tiny gradients (|g| from 1e-9 to 1e-7), where
the steps must match the contract's form or one of the accepted placements
(``ADAM_ACCEPTED``; RMSProp's ``sqrt(s + eps**2)``) with eps = 1e-8.

A hint chosen from a symptom (NaN, params unchanged, equal rows, a zero-gradient
weight that moved) is given only when a model of the named mistake reproduces it:
NaN at Adam's first step by an Adam whose v_hat is negative (only where every
hyperparameter is given, so that a wrong default is not named so), NaN in RMSProp by
one whose stored s comes back negated; a trajectory or list of losses by the right
one shifted by a step, cut to x0, negated, or (grad_fn never called) x0 repeated.

Figures (docs/figures.md): the run_optimizer checks record the student's trajectory
and the expected one (a fresh instance of the same optimizer stepped by the grader):
a ``path`` over the contours of the function when x has 2 entries, else ``curves`` of
the loss along both. The compare_optimizers checks record the loss curves of every
optimizer, the student's and the expected ones (``curves``). Figures use values the
check already has or computes on the grader's side (no extra calls of student code),
and never change a grade.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from calcgrade import (
    CheckFailure,
    Context,
    Grader,
    RemoteObject,
    StudentError,
    Submission,
    Tolerance,
    as_array,
    as_dict,
    close,
    describe,
    mismatch,
    require,
    which_mistake,
)
from calcgrade.compare import explain
from calcgrade.figure_data import Built, contours, curves, frame, thinned
from calcgrade.relations import step_relation

HINTS = {
    "momentum_dampening": (
        "Your Momentum looks like the dampened average v = beta*v + (1 - beta)*g. This course's "
        "momentum adds the whole gradient: v = beta*v + g, then p -= lr*v."
    ),
    "adam_no_bias_correction": (
        "Your Adam steps with the raw averages m and v. Divide them by (1 - beta1**t) and "
        "(1 - beta2**t) first (m_hat, v_hat): with that bias correction, a constant gradient "
        "moves every weight by exactly lr per step."
    ),
    "t_per_key": (
        "Your Adam advances t once per parameter key instead of once per call to step. Do "
        "`self.t += 1` once at the top of step, before the loop over the keys."
    ),
    "t_never_incremented": (
        "Your Adam's step counter t never advances, so the bias correction (1 - beta**t) is "
        "wrong, or divides by zero when t stays 0. Start t at 0 and do `self.t += 1` once at "
        "the start of every call to step."
    ),
    "eps_placement": (
        "Your Adam's denominator is off by much more than eps. Use "
        "`lr * m_hat / (np.sqrt(v_hat) + self.eps)` with the eps given to the constructor "
        "(not a hard-coded number), so that a zero gradient gives a zero step."
    ),
    "eps_default": (
        "With its default arguments your optimizer steps as if eps were not 1e-8: on tiny "
        "gradients, where sqrt(v_hat) (RMSProp: sqrt(s)) is about as small as eps, the steps "
        "differ. Keep the contract's default `eps=1e-8` in __init__ and use `self.eps` as "
        "given in the denominator."
    ),
    "eps_subtracted": (
        "Your optimizer subtracts eps from the denominator (or stores -eps): on tiny "
        "gradients sqrt(v_hat) - eps is near 0 or negative, and the step blows up or goes "
        "uphill. Keep eps positive and add it: `np.sqrt(v_hat) + self.eps` (RMSProp: "
        "`np.sqrt(s) + self.eps`)."
    ),
    "state_shared_across_keys": (
        "Your optimizer mixes the state of different parameters. Keep one velocity/moment per "
        "key, e.g. a dict `self.v[key]` that starts from zeros the first time a key is seen; "
        "never one array for all keys, nor state looked up by shape."
    ),
    "trajectory_without_x0": (
        "Your trajectory is missing its first row. Record x0 before the first step, so that "
        "`steps` steps give steps + 1 rows (losses), the first one at x0."
    ),
    "not_in_place": (
        "step must change the arrays inside the params dictionary, e.g. "
        "`params[key] -= self.lr * grads[key]`. Rebinding a local name (p = p - ...) or "
        "returning new arrays leaves the caller's params unchanged."
    ),
    "arrays_replaced": (
        "step must update the arrays that are in params, e.g. `params[key] -= lr * g` "
        "(or `params[key][...] = ...`). `params[key] = params[key] - lr * g` puts a new "
        "array in the dictionary: whoever still holds the old array (a model's layer, "
        "a training loop) never sees the update."
    ),
    "grads_modified": (
        "step must only read the gradients: an in-place operation on grads[key] (g *= lr, "
        "g -= ...) changes the caller's array. Compute new arrays, e.g. step = self.lr * g."
    ),
    "state_shared_across_instances": (
        "Two separate optimizer objects share their state. Create the state dicts in "
        "__init__ (self.velocity = {}), not as class attributes, so each object starts at zero."
    ),
    "trajectory_rows_aliased": (
        "All rows of your trajectory are the same point: you stored the params array itself, "
        "which the next steps keep changing. Store a copy: trajectory.append(params['x'].copy())."
    ),
    "update_sign_flipped": (
        "Every update your Adam makes has the right size but the wrong sign: it climbs "
        "uphill. Check the signs: m = beta1*m + (1 - beta1)*g with g = grads[key] and lr as "
        "given, m_hat = m / (1 - beta1**t), and subtract the step: "
        "`params[key] -= lr * m_hat / (np.sqrt(v_hat) + eps)`."
    ),
    "second_moment_negative": (
        "Your Adam's params become NaN at the first step, as they do when v_hat is negative: "
        "np.sqrt of a negative number is NaN. v is a running mean of squares and must stay "
        ">= 0: v = beta2*v + (1 - beta2)*g**2 (plus, with 1 - beta2), and "
        "v_hat = v / (1 - beta2**t) (a positive divisor, no minus sign in front)."
    ),
    "state_not_kept": (
        "Your optimizer forgets its state between calls: every step acts as the first one, "
        "from a zero velocity/moment. Store the new value back each step (e.g. "
        "`self.velocity[key] = v`, `self.m[key], self.v[key] = m, v`, `self.s[key] = s`) "
        "so that the next call starts from it."
    ),
    "second_moment_not_updated": (
        "Your optimizer divides by eps alone: its running mean of g**2 (Adam's v, "
        "RMSProp's s) stays at its zero start. Update it at every step before using it: "
        "v = beta2*v + (1 - beta2)*g**2 (RMSProp: s = beta*s + (1 - beta)*g**2), and store it."
    ),
    "steps_off_by_one": (
        "Your run takes one step too few or too many. Record x0 first, then call "
        "optimizer.step exactly `steps` times (for _ in range(steps)), recording the point "
        "after each step: steps + 1 rows (losses) in all."
    ),
    "optimizer_not_stepped": (
        "Your trajectory never moves: every row is x0, as when optimizer.step is never "
        "called. In each of the `steps` iterations compute the gradient at the current point "
        "and call optimizer.step(params, {'x': grad_fn(params['x'])}), then record the point."
    ),
    "points_not_recorded": (
        "Your trajectory holds x0 only: record the point after every step too, e.g. "
        "`trajectory.append(params['x'].copy())` inside the loop, for steps + 1 rows."
    ),
    "trajectory_negated": (
        "Your points are the negatives of the right ones (the first one is -x0): "
        "use the points params['x'] themselves, with no minus sign in front of the "
        "trajectory (compare_optimizers: evaluate loss_fn at those points)."
    ),
    "losses_not_stored": (
        "Your compare_optimizers returns a dict without the optimizers' names: store each "
        "list of losses under its name, `results[name] = [loss_fn(x) for x in trajectory]`, "
        "and return that dict."
    ),
    "state_sign_flipped": (
        "Your optimizer's state comes back with the wrong sign at the next call: the m "
        "(RMSProp: s) stored by one step enters the next step negated, as if -m were stored "
        "or read. Store m itself and use it as stored: m = beta1*m + (1 - beta1)*g "
        "(RMSProp: s = beta*s + (1 - beta)*g**2)."
    ),
    "defaults_changed": (
        "Your optimizer's default arguments differ from the contract's: given its "
        "hyperparameters explicitly it steps right, with the defaults it does not. Keep the "
        "contract's defaults in __init__: RMSProp(lr=0.01, beta=0.9, eps=1e-8), "
        "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)."
    ),
    "x0_modified": (
        "Your function changed the x0 array it was given. Start from a copy: "
        "params = {'x': np.array(x0, dtype=float)}."
    ),
}

grader = Grader("m5_optimization", HINTS)

Params = dict[str, np.ndarray]
Trajectory = list[Params]  # params after step 1, 2, ...
Mistakes = Callable[[], Mapping[str, Trajectory | None]]
# names the mistake behind non-finite values of params[key] after a call of step, given the
# submission, the optimizer, the params dict after the call and the number of the call
# (1 for the first; 0 when unknown); None when no model of a known mistake reproduces
# them (a hint is never chosen from the symptom alone)
NonfiniteHint = Callable[[Submission, RemoteObject, str, Mapping[str, Any], int], str | None]

SHAPES = {"W": (3, 2), "b": (2,), "c": (4, 1)}  # keys of different shapes
SAME_SHAPES = {"W1": (3, 2), "W2": (3, 2)}  # keys that shape-keyed state would mix
NO_MISTAKES: Mistakes = dict


# ---------------------------------------------------------------------------
# inputs


def copy(params: Mapping[str, np.ndarray]) -> Params:
    return {key: np.array(value, dtype=np.float64) for key, value in params.items()}


def random_params(rng: np.random.Generator, shapes: Mapping[str, tuple[int, ...]]) -> Params:
    return {key: rng.normal(size=shape) for key, shape in shapes.items()}


def random_grads(
    rng: np.random.Generator,
    shapes: Mapping[str, tuple[int, ...]],
    steps: int,
    low: float = 1e-2,
    high: float = 3.0,
) -> list[Params]:
    """Gradients with |g| log-uniform in [low, high] and random signs (never near 0)."""

    def one(shape: tuple[int, ...]) -> np.ndarray:
        size = np.exp(rng.uniform(np.log(low), np.log(high), size=shape))
        return np.where(rng.random(shape) < 0.5, -size, size)

    return [{key: one(shape) for key, shape in shapes.items()} for _ in range(steps)]


# ---------------------------------------------------------------------------
# the student's side: one call of step, validated


def make(sub: Submission, name: str, **kwargs: float) -> RemoteObject:
    """An instance of the student's optimizer class ``name``."""
    obj = sub.call(name, **kwargs)
    if type(obj) is not RemoteObject:
        raise CheckFailure(f"{name}(...) returned {describe(obj)}, expected an optimizer object")
    return obj


def take_step(
    sub: Submission,
    opt: RemoteObject,
    what: str,
    params: Params,
    grads: Params,
    nonfinite_hint: NonfiniteHint | None = None,
    number: int = 0,
) -> Params:
    """Call ``opt.step(params, grads)``; return the arrays of ``params`` after the call.

    ``nonfinite_hint`` names the mistake when a key's values become NaN or infinite,
    if a model of that mistake reproduces them.
    """
    called = sub.method_keep(opt, "step", copy(params), copy(grads))
    after = as_dict(called.args[0], f"{what}: the params dict after the call", list(params))
    new: Params = {}
    for key, before in params.items():
        value = after[key]
        label = f"{what}: params[{key!r}] after the call"
        if (
            isinstance(value, np.ndarray)
            and value.dtype.kind in "iuf"
            and value.shape == before.shape
            and not np.isfinite(value).all()
        ):
            index = [int(i) for i in np.argwhere(~np.isfinite(value))[0]]
            hint = nonfinite_hint(sub, opt, key, after, number) if nonfinite_hint else None
            raise CheckFailure(
                f"{label}: got {value[tuple(index)]} at index {index}, expected finite numbers",
                hint=hint,
            )
        new[key] = as_array(value, label, before.shape)
    moved = any(not np.array_equal(new[key], params[key]) for key in params)
    if not moved and any(np.any(grads[key] != 0) for key in grads):
        # an update that is in place but zero (a state line lost) looks the same from
        # outside: not_in_place only when step returned the new arrays instead
        raise CheckFailure(
            f"{what} left every array of params unchanged: it must update params in place",
            hint="not_in_place" if returns_new_arrays(called.value, params) else None,
        )
    return new


def returns_new_arrays(returned: Any, params: Params) -> bool:
    """Whether ``step`` returned a params dict of moved arrays (and left params alone)."""
    if type(returned) is not dict or set(returned) != set(params):
        return False
    if not all(
        isinstance(returned[key], np.ndarray) and returned[key].shape == params[key].shape
        for key in params
    ):
        return False
    return any(not np.array_equal(returned[key], params[key]) for key in params)


def t_stuck_at_zero(
    sub: Submission, opt: RemoteObject, key: str, after: Mapping[str, Any], number: int = 0
) -> str | None:
    """t_never_incremented, when an Adam whose t has not advanced past 0 reproduces the step.

    With t stuck at 0 the bias correction divides by 1 - beta**0 = 0 (with t counting
    down, 1 - beta2**t < 0 goes under the square root): every entry of every key is NaN
    (nonzero gradients), and ``t`` is still <= 0 after the call. Other causes of NaN (a
    negative v under the square root, a lost state line) leave ``t`` advanced, and get no
    hint.
    """
    for value in after.values():
        if not (
            isinstance(value, np.ndarray) and value.dtype.kind == "f" and np.isnan(value).all()
        ):
            return None
    try:
        t = sub.get(opt, "t")
    except (StudentError, CheckFailure):
        return None
    number = isinstance(t, (int, float, np.integer, np.floating)) and not isinstance(t, bool)
    return "t_never_incremented" if number and t <= 0 else None


def same_numbers(got: Any, expected: np.ndarray) -> bool:
    """Whether ``got`` has ``expected``'s NaN and infinities at the same places, and its
    finite numbers (at the arithmetic tolerance)."""
    if not (isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.shape == expected.shape):
        return False
    finite = np.isfinite(expected)
    return (
        np.array_equal(np.isnan(got), np.isnan(expected))
        and np.array_equal(np.isfinite(got), finite)
        and np.array_equal(got[np.isinf(got)], expected[np.isinf(expected)])
        and np.allclose(got[finite], expected[finite], rtol=1e-9, atol=1e-12)
    )


def adam_nonfinite(
    params0: Params, grads: Params, lr: float, beta1: float, beta2: float, eps: float
) -> NonfiniteHint:
    """t_stuck_at_zero; else second_moment_negative when an Adam whose v_hat is negative
    (np.sqrt gives NaN) reproduces the student's first step, every entry of every key.

    At step 1 with the bias correction m_hat = g and v_hat = g**2: the model's step is
    ``-lr * g / (sqrt(-g**2) + eps)``, NaN wherever g != 0.
    """

    def hint(
        sub: Submission, opt: RemoteObject, key: str, after: Mapping[str, Any], number: int
    ) -> str | None:
        found = t_stuck_at_zero(sub, opt, key, after, number)
        if found is not None or number != 1:
            return found
        with np.errstate(invalid="ignore", divide="ignore"):
            predicted = {
                k: params0[k] - lr * g / (np.sqrt(-(g**2)) + eps) for k, g in grads.items()
            }
        if all(same_numbers(after.get(k), predicted[k]) for k in predicted):
            return "second_moment_negative"
        return None

    return hint


def run_student(
    sub: Submission,
    opt: RemoteObject,
    what: str,
    params0: Params,
    grads_seq: list[Params],
    nonfinite_hint: NonfiniteHint | None = None,
) -> Trajectory:
    """Drive the student's optimizer through ``grads_seq``, carrying its params along."""
    params, out = copy(params0), []
    for number, grads in enumerate(grads_seq, start=1):
        params = take_step(
            sub, opt, f"{what} (step {number})", params, grads, nonfinite_hint, number
        )
        out.append(params)
    return out


# ---------------------------------------------------------------------------
# the grader's side: the reference, and the known mistakes


def run_reference(opt: Any, params0: Params, grads_seq: list[Params]) -> Trajectory:
    params, out = copy(params0), []
    for grads in grads_seq:
        opt.step(params, copy(grads))
        out.append(copy(params))
    return out


def momentum_variant(
    params0: Params,
    grads_seq: list[Params],
    lr: float,
    beta: float,
    *,
    dampening: bool = False,
    shared: bool = False,
    keep: bool = True,
) -> Trajectory:
    """Momentum with ``v = beta*v + (1-beta)*g``, or with one velocity per shape, or
    with a velocity that starts at zero at every call (not ``keep``: plain SGD)."""
    params, out = copy(params0), []
    state: dict[object, Any] = {}
    for grads in grads_seq:
        if not keep:
            state = {}
        for key, g in grads.items():
            slot = params[key].shape if shared else key
            v = beta * state.get(slot, 0.0) + ((1 - beta) if dampening else 1.0) * g
            state[slot] = v
            params[key] = params[key] - lr * v
        out.append(copy(params))
    return out


# Adam's denominator from v_hat, the bias correction c2 = 1 - beta2**t and eps. "sum" is the
# contract's; "square" (sqrt(v_hat + eps**2)), "raw" (eps added to sqrt(v) before the bias
# correction: Kingma and Ba's efficient form) and "raw_square" (sqrt(v + eps**2), then the
# correction) are accepted forms; "inside" (sqrt(v_hat + eps)) is the mistake eps_placement.
ADAM_DENOMINATORS: dict[str, Callable[[Any, float, float], Any]] = {
    "sum": lambda v_hat, c2, eps: np.sqrt(v_hat) + eps,
    "square": lambda v_hat, c2, eps: np.sqrt(v_hat + eps**2),
    "raw": lambda v_hat, c2, eps: (np.sqrt(v_hat * c2) + eps) / np.sqrt(c2),
    "raw_square": lambda v_hat, c2, eps: np.sqrt(v_hat * c2 + eps**2) / np.sqrt(c2),
    "inside": lambda v_hat, c2, eps: np.sqrt(v_hat + eps),
}
ADAM_ACCEPTED = ("sum", "square", "raw", "raw_square")


def adam_variant(
    params0: Params,
    grads_seq: list[Params],
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    *,
    bias_correction: bool = True,
    t_mode: str = "step",
    shared: bool = False,
    eps_form: str = "sum",
    keep: bool = True,
    v_updated: bool = True,
    m_sign: float = 1.0,
) -> Trajectory:
    """Adam with the known mistakes, and the accepted placements of eps.

    ``t_mode``: "step" (right), "key" (t += 1 per key), "one" (t stuck at 1).
    ``shared``: m and v looked up by shape. ``eps_form``: the denominator, one of
    ``ADAM_DENOMINATORS``. Not ``keep``: m and v start at zero at every call (never
    stored; t still counts). Not ``v_updated``: v stays at its zero start. ``m_sign``
    -1: the stored m comes back negated at the next call.
    """
    params, out = copy(params0), []
    m: dict[object, Any] = {}
    v: dict[object, Any] = {}
    t = 1 if t_mode == "one" else 0
    for grads in grads_seq:
        if t_mode == "step":
            t += 1
        if not keep:
            m, v = {}, {}
        for key, g in grads.items():
            if t_mode == "key":
                t += 1
            slot = params[key].shape if shared else key
            m[slot] = beta1 * m_sign * m.get(slot, 0.0) + (1 - beta1) * g
            v[slot] = beta2 * v.get(slot, 0.0) + (1 - beta2) * g**2 if v_updated else 0.0 * g
            m_hat, v_hat = m[slot], v[slot]
            if bias_correction:
                m_hat, v_hat = m_hat / (1 - beta1**t), v_hat / (1 - beta2**t)
            c2 = 1 - beta2**t if bias_correction else 1.0
            denominator = ADAM_DENOMINATORS[eps_form](v_hat, c2, eps)
            params[key] = params[key] - lr * m_hat / denominator
        out.append(copy(params))
    return out


def rmsprop_variant(
    params0: Params,
    grads_seq: list[Params],
    lr: float,
    beta: float,
    eps: float,
    *,
    shared: bool = False,
    eps_square: bool = False,
    keep: bool = True,
    s_updated: bool = True,
    s_sign: float = 1.0,
) -> Trajectory:
    """RMSProp, with one running mean of g**2 per shape (``shared``), or with the accepted
    denominator ``sqrt(s + eps**2)`` (``eps_square``); not ``keep``: s starts at zero at
    every call (never stored); not ``s_updated``: s stays at its zero start; ``s_sign``
    -1: the stored s comes back negated at the next call (NaN where beta*s > (1-beta)*g**2)."""
    params, out = copy(params0), []
    state: dict[object, Any] = {}
    for grads in grads_seq:
        if not keep:
            state = {}
        for key, g in grads.items():
            slot = params[key].shape if shared else key
            s = beta * s_sign * state.get(slot, 0.0) + (1 - beta) * g**2 if s_updated else 0.0 * g
            state[slot] = s
            denominator = np.sqrt(s + eps**2) if eps_square else np.sqrt(s) + eps
            params[key] = params[key] - lr * g / denominator
        out.append(copy(params))
    return out


def eps_mistakes(
    params0: Params,
    grads_seq: list[Params],
    got: Trajectory,
    lr: float,
    eps: float,
    root_of_first: float,
    run_with: Callable[[float], Trajectory],
) -> Mistakes:
    """The runs that an eps other than ``eps`` (a changed default, a sign flip) would give.

    The first step of the contract's form is ``-lr * g / (root_of_first * |g| + eps)``
    (Adam: root 1, RMSProp: sqrt(1 - beta)): solve it for the eps of the student's first
    step at the entry with the smallest gradient, where eps shows most, and predict the
    whole run with that eps (``run_with``). A run this reproduces is named eps_subtracted
    when that eps is -eps, eps_default for another positive value.
    """

    def predict() -> dict[str, Trajectory | None]:
        g = np.concatenate([np.ravel(grads_seq[0][key]) for key in params0])
        d = np.concatenate([np.ravel(got[0][key] - params0[key]) for key in params0])
        i = int(np.argmin(np.abs(g)))
        if d[i] == 0 or g[i] == 0:
            return {}
        estimate = float(-lr * g[i] / d[i] - root_of_first * abs(g[i]))
        if not np.isfinite(estimate) or abs(estimate - eps) <= 1e-3 * eps:
            return {}
        if abs(estimate + eps) <= 1e-3 * eps:
            return {"eps_subtracted": run_with(-eps)}
        return {"eps_default": run_with(estimate)} if estimate > 0 else {}

    return predict


def adam_eps_estimates(
    params0: Params, grads: Params, first: Params, lr: float, eps: float
) -> list[tuple[float, bool]]:
    """The eps (and placement) that would explain the student's first Adam step.

    With bias correction the first step is ``-lr * g / (|g| + eps)`` (or
    ``-lr * g / sqrt(g**2 + eps)`` with eps inside the root); solve for eps at
    the entry with the smallest gradient, where eps shows most.
    """
    g = np.concatenate([np.ravel(grads[key]) for key in params0])
    d = np.concatenate([np.ravel(first[key] - params0[key]) for key in params0])
    i = int(np.argmin(np.abs(g)))
    if d[i] == 0 or np.sign(d[i]) != -np.sign(g[i]) or abs(d[i]) >= lr:
        return []
    ratio = lr / abs(d[i])
    found = []
    for estimate, inside in ((abs(g[i]) * (ratio - 1), False), (g[i] ** 2 * (ratio**2 - 1), True)):
        # added outside the root, an eps near the given one is not far off; inside the
        # root (unsquared) even the given eps is: sqrt(v_hat + 1e-8) adds up to 1e-4
        far = inside or abs(estimate - eps) > 10 * eps + 1e-12
        if np.isfinite(estimate) and estimate > 0 and far:
            found.append((float(estimate), inside))
    return found


def adam_mistakes(
    params0: Params,
    grads_seq: list[Params],
    got: Trajectory,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> Mistakes:
    """Predictions of every Adam mistake on these inputs (computed only on failure)."""

    def predict() -> dict[str, Trajectory | None]:
        def variant(**kw: Any) -> Trajectory:
            return adam_variant(params0, grads_seq, lr, beta1, beta2, eps, **kw)

        predictions: dict[str, Trajectory | None] = {
            "adam_no_bias_correction": variant(bias_correction=False),
            "t_per_key": variant(t_mode="key") if len(params0) > 1 else None,
            "t_never_incremented": variant(t_mode="one"),
            "state_shared_across_keys": variant(shared=True),
            "update_sign_flipped": flipped(params0, variant()),
            "state_not_kept": variant(keep=False),
            "state_sign_flipped": variant(m_sign=-1.0),
        }
        if eps > 0:  # with eps = 0 a v that stays 0 divides by 0: no finite run to match
            predictions["second_moment_not_updated"] = variant(v_updated=False)
        for number, (estimate, inside) in enumerate(
            adam_eps_estimates(params0, grads_seq[0], got[0], lr, eps)
        ):
            predictions[f"eps_placement#{number}"] = adam_variant(
                params0,
                grads_seq,
                lr,
                beta1,
                beta2,
                estimate,
                eps_form="inside" if inside else "sum",
            )
        return predictions

    return predict


def flipped(params0: Params, run: Trajectory) -> Trajectory:
    """``run`` with every update negated: the optimizers' updates do not depend on the
    params (the gradients are the grader's), so the run moves by -update from params0."""
    return [{key: 2 * params0[key] - params[key] for key in params} for params in run]


# ---------------------------------------------------------------------------
# comparing trajectories


def flat(trajectory: Trajectory) -> np.ndarray:
    return np.concatenate([np.ravel(params[key]) for params in trajectory for key in params])


def changes(params0: Params, trajectory: Trajectory) -> Trajectory:
    """What each step changed: params after step k minus params before it."""
    before, out = params0, []
    for params in trajectory:
        out.append({key: params[key] - before[key] for key in params})
        before = params
    return out


def changes_of(params0: Params, mistakes: Mistakes) -> Mistakes:
    """The predicted runs of ``mistakes`` as changes made by each step."""

    def predict() -> dict[str, Trajectory | None]:
        return {
            hint: None if run is None else changes(params0, run) for hint, run in mistakes().items()
        }

    return predict


def name_mistake(got: Trajectory, mistakes: Mistakes, tol: Tolerance) -> str | None:
    """The first known mistake whose predicted run the student's whole run matches."""
    got_flat = flat(got)
    predicted = (
        (hint.split("#")[0], None if run is None else flat(run)) for hint, run in mistakes().items()
    )  # a generator: each run is flattened only when the ones before it did not match
    return which_mistake(got_flat, predicted, tol)


def require_trajectory(
    got: Trajectory,
    expected: Trajectory,
    what: str,
    tol: Tolerance,
    mistakes: Mistakes = NO_MISTAKES,
    quantity: str = "params[{key!r}] after step {step}",
    start: Params | None = None,
    factors: Mapping[str, float] = {},
) -> None:
    """Fail at the first step whose params differ; name the mistake the whole run matches.

    With ``start`` (the params before the first step), a relation between the update
    the student's step made and the right one is named ("off by a factor equal to the
    learning rate"), with ``factors`` as the factors to try by name."""
    for step, (got_params, expected_params) in enumerate(zip(got, expected, strict=True), 1):
        before = start if step == 1 else expected[step - 2]
        failures = []
        for key in expected_params:
            label = f"{what}: {quantity.format(key=key, step=step)}"
            failure = mismatch(got_params[key], expected_params[key], label, tol)
            if failure is not None and failure.relation is None and before is not None:
                sentence = step_relation(
                    before[key], got_params[key], expected_params[key], tol, factors=factors
                )
                explain(failure, sentence)
            if failure is not None:
                failures.append(failure)
        if failures:
            raise CheckFailure(
                "\n".join(f.message for f in failures),
                detail="\n".join(f.detail or f.message for f in failures),
                hint=name_mistake(got, mistakes, tol),
            )


def each_key_alone_is_right(
    sub: Submission,
    name: str,
    kwargs: Mapping[str, float],
    params0: Params,
    grads_seq: list[Params],
    expected: Trajectory,
    tol: Tolerance,
) -> bool:
    """Whether fresh instances, given one key at a time, follow the expected run."""
    for key in params0:
        opt = make(sub, name, **kwargs)
        try:
            got = run_student(
                sub, opt, name, {key: params0[key]}, [{key: g[key]} for g in grads_seq]
            )
        except StudentError as error:
            if error.not_implemented:
                raise
            return False
        except CheckFailure:
            return False
        if not close(flat(got), flat([{key: params[key]} for params in expected]), tol):
            return False
    return True


def check_steps(
    sub: Submission,
    ctx: Context,
    name: str,
    kwargs: Mapping[str, float],
    params0: Params,
    grads_seq: list[Params],
    expected: Trajectory,
    what: str,
    mistakes: Callable[[Trajectory], Mistakes] = lambda got: NO_MISTAKES,
    nonfinite_hint: NonfiniteHint | None = None,
) -> None:
    """The student's optimizer, driven through ``grads_seq``, follows ``expected``.

    With several keys, an optimizer that crashes or differs although each key
    alone is right keeps state shared across keys.
    """
    opt = make(sub, name, **kwargs)
    several = len(params0) > 1
    try:
        got = run_student(sub, opt, what, params0, grads_seq, nonfinite_hint)
    except StudentError as error:
        if error.not_implemented or not several:
            raise
        if each_key_alone_is_right(sub, name, kwargs, params0, grads_seq, expected, ctx.arithmetic):
            raise CheckFailure(
                f"{what} raised {error.describe()} when params holds several parameters, "
                "but is right with each parameter alone",
                hint="state_shared_across_keys",
            ) from None
        raise
    try:
        factors = {"the learning rate": float(kwargs["lr"])} if "lr" in kwargs else {}
        require_trajectory(
            got, expected, what, ctx.arithmetic, mistakes(got), start=params0, factors=factors
        )
    except CheckFailure as failure:
        if (
            failure.hint is None
            and several
            and each_key_alone_is_right(
                sub, name, kwargs, params0, grads_seq, expected, ctx.arithmetic
            )
        ):
            failure.hint = "state_shared_across_keys"
        raise


def updates_in_place(sub: Submission, opt: RemoteObject, what: str, steps: int) -> None:
    """Call step a few times: each call must update the very arrays of params (not put
    new arrays in their place) and leave every grads array as it was."""
    rng = np.random.default_rng(5)
    params = random_params(rng, SAME_SHAPES)
    for number, grads in enumerate(random_grads(rng, SAME_SHAPES, steps), start=1):
        called = sub.method_keep(opt, "step", copy(params), copy(grads))
        after = called.args[1]
        for key, sent in grads.items():
            back = after.get(key) if type(after) is dict else None
            if not (
                isinstance(back, np.ndarray)
                and back.shape == sent.shape
                and np.array_equal(back, sent)
            ):
                raise CheckFailure(
                    f"{what} (step {number}) changed grads[{key!r}]; "
                    "step must leave grads unchanged",
                    hint="grads_modified",
                )
        replaced = [key for key, same in (called.same[0] or {}).items() if not same]
        if replaced:
            raise CheckFailure(
                f"{what} (step {number}) put a new array in params[{replaced[0]!r}] instead "
                "of updating the one that was there",
                hint="arrays_replaced",
            )
        if type(called.args[0]) is dict and all(
            isinstance(called.args[0].get(key), np.ndarray) for key in params
        ):
            params = copy(called.args[0])


# ---------------------------------------------------------------------------
# SGD


@grader.check("sgd-course-example", exercise="SGD")
def sgd_example(sub: Submission, ctx: Context) -> None:
    """SGD(lr=0.1) takes the two documented steps p -= lr * g on W (3, 2) and b (2,)"""
    params0 = {
        "W": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
        "b": np.array([0.5, -0.5]),
    }
    grads_seq = [
        {"W": np.array([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.0]]), "b": np.array([2.0, -4.0])},
        {"W": np.array([[0.0, 1.0], [-2.0, 0.5], [1.0, 1.0]]), "b": np.array([-1.0, 1.0])},
    ]
    expected = run_reference(ctx.reference.SGD(0.1), params0, grads_seq)
    check_steps(sub, ctx, "SGD", {"lr": 0.1}, params0, grads_seq, expected, "SGD(lr=0.1).step")


@grader.check("sgd-hidden-steps", exercise="SGD")
def sgd_hidden(sub: Submission, ctx: Context) -> None:
    """SGD matches the reference step by step on hidden gradients, over keys of three shapes"""
    for _ in range(3):
        lr = float(ctx.rng.uniform(0.01, 0.5))
        params0 = random_params(ctx.rng, SHAPES)
        grads_seq = random_grads(ctx.rng, SHAPES, 5)
        expected = run_reference(ctx.reference.SGD(lr), params0, grads_seq)
        check_steps(sub, ctx, "SGD", {"lr": lr}, params0, grads_seq, expected, "SGD.step")


@grader.check("sgd-in-place", exercise="SGD")
def sgd_grads(sub: Submission, ctx: Context) -> None:
    """SGD.step updates the arrays of params in place and leaves grads unchanged"""
    updates_in_place(sub, make(sub, "SGD", lr=0.1), "SGD(lr=0.1).step", 2)


# ---------------------------------------------------------------------------
# Momentum


def momentum_mistakes(
    params0: Params, grads_seq: list[Params], lr: float, beta: float
) -> Callable[[Trajectory], Mistakes]:
    def for_run(got: Trajectory) -> Mistakes:
        return lambda: {
            "momentum_dampening": momentum_variant(params0, grads_seq, lr, beta, dampening=True),
            "state_shared_across_keys": momentum_variant(params0, grads_seq, lr, beta, shared=True),
            "state_not_kept": momentum_variant(params0, grads_seq, lr, beta, keep=False),
        }

    return for_run


@grader.check("momentum-course-example", exercise="Momentum")
def momentum_example(sub: Submission, ctx: Context) -> None:
    """Momentum(lr=0.1), default beta 0.9, takes the 3 documented steps v = beta*v + g; p -= lr*v"""
    params0 = {"w": np.array([1.0, -2.0, 0.5])}
    grads_seq = [
        {"w": np.array([0.5, 1.0, -2.0])},
        {"w": np.array([0.25, -0.5, 1.0])},
        {"w": np.array([1.0, 1.0, 1.0])},
    ]
    expected = run_reference(ctx.reference.Momentum(0.1), params0, grads_seq)
    check_steps(
        sub,
        ctx,
        "Momentum",
        {"lr": 0.1},
        params0,
        grads_seq,
        expected,
        "Momentum(lr=0.1).step",
        momentum_mistakes(params0, grads_seq, 0.1, 0.9),
    )


@grader.check("momentum-hidden-steps", exercise="Momentum")
def momentum_hidden(sub: Submission, ctx: Context) -> None:
    """Momentum matches the reference step by step on hidden gradients, over keys of three shapes"""
    for _ in range(3):
        lr, beta = float(ctx.rng.uniform(0.01, 0.2)), float(ctx.rng.uniform(0.5, 0.95))
        params0 = random_params(ctx.rng, SHAPES)
        grads_seq = random_grads(ctx.rng, SHAPES, 8)
        expected = run_reference(ctx.reference.Momentum(lr, beta), params0, grads_seq)
        check_steps(
            sub,
            ctx,
            "Momentum",
            {"lr": lr, "beta": beta},
            params0,
            grads_seq,
            expected,
            "Momentum.step",
            momentum_mistakes(params0, grads_seq, lr, beta),
        )


@grader.check("momentum-state-per-key", exercise="Momentum")
def momentum_per_key(sub: Submission, ctx: Context) -> None:
    """Momentum keeps a separate velocity for each key, even for keys of the same shape"""
    for _ in range(3):
        lr, beta = float(ctx.rng.uniform(0.01, 0.2)), float(ctx.rng.uniform(0.5, 0.95))
        params0 = random_params(ctx.rng, SAME_SHAPES)
        grads_seq = random_grads(ctx.rng, SAME_SHAPES, 6)
        expected = run_reference(ctx.reference.Momentum(lr, beta), params0, grads_seq)
        check_steps(
            sub,
            ctx,
            "Momentum",
            {"lr": lr, "beta": beta},
            params0,
            grads_seq,
            expected,
            "Momentum.step with two keys of the same shape",
            momentum_mistakes(params0, grads_seq, lr, beta),
        )


@grader.check("momentum-fresh-instances", exercise="Momentum")
def momentum_instances(sub: Submission, ctx: Context) -> None:
    """Two Momentum(lr=0.1) objects keep separate velocities, each starting at zero"""
    p0 = {"w": np.array([1.0, -1.0, 2.0])}
    g1, g2, g3 = (
        {"w": np.array([0.5, -2.0, 1.0])},
        {"w": np.array([1.0, 0.5, -1.5])},
        {"w": np.array([-0.25, 1.0, 2.0])},
    )
    what = "Momentum(lr=0.1).step"
    first = make(sub, "Momentum", lr=0.1)
    got_first = run_student(sub, first, f"first {what}", p0, [g1, g2])
    # a new object starts from zero velocity: its first step is the first object's first step
    second = make(sub, "Momentum", lr=0.1)
    got_second = run_student(sub, second, f"second {what}", p0, [g1])
    require(
        mismatch(
            got_second[0]["w"],
            got_first[0]["w"],
            f"a new {what} after another object took two steps: params['w'] after its first step "
            "(expected: the same as the first object's first step)",
            ctx.arithmetic,
            hint="state_shared_across_instances",
        )
    )
    # and the first object carries on with its own velocity only
    got_third = run_student(sub, first, f"first {what}", got_first[-1], [g3])
    alone = run_student(sub, make(sub, "Momentum", lr=0.1), f"third {what}", p0, [g1, g2, g3])
    require(
        mismatch(
            got_third[0]["w"],
            alone[-1]["w"],
            f"the first {what} after a second object stepped: params['w'] after its third step "
            "(expected: the same as an object that took the three steps alone)",
            ctx.arithmetic,
            hint="state_shared_across_instances",
        )
    )


@grader.check("momentum-in-place", exercise="Momentum")
def momentum_grads(sub: Submission, ctx: Context) -> None:
    """Momentum.step updates the arrays of params in place and leaves grads unchanged"""
    updates_in_place(sub, make(sub, "Momentum", lr=0.1), "Momentum(lr=0.1).step", 3)


# ---------------------------------------------------------------------------
# Adam


def adam_run_mistakes(
    params0: Params, grads_seq: list[Params], lr: float, beta1: float, beta2: float, eps: float
) -> Callable[[Trajectory], Mistakes]:
    def for_run(got: Trajectory) -> Mistakes:
        return adam_mistakes(params0, grads_seq, got, lr, beta1, beta2, eps)

    return for_run


@grader.check("adam-first-step-is-lr", exercise="Adam")
def adam_constant_gradient(sub: Submission, ctx: Context) -> None:
    """Adam(lr=0.01, eps=0.0) moves every weight by exactly lr per step on a constant gradient"""
    params0 = {
        "w": np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]),
        "b": np.array([0.1, 0.2, -0.3]),
    }
    g = {
        "w": np.array([[2.0, -0.5, 4.0], [-3.0, 1.0, 0.25]]),
        "b": np.array([-1.5, 0.75, 5.0]),
    }
    grads_seq = [g] * 5
    expected = run_reference(ctx.reference.Adam(lr=0.01, eps=0.0), params0, grads_seq)
    check_steps(
        sub,
        ctx,
        "Adam",
        {"lr": 0.01, "eps": 0.0},
        params0,
        grads_seq,
        expected,
        "Adam(lr=0.01, eps=0.0).step",
        adam_run_mistakes(params0, grads_seq, 0.01, 0.9, 0.999, 0.0),
        nonfinite_hint=t_stuck_at_zero,
    )


@grader.check("adam-hidden-steps", exercise="Adam")
def adam_hidden(sub: Submission, ctx: Context) -> None:
    """Adam matches the reference step by step on hidden gradients, over keys of three shapes"""
    for _ in range(3):
        lr = float(ctx.rng.uniform(0.005, 0.05))
        beta1, beta2 = float(ctx.rng.uniform(0.8, 0.95)), float(ctx.rng.uniform(0.99, 0.9999))
        params0 = random_params(ctx.rng, SHAPES)
        grads_seq = random_grads(ctx.rng, SHAPES, 10)
        reference = ctx.reference.Adam(lr=lr, beta1=beta1, beta2=beta2, eps=0.0)
        check_steps(
            sub,
            ctx,
            "Adam",
            {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": 0.0},
            params0,
            grads_seq,
            run_reference(reference, params0, grads_seq),
            "Adam.step",
            adam_run_mistakes(params0, grads_seq, lr, beta1, beta2, 0.0),
            # every hyperparameter given: a NaN is not a default's doing
            nonfinite_hint=adam_nonfinite(params0, grads_seq[0], lr, beta1, beta2, 0.0),
        )


@grader.check("adam-state-per-key", exercise="Adam")
def adam_per_key(sub: Submission, ctx: Context) -> None:
    """Adam keeps separate moments m and v for each key, even for keys of the same shape"""
    for _ in range(3):
        lr = float(ctx.rng.uniform(0.005, 0.05))
        params0 = random_params(ctx.rng, SAME_SHAPES)
        grads_seq = random_grads(ctx.rng, SAME_SHAPES, 6)
        reference = ctx.reference.Adam(lr=lr, eps=0.0)
        check_steps(
            sub,
            ctx,
            "Adam",
            {"lr": lr, "eps": 0.0},
            params0,
            grads_seq,
            run_reference(reference, params0, grads_seq),
            "Adam.step with two keys of the same shape",
            adam_run_mistakes(params0, grads_seq, lr, 0.9, 0.999, 0.0),
            nonfinite_hint=t_stuck_at_zero,
        )


def merged(*predictions: Mistakes) -> Mistakes:
    """The predictions of several groups of mistakes, in order (the first match names it)."""
    return lambda: {hint: run for predict in predictions for hint, run in predict().items()}


# |g| of the tiny gradients that check a default eps: sqrt(v_hat), about |g|, is then of
# the order of eps = 1e-8, so eps changes every step by 10% to 100%
TINY = {"low": 1e-9, "high": 1e-7}


def require_accepted_changes(
    params0: Params,
    got: Trajectory,
    expected: Trajectory,
    accepted: list[Trajectory],
    what: str,
    tol: Tolerance,
    mistakes: Mistakes,
) -> None:
    """The changes made by each step match ``expected`` or one of the ``accepted`` runs (at
    ``tol``, the whole run the same form); else fail on the difference from ``expected``."""
    got_changes = flat(changes(params0, got))
    for run in (expected, *accepted):
        if close(got_changes, flat(changes(params0, run)), tol):
            return
    require_trajectory(
        changes(params0, got),
        changes(params0, expected),
        what,
        tol,
        changes_of(params0, mistakes),
        quantity="change of params[{key!r}] made by step {step}",
    )
    raise CheckFailure(f"{what}: the steps differ from every accepted form")  # not reached


@grader.check("adam-default-arguments", exercise="Adam")
def adam_defaults(sub: Submission, ctx: Context) -> None:
    """Adam() uses lr=0.001, beta1=0.9, beta2=0.999 and eps=1e-8 (steps match the reference)

    Gradients in the thousands check lr and the betas: there eps=1e-8, wherever it is
    placed, changes a step by less than rtol. Tiny gradients (|g| from 1e-9 to 1e-7, so
    that sqrt(v_hat) is about eps) check eps itself. There the accepted placements of eps
    differ by far more than rtol: sqrt(v_hat + eps**2) makes the denominator up to 29%
    smaller, and eps added to sqrt(v) before the bias correction (Kingma and Ba's form)
    acts as eps / sqrt(1 - beta2**t), 32x eps at step 1 and 11x at step 8. No tolerance
    accepts those and not a doubled eps, so the steps must match one of the accepted forms
    (``ADAM_ACCEPTED``, with eps = 1e-8) at arithmetic tolerance over the whole run. A
    doubled or halved eps, or -eps, matches none: each form changes the denominator by a
    different amount at each step and size of gradient.
    """
    shapes = {"W": (3, 2), "b": (2,)}
    for _ in range(3):
        params0 = random_params(ctx.rng, shapes)
        # gradients in the thousands: eps=1e-8 wherever it is placed changes a step by < rtol
        grads_seq = random_grads(ctx.rng, shapes, 5, low=2e3, high=2e4)
        expected = run_reference(ctx.reference.Adam(), params0, grads_seq)
        got = run_student(
            sub, make(sub, "Adam"), "Adam().step", params0, grads_seq, t_stuck_at_zero
        )
        predict = adam_mistakes(params0, grads_seq, got, 0.001, 0.9, 0.999, 1e-8)
        require_trajectory(
            changes(params0, got),
            changes(params0, expected),
            "Adam().step",
            ctx.arithmetic,
            changes_of(params0, predict),
            quantity="change of params[{key!r}] made by step {step}",
        )
    for _ in range(2):
        params0 = random_params(ctx.rng, shapes)
        grads_seq = random_grads(ctx.rng, shapes, 8, **TINY)
        what = "Adam().step on tiny gradients (|g| below 1e-7, where eps=1e-8 matters)"
        got = run_student(sub, make(sub, "Adam"), what, params0, grads_seq, t_stuck_at_zero)

        def run_with(
            eps: float, grads_seq: list[Params] = grads_seq, params0: Params = params0
        ) -> Trajectory:
            return adam_variant(params0, grads_seq, 0.001, 0.9, 0.999, eps)

        require_accepted_changes(
            params0,
            got,
            run_reference(ctx.reference.Adam(), params0, grads_seq),
            [
                adam_variant(params0, grads_seq, 0.001, 0.9, 0.999, 1e-8, eps_form=form)
                for form in ADAM_ACCEPTED
            ],
            what,
            ctx.arithmetic,
            merged(
                adam_mistakes(params0, grads_seq, got, 0.001, 0.9, 0.999, 1e-8),
                eps_mistakes(params0, grads_seq, got, 0.001, 1e-8, 1.0, run_with),
            ),
        )


@grader.check("adam-zero-gradient", exercise="Adam")
def adam_zero_gradient(sub: Submission, ctx: Context) -> None:
    """Adam() leaves a weight whose gradient is always 0 unchanged (and finite)"""
    params0 = {
        "w": np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]),
        "z": np.array([1.0, -2.0, 0.5, 3.0]),
    }
    grads = {"w": np.array([[0.2, -0.5, 1.0], [-0.3, 0.1, 0.25]]), "z": np.zeros(4)}
    # Adam without eps: 0/0 = NaN on z, the right steps on w (eps=1e-8 changes them < rtol)
    with np.errstate(divide="ignore", invalid="ignore"):
        without_eps = adam_variant(params0, [grads] * 3, 0.001, 0.9, 0.999, 0.0)
    opt = make(sub, "Adam")
    params = copy(params0)
    for step in range(1, 4):

        def eps_hint(
            sub: Submission,
            opt: RemoteObject,
            key: str,
            after: Mapping[str, Any],
            number: int,
            step: int = step,
        ) -> str | None:
            """eps_placement when Adam without eps reproduces the step: z all NaN, w right."""
            if key == "w":
                return t_stuck_at_zero(sub, opt, key, after, number)
            w, z = after.get("w"), after.get("z")
            if (
                isinstance(z, np.ndarray)
                and z.dtype.kind == "f"
                and np.isnan(z).all()
                and isinstance(w, np.ndarray)
                and w.dtype.kind == "f"
                and close(w, without_eps[step - 1]["w"], ctx.arithmetic)
            ):
                return "eps_placement"
            return None

        params = take_step(
            sub, opt, f"Adam().step (step {step}, with grads['z'] all 0)", params, grads, eps_hint
        )
        # no hint: no misplaced eps moves a weight whose m stays 0 to a finite value
        require(
            mismatch(
                params["z"],
                params0["z"],
                f"Adam().step: params['z'] after step {step}, whose gradient is 0",
                ctx.arithmetic,
            )
        )


def booth(x: Any) -> float:
    u, v = np.asarray(x, dtype=np.float64)
    return float((u + 2 * v - 7) ** 2 + (2 * u + v - 5) ** 2)


def booth_gradient(x: Any) -> np.ndarray:
    u, v = np.asarray(x, dtype=np.float64)
    a, b = u + 2 * v - 7, 2 * u + v - 5
    return np.array([2 * a + 4 * b, 4 * a + 2 * b])


BOOTH_MINIMUM = np.array([1.0, 3.0])


def steps_to_reach(trajectory: np.ndarray, minimum: np.ndarray, radius: float) -> int | None:
    inside = np.linalg.norm(trajectory - minimum, axis=1) < radius
    return int(np.argmax(inside)) if inside.any() else None


@grader.check("adam-converges-booth", exercise="Adam")
def adam_booth(sub: Submission, ctx: Context) -> None:
    """Adam(lr=0.2) gets within 1e-3 of Booth's minimum within 3x the steps the reference needs"""
    for start in range(3):
        needed = None
        while needed is None or needed > 150:  # keep the number of calls small
            angle, radius = ctx.rng.uniform(0, 2 * np.pi), ctx.rng.uniform(1.0, 3.0)
            x0 = BOOTH_MINIMUM + radius * np.array([np.cos(angle), np.sin(angle)])
            path = ctx.reference.run_optimizer(ctx.reference.Adam(lr=0.2), booth_gradient, x0, 150)
            needed = steps_to_reach(path, BOOTH_MINIMUM, 1e-3)
        budget = 3 * needed
        opt = make(sub, "Adam", lr=0.2)
        params = {"x": x0}
        closest = float(np.linalg.norm(x0 - BOOTH_MINIMUM))
        for step in range(1, budget + 1):
            grads = {"x": booth_gradient(params["x"])}
            params = take_step(
                sub, opt, f"Adam(lr=0.2).step (step {step})", params, grads, t_stuck_at_zero
            )
            closest = min(closest, float(np.linalg.norm(params["x"] - BOOTH_MINIMUM)))
            if closest < 1e-3:
                break
        else:
            raise CheckFailure(
                f"Adam(lr=0.2) did not get within 1e-3 of the minimum of Booth's function from "
                f"hidden start {start + 1} of 3, in 3x the steps the reference needs",
                detail=f"Adam(lr=0.2) from x0 = {x0.tolist()}: closest distance to (1, 3) in "
                f"{budget} steps was {closest:.3g}; the reference gets within 1e-3 in {needed}",
            )


@grader.check("adam-in-place", exercise="Adam")
def adam_grads(sub: Submission, ctx: Context) -> None:
    """Adam.step updates the arrays of params in place and leaves grads unchanged"""
    updates_in_place(sub, make(sub, "Adam", lr=0.01), "Adam(lr=0.01).step", 3)


# ---------------------------------------------------------------------------
# run_optimizer and compare_optimizers: driven with the student's own optimizers


class Landscape:
    """A test function and its gradient; both stay in the grader (the student calls back)."""

    def __init__(
        self,
        name: str,
        loss: Callable[[np.ndarray], float],
        gradient: Callable[[np.ndarray], np.ndarray],
    ) -> None:
        self.name = name
        self._loss = loss
        self._gradient = gradient

    def loss(self, x: Any) -> float:
        return float(self._loss(np.asarray(x, dtype=np.float64)))

    def gradient(self, x: Any) -> np.ndarray:
        return np.asarray(self._gradient(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def quadratic(curvature: np.ndarray, angle: float = 0.0) -> Landscape:
    """``0.5 * x @ A @ x`` for 2-D ``x`` with A = R diag(curvature) R^T; elementwise otherwise."""
    if curvature.shape == (2,):
        c, s = np.cos(angle), np.sin(angle)
        rotation = np.array([[c, -s], [s, c]])
        A = rotation @ np.diag(curvature) @ rotation.T
        return Landscape(
            "a quadratic with condition number 100",
            lambda x: 0.5 * x @ A @ x,
            lambda x: A @ x,
        )
    return Landscape(
        "a quadratic with condition number 100",
        lambda x: 0.5 * float(np.sum(curvature * x**2)),
        lambda x: curvature * x,
    )


def rosenbrock_loss(x: np.ndarray) -> float:
    return float((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)


def rosenbrock_gradient(x: np.ndarray) -> np.ndarray:
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


BOOTH = Landscape("Booth's function", booth, booth_gradient)
ROSENBROCK = Landscape("Rosenbrock's function", rosenbrock_loss, rosenbrock_gradient)
CONDITIONED = quadratic(np.array([1.0, 100.0]))

Spec = tuple[str, dict[str, float]]  # an optimizer class of the submission and its arguments


def shown(spec: Spec) -> str:
    name, kwargs = spec
    return f"{name}({', '.join(f'{k}={v:g}' for k, v in kwargs.items())})"


# ---------------------------------------------------------------------------
# figures (docs/figures.md)


def trajectory_figure(
    ctx: Context, title: str, landscape: Landscape, got: np.ndarray, expected: np.ndarray
) -> None:
    """run_optimizer's trajectory against the expected one: paths over the contours of the
    function when x has 2 entries, else the loss along both."""

    def build() -> Built:
        if expected.shape[1:] == (2,):
            if got.ndim != 2 or got.shape[1] != 2 or not len(got):
                return None
            paths = {"yours": got, "expected": expected}
            return "path", {
                "paths": {name: thinned(rows) for name, rows in paths.items()},
                "contours": contours(landscape.loss, *frame(list(paths.values()), expected)),
                "xlabel": "x[0]",
                "ylabel": "x[1]",
            }
        if got.shape[1:] != expected.shape[1:]:
            return None
        losses = {
            "yours": [landscape.loss(x) for x in got],
            "expected": [landscape.loss(x) for x in expected],
        }
        return curves(losses, "step", "loss")

    ctx.figure_of(title, build)


class CannotDrive(CheckFailure):
    """The student's optimizer itself fails when the grader steps it: nothing to compare with."""


def drive(
    sub: Submission, spec: Spec, landscape: Landscape, x0: np.ndarray, steps: int
) -> np.ndarray:
    """The trajectory of a fresh instance of the student's class, stepped by the grader."""
    name, kwargs = spec
    opt = make(sub, name, **kwargs)
    params, rows = {"x": np.array(x0, dtype=np.float64)}, [np.array(x0, dtype=np.float64)]
    try:
        for step in range(1, steps + 1):
            grads = {"x": landscape.gradient(params["x"])}
            params = take_step(sub, opt, f"{name}.step (step {step})", params, grads)
            rows.append(params["x"])
    except StudentError as error:
        if error.not_implemented:
            raise
        raise CannotDrive(
            f"cannot check this: your {shown(spec)}.step raised {error.describe()} when the "
            f"grader called it directly; fix {name} first"
        ) from None
    except CheckFailure as failure:
        raise CannotDrive(
            f"cannot check this: your {shown(spec)}.step fails when the grader calls it "
            f"directly ({failure.message}); fix {name} first"
        ) from None
    return np.array(rows)


def require_rows(
    got: np.ndarray,
    expected: np.ndarray,
    what: str,
    tol: Tolerance,
    rows: str = "rows",
    negated: np.ndarray | None = None,
    gradient_unused: bool = False,
) -> None:
    """A trajectory (or list of losses) with one entry per point, the first at x0.

    ``negated``: what the points -x would give instead (default: -expected), for the
    hint trajectory_negated; ``gradient_unused``: grad_fn was never called (rows all x0
    then name optimizer_not_stepped)."""
    steps = expected.shape[0] - 1
    rest = expected.shape[1:]
    if got.shape == (steps, *rest):
        hint = None
        if close(got, expected[1:], tol):
            hint = "trajectory_without_x0"
        elif close(got, expected[:-1], tol):
            hint = "steps_off_by_one"  # x0 and one step too few
        raise CheckFailure(
            f"{what}: got shape {got.shape}, expected shape {expected.shape} "
            f"({steps} steps give {steps + 1} {rows}, the first at x0)",
            hint=hint,
        )
    if steps > 0 and got.shape[1:] == rest and got.shape[0] != steps + 1:
        hint = None
        if got.shape[0] == steps + 2 and close(got[: steps + 1], expected, tol):
            hint = "steps_off_by_one"  # one step too many, the first steps + 1 right
        elif got.shape[0] == 1 and close(got[0], expected[0], tol):
            hint = "points_not_recorded"  # x0 alone
        if hint is not None:
            raise CheckFailure(
                f"{what}: got shape {got.shape}, expected shape {expected.shape} "
                f"({steps} steps give {steps + 1} {rows}, the first at x0)",
                hint=hint,
            )
    failure = mismatch(got, expected, what, tol)
    if got.shape == expected.shape and failure is not None and got.ndim > 1:
        failure = mismatch_rows(got, expected, what, tol)
    if failure is None:
        return
    if got.shape == expected.shape:
        moved = not all(np.array_equal(row, expected[0]) for row in expected)
        if gradient_unused and moved and all(np.array_equal(row, expected[0]) for row in got):
            failure.hint = "optimizer_not_stepped"  # no gradient asked for, no step taken
        elif close(got, -expected if negated is None else negated, tol):
            failure.hint = "trajectory_negated"
    if failure.hint is None:
        # aliased rows are all the final point of the run: rows all equal to x0 (no step
        # taken) or to some other point are not that mistake
        same_rows = got.shape == expected.shape and all(np.array_equal(row, got[-1]) for row in got)
        aliased = same_rows and close(got[-1], expected[-1], tol)
        if aliased and steps > 0 and not np.array_equal(expected[0], expected[-1]):
            failure.hint = "trajectory_rows_aliased"
    raise failure


def mismatch_rows(got: np.ndarray, expected: np.ndarray, what: str, tol: Tolerance) -> CheckFailure:
    """The first row (point of the trajectory) that differs."""
    for row in range(expected.shape[0]):
        failure = mismatch(got[row], expected[row], f"{what}, row {row}", tol)
        if failure is not None:
            return failure
    raise AssertionError("mismatch_rows called on matching trajectories")


def check_run_optimizer(
    sub: Submission,
    ctx: Context,
    spec: Spec,
    landscape: Landscape,
    x0: np.ndarray,
    steps: int,
) -> None:
    what = (
        f"run_optimizer({shown(spec)}, gradient of {landscape.name}, x0, {steps})"
        if not ctx.hidden
        else f"run_optimizer({spec[0]}(...), gradient of {landscape.name}, x0 of shape "
        f"{x0.shape}, {steps})"
    )
    opt = make(sub, spec[0], **spec[1])
    asked = [0]

    def gradient(x: Any) -> np.ndarray:
        asked[0] += 1
        return landscape.gradient(x)

    value = sub.call("run_optimizer", opt, gradient, x0.copy(), steps)
    expected = drive(sub, spec, landscape, x0, steps)
    got = as_array(value, what)
    trajectory_figure(ctx, what, landscape, got, expected)
    require_rows(got, expected, what, ctx.arithmetic, gradient_unused=asked[0] == 0)


def each_case(cases: list[Callable[[], None]]) -> None:
    """Run every case; skip those whose optimizer the grader cannot drive, unless all are."""
    skipped = []
    for case in cases:
        try:
            case()
        except CannotDrive as failure:
            skipped.append(failure)
    if len(skipped) == len(cases):
        raise skipped[0]


@grader.check("run-optimizer-course-example", exercise="run_optimizer")
def run_example(sub: Submission, ctx: Context) -> None:
    """run_optimizer(SGD(lr=0.015), grad of 0.5*(x1**2 + 100*x2**2), [1, 1], 5): 6 rows from x0"""
    check_run_optimizer(sub, ctx, ("SGD", {"lr": 0.015}), CONDITIONED, np.array([1.0, 1.0]), 5)


@grader.check("run-optimizer-hidden-functions", exercise="run_optimizer")
def run_hidden(sub: Submission, ctx: Context) -> None:
    """run_optimizer follows SGD, Momentum and Adam on a quadratic, Rosenbrock and Booth"""
    angle = float(ctx.rng.uniform(0, np.pi))
    cases: list[tuple[Spec, Landscape, np.ndarray]] = [
        (("SGD", {"lr": 0.015}), quadratic(np.array([1.0, 100.0]), angle), ctx.rng.normal(0, 2, 2)),
        (
            ("Momentum", {"lr": 2e-4, "beta": 0.9}),
            ROSENBROCK,
            np.array([ctx.rng.uniform(-1.5, -0.5), ctx.rng.uniform(0.5, 2.0)]),
        ),
        (("Adam", {"lr": 0.1}), BOOTH, ctx.rng.uniform(-4, 4, 2)),
    ]
    each_case(
        [
            partial(check_run_optimizer, sub, ctx, spec, landscape, x0, 25)
            for spec, landscape, x0 in cases
        ]
    )


@grader.check("run-optimizer-array-x0", exercise="run_optimizer")
def run_array(sub: Submission, ctx: Context) -> None:
    """run_optimizer works for an x0 of any shape: trajectory shape (steps + 1, *x0.shape)"""
    for shape in ((3, 2), (4, 1), (2, 3, 2)):
        curvature = np.exp(ctx.rng.uniform(0, np.log(100), size=shape))
        curvature.flat[0], curvature.flat[-1] = 1.0, 100.0
        x0 = ctx.rng.normal(size=shape)
        check_run_optimizer(sub, ctx, ("SGD", {"lr": 0.015}), quadratic(curvature), x0, 10)


@grader.check("run-optimizer-x0-unchanged", exercise="run_optimizer")
def run_x0(sub: Submission, ctx: Context) -> None:
    """run_optimizer(SGD(lr=0.015), ..., x0=[1, 1], 3) leaves the x0 array unchanged"""
    x0 = np.array([1.0, 1.0])
    called = sub.call_keep(
        "run_optimizer", make(sub, "SGD", lr=0.015), CONDITIONED.gradient, x0.copy(), 3
    )
    after = called.args[2]
    if not (isinstance(after, np.ndarray) and np.array_equal(after, x0)):
        raise CheckFailure(
            f"run_optimizer changed its x0 argument: got {describe(after)} "
            f"{after.tolist() if isinstance(after, np.ndarray) else ''} afterwards, "
            "expected [1.0, 1.0]",
            hint="x0_modified",
        )


def check_compare(
    sub: Submission,
    ctx: Context,
    landscape: Landscape,
    x0: np.ndarray,
    steps: int,
    specs: dict[str, Spec],
) -> None:
    what = f"compare_optimizers(on {landscape.name}, {steps} steps)"
    optimizers = {label: make(sub, name, **kwargs) for label, (name, kwargs) in specs.items()}
    value = sub.call(
        "compare_optimizers", landscape.gradient, landscape.loss, x0.copy(), steps, optimizers
    )
    if type(value) is dict and not value:
        raise CheckFailure(
            f"{what}: got an empty dict, expected the keys {list(specs)}",
            hint="losses_not_stored",
        )
    result = as_dict(value, what, list(specs))

    series: dict[str, np.ndarray] = {}

    def one(label: str, spec: Spec) -> None:
        points = drive(sub, spec, landscape, x0, steps)
        expected = np.array([landscape.loss(x) for x in points])
        losses = as_array(result[label], f"{what}[{label!r}]")
        if losses.ndim == 1:
            series[f"{label} (yours)"] = losses
        series[f"{label} (expected)"] = expected
        negated = np.array([landscape.loss(-x) for x in points])
        require_rows(
            losses, expected, f"{what}[{label!r}] (losses)", ctx.arithmetic, "losses", negated
        )

    try:
        each_case([partial(one, label, spec) for label, spec in specs.items()])
    finally:  # the curves of the optimizers compared so far, whether they pass or not
        ctx.figure_of(what, lambda: curves(series, "step", "loss") if series else None)


@grader.check("compare-optimizers-course-example", exercise="compare_optimizers")
def compare_example(sub: Submission, ctx: Context) -> None:
    """compare_optimizers: 10 steps of SGD and Momentum (lr=0.01) on Booth from [0, 0], 11 losses"""
    specs = {"SGD": ("SGD", {"lr": 0.01}), "Momentum": ("Momentum", {"lr": 0.01})}
    check_compare(sub, ctx, BOOTH, np.array([0.0, 0.0]), 10, specs)


@grader.check("compare-optimizers-hidden", exercise="compare_optimizers")
def compare_hidden(sub: Submission, ctx: Context) -> None:
    """compare_optimizers gives the losses along each trajectory on three hidden functions"""
    trio = {
        "plain": ("SGD", {"lr": 1e-3}),
        "heavy ball": ("Momentum", {"lr": 2e-4, "beta": 0.9}),
        "adam": ("Adam", {"lr": 0.05}),
    }
    x0 = np.array([ctx.rng.uniform(-1.5, -0.5), ctx.rng.uniform(0.5, 2.0)])
    check_compare(sub, ctx, ROSENBROCK, x0, 15, trio)
    angle = float(ctx.rng.uniform(0, np.pi))
    specs = {
        "sgd": ("SGD", {"lr": 0.015}),
        "momentum": ("Momentum", {"lr": 0.005, "beta": 0.8}),
        "adam": ("Adam", {"lr": 0.1}),
    }
    check_compare(
        sub, ctx, quadratic(np.array([1.0, 100.0]), angle), ctx.rng.normal(0, 2, 2), 20, specs
    )
    specs = {"adam": ("Adam", {"lr": 0.1}), "sgd": ("SGD", {"lr": 0.01})}
    check_compare(sub, ctx, BOOTH, ctx.rng.uniform(-4, 4, 2), 15, specs)


@grader.check("compare-optimizers-x0-unchanged", exercise="compare_optimizers")
def compare_x0(sub: Submission, ctx: Context) -> None:
    """compare_optimizers(..., x0=[0, 0], 5, {SGD, Momentum}) leaves the x0 array unchanged"""
    x0 = np.array([0.0, 0.0])
    optimizers = {"SGD": make(sub, "SGD", lr=0.01), "Momentum": make(sub, "Momentum", lr=0.01)}
    called = sub.call_keep(
        "compare_optimizers", BOOTH.gradient, BOOTH.loss, x0.copy(), 5, optimizers
    )
    after = called.args[2]
    if not (isinstance(after, np.ndarray) and np.array_equal(after, x0)):
        raise CheckFailure(
            f"compare_optimizers changed its x0 argument: got {describe(after)} "
            f"{after.tolist() if isinstance(after, np.ndarray) else ''} afterwards, "
            "expected [0.0, 0.0]",
            hint="x0_modified",
        )


# ---------------------------------------------------------------------------
# RMSProp (going deeper)


def rmsprop_run_mistakes(
    params0: Params, grads_seq: list[Params], lr: float, beta: float, eps: float
) -> Callable[[Trajectory], Mistakes]:
    def for_run(got: Trajectory) -> Mistakes:
        def run(**kw: Any) -> Trajectory:
            with np.errstate(divide="ignore", invalid="ignore"):
                return rmsprop_variant(params0, grads_seq, lr, beta, eps, **kw)

        return lambda: {
            "state_shared_across_keys": run(shared=True),
            "state_not_kept": run(keep=False),
            "second_moment_not_updated": run(s_updated=False) if eps > 0 else None,
            "state_sign_flipped": run(s_sign=-1.0),
        }

    return for_run


def rmsprop_nonfinite(
    params0: Params, grads_seq: list[Params], lr: float, beta: float, eps: float
) -> NonfiniteHint:
    """state_sign_flipped when RMSProp whose stored s comes back negated reproduces the
    call whose params became NaN: the model is finite before that call, and at it has NaN
    at the same places and the same finite numbers as the student's params, every key."""

    def hint(
        sub: Submission, opt: RemoteObject, key: str, after: Mapping[str, Any], number: int
    ) -> str | None:
        if not 1 <= number <= len(grads_seq):
            return None
        with np.errstate(invalid="ignore", divide="ignore"):
            run = rmsprop_variant(params0, grads_seq[:number], lr, beta, eps, s_sign=-1.0)
        if not all(np.isfinite(params[k]).all() for params in run[:-1] for k in params):
            return None
        predicted = run[-1]
        some_finite = any(np.isfinite(predicted[k]).any() for k in predicted)
        if some_finite and all(same_numbers(after.get(k), predicted[k]) for k in predicted):
            return "state_sign_flipped"
        return None

    return hint


RMSPROP_DEFAULTS = {"lr": 0.01, "beta": 0.9, "eps": 1e-8}


def defaults_failure(
    failure: CheckFailure,
    sub: Submission,
    name: str,
    defaults: Mapping[str, float],
    params0: Params,
    grads_seq: list[Params],
    right: list[Trajectory],
    tol: Tolerance,
    given: Mapping[str, float] = {},
) -> CheckFailure:
    """``failure`` (of ``name(**given)``, the other arguments left to their defaults) with
    the hint defaults_changed when a fresh instance given the contract's ``defaults`` as
    well follows one of the ``right`` runs (the changes each step makes, at ``tol``): only
    the defaults differ then. The defaults that alone make it right are named (never the
    ``given`` values: they may be hidden inputs)."""
    if failure.hint is not None:
        return failure

    def steps_right(kwargs: Mapping[str, float]) -> bool:
        try:
            opt = make(sub, name, **given, **kwargs)
            got = run_student(sub, opt, name, params0, grads_seq)
        except StudentError as error:
            if error.not_implemented:
                raise
            return False
        except CheckFailure:
            return False
        made = flat(changes(params0, got))
        return any(close(made, flat(changes(params0, run)), tol) for run in right)

    if not steps_right(defaults):
        return failure
    wrong = [key for key, value in defaults.items() if steps_right({key: value})]
    explicit = ", ".join(f"{key}={value:g}" for key, value in defaults.items())
    sentence = f"given {explicit} explicitly, {name} steps right: its defaults differ"
    if wrong:
        sentence += f" (given {' or '.join(wrong)} alone, it steps right)"
    return CheckFailure(
        f"{failure.message}\n{sentence}",
        hint="defaults_changed",
        detail=f"{failure.detail or failure.message}\n{sentence}",
        relation=failure.relation,
    )


@grader.check("rmsprop-course-example", exercise="RMSProp")
def rmsprop_example(sub: Submission, ctx: Context) -> None:
    """RMSProp() (lr=0.01, beta=0.9, eps=1e-8) takes the three documented steps on w and b"""
    params0 = {
        "w": np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]),
        "b": np.array([0.1, 0.2, -0.3]),
    }
    # gradients in the hundreds: where eps=1e-8 goes makes no visible difference
    grads_seq = [
        {
            "w": np.array([[200.0, -500.0, 400.0], [-300.0, 100.0, 250.0]]),
            "b": np.array([-150.0, 750.0, 500.0]),
        },
        {
            "w": np.array([[100.0, 300.0, -200.0], [-600.0, 150.0, 250.0]]),
            "b": np.array([450.0, -250.0, 100.0]),
        },
        {
            "w": np.array([[-400.0, 200.0, 300.0], [100.0, -100.0, 500.0]]),
            "b": np.array([200.0, 300.0, -700.0]),
        },
    ]
    expected = run_reference(ctx.reference.RMSProp(), params0, grads_seq)
    try:
        check_steps(
            sub,
            ctx,
            "RMSProp",
            {},
            params0,
            grads_seq,
            expected,
            "RMSProp().step",
            rmsprop_run_mistakes(params0, grads_seq, 0.01, 0.9, 1e-8),
            rmsprop_nonfinite(params0, grads_seq, 0.01, 0.9, 1e-8),
        )
    except CheckFailure as failure:
        raise defaults_failure(
            failure,
            sub,
            "RMSProp",
            RMSPROP_DEFAULTS,
            params0,
            grads_seq,
            [expected],
            ctx.arithmetic,
        ) from None


@grader.check("rmsprop-hidden-steps", exercise="RMSProp")
def rmsprop_hidden(sub: Submission, ctx: Context) -> None:
    """RMSProp matches the reference step by step on hidden gradients and hyperparameters"""
    for _ in range(3):
        lr, beta = float(ctx.rng.uniform(0.005, 0.05)), float(ctx.rng.uniform(0.8, 0.99))
        params0 = random_params(ctx.rng, SHAPES)
        grads_seq = random_grads(ctx.rng, SHAPES, 8)
        reference = ctx.reference.RMSProp(lr=lr, beta=beta, eps=0.0)
        check_steps(
            sub,
            ctx,
            "RMSProp",
            {"lr": lr, "beta": beta, "eps": 0.0},
            params0,
            grads_seq,
            run_reference(reference, params0, grads_seq),
            "RMSProp.step",
            rmsprop_run_mistakes(params0, grads_seq, lr, beta, 0.0),
            rmsprop_nonfinite(params0, grads_seq, lr, beta, 0.0),
        )


@grader.check("rmsprop-state-per-key", exercise="RMSProp")
def rmsprop_per_key(sub: Submission, ctx: Context) -> None:
    """RMSProp keeps a separate mean of g**2 for each key, even for keys of the same shape"""
    for _ in range(3):
        lr = float(ctx.rng.uniform(0.005, 0.05))
        params0 = random_params(ctx.rng, SAME_SHAPES)
        grads_seq = random_grads(ctx.rng, SAME_SHAPES, 6)
        expected = run_reference(ctx.reference.RMSProp(lr=lr, eps=0.0), params0, grads_seq)
        try:
            check_steps(
                sub,
                ctx,
                "RMSProp",
                {"lr": lr, "eps": 0.0},
                params0,
                grads_seq,
                expected,
                "RMSProp.step with two keys of the same shape",
                rmsprop_run_mistakes(params0, grads_seq, lr, 0.9, 0.0),
                rmsprop_nonfinite(params0, grads_seq, lr, 0.9, 0.0),
            )
        except CheckFailure as failure:
            raise defaults_failure(
                failure,
                sub,
                "RMSProp",
                {"beta": 0.9},
                params0,
                grads_seq,
                [expected],
                ctx.arithmetic,
                given={"lr": lr, "eps": 0.0},
            ) from None


@grader.check("rmsprop-default-arguments", exercise="RMSProp")
def rmsprop_defaults(sub: Submission, ctx: Context) -> None:
    """RMSProp() uses eps=1e-8: its steps on tiny gradients match the reference

    Tiny gradients (|g| from 1e-9 to 1e-7, so that sqrt(s) is about eps) make eps change
    every step by 10% to 100% (lr and beta's defaults are checked by the course example).
    The accepted sqrt(s + eps**2) makes the denominator up to 29% smaller there, as much
    as a changed eps would, so no tolerance tells them apart: the steps must match the
    contract's form or sqrt(s + eps**2), with eps = 1e-8, at arithmetic tolerance over the
    whole run. A doubled or halved eps, or -eps, matches neither.
    """
    shapes = {"W": (3, 2), "b": (2,)}
    for _ in range(2):
        params0 = random_params(ctx.rng, shapes)
        grads_seq = random_grads(ctx.rng, shapes, 8, **TINY)
        what = "RMSProp().step on tiny gradients (|g| below 1e-7, where eps=1e-8 matters)"
        expected = run_reference(ctx.reference.RMSProp(), params0, grads_seq)
        accepted = [rmsprop_variant(params0, grads_seq, 0.01, 0.9, 1e-8, eps_square=True)]
        try:
            got = run_student(sub, make(sub, "RMSProp"), what, params0, grads_seq)

            def run_with(
                eps: float, grads_seq: list[Params] = grads_seq, params0: Params = params0
            ) -> Trajectory:
                return rmsprop_variant(params0, grads_seq, 0.01, 0.9, eps)

            require_accepted_changes(
                params0,
                got,
                expected,
                accepted,
                what,
                ctx.arithmetic,
                merged(
                    rmsprop_run_mistakes(params0, grads_seq, 0.01, 0.9, 1e-8)(got),
                    eps_mistakes(
                        params0, grads_seq, got, 0.01, 1e-8, float(np.sqrt(0.1)), run_with
                    ),
                ),
            )
        except CheckFailure as failure:
            raise defaults_failure(
                failure,
                sub,
                "RMSProp",
                RMSPROP_DEFAULTS,
                params0,
                grads_seq,
                [expected, *accepted],
                ctx.arithmetic,
            ) from None


@grader.check("rmsprop-in-place", exercise="RMSProp")
def rmsprop_in_place(sub: Submission, ctx: Context) -> None:
    """RMSProp.step updates the arrays of params in place and leaves grads unchanged"""
    updates_in_place(sub, make(sub, "RMSProp", lr=0.01), "RMSProp(lr=0.01).step", 3)
