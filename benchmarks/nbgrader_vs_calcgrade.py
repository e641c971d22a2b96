"""Batch throughput: `nbgrader autograde` against `calcgrade grade --isolation strict`.

The performance target: measured side by side in one run, on the same
submissions, calcgrade's batch throughput must be at least 20x that of
`nbgrader autograde`, with strict isolation on.

This script builds, in a temporary directory, a real nbgrader course for the
assignment `m3_chain_rule`:

- `source/m3_chain_rule/m3_chain_rule.ipynb` is made from
  `solutions/m3_chain_rule.py`: its solution regions (`### BEGIN SOLUTION` /
  `### END SOLUTION`) sit in nbgrader solution cells, and every
  `check("m3_chain_rule", globals(), exercise=...)` cell becomes an autograder
  test cell worth the exercise's points in `course_config.yml`, whose visible
  asserts use the course examples and whose `### BEGIN HIDDEN TESTS` part checks
  what calcgrade's m3 grader checks: values against NumPy written in the cell on
  fixed seeded inputs, inputs left unchanged, and central-difference gradient
  checks of every backward function, of `mse_loss` and of `mlp_loss_and_grads`;
- `nbgrader generate_assignment` makes the student version, `nbgrader db
  student import` registers N students, and each gets
  `submitted/<student>/m3_chain_rule/m3_chain_rule.ipynb`: the released
  notebook with its stubs filled in, by a correct solution, by one of a few
  classic mistakes, or not at all;
- the same notebooks, byte for byte, are laid out for calcgrade as
  `class/<student>/m3_chain_rule.ipynb`.

Then it times, one after the other on the same machine, `nbgrader autograde
m3_chain_rule`, `calcgrade grade class --module m3_chain_rule --out OUT
--isolation strict --workers 2 --no-html` (OUT deleted first, so nothing is
reused; the notebook's unchanged demo cells are left out, as by default) and the
same with `--run-demo-cells` (every cell run, as nbgrader does), prints seconds
and submissions per second for each and both throughput ratios, and checks that
the tools agree on who gets full marks, and on which exercises lose points.

Run as root (strict isolation needs bubblewrap and root):

    .venv/bin/python benchmarks/nbgrader_vs_calcgrade.py --n 30

Not part of the test suite; `tests/test_benchmark_smoke.py` only builds a course.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SOLUTION = REPO / "solutions" / "m3_chain_rule.py"
COURSE_CONFIG = REPO / "course_config.yml"
ASSIGNMENT = "m3_chain_rule"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
COURSE_ID = "calcgrade_benchmark"
KERNEL_NAME = "calcgrade-benchmark"
BIN = Path(sys.executable).parent  # the venv's bin/: nbgrader, calcgrade, alembic
TARGET_RATIO = 20.0

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
STUB_COMMENT = re.compile(r"^\s*# stub: .*$")
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"  # nbgrader's default for Python
RELEASED_STUB = re.compile(
    r"^(?P<indent>[ \t]*)# YOUR CODE HERE\n(?P=indent)raise NotImplementedError\(\)[ \t]*$",
    re.MULTILINE,
)
CHECK_CALL = re.compile(r'check\("m3_chain_rule", globals\(\), exercise="(?P<exercise>\w+)"\)')
TOP_LEVEL_NAME = re.compile(r"^(?:def|class) (?P<name>\w+)", re.MULTILINE)
INNER_DEF = re.compile(r"^\s*def (?P<name>\w+)")

NBGRADER_CONFIG = """\
# nbgrader configuration of the calcgrade benchmark course (generated).
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
# nbgrader's Execute preprocessor subclasses nbconvert's ExecutePreprocessor:
# a cell (not a notebook) that runs longer than this is stopped.
c.ExecutePreprocessor.timeout = {timeout}
c.Execute.timeout = {timeout}
c.ClearSolutions.code_stub = {{"python": {stub!r}}}
"""

# -- the autograder test cells ----------------------------------------------------------
#
# One locked helper cell, then one test cell per exercise. The visible asserts use
# the course examples (calcgrade's public checks); the hidden part uses fixed seeded
# inputs (calcgrade's hidden checks draw theirs from the course seed). Tolerances are
# the course's (docs/contract.md, "Numerics"): rtol 1e-7 against analytic values,
# rtol 1e-5 and atol 1e-8 * max(1, max|r|) against central differences with steps
# 6e-6 * max(1, |x_i|).

HELPERS = '''\
# Helpers of the autograder tests (read-only).
import math

import numpy as np


def assert_close(got, expected, what, rtol=1e-7, atol=1e-12):
    """Elementwise |got - expected| <= atol + rtol * |expected|, same shape, finite."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    assert np.isfinite(got).all(), f"{what}: not finite"
    bad = np.abs(got - expected) > atol + rtol * np.abs(expected)
    assert not bad.any(), f"{what}: {int(bad.sum())} of {bad.size} entries differ"


def assert_close_fd(got, numerical, what):
    """Against central differences: rtol 1e-5, atol 1e-8 * max(1, max |numerical|)."""
    scale = max(1.0, float(np.abs(numerical).max()))
    assert_close(got, numerical, what, rtol=1e-5, atol=1e-8 * scale)


def steps(x):
    return 6e-6 * np.maximum(1.0, np.abs(x))


def central_gradient(f, x):
    """Central differences of the scalar function f at the array x."""
    x = np.array(x, dtype=np.float64)
    h = steps(x)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h[i]
        down[i] -= h[i]
        grad[i] = (f(up) - f(down)) / (up[i] - down[i])
    return grad


def elementwise_slope(f, Z):
    """Central differences of an elementwise function f at every entry of Z."""
    h = steps(Z)
    return (f(Z + h) - f(Z - h)) / ((Z + h) - (Z - h))


def snapshot(value):
    if isinstance(value, dict):
        return {key: np.array(item, copy=True) for key, item in value.items()}
    return np.array(value, copy=True)


