"""The trusted reference/, checked against central finite differences and closed forms."""

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

REFERENCE_DIR = Path(__file__).parents[1] / "reference"


def load_reference(name: str) -> ModuleType:
    """Import reference/<name>.py by path (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"calcgrade_reference_{name}", REFERENCE_DIR / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


m0 = load_reference("m0_readiness")
m1 = load_reference("m1_derivatives")
m2 = load_reference("m2_gradients")
m3 = load_reference("m3_chain_rule")
m4 = load_reference("m4_gradient_descent")
m5 = load_reference("m5_optimization")
m6 = load_reference("m6_xor_network")


# -- the oracle: central finite differences in float64 (docs/contract.md, Numerics) -------------


def fd_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central differences with h_i = 6e-6 * max(1, |x_i|), on a copy of x."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xi = x[i]
        h = 6e-6 * max(1.0, abs(xi))
        x[i] = xi + h
        f_plus = f(x)
        x[i] = xi - h
        f_minus = f(x)
        x[i] = xi
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def assert_matches_fd(got: np.ndarray, expected: np.ndarray) -> None:
    """|got - r| <= atol + rtol |r| with rtol = 1e-5, atol = 1e-8 max(1, max|r|), r the FD value."""
    expected = np.asarray(expected, dtype=np.float64)
    assert np.shape(got) == expected.shape
    atol = 1e-8 * max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=atol)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240917)


# -- m0 ----------------------------------------------------------------------------------------


def test_m0_slope_and_dot() -> None:
    assert m0.slope((1.0, 2.0), (3.0, 8.0)) == 3.0
    assert m0.dot([1.0, 2.0, 3.0], [4.0, -5.0, 6.0]) == 12.0
    with pytest.raises(ValueError):
        m0.slope((1.0, 2.0), (1.0, 5.0))
    with pytest.raises(ValueError):
        m0.dot([1.0, 2.0], [1.0])


# -- m1 ----------------------------------------------------------------------------------------


def test_m1_derivative_is_the_central_difference() -> None:
    # for x^3 the central difference is exactly 3x^2 + h^2 (a forward one would be ~3x^2 + 3xh)
    got = m1.derivative(lambda x: x**3, 2.0, h=1e-3)
    np.testing.assert_allclose(got, 12.0 + 1e-6, rtol=1e-9)


def test_m1_profit_derivative_matches_fd(rng: np.random.Generator) -> None:
    for _ in range(3):
        c, a, s = rng.uniform(1, 5), rng.uniform(50, 100), rng.uniform(0.5, 3)
        prices = rng.uniform(0, 40, size=7)
        expected = fd_gradient(lambda p, c=c, a=a, s=s: np.sum(m1.profit(p, c, a, s)), prices)
        assert_matches_fd(m1.profit_derivative(prices, c, a, s), expected)


@pytest.mark.parametrize(("c", "a", "s"), [(2.0, 100.0, 2.0), (3.5, 80.0, 1.3), (10.0, 60.0, 0.7)])
def test_m1_optimal_price_matches_closed_form(c: float, a: float, s: float) -> None:
    best = (c + a / s) / 2  # profit'(p) = a + s c - 2 s p = 0
    got = m1.optimal_price(lambda p: m1.profit(p, c, a, s), 0.0, 2 * best + 7.3)
    assert abs(got - best) <= 1e-6


def test_m1_optimal_price_on_the_boundary() -> None:
    def profit_fn(p: float) -> float:
        return m1.profit(p, 2.0, 100.0, 2.0)  # maximised at p = 26

    assert m1.optimal_price(profit_fn, 30.0, 50.0) == 30.0
    assert m1.optimal_price(profit_fn, 5.0, 20.0) == 20.0


# -- m2 ----------------------------------------------------------------------------------------


def test_m2_numerical_gradient_on_a_matrix_leaves_x_unchanged(rng: np.random.Generator) -> None:
    A = rng.normal(size=(3, 2))
    x = rng.normal(size=(3, 2))
    x_before = x.copy()
    got = m2.numerical_gradient(lambda X: float(np.sum(A * X**2)), x)
    np.testing.assert_allclose(got, 2 * A * x, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(x, x_before)


def test_m2_business_profit_gradient_matches_fd(rng: np.random.Generator) -> None:
    for _ in range(3):
        consts = (rng.uniform(1, 5), rng.uniform(50, 100), rng.uniform(0.5, 3), rng.uniform(1, 10))
        params = np.array([rng.uniform(5, 40), rng.uniform(1, 200)])
        expected = fd_gradient(lambda q, k=consts: m2.business_profit(q, *k), params)
        assert_matches_fd(m2.business_profit_gradient(params, *consts), expected)


def test_m2_gradient_ascent_climbs_to_the_top() -> None:
    top = np.array([1.5, -2.0])
    x0 = np.zeros(2)
    got = m2.gradient_ascent(lambda x: top - x, x0, lr=0.1)  # f = -|x - top|^2 / 2
    np.testing.assert_allclose(got, top, atol=1e-7)
    np.testing.assert_array_equal(x0, np.zeros(2))
    # already flat: no step at all
    np.testing.assert_array_equal(m2.gradient_ascent(lambda x: top - x, top), top)


def test_m2_directional_derivative() -> None:
    assert m2.directional_derivative(np.array([3.0, 4.0]), np.array([0.0, 2.0])) == 4.0


def test_m2_numerical_jacobian_and_hessian(rng: np.random.Generator) -> None:
    x = rng.normal(size=3)

    def f(v: np.ndarray) -> np.ndarray:
        return np.array([v[0] * v[1], np.sin(v[2]) + v[0] ** 2])

    J = np.array([[x[1], x[0], 0.0], [2 * x[0], 0.0, np.cos(x[2])]])
    np.testing.assert_allclose(m2.numerical_jacobian(f, x), J, rtol=1e-7, atol=1e-9)

    def g(v: np.ndarray) -> float:
        return float(v[0] ** 2 * v[1] + np.exp(v[2]) + v[1] * v[2])

    H = np.array(
        [
            [2 * x[1], 2 * x[0], 0.0],
            [2 * x[0], 0.0, 1.0],
            [0.0, 1.0, np.exp(x[2])],
        ]
    )
    got = m2.numerical_hessian(g, x)
    np.testing.assert_allclose(got, H, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got, got.T)


# -- m3 ----------------------------------------------------------------------------------------


def test_m3_chain_rule() -> None:
    value, slope = m3.chain_rule([lambda x: x**2, np.sin], [lambda x: 2 * x, np.cos], 1.3)
    np.testing.assert_allclose(value, np.sin(1.69), rtol=1e-12)
    np.testing.assert_allclose(slope, np.cos(1.69) * 2.6, rtol=1e-12)


def test_m3_linear_backward_matches_fd(rng: np.random.Generator) -> None:
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dZ = rng.normal(size=(5, 4))
    dX, dW, db = m3.linear_backward(dZ, X, W)
    assert_matches_fd(dX, fd_gradient(lambda X_: np.sum(dZ * m3.linear_forward(X_, W, b)), X))
    assert_matches_fd(dW, fd_gradient(lambda W_: np.sum(dZ * m3.linear_forward(X, W_, b)), W))
    assert_matches_fd(db, fd_gradient(lambda b_: np.sum(dZ * m3.linear_forward(X, W, b_)), b))


@pytest.mark.parametrize(
    ("forward", "backward"),
    [
        (m3.sigmoid, m3.sigmoid_backward),
        (np.tanh, m3.tanh_backward),
        (m3.relu, m3.relu_backward),
    ],
    ids=["sigmoid", "tanh", "relu"],
)
def test_m3_activation_backward_matches_fd(
    forward: Callable[[np.ndarray], np.ndarray],
    backward: Callable[[np.ndarray, np.ndarray], np.ndarray],
    rng: np.random.Generator,
) -> None:
    # |Z| in [0.1, 4]: away from the ReLU kink
    Z = rng.uniform(0.1, 4, size=(5, 3)) * rng.choice([-1.0, 1.0], size=(5, 3))
    dA = rng.normal(size=(5, 3))
    Z_before = Z.copy()
    got = backward(dA, Z)
    assert_matches_fd(got, fd_gradient(lambda Z_: np.sum(dA * forward(Z_)), Z))
    np.testing.assert_array_equal(Z, Z_before)


def test_m3_relu_derivative_at_zero_is_zero() -> None:
    np.testing.assert_array_equal(
        m3.relu_backward(np.ones(3), np.array([-1.0, 0.0, 1.0])), [0, 0, 1]
    )


def test_m3_sigmoid_does_not_overflow() -> None:
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(m3.sigmoid(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0])


def test_m3_mse_loss_gradient_matches_fd(rng: np.random.Generator) -> None:
    pred, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss, dpred = m3.mse_loss(pred, y)
    assert loss == pytest.approx(np.mean((pred - y) ** 2), rel=1e-12)
    assert_matches_fd(dpred, fd_gradient(lambda p: m3.mse_loss(p, y)[0], pred))


def test_m3_mlp_loss_and_grads_matches_fd(rng: np.random.Generator) -> None:
    N, D, H, O = 5, 3, 4, 2
    params = {
        "W1": rng.normal(size=(D, H)),
        "b1": rng.normal(size=H),
        "W2": rng.normal(size=(H, O)),
        "b2": rng.normal(size=O),
    }
    X, y = rng.normal(size=(N, D)), rng.normal(size=(N, O))
    before = {k: v.copy() for k, v in params.items()}
    loss, grads = m3.mlp_loss_and_grads(params, X, y)
    assert isinstance(loss, float)
    assert set(grads) == set(params)
    for key in params:

        def loss_of(p: np.ndarray, key: str = key) -> float:
            return m3.mlp_loss_and_grads({**params, key: p}, X, y)[0]

        assert_matches_fd(grads[key], fd_gradient(loss_of, params[key]))
        np.testing.assert_array_equal(params[key], before[key])


def value_expression(a: Any, b: Any, c: Any) -> Any:
    """A small expression using every Value operation, with a reused at several places."""
    return (
        ((a * b + c**2) / (a - 3)).tanh()
        + (b.exp() * 2 - 1 / c)
        + (a * b).relu()
        + a * a
        + (2 + a) * (4 - b) / 5
        - c.relu() / a
    )


def test_m3_value_gradients_match_fd() -> None:
    x = np.array([0.7, 1.2, -0.4])
    a, b, c = (m3.Value(v) for v in x)
    out = value_expression(a, b, c)
    out.backward()

    def f(v: np.ndarray) -> float:
        return value_expression(*(m3.Value(vi) for vi in v)).data

    assert out.data == pytest.approx(f(x), rel=1e-15)
    assert_matches_fd(np.array([a.grad, b.grad, c.grad]), fd_gradient(f, x))


def test_m3_value_accumulates_and_reads_well() -> None:
    a = m3.Value(3.0)
    out = a * a + a  # d/da = 2a + 1
    out.backward()
    assert a.grad == 7.0
    assert "3.0" in repr(a) and "7.0" in repr(a)
    deep = m3.Value(1.0)
    total = deep
    for _ in range(5000):  # deeper than the recursion limit
        total = total + deep
    total.backward()
    assert deep.grad == 5001.0


# -- m4 ----------------------------------------------------------------------------------------


def test_m4_gradient_descent_counts_steps_and_stops_before_stepping() -> None:
    # f = x^2 / 2, lr = 0.5: x_k = 0.5^k exactly, and so is the gradient
    x, n = m4.gradient_descent(lambda x: x, np.array([1.0]), lr=0.5, tol=1e-3)
    assert n == 10  # 0.5^9 >= 1e-3 > 0.5^10
    np.testing.assert_array_equal(x, [0.5**10])
    # the test is strict: |g| == tol takes one more step
    x, n = m4.gradient_descent(lambda x: x, np.array([1.0]), lr=0.5, tol=0.5**4)
    assert (n, x[0]) == (5, 0.5**5)
    # already flat: zero steps; and the step budget caps the count
    assert m4.gradient_descent(lambda x: x, np.array([1e-9]), lr=0.5)[1] == 0
    x, n = m4.gradient_descent(lambda x: x, np.array([1.0]), lr=0.5, max_iters=3, tol=0.0)
    assert (n, x[0]) == (3, 0.125)


def test_m4_max_stable_learning_rate(rng: np.random.Generator) -> None:
    M = rng.normal(size=(4, 4))
    A = M @ M.T + 0.5 * np.eye(4)  # symmetric positive-definite, not diagonal
    lr_max = m4.max_stable_learning_rate(A)
    assert lr_max == pytest.approx(2 / np.linalg.eigvalsh(A)[-1], rel=1e-12)
    x0 = rng.normal(size=4)
    x_below, _ = m4.gradient_descent(lambda x: A @ x, x0, 0.95 * lr_max, max_iters=3000)
    x_above, _ = m4.gradient_descent(lambda x: A @ x, x0, 1.05 * lr_max, max_iters=300)
    assert np.linalg.norm(x_below) < 1e-5 < 1e3 < np.linalg.norm(x_above)


def test_m4_train_linear_regression_reaches_least_squares(rng: np.random.Generator) -> None:
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.7 + 0.1 * rng.normal(size=50)
    X_before = X.copy()
    w, b, losses = m4.train_linear_regression(X, y, lr=0.1, epochs=1000)
    solution = np.linalg.lstsq(np.column_stack([X, np.ones(50)]), y, rcond=None)[0]
    np.testing.assert_allclose(w, solution[:3], atol=1e-8)
    assert b == pytest.approx(solution[3], abs=1e-8)
    assert w.shape == (3,) and isinstance(b, float)
    assert len(losses) == 1000
    assert losses[0] == pytest.approx(np.mean(y**2), rel=1e-12)  # before the first update
    assert np.all(np.diff(losses) <= 1e-12)  # non-increasing, up to rounding at the bottom
    np.testing.assert_array_equal(X, X_before)


# -- m5 ----------------------------------------------------------------------------------------


def test_m5_adam_steps_exactly_lr_on_a_linear_function() -> None:
    # a constant gradient makes m_hat = g and v_hat = g^2 at every t, with bias correction
    # and one t per step (not per key): each coordinate moves by exactly lr every step
    adam = m5.Adam(lr=0.01, eps=0.0)
    params = {"a": np.array([1.0, 2.0, -3.0]), "b": np.array([[0.5]])}
    grads = {"a": np.array([3.0, -0.2, 1e-3]), "b": np.array([[-50.0]])}
    for t in range(1, 4):
        adam.step(params, grads)
        np.testing.assert_allclose(
            params["a"], [1.0 - 0.01 * t, 2.0 + 0.01 * t, -3.0 - 0.01 * t], rtol=1e-9
        )
        np.testing.assert_allclose(params["b"], [[0.5 + 0.01 * t]], rtol=1e-9)
    assert adam.t == 3


def test_m5_sgd_momentum_rmsprop_by_hand() -> None:
    g = np.array([2.0, -1.0])
    p = {"x": np.array([1.0, 1.0])}
    x_ref = p["x"]
    m5.SGD(0.1).step(p, {"x": g})
    assert p["x"] is x_ref  # updated in place
    np.testing.assert_allclose(p["x"], [0.8, 1.1], rtol=1e-12)

    momentum, p = m5.Momentum(0.1, beta=0.5), {"x": np.zeros(2)}
    momentum.step(p, {"x": g})  # v = g
    momentum.step(p, {"x": g})  # v = 0.5 g + g
    np.testing.assert_allclose(p["x"], -0.1 * 2.5 * g, rtol=1e-12)

    rmsprop, p = m5.RMSProp(lr=0.01, beta=0.9, eps=0.0), {"x": np.zeros(2)}
    rmsprop.step(p, {"x": g})  # s = 0.1 g^2
    np.testing.assert_allclose(p["x"], -0.01 * np.sign(g) / np.sqrt(0.1), rtol=1e-12)


def test_m5_run_and_compare_optimizers(rng: np.random.Generator) -> None:
    x0 = rng.normal(size=(2, 3))
    x0_before = x0.copy()
    trajectory = m5.run_optimizer(m5.SGD(0.1), lambda x: x, x0, 4)  # f = |x|^2 / 2
    assert trajectory.shape == (5, 2, 3)
    np.testing.assert_array_equal(trajectory[0], x0)
    np.testing.assert_allclose(trajectory[4], 0.9**4 * x0, rtol=1e-12)
    np.testing.assert_array_equal(x0, x0_before)

    losses = m5.compare_optimizers(
        lambda x: x,
        lambda x: 0.5 * float(np.sum(x**2)),
        x0,
        6,
        {"sgd": m5.SGD(0.1), "momentum": m5.Momentum(0.1), "adam": m5.Adam(0.1)},
    )
    assert set(losses) == {"sgd", "momentum", "adam"}
    for curve in losses.values():
        assert len(curve) == 7 and curve[0] == pytest.approx(0.5 * np.sum(x0**2))
        assert curve[-1] < curve[0]


# -- m6 ----------------------------------------------------------------------------------------

X_XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y_XOR = np.array([[0.0], [1.0], [1.0], [0.0]])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_m6_gradients_match_fd(seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = m6.XORNetwork(hidden_size=3, seed=seed)
    params = {
        "W1": rng.normal(size=(2, 3)),
        "b1": rng.normal(size=3),
        "W2": rng.normal(size=(3, 1)),
        "b2": rng.normal(size=1),
    }
    X = rng.normal(size=(6, 2))
    y = rng.integers(0, 2, size=(6, 1)).astype(np.float64)
    net.params = params
    grads = net.gradients(X, y)
    assert set(grads) == set(params)
    for key in params:

        def loss_of(p: np.ndarray, key: str = key) -> float:
            net.params = {**params, key: p}
            return net.loss(X, y)

        assert_matches_fd(grads[key], fd_gradient(loss_of, params[key]))


def test_m6_contract_shapes_and_train_losses() -> None:
    net = m6.XORNetwork()
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (2, 4),
        "b1": (4,),
        "W2": (4, 1),
        "b2": (1,),
    }
    assert net.forward(X_XOR).shape == (4, 1)
    start = net.loss(X_XOR, Y_XOR)
    losses = net.train(X_XOR, Y_XOR, epochs=3)
    assert len(losses) == 3 and losses[0] == start  # each loss is taken before its update
    labels = net.predict(X_XOR)
    assert labels.shape == (4, 1) and labels.dtype == np.int64
    assert set(np.unique(labels)) <= {0, 1}


def test_m6_learns_xor_from_most_seeds() -> None:
    learned = 0
    for seed in range(10):
        net = m6.XORNetwork(seed=seed)
        net.train(X_XOR, Y_XOR)
        learned += bool(np.array_equal(net.predict(X_XOR), Y_XOR))
    assert learned >= 8