def same(before, after):
    if isinstance(before, dict):
        return before.keys() == after.keys() and all(
            np.array_equal(before[key], after[key]) for key in before
        )
    return np.array_equal(before, after)


def call_unchanged(what, function, *args):
    """function(*args), checking that it leaves its (array or dict) arguments unchanged."""
    before = [snapshot(arg) for arg in args]
    result = function(*args)
    for number, (old, new) in enumerate(zip(before, args), start=1):
        assert same(old, new), f"{what} changed its argument {number}"
    return result
'''

TESTS: dict[str, str] = {
    "chain_rule": '''\
"""chain_rule: value and derivative on the course examples and on hidden chains"""
value, slope = chain_rule(
    [lambda x: 3 * x + 1, lambda u: u**2], [lambda x: 3.0, lambda u: 2 * u], 2.0
)
assert_close(value, 49.0, "chain_rule([3x + 1, u**2], ..., 2.0) -> value")
assert_close(slope, 42.0, "chain_rule([3x + 1, u**2], ..., 2.0) -> derivative")
value, slope = chain_rule(
    [lambda x: x**2, math.sin, lambda u: 2 * u], [lambda x: 2 * x, math.cos, lambda u: 2.0], 1.0
)
assert_close(value, 2 * math.sin(1.0), "chain_rule([x**2, sin, 2u], ..., 1.0) -> value")
assert_close(slope, 2 * math.cos(1.0) * 2.0, "chain_rule([x**2, sin, 2u], ..., 1.0) -> derivative")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(301)
a, c, k = 1.3, -0.4, 0.6
links = [
    (lambda u: a * u + c, lambda u: a),
    (math.sin, math.cos),
    (math.tanh, lambda u: 1.0 - math.tanh(u) ** 2),
    (lambda u: 1.0 / (1.0 + math.exp(-u)), lambda u: math.exp(-u) / (1.0 + math.exp(-u)) ** 2),
    (lambda u: u**3 / 3.0, lambda u: u**2),
    (lambda u: math.exp(k * u), lambda u: k * math.exp(k * u)),
    (lambda u: math.log(1.0 + u**2), lambda u: 2.0 * u / (1.0 + u**2)),
]
for length in (1, 2, 3, 4, 4, 8, 12, 16):
    if length <= 4:
        picked = rng.choice(len(links), size=length, replace=False)
    else:
        picked = rng.choice(4, size=length)
    chain = [links[int(i)] for i in picked]
    x = float(rng.uniform(-1.5, 1.5))
    expected_value, expected_slope = x, 1.0
    for f, df in chain:
        expected_slope *= df(expected_value)
        expected_value = f(expected_value)
    value, slope = chain_rule([f for f, _ in chain], [df for _, df in chain], x)
    assert_close(value, expected_value, f"chain_rule on a hidden chain of {length} -> value")
    assert_close(slope, expected_slope, f"chain_rule on a hidden chain of {length} -> derivative")
### END HIDDEN TESTS
''',
    "linear_forward": '''\
"""linear_forward: X @ W + b on the course example and hidden batches, inputs unchanged"""
X = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
W = np.array([[1.0, 0.0], [2.0, -1.0], [0.0, 1.0]])
b = np.array([0.5, -1.0])
assert_close(linear_forward(X, W, b), X @ W + b, "linear_forward on the course example")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(302)
for n, d, out in [(5, 3, 4), (6, 4, 2), (7, 2, 3)]:
    X, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, out)), rng.normal(size=out)
    Z = call_unchanged("linear_forward", linear_forward, X, W, b)
    assert_close(Z, X @ W + b, "linear_forward on a hidden batch")
### END HIDDEN TESTS
''',
    "linear_backward": '''\
"""linear_backward: (dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)), and central differences"""
dZ = np.array([[1.0, 0.0, -1.0, 2.0], [0.0, 1.0, 1.0, 0.0], [-1.0, 2.0, 0.5, 1.0]])
X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])
W = np.array([[1.0, 0.0, -1.0, 2.0], [0.5, 1.0, 0.0, -1.0]])
dX, dW, db = linear_backward(dZ, X, W)
assert_close(dX, dZ @ W.T, "linear_backward -> dX on the course example")
assert_close(dW, X.T @ dZ, "linear_backward -> dW on the course example")
assert_close(db, dZ.sum(axis=0), "linear_backward -> db on the course example")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(303)
for n, d, out in [(5, 3, 4), (6, 4, 2), (7, 2, 3)]:
    X, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, out)), rng.normal(size=out)
    dZ = rng.normal(size=(n, out))
    dX, dW, db = call_unchanged("linear_backward", linear_backward, dZ, X, W)
    assert_close(dX, dZ @ W.T, "linear_backward -> dX on a hidden batch")
    assert_close(dW, X.T @ dZ, "linear_backward -> dW on a hidden batch")
    assert_close(db, dZ.sum(axis=0), "linear_backward -> db on a hidden batch")
for n, d, out in [(5, 3, 4), (6, 4, 2), (7, 2, 3)]:
    X, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, out)), rng.normal(size=out)
    dZ = rng.normal(size=(n, out))
    dX, dW, db = linear_backward(dZ, X, W)

    def loss(X_, W_, b_):
        return float(np.sum(dZ * linear_forward(X_, W_, b_)))

    numerical = (
        central_gradient(lambda x: loss(x, W, b), X),
        central_gradient(lambda w: loss(X, w, b), W),
        central_gradient(lambda bias: loss(X, W, bias), b),
    )
    for name, got, expected in zip(("dX", "dW", "db"), (dX, dW, db), numerical):
        assert_close_fd(got, expected, f"linear_backward -> {name}, central differences")
### END HIDDEN TESTS
''',
    "sigmoid": '''\
"""sigmoid: 1 / (1 + exp(-Z)) on the course example and hidden arrays, inputs unchanged"""
Z = np.array([-2.0, 0.0, 3.0])
assert_close(sigmoid(Z), 1 / (1 + np.exp(-Z)), "sigmoid([-2, 0, 3])")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(304)
for shape in [(4, 3), (7,), (2, 3, 2)]:
    Z = rng.normal(0.0, 3.0, size=shape)
    Z.flat[0], Z.flat[-1] = 35.0, -35.0
    got = call_unchanged("sigmoid", sigmoid, Z)
    assert_close(got, 1 / (1 + np.exp(-Z)), "sigmoid on a hidden array")
### END HIDDEN TESTS
''',
    "sigmoid_backward": '''\
"""sigmoid_backward: dA * s * (1 - s) at the pre-activation Z, and central differences"""
dA = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
Z = np.array([[-1.0, 0.5, 2.0], [0.5, -3.0, -1.5]])
s = 1 / (1 + np.exp(-Z))
assert_close(sigmoid_backward(dA, Z), dA * s * (1 - s), "sigmoid_backward on the course example")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(305)
for shape in [(4, 3), (6, 2), (3, 5)]:
    dA, Z = rng.normal(size=shape), rng.normal(0.0, 2.0, size=shape)
    s = 1 / (1 + np.exp(-Z))
    got = call_unchanged("sigmoid_backward", sigmoid_backward, dA, Z)
    assert_close(got, dA * s * (1 - s), "sigmoid_backward on a hidden array")
for shape in [(4, 3), (6, 2), (3, 5)]:
    dA, Z = rng.normal(size=shape), rng.normal(0.0, 2.0, size=shape).clip(-5.0, 5.0)
    expected = dA * elementwise_slope(sigmoid, Z)
    assert_close_fd(sigmoid_backward(dA, Z), expected, "sigmoid_backward, central differences")
### END HIDDEN TESTS
''',
    "tanh_backward": '''\
"""tanh_backward: dA * (1 - tanh(Z)**2), on any shape, and central differences of np.tanh"""
dA = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
Z = np.array([[-1.0, 0.5, 2.0], [0.5, -3.0, -1.5]])
expected = dA * (1 - np.tanh(Z) ** 2)
assert_close(tanh_backward(dA, Z), expected, "tanh_backward on the course example")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(306)
for shape in [(4, 3), (6, 2), (3, 5)]:
    dA, Z = rng.normal(size=shape), rng.normal(0.0, 2.0, size=shape)
    got = call_unchanged("tanh_backward", tanh_backward, dA, Z)
    assert_close(got, dA * (1 - np.tanh(Z) ** 2), "tanh_backward on a hidden array")
for shape in [(5,), (2, 3, 4), (1, 7)]:
    dA, Z = rng.normal(size=shape), rng.normal(0.0, 1.5, size=shape)
    expected = dA * elementwise_slope(np.tanh, Z)
    assert_close_fd(tanh_backward(dA, Z), expected, "tanh_backward, central differences")
### END HIDDEN TESTS
''',
    "relu": '''\
"""relu: max(Z, 0) on the course examples and hidden arrays, inputs unchanged"""
Z = np.array([-2.0, -0.5, 0.0, 1.5, 3.0])
assert_close(relu(Z), [0.0, 0.0, 0.0, 1.5, 3.0], "relu([-2, -0.5, 0, 1.5, 3])")
Z = np.array([[-1.0, 2.0], [3.0, -4.0]])
got = call_unchanged("relu", relu, Z)
assert_close(got, np.maximum(Z, 0), "relu([[-1, 2], [3, -4]])")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(307)
for shape in [(4, 3), (9,), (2, 2, 3)]:
    Z = rng.normal(0.0, 2.0, size=shape)
    assert_close(relu(Z), np.maximum(Z, 0), "relu on a hidden array")
### END HIDDEN TESTS
''',
    "relu_backward": '''\
"""relu_backward: dA where Z > 0, else 0 (also at Z == 0), and central differences"""
dA = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
Z = np.array([[-1.0, 0.5, 2.0], [0.5, -3.0, -1.5]])
assert_close(relu_backward(dA, Z), dA * (Z > 0), "relu_backward on the course example")
dA = np.array([2.0, -3.0, 1.5, 1.0, -1.0])
Z = np.array([0.0, 0.0, 1.0, -1.0, 0.0])
assert_close(relu_backward(dA, Z), [0.0, 0.0, 1.5, 0.0, 0.0], "relu_backward at Z == 0")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(308)


def away_from_zero(shape):
    return rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


for shape in [(4, 3), (6, 2), (3, 5)]:
    dA, Z = rng.normal(size=shape), away_from_zero(shape)
    got = call_unchanged("relu_backward", relu_backward, dA, Z)
    assert_close(got, dA * (Z > 0), "relu_backward on a hidden array")
for shape in [(4, 3), (6, 2), (3, 5)]:
    dA, Z = rng.normal(size=shape), away_from_zero(shape)
    expected = dA * elementwise_slope(relu, Z)
    assert_close_fd(relu_backward(dA, Z), expected, "relu_backward, central differences")
### END HIDDEN TESTS
''',
    "mse_loss": '''\
"""mse_loss: (mean((pred - y)**2), 2 * (pred - y) / pred.size), and central differences"""
pred = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
y = np.array([[0.5, 2.0], [1.0, -1.5], [2.0, 1.0]])
loss, dpred = mse_loss(pred, y)
assert_close(loss, np.mean((pred - y) ** 2), "mse_loss -> loss on the course example")
assert_close(dpred, 2 * (pred - y) / pred.size, "mse_loss -> dpred on the course example")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(309)
for shape in [(5, 1), (4, 3), (8, 2)]:
    pred, y = rng.normal(size=shape), rng.normal(size=shape)
    loss, dpred = call_unchanged("mse_loss", mse_loss, pred, y)
    assert_close(loss, np.mean((pred - y) ** 2), "mse_loss -> loss on a hidden batch")
    assert_close(dpred, 2 * (pred - y) / pred.size, "mse_loss -> dpred on a hidden batch")
for shape in [(5, 1), (4, 3), (3, 2)]:
    pred, y = rng.normal(size=shape), rng.normal(size=shape)
    numerical = central_gradient(lambda p: mse_loss(p, y)[0], pred)
    assert_close_fd(mse_loss(pred, y)[1], numerical, "mse_loss -> dpred, central differences")
### END HIDDEN TESTS
''',
    "mlp_loss_and_grads": '''\
"""mlp_loss_and_grads: the loss and gradients of a two-layer network, and central differences"""
params = {
    "W1": np.array([[0.5, -0.3, 0.8], [0.2, 0.7, -0.6]]),
    "b1": np.array([0.1, -0.2, 0.05]),
    "W2": np.array([[0.4], [-0.9], [0.3]]),
    "b2": np.array([0.2]),
}
X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
y = np.array([[1.0], [1.0], [0.0], [0.0]])
loss, grads = call_unchanged("mlp_loss_and_grads", mlp_loss_and_grads, params, X, y)
pred = np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
assert_close(loss, np.mean((pred - y) ** 2), "mlp_loss_and_grads -> loss on the course example")
assert sorted(grads) == sorted(params), "grads must have the keys of params"
for key in params:
    got = np.shape(grads[key])
    assert got == params[key].shape, f"grads[{key!r}] has shape {got}, not {params[key].shape}"
### BEGIN HIDDEN TESTS


def mlp_reference(params, X, y):
    Z1 = X @ params["W1"] + params["b1"]
    H = np.tanh(Z1)
    pred = H @ params["W2"] + params["b2"]
    dpred = 2 * (pred - y) / pred.size
    dZ1 = (dpred @ params["W2"].T) * (1 - H**2)
    grads = {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H.T @ dpred, "b2": dpred.sum(axis=0)}
    return np.mean((pred - y) ** 2), grads


def mlp_inputs(rng, n, d, h, o):
    params = {
        "W1": rng.normal(0.0, 0.8, size=(d, h)),
        "b1": rng.normal(0.0, 0.5, size=h),
        "W2": rng.normal(0.0, 0.8, size=(h, o)),
        "b2": rng.normal(0.0, 0.5, size=o),
    }
    return params, rng.normal(size=(n, d)), rng.normal(size=(n, o))


expected_loss, expected = mlp_reference(params, X, y)
for key in params:
    assert_close(grads[key], expected[key], f"mlp_loss_and_grads -> grads[{key!r}], course example")
rng = np.random.default_rng(310)
for shape in [(5, 3, 4, 2), (6, 2, 5, 3), (7, 4, 3, 1)]:
    params, X, y = mlp_inputs(rng, *shape)
    loss, grads = call_unchanged("mlp_loss_and_grads", mlp_loss_and_grads, params, X, y)
    expected_loss, expected = mlp_reference(params, X, y)
    assert_close(loss, expected_loss, "mlp_loss_and_grads -> loss on a hidden network")
    for key in params:
        assert_close(grads[key], expected[key], f"mlp_loss_and_grads -> grads[{key!r}], hidden")
for shape in [(5, 3, 4, 2), (6, 2, 5, 3), (7, 4, 3, 1)]:
    params, X, y = mlp_inputs(rng, *shape)
    _, grads = mlp_loss_and_grads(params, X, y)
    for key in params:

        def loss_of(value, key=key):
            return mlp_loss_and_grads({**params, key: value}, X, y)[0]

        numerical = central_gradient(loss_of, params[key])
        assert_close_fd(grads[key], numerical, f"grads[{key!r}], central differences")
### END HIDDEN TESTS
''',
    "Value": '''\
"""Value: data and gradients of expressions built with + - * / ** tanh exp relu"""


def evaluate(build, *numbers):
    leaves = [Value(number) for number in numbers]
    out = build(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


data, grads = evaluate(lambda a, b: a * b + a**2, 2.0, -3.0)
assert_close([data, *grads], [-2.0, 1.0, 2.0], "c = a * b + a ** 2 at a = 2, b = -3")
either_side = [
    ("3 + a", lambda a: 3.0 + a, 4.5, 1.0),
    ("a + 3", lambda a: a + 3.0, 4.5, 1.0),
    ("a - 1", lambda a: a - 1.0, 0.5, 1.0),
    ("1 - a", lambda a: 1.0 - a, -0.5, -1.0),
    ("2 * a", lambda a: 2.0 * a, 3.0, 2.0),
    ("a * 2", lambda a: a * 2.0, 3.0, 2.0),
    ("a / 4", lambda a: a / 4.0, 0.375, 0.25),
    ("6 / a", lambda a: 6.0 / a, 4.0, -6.0 / 1.5**2),
]
for text, build, value, slope in either_side:
    data, grads = evaluate(build, 1.5)
    assert_close([data, *grads], [value, slope], f"{text} at a = 1.5")
a, b = 1.5, -0.5
data, grads = evaluate(lambda p, q: (p - q) * (p / q), a, b)
expected = [(a - b) * (a / b), a / b + (a - b) / b, -a / b - (a - b) * a / b**2]
assert_close([data, *grads], expected, "(a - b) * (a / b) at a = 1.5, b = -0.5")
assert_close(evaluate(lambda a: a + a, 3.0)[1], [2.0], "a + a: a.grad accumulates")
assert_close(evaluate(lambda a: a * a, 3.0)[1], [6.0], "a * a: a.grad accumulates")
### BEGIN HIDDEN TESTS


def diamond(a):
    b = a.tanh()
    return b * b + b.exp()


t = math.tanh(0.7)
data, grads = evaluate(diamond, 0.7)
expected = [t**2 + math.exp(t), (2 * t + math.exp(t)) * (1 - t**2)]
assert_close([data, *grads], expected, "b * b + b.exp() with b = a.tanh()")
rng = np.random.default_rng(311)
for _ in range(3):
    a = float(rng.uniform(0.5, 1.5))
    b = float(rng.uniform(0.2, 1.0))
    c = float(rng.uniform(-1.5, -0.5))
    t = math.tanh(a * b + c)
    data, grads = evaluate(lambda p, q, r: (p * q + r).tanh() * p, a, b, c)
    expected = [t * a, (1 - t**2) * b * a + t, (1 - t**2) * a * a, (1 - t**2) * a]
    assert_close([data, *grads], expected, "a hidden expression using * + tanh")
    data, grads = evaluate(lambda p, q, r: (p - q) ** 2 / r, a, b, c)
    expected = [(a - b) ** 2 / c, 2 * (a - b) / c, -2 * (a - b) / c, -((a - b) ** 2) / c**2]
    assert_close([data, *grads], expected, "a hidden expression using - ** /")
    e = math.exp(a)
    data, grads = evaluate(lambda p, q, r: (p.exp() + q * r) * (2.0 - p) + r**3, a, b, c)
    expected = [
        (e + b * c) * (2 - a) + c**3,
        e * (2 - a) - (e + b * c),
        c * (2 - a),
        b * (2 - a) + 3 * c**2,
    ]
    assert_close([data, *grads], expected, "a hidden expression using exp * + - **")
for x in rng.uniform(0.3, 1.5, size=3):
    for z in (float(x), -float(x)):
        th = math.tanh(z)
        for name, expected in [
            ("tanh", [th, 1 - th**2]),
            ("exp", [math.exp(z), math.exp(z)]),
            ("relu", [max(z, 0.0), 1.0 if z > 0 else 0.0]),
        ]:
            data, grads = evaluate(lambda a, name=name: getattr(a, name)(), z)
            assert_close([data, *grads], expected, f"a.{name}()")
### END HIDDEN TESTS
''',
}

# -- the students -------------------------------------------------------------------------
#
# A variant maps a solution block, named by its function (or by `Value` for every
# method of the class), to an edit (old text, new text) or to STUB (left as released).

STUB = "stub"
Edit = tuple[str, str]
VARIANTS: dict[str, dict[str, Edit | str]] = {
    "correct": {},
    "dW_transposed": {"linear_backward": ("dW = X.T @ dZ", "dW = (X.T @ dZ).T")},
    "db_averaged": {"linear_backward": ("db = dZ.sum(axis=0)", "db = dZ.mean(axis=0)")},
    "mse_missing_factor_2": {
        "mse_loss": ("dpred = 2 * error / error.size", "dpred = error / error.size")
    },
    "tanh_derivative_of_activation": {
        "tanh_backward": ("return dA * (1 - np.tanh(Z) ** 2)", "return dA * (1 - Z**2)")
    },
    "relu_mask_on_output_grad": {"relu_backward": ("return dA * (Z > 0)", "return dA * (dA > 0)")},
    "value_not_done": {"Value": STUB},
    "stub": {"*": STUB},
}
# which exercises each variant loses points on (the MLP reuses the student's own pieces)
EXPECTED_LOSSES: dict[str, set[str]] = {
    "correct": set(),
    "dW_transposed": {"linear_backward", "mlp_loss_and_grads"},
    "db_averaged": {"linear_backward", "mlp_loss_and_grads"},
    "mse_missing_factor_2": {"mse_loss", "mlp_loss_and_grads"},
    "tanh_derivative_of_activation": {"tanh_backward", "mlp_loss_and_grads"},
    "relu_mask_on_output_grad": {"relu_backward"},
    "value_not_done": {"Value"},
    "stub": set(TESTS),
}
# the class: students take these in turn (5 of every 12 correct)
ROTATION = [
    "correct",
    "dW_transposed",
    "correct",
    "db_averaged",
    "correct",
    "stub",
    "correct",
    "mse_missing_factor_2",
    "value_not_done",
    "tanh_derivative_of_activation",
    "correct",
    "relu_mask_on_output_grad",
]


@dataclass(frozen=True)
class Block:
    """One solution region of a source cell: who it belongs to and its code (dedented)."""

    top: str  # the top-level function or class
    function: str  # the innermost function
    code: str


@dataclass
class Course:
    """A built benchmark course: nbgrader's course folder and calcgrade's plain layout."""

    workdir: Path
    root: Path
    class_dir: Path
    env: dict[str, str]
    students: dict[str, str] = field(default_factory=dict)  # student -> variant

    @property
    def source_notebook(self) -> Path:
        return self.root / "source" / ASSIGNMENT / NOTEBOOK

    @property
    def release_notebook(self) -> Path:
        return self.root / "release" / ASSIGNMENT / NOTEBOOK

    def submission(self, student: str) -> Path:
        return self.root / "submitted" / student / ASSIGNMENT / NOTEBOOK


# -- building the course ---------------------------------------------------------------------


def exercise_points() -> dict[str, float]:
    """Points per m3 exercise, from course_config.yml (what calcgrade grades out of)."""
    from calcgrade.config import load_course

    module = load_course(COURSE_CONFIG).module(ASSIGNMENT)
    return {name: exercise.points for name, exercise in module.exercises.items()}


def split_solutions(source: str) -> tuple[str, list[Block]]:
    """A solution cell without its `# stub:` lines, and its solution blocks in order."""
    lines = [line for line in source.splitlines() if not STUB_COMMENT.match(line)]
    blocks: list[Block] = []
    top = function = ""
    inside: list[str] | None = None
    for line in lines:
        if line.strip() == BEGIN_SOLUTION:
            inside = []
        elif line.strip() == END_SOLUTION:
            assert inside is not None, f"{END_SOLUTION} without {BEGIN_SOLUTION}"
            blocks.append(Block(top, function, textwrap.dedent("\n".join(inside))))
            inside = None
        elif inside is not None:
            inside.append(line)
        elif match := TOP_LEVEL_NAME.match(line):
            top = function = match["name"]
        elif match := INNER_DEF.match(line):
            function = match["name"]
    assert inside is None, f"{BEGIN_SOLUTION} without {END_SOLUTION}"
    return "\n".join(lines), blocks


def nbgrader_meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float = 0):
    """Cell metadata in nbgrader's schema, version 3."""
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook(points: dict[str, float]) -> tuple[Any, dict[str, list[Block]]]:
    """The instructor's nbgrader notebook, and the solution blocks per solution cell."""
    import jupytext
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    solution = jupytext.reads(SOLUTION.read_text(), fmt="py:percent")
    cells: list[Any] = []
    blocks: dict[str, list[Block]] = {}
    tested: list[str] = []
    for cell in solution.cells:
        text = cell.source
        if cell.cell_type == "markdown":
            cells.append(new_markdown_cell(text))
        elif "from calcgrade import check" in text:
            code = text.replace("from calcgrade import check", "").strip() + "\n"
            cells.append(new_code_cell(code))
            helpers = nbgrader_meta("test_helpers", grade=False, solution=False, locked=True)
            cells.append(new_code_cell(HELPERS, metadata=helpers))
        elif CHECK_CALL.search(text):
            for exercise in CHECK_CALL.findall(text):
                meta = nbgrader_meta(
                    f"test_{exercise}",
                    grade=True,
                    solution=False,
                    locked=True,
                    points=points[exercise],
                )
                cells.append(new_code_cell(TESTS[exercise], metadata=meta))
                tested.append(exercise)
        elif BEGIN_SOLUTION in text:
            code, found = split_solutions(text)
            grade_id = "-".join(TOP_LEVEL_NAME.findall(code))
            blocks[grade_id] = found
            meta = nbgrader_meta(grade_id, grade=False, solution=True, locked=False)
            cells.append(new_code_cell(code, metadata=meta))
        else:
            cells.append(new_code_cell(text))
    missing = sorted(set(points) - set(tested))
    assert not missing, f"{SOLUTION.name}: no check cell for {missing}"
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number:02d}"
    notebook = new_notebook(cells=cells)
    notebook.metadata = nbformat.from_dict(
        {
            "kernelspec": {
                "display_name": "Python 3 (calcgrade benchmark)",
                "language": "python",
                "name": KERNEL_NAME,
            },
            "language_info": {"name": "python"},
            "calcgrade": {"module": ASSIGNMENT},
        }
    )
    return notebook, blocks


def variant_code(variant: str, block: Block) -> str | None:
    """The student's code for a solution block, or None to leave the released stub."""
    edits = VARIANTS[variant]
    edit = edits.get("*") or edits.get(block.top) or edits.get(block.function)
    if edit is None:
        return block.code
    if edit == STUB:
        return None
    old, new = edit
    assert old in block.code, f"variant {variant}: {old!r} not in the solution of {block.function}"
    return block.code.replace(old, new)


def fill_in(released: Any, blocks: dict[str, list[Block]], variant: str) -> Any:
    """A student's notebook: the released one with its stubs replaced as the variant says."""
    import copy

    notebook = copy.deepcopy(released)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution") or cell.cell_type != "code":
            continue
        todo = list(blocks[meta["grade_id"]])
        stubs = RELEASED_STUB.findall(cell.source)
        assert len(stubs) == len(todo), f"{meta['grade_id']}: {len(stubs)} stubs, {len(todo)}"

        def replace(match: re.Match[str], todo: list[Block] = todo) -> str:
            code = variant_code(variant, todo.pop(0))
            if code is None:
                return match.group(0)
            return textwrap.indent(code.rstrip("\n"), match["indent"])

        cell.source = RELEASED_STUB.sub(replace, cell.source)
    return notebook


def student_names(n: int) -> dict[str, str]:
    return {f"student{i + 1:03d}": ROTATION[i % len(ROTATION)] for i in range(n)}


def run(
    argv: Sequence[str | Path], cwd: Path, env: dict[str, str], log: Path | None = None
) -> None:
    """Run a command; its output goes to ``log`` (or is kept); raise with it on failure."""
    command = [str(arg) for arg in argv]
    if log is not None:
        with log.open("ab") as stream:
            stream.write(f"$ {' '.join(command)}\n".encode())
            stream.flush()
            done = subprocess.run(command, cwd=cwd, env=env, stdout=stream, stderr=stream)
        output = log.read_text(errors="replace")[-4000:] if done.returncode else ""
    else:
        finished = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        done, output = finished, (finished.stdout + finished.stderr)[-4000:]
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n{output}")


def nbgrader_env(workdir: Path) -> dict[str, str]:
    """nbgrader's environment: the venv first on PATH (it runs `alembic`), a private
    Jupyter config, data and runtime folder, and the benchmark's kernelspec."""
    jupyter = workdir / "jupyter"
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
            "JUPYTER_DATA_DIR": str(jupyter / "data"),
            "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
            "JUPYTER_PATH": str(jupyter / "share" / "jupyter"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "IPYTHONDIR": str(jupyter / "ipython"),
        }
    )
    return env


def install_kernel(course: Course) -> None:
    """A kernelspec for the venv's python, in the course's private Jupyter path."""
    run(
        [
            sys.executable,
            "-m",
            "ipykernel",
            "install",
            "--prefix",
            course.workdir / "jupyter",
            "--name",
            KERNEL_NAME,
            "--display-name",
            "Python 3 (calcgrade benchmark)",
        ],
        course.workdir,
        course.env,
    )


def build_course(
    workdir: Path, n: int, *, autograde: bool = True, cell_timeout_s: int = 60
) -> Course:
    """Build the nbgrader course and calcgrade's class folder for ``n`` students in ``workdir``.

    With ``autograde=False`` only the files are made (for the smoke test): no
    kernelspec, no gradebook database (`generate_assignment --no-db`) and no
    students registered, which is what `nbgrader autograde` needs besides.
    """
    import nbformat

    workdir.mkdir(parents=True, exist_ok=True)
    root, class_dir = workdir / "course", workdir / "class"
    course = Course(workdir, root, class_dir, nbgrader_env(workdir), student_names(n))
    root.mkdir()
    class_dir.mkdir()
    (root / "nbgrader_config.py").write_text(
        NBGRADER_CONFIG.format(
            root=str(root), course_id=COURSE_ID, timeout=cell_timeout_s, stub=CODE_STUB
        )
    )
    notebook, blocks = source_notebook(exercise_points())
    course.source_notebook.parent.mkdir(parents=True)
    nbformat.write(notebook, course.source_notebook)
    log = workdir / "nbgrader-setup.log"
    generate = [BIN / "nbgrader", "generate_assignment", ASSIGNMENT]
    run(generate if autograde else [*generate, "--no-db"], root, course.env, log)
    if autograde:
        install_kernel(course)
        roster = workdir / "students.csv"
        with roster.open("w", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["id", "first_name", "last_name"])
            writer.writerows([s, variant, "benchmark"] for s, variant in course.students.items())
        run([BIN / "nbgrader", "db", "student", "import", roster], root, course.env, log)
    released = nbformat.read(course.release_notebook, as_version=4)
    for student, variant in course.students.items():
        path = course.submission(student)
        path.parent.mkdir(parents=True)
        nbformat.write(fill_in(released, blocks, variant), path)
        (class_dir / student).mkdir()
        shutil.copyfile(path, class_dir / student / NOTEBOOK)
    (workdir / "students.json").write_text(json.dumps(course.students, indent=2))
    return course


# -- timing -----------------------------------------------------------------------------------


@dataclass
class Timing:
    tool: str
    submissions: int
    seconds: float

    @property
    def throughput(self) -> float:
        return self.submissions / self.seconds


def time_nbgrader(course: Course) -> Timing:
    log = course.workdir / "nbgrader-autograde.log"
    started = time.perf_counter()
    run([BIN / "nbgrader", "autograde", ASSIGNMENT], course.root, course.env, log)
    seconds = time.perf_counter() - started
    graded = [s for s in course.students if (course.root / "autograded" / s / ASSIGNMENT).is_dir()]
    if len(graded) != len(course.students):
        raise RuntimeError(f"nbgrader autograded {len(graded)} of {len(course.students)}; {log}")
    return Timing("nbgrader autograde", len(course.students), seconds)


def calcgrade_command(
    course: Course, out: Path, workers: int, layout: str, run_demo_cells: bool = False
) -> list[str]:
    folder = course.class_dir if layout == "plain" else course.root
    return [
        str(BIN / "calcgrade"),
        "grade",
        str(folder),
        "--module",
        ASSIGNMENT,
        "--out",
        str(out),
        "--isolation",
        "strict",
        "--workers",
        str(workers),
        "--course",
        str(COURSE_CONFIG),
        "--no-html",  # like autograde, which leaves feedback to `nbgrader generate_feedback`
        *(["--run-demo-cells"] if run_demo_cells else []),
    ]


def time_calcgrade(
    course: Course, out: Path, workers: int, layout: str, run_demo_cells: bool = False
) -> Timing:
    shutil.rmtree(out, ignore_errors=True)  # fresh: no result is reused
    log = course.workdir / f"{out.name}.log"
    started = time.perf_counter()
    command = calcgrade_command(course, out, workers, layout, run_demo_cells)
    run(command, REPO, dict(os.environ), log)
    seconds = time.perf_counter() - started
    results = list((out / "results").glob("*.json"))
    if len(results) != len(course.students):
        raise RuntimeError(f"calcgrade wrote {len(results)} of {len(course.students)}; {log}")
    tool = "calcgrade --run-demo-cells" if run_demo_cells else f"calcgrade --workers {workers}"
    return Timing(tool, len(course.students), seconds)


def warm_up(course: Course) -> None:
    """Import what both tools import once, untimed, so neither pays for a cold disk cache.

    calcgrade's own sources are byte-compiled first, as pip does for nbgrader and
    every installed package: with an editable install and PYTHONDONTWRITEBYTECODE
    set, calcgrade would otherwise compile its modules again on every run.
    """
    sources = [str(REPO / folder) for folder in ("src", "graders", "reference")]
    run([sys.executable, "-m", "compileall", "-q", *sources], course.workdir, course.env)
    code = "import numpy, matplotlib.pyplot, ipykernel.kernelapp, nbgrader.apps, calcgrade.cli"
    run([sys.executable, "-c", code], course.workdir, course.env)


# -- scores -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    total: float
    max_total: float
    lost: frozenset[str]  # exercises below full marks

    @property
    def full(self) -> bool:
        return self.total >= self.max_total - 1e-9


def nbgrader_scores(course: Course) -> dict[str, Score]:
    """Each student's autograded score, from nbgrader's gradebook (its Python API)."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", course_id=COURSE_ID) as book:
        for student in course.students:
            notebook = book.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            lost = frozenset(
                grade.name.removeprefix("test_")
                for grade in notebook.grades
                if grade.score < grade.max_score - 1e-9
            )
            scores[student] = Score(notebook.score, notebook.max_score, lost)
    return scores


def calcgrade_scores(course: Course, out: Path) -> dict[str, Score]:
    scores = {}
    for student in course.students:
        data = json.loads((out / "results" / f"{student}.json").read_text())
        lost = frozenset(
            name
            for name, exercise in data["exercises"].items()
            if exercise["score"] < exercise["max_score"] - 1e-9
        )
        scores[student] = Score(data["score"], data["max_score"], lost)
    return scores


def compare_scores(
    course: Course, nbgrader: dict[str, Score], calcgrade: dict[str, Score], verbose: bool
) -> bool:
    """Print who gets full marks by each tool (and the variant's truth); True if all agree."""
    students = course.students
    expected_full = {s for s, v in students.items() if not EXPECTED_LOSSES[v]}
    nb_full = {s for s, score in nbgrader.items() if score.full}
    cg_full = {s for s, score in calcgrade.items() if score.full}
    print()
    print("sanity: who gets full marks")
    print(f"  expected (correct submissions): {len(expected_full)} of {len(students)}")
    print(f"  nbgrader autograde:             {len(nb_full)}")
    print(f"  calcgrade grade:                {len(cg_full)}")
    agree_full = sum((s in nb_full) == (s in cg_full) for s in students)
    agree_lost = sum(nbgrader[s].lost == calcgrade[s].lost for s in students)
    print(f"  full marks or not, the tools agree on {agree_full} of {len(students)}")
    print(f"  exercises losing points, the tools agree on {agree_lost} of {len(students)}")
    ok = nb_full == cg_full == expected_full and agree_lost == len(students)
    for student, variant in students.items():
        nb, cg = nbgrader[student], calcgrade[student]
        wrong = not (nb.lost == cg.lost == EXPECTED_LOSSES[variant])
        if verbose or wrong:
            flag = "  <-- disagree" if wrong else ""
            print(
                f"  {student} {variant:30} nbgrader {nb.total:5.1f}/{nb.max_total:g} "
                f"lost {sorted(nb.lost)}; calcgrade {cg.total:5.1f}/{cg.max_total:g} "
                f"lost {sorted(cg.lost)}{flag}"
            )
    return ok


# -- main ---------------------------------------------------------------------------------------


def print_table(rounds: list[tuple[Timing, Timing, Timing]]) -> tuple[float, float]:
    """Print every timing and the two ratios; return (default ratio, every-cell ratio)."""
    print()
    print(f"{'run':>3}  {'tool':28} {'submissions':>11} {'seconds':>8} {'submissions/s':>13}")
    for number, timings in enumerate(rounds, start=1):
        for timing in timings:
            print(
                f"{number:>3}  {timing.tool:28} {timing.submissions:>11} "
                f"{timing.seconds:>8.2f} {timing.throughput:>13.2f}"
            )
    print()
    medians = []
    for index, what in ((1, "calcgrade grade"), (2, "calcgrade grade --run-demo-cells")):
        ratios = [timings[index].throughput / timings[0].throughput for timings in rounds]
        medians.append(statistics.median(ratios))
        shown = ", ".join(f"{r:.1f}x" for r in ratios)
        print(
            f"throughput ratio {what} / nbgrader autograde: {medians[-1]:.1f}x"
            + (f" (median of {shown})" if len(ratios) > 1 else "")
        )
    verdict = "met" if medians[0] >= TARGET_RATIO else "NOT met"
    print(f"target {TARGET_RATIO:g}x (calcgrade grade, its defaults): {verdict}")
    return medians[0], medians[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--n", type=int, default=30, help="submissions (default: 30)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds, each on a fresh course")
    parser.add_argument("--workers", type=int, default=2, help="calcgrade --workers (default: 2)")
    parser.add_argument(
        "--layout",
        choices=["plain", "nbgrader"],
        default="plain",
        help="calcgrade grades class/<student>/ (plain) or the nbgrader course's submitted/",
    )
    parser.add_argument("--cell-timeout", type=int, default=60, help="nbgrader's per-cell timeout")
    parser.add_argument(
        "--rest",
        type=float,
        default=10.0,
        help="seconds of rest before each timed run (default: 10)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument(
        "--workdir", type=Path, help="work in this new folder (kept) instead of a temporary one"
    )
    parser.add_argument("--json", type=Path, help="also write the timings to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="every student's scores")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be at least 1")
    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        parser.error("strict isolation needs root and bubblewrap (bwrap)")

    base = args.workdir or Path(tempfile.mkdtemp(prefix="calcgrade-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    print(
        f"nbgrader autograde vs calcgrade grade --isolation strict: {args.n} submissions of "
        f"{ASSIGNMENT}, {os.cpu_count()} CPUs, Python {platform.python_version()}, in {base}"
    )
    rounds: list[tuple[Timing, Timing, Timing]] = []
    agree = True
    try:
        for number in range(1, args.repeat + 1):
            workdir = base / f"round{number}"
            course = build_course(workdir, args.n, cell_timeout_s=args.cell_timeout)
            warm_up(course)
            load = os.getloadavg()[0]
            out, every_cell = workdir / "calcgrade-out", workdir / "calcgrade-every-cell-out"
            # each tool starts from the same rest, and the order alternates: on a
            # machine whose CPU slows under sustained load (a VM's CPU credits, heat),
            # the tool run right after the other would otherwise pay for it
            timed = {}
            order = ["nbgrader", "calcgrade", "every cell"]
            for tool in order if number % 2 else order[::-1]:
                time.sleep(args.rest)
                if tool == "nbgrader":
                    timed[tool] = time_nbgrader(course)
                else:
                    every = tool == "every cell"
                    timed[tool] = time_calcgrade(
                        course, every_cell if every else out, args.workers, args.layout, every
                    )
            nbgrader, calcgrade, all_cells = (timed[tool] for tool in order)
            rounds.append((nbgrader, calcgrade, all_cells))
            print(
                f"round {number}: nbgrader {nbgrader.seconds:.1f} s, calcgrade "
                f"{calcgrade.seconds:.1f} s, calcgrade --run-demo-cells {all_cells.seconds:.1f} s "
                f"(load average before: {load:.2f})"
            )
            if number == 1:
                agree = compare_scores(
                    course, nbgrader_scores(course), calcgrade_scores(course, out), args.verbose
                )
                same = calcgrade_scores(course, every_cell) == calcgrade_scores(course, out)
                print(f"  calcgrade with and without --run-demo-cells, same scores: {same}")
                agree = agree and same
        ratio, every_cell_ratio = print_table(rounds)
        print(f"nbgrader:  cd {course.root} && {BIN / 'nbgrader'} autograde {ASSIGNMENT}")
        print(f"calcgrade: {' '.join(calcgrade_command(course, out, args.workers, args.layout))}")
        if args.json:
            report = {
                "n": args.n,
                "workers": args.workers,
                "rounds": [
                    {t.tool: {"seconds": t.seconds, "per_second": t.throughput} for t in timings}
                    for timings in rounds
                ],
                "ratio": ratio,
                "ratio_run_demo_cells": every_cell_ratio,
                "scores_agree": agree,
            }
            args.json.write_text(json.dumps(report, indent=2))
    finally:
        if args.keep or args.workdir:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
