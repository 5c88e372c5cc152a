"""Identities between the functions."""

import numpy as np
import pytest

from cactivations._dispatch import activation_params

from _helpers import (
    ref, saved, away_from_breakpoints,
    ACTIVATIONS, FLOATS, LOSS_ACTIVATIONS, PUBLIC_ELEMENTWISE, assert_close, eps_of, func,
)

dtypes = pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)


def _sweep(dtype, act="sigmoid", n=4001):
    lo, hi = ACTIVATIONS[act].sweep[0 if dtype == np.float32 else 1]
    rng = np.random.default_rng(0)
    z = np.concatenate([np.linspace(lo, hi, n), rng.standard_normal(1000) * 5,
                        np.geomspace(1e-30, 1, 200), -np.geomspace(1e-30, 1, 200)])
    return z.astype(dtype)


@dtypes
def test_softmax_of_0_z_is_sigmoid(dtype):
    z = _sweep(dtype)
    rows = np.stack([np.zeros_like(z), z], axis=-1)
    s = func("softmax")(rows)[:, 1]
    np.testing.assert_array_max_ulp(s, func("sigmoid")(z), maxulp=8, dtype=dtype)
    # and the first column is sigmoid(-z)
    np.testing.assert_array_max_ulp(func("softmax")(rows)[:, 0], func("sigmoid")(-z),
                                    maxulp=8, dtype=dtype)


@dtypes
def test_log_softmax_of_0_z_is_log_sigmoid(dtype):
    rng = np.random.default_rng(1)
    z = (rng.standard_normal(2000) * 10).astype(dtype)
    rows = np.stack([np.zeros_like(z), z], axis=-1)
    ls = func("log_softmax")(rows)[:, 1]
    exp = -np.logaddexp(0.0, -z.astype(np.float64))  # log sigmoid(z)
    assert_close(ls, exp, 8 * eps_of(dtype), atol_scale=1.0, err_msg="log_softmax([0, z])")


@dtypes
def test_sigmoid_of_logit(dtype):
    p = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 2001),
                        np.random.default_rng(2).uniform(0, 1, 1000)]).astype(dtype)
    L = func("logit")(p).astype(np.float64)
    got = func("sigmoid")(func("logit")(p)).astype(np.float64)
    p64 = p.astype(np.float64)
    # the rounding of logit(p) moves sigmoid by a relative (1 - p) |L| eps
    tol = 8 * eps_of(dtype) * (1 + np.abs(L) * (1 - p64))
    bad = ~(np.abs(got - p64) <= tol * p64)
    assert not bad.any(), f"sigmoid(logit(p)) != p at p = {p[bad][:5]}"


@dtypes
def test_logit_of_sigmoid(dtype):
    z = np.linspace(-12, 12, 2001).astype(dtype)
    z = z[np.abs(z) > 0.05]
    got = func("logit")(func("sigmoid")(z))
    # logit amplifies the rounding of sigmoid(z) near 1 by 1/(1 - p)
    p = func("sigmoid")(z).astype(np.float64)
    tol = 8 * eps_of(dtype) * (1 + 1 / (np.abs(z) * (1 - p)))
    assert np.all(np.abs(got - z) <= tol * np.abs(z)), "logit(sigmoid(z)) != z"


@dtypes
def test_sigmoid_derivative_is_p_1_minus_p_in_bulk(dtype):
    b = 5 if dtype == np.float64 else 3
    z = np.linspace(-b, b, 2001).astype(dtype)
    p = func("sigmoid")(z).astype(np.float64)
    np.testing.assert_allclose(func("sigmoid_derivative")(z), p * (1 - p),
                               rtol=2e-13 if dtype == np.float64 else 2e-5)


@dtypes
def test_tanh_derivative_is_1_minus_tanh2_in_bulk(dtype):
    z = np.linspace(-2, 2, 2001).astype(dtype)
    t = func("tanh")(z).astype(np.float64)
    np.testing.assert_allclose(func("tanh_derivative")(z), 1 - t * t,
                               rtol=1e-13 if dtype == np.float64 else 2e-5)


@dtypes
@pytest.mark.parametrize("act", PUBLIC_ELEMENTWISE)
def test_backward_of_ones_is_derivative_in_bulk(act, dtype):
    """act_backward(g, act(z)) == g * act_derivative(z) where the output keeps the digits."""
    rng = np.random.default_rng(3)
    z = rng.uniform(-3, 3, 1000).astype(dtype)
    g = rng.standard_normal(1000).astype(dtype)
    got = func(act + "_backward")(g, saved(act, z, func(act)(z)))
    exp = g.astype(np.float64) * func(act + "_derivative")(z).astype(np.float64)
    assert_close(got, exp, 1e-12 if dtype == np.float64 else 1e-5,
                 err_msg=f"{act}_backward vs g * {act}_derivative")


@dtypes
@pytest.mark.parametrize("K", [2, 10, 100])
def test_log_softmax_is_log_of_softmax(K, dtype):
    rng = np.random.default_rng(K)
    z = (rng.standard_normal((50, K)) * 3).astype(dtype)
    ls = func("log_softmax")(z)
    with np.errstate(divide="ignore"):
        exp = np.log(func("softmax")(z).astype(np.float64))
    ok = np.isfinite(exp)
    assert ok.all()
    assert_close(ls, exp, 1e-13 if dtype == np.float64 else 1e-6, atol_scale=1.0,
                 err_msg="log_softmax vs log(softmax)")
    # and exp(log_softmax) is softmax
    assert_close(np.exp(ls.astype(np.float64)), func("softmax")(z),
                 1e-13 if dtype == np.float64 else 1e-6, err_msg="exp(log_softmax)")


@dtypes
@pytest.mark.parametrize("K", [1, 3, 100])
def test_softmax_rows_sum_to_one(K, dtype):
    rng = np.random.default_rng(K)
    z = (rng.standard_normal((20, K)) * 30).astype(dtype)
    s = func("softmax")(z).astype(np.float64)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=4 * K * eps_of(dtype))
    assert np.all(s >= 0)


@dtypes
@pytest.mark.parametrize("K", [2, 10, 23, 64, 65])
@pytest.mark.parametrize("fname", ["softmax", "log_softmax", "softmax_backward",
                                   "log_softmax_backward"])
def test_a_row_does_not_depend_on_the_rows_around_it(fname, K, dtype):
    # short rows are processed by blocks, each row without or with the shift by
    # its maximum (entries within +-700 or not), their sums, maxima and dot
    # products across rows (K < 16) or in lanes (K >= 16, 23 with a remainder):
    # the same bits alone or in a block
    rng = np.random.default_rng(K)
    z = rng.standard_normal((60, K)) * 3
    z[::3] += 1e4
    z[1::7, 0] = 701.0
    z[2::5, -1] = -np.inf
    z[4::11, 0] = np.nan
    z = z.astype(dtype)
    f = func(fname)
    with np.errstate(invalid="ignore"):
        if fname.endswith("_backward"):
            g = rng.standard_normal(z.shape).astype(dtype)
            y = func(fname[: -len("_backward")])(z)
            whole = f(g, y)
            rows = [f(g[r:r + 1], y[r:r + 1]) for r in range(z.shape[0])]
        else:
            whole = f(z)
            rows = [f(z[r:r + 1]) for r in range(z.shape[0])]
        for r, alone in enumerate(rows):
            np.testing.assert_array_equal(alone, whole[r:r + 1], err_msg=f"row {r}")


@dtypes
@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_squared_error_is_loss_of_squared_error_delta(activation, dtype):
    rng = np.random.default_rng(4)
    z = (rng.standard_normal((6, 7)) * 2).astype(dtype)
    t = rng.uniform(0, 1, (6, 7)).astype(dtype)
    res = func("squared_error_delta")(z, t, activation=activation)
    loss = func("squared_error")(res.output, t)
    assert np.asarray(loss).dtype == dtype
    np.testing.assert_allclose(loss, res.loss, rtol=1e-12 if dtype == np.float64 else 1e-5)


@dtypes
@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_squared_error_delta_output_and_delta(activation, dtype):
    """output is g(z); delta is (y - t) g'(z), or J^T (y - t) for softmax."""
    rng = np.random.default_rng(5)
    z = (rng.standard_normal((6, 7)) * 2).astype(dtype)
    t = rng.uniform(0, 1, (6, 7)).astype(dtype)
    res = func("squared_error_delta")(z, t, activation=activation)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    a = ACTIVATIONS[activation]
    r = res.output.astype(np.float64) - t
    if activation == "identity":
        np.testing.assert_array_equal(res.output, z)
        exp_delta = r
    elif a.kind == "elementwise":
        assert_close(res.output, func(activation)(z), rtol, err_msg="output")
        exp_delta = r * func(activation + "_derivative")(z)
    else:
        assert_close(res.output, func(activation)(z), rtol, err_msg="output")
        J = func("softmax_jacobian")(res.output).astype(np.float64)
        exp_delta = np.einsum("nij,ni->nj", J, r)
        # softmax_backward with g = y - t is the same vector-Jacobian product
        assert_close(func("softmax_backward")(r, res.output.astype(np.float64)), exp_delta,
                     rtol, err_msg="softmax_backward(y - t, y)")
    assert_close(res.delta, exp_delta, rtol, err_msg=f"delta[{activation}]")


@dtypes
def test_softmax_backward_is_jacobian_product(dtype):
    rng = np.random.default_rng(6)
    z = (rng.standard_normal((5, 6)) * 2).astype(dtype)
    g = rng.standard_normal((5, 6)).astype(dtype)
    y = func("softmax")(z)
    J = func("softmax_jacobian")(y).astype(np.float64)
    exp = np.einsum("nij,ni->nj", J, g.astype(np.float64))
    assert_close(func("softmax_backward")(g, y), exp, 1e-12 if dtype == np.float64 else 1e-5)
    # J is symmetric
    np.testing.assert_allclose(J, np.swapaxes(J, -1, -2), rtol=4 * eps_of(dtype), atol=0)


@dtypes
def test_log_softmax_backward_is_softmax_backward_chain(dtype):
    """d/dz <g, log softmax z> = d/dz <g / softmax z, softmax z>."""
    rng = np.random.default_rng(7)
    z = (rng.standard_normal((5, 6)) * 2).astype(np.float64)
    g = rng.standard_normal((5, 6))
    y = func("softmax")(z)
    exp = func("softmax_backward")(g / y, y)
    got = func("log_softmax_backward")(g.astype(dtype), func("log_softmax")(z.astype(dtype)))
    assert_close(got, exp, 1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_output_layer_grad_parts(activation):
    """delta/output/loss are those of squared_error_delta on z = x @ w; grad_w = x^T delta."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((5, 3))
    w = rng.standard_normal((3, 4))
    t = rng.uniform(0, 1, (5, 4))
    res = func("output_layer_grad")(x, w, t, activation=activation)
    sed = func("squared_error_delta")(x @ w, t, activation=activation)
    assert_close(res.loss, sed.loss, 1e-12)
    assert_close(res.delta, sed.delta, 1e-12)
    assert_close(res.output, sed.output, 1e-12)
    assert_close(res.grad_w, x.T @ res.delta, 1e-12)
    # a single sample gives grad_w = outer(x, delta)
    r1 = func("output_layer_grad")(x[2], w, t[2], activation=activation)
    assert_close(r1.grad_w, np.outer(x[2], r1.delta), 1e-12)
    assert_close(r1.delta, res.delta[2], 1e-12)


@dtypes
def test_celu_with_alpha_1_is_elu(dtype):
    """celu(z, alpha=1) = elu(z, alpha=1) (the same function; the registry's
    same_as runs elu's kernels there): the same bits, value, derivative,
    backward and fused delta; other alpha stay celu's."""
    celu = ACTIVATIONS["celu"]
    assert activation_params("celu", celu, {})[0] == "elu"
    assert activation_params("celu", celu, {"alpha": 1})[0] == "elu"
    assert activation_params("celu", celu, {"alpha": 2.0})[0] == "celu"
    z = np.concatenate([_sweep(dtype, "celu"), [0.0, -0.0, np.inf, -np.inf, np.nan]]).astype(dtype)
    g = np.linspace(-2, 2, z.size).astype(dtype)
    for suffix, args in (("", (z,)), ("_derivative", (z,)), ("_backward", (g, z))):
        np.testing.assert_array_equal(func("celu" + suffix)(*args), func("elu" + suffix)(*args),
                                      err_msg=f"celu{suffix}")
        np.testing.assert_array_equal(func("celu" + suffix)(*args, alpha=1.0),
                                      func("elu" + suffix)(*args, alpha=1.0))
    t = np.full_like(z, 0.25)
    a, b = (func("squared_error_delta")(z, t, activation=act) for act in ("celu", "elu"))
    np.testing.assert_array_equal(a.output, b.output)
    np.testing.assert_array_equal(a.delta, b.delta)
    # alpha = 2: celu(z, 2) = 2 elu(z / 2, 1), not elu(z, 2)
    w = z[np.isfinite(z) & (z < 0) & (z > -50)]
    assert_close(func("celu")(w, alpha=2.0), 2 * func("elu")(w / 2), 4 * eps_of(dtype),
                 err_msg="celu(z, alpha=2)")


@dtypes
def test_hard_functions_divide_by_six_exactly(dtype):
    """hardsigmoid, hardswish and hardswish' divide by 6 without a division
    where the CPU has FMA (a product and one correction): the bits of NumPy's
    division, (z + 3)/6, z ((z + 3)/6) and (2z + 3)/6, on random inputs, on
    the neighbours of multiples of 1/8 and near the kinks (tools/check_pwl.c
    covers every float32)."""
    rng = np.random.default_rng(6)
    kinks = np.array([-3.0, 3.0, 0.0, -1.5])
    z = np.concatenate([
        rng.uniform(-3.5, 3.5, 200000), rng.standard_normal(50000) * 1e-3,
        np.arange(-28, 29) / 8.0, kinks,
        np.geomspace(np.finfo(dtype).smallest_subnormal, 1, 2000) * rng.choice([-1, 1], 2000),
    ]).astype(dtype)
    z = np.concatenate([z, np.nextafter(z, dtype(np.inf)), np.nextafter(z, dtype(-np.inf))])
    six = dtype(6)
    x = z + dtype(3)
    q = np.clip(x, 0, 6) / six
    np.testing.assert_array_equal(func("hardsigmoid")(z), q)
    np.testing.assert_array_equal(func("hardswish")(z), np.where(x <= 0, 0, np.where(x >= 6, z, z * q)))
    d = np.where(z <= -3, 0, np.where(z >= 3, 1, (dtype(2) * z + dtype(3)) / six))
    np.testing.assert_array_equal(func("hardswish_derivative")(z), d.astype(dtype))


@dtypes
@pytest.mark.parametrize("act", [a for a in LOSS_ACTIVATIONS if a in PUBLIC_ELEMENTWISE])
def test_fused_output_is_the_forward_value(act, dtype):
    """The fused value and derivative of every elementwise activation give the
    forward function's value bit for bit, also where the forward runs in other
    arithmetic than the derivative (float32 gelu and mish in float, their
    derivatives in double; softsign without FMA)."""
    rng = np.random.default_rng(8)
    z = np.concatenate([rng.standard_normal(20000) * 4, np.linspace(-30, 30, 6001),
                        rng.standard_normal(2000) * 80, _sweep(dtype, act, n=2001),
                        [0.0, -0.0, 0.675, -0.675, 15.0, -15.0, 1e30, -1e30,
                         np.inf, -np.inf, np.nan]]).astype(dtype)
    t = rng.uniform(0, 1, z.size).astype(dtype)
    res = func("squared_error_delta")(z, t, activation=act)
    y = func(act)(z)
    np.testing.assert_array_equal(res.output, y, err_msg=act)
    num = ~np.isnan(y)                                  # (the sign of a NaN is not kept)
    np.testing.assert_array_equal(np.signbit(res.output[num]), np.signbit(y[num]), err_msg=act)


@dtypes
@pytest.mark.parametrize("K", [3, 10, 64, 65, 300])
def test_fused_losses_of_rows(K, dtype):
    """squared_error_delta with softmax and softmax_cross_entropy_delta (class
    indices and probabilities) on rows short and long, over many blocks of rows,
    some rows with logits far beyond exp's range: the output is softmax's bit
    for bit, delta and loss match long-double formulas (delta from that output,
    the cross-entropy from the exact log-probabilities); a row holding +inf or
    NaN makes the loss NaN and that row's output and delta NaN, the other rows
    unchanged."""
    rng = np.random.default_rng(21)
    R = 9000 // K + 3
    z = rng.standard_normal((R, K)) * 3
    z[::7] *= 400                                        # beyond +-700: the shifted path
    z = z.astype(dtype)
    probs = rng.dirichlet(np.ones(K), R).astype(dtype)
    probs[1, 0] = 0                                      # a zero target
    idx = rng.integers(0, K, R)
    y = func("softmax")(z)
    logp = ref.log_softmax(np.asarray(z, np.longdouble))
    p = np.asarray(y, np.longdouble)
    tol = 8 * eps_of(dtype)
    for name, target in (("squared_error_delta", probs), ("softmax_cross_entropy_delta", probs),
                         ("softmax_cross_entropy_delta", idx)):
        kw = {"activation": "softmax"} if name == "squared_error_delta" else {}
        res = func(name)(z, target, **kw)
        what = f"{name} K={K} {'indices' if target is idx else 'probabilities'}"
        np.testing.assert_array_equal(res.output, y, err_msg=what)
        if name == "squared_error_delta":
            r = p - np.asarray(probs, np.longdouble)
            dot = (r * p).sum(axis=-1, keepdims=True)
            d = p * (r - dot)
            scale = p * (np.abs(r) + np.abs(dot))        # the cancellation in r - dot
            loss = 0.5 * (r * r).sum()
        else:
            t = np.zeros((R, K), np.longdouble)
            if target is idx:
                t[np.arange(R), idx] = 1
            else:
                t[:] = probs
            d = p * t.sum(axis=-1, keepdims=True) - t
            scale = np.abs(p * t.sum(axis=-1, keepdims=True)) + t
            loss = -(np.where(t != 0, t * logp, 0)).sum()
        err = np.abs(np.asarray(res.delta, np.longdouble) - d)
        tiny = np.finfo(dtype).smallest_subnormal          # below the dtype's range
        assert np.all(err <= tol * (np.abs(d) + scale) + tiny), what
        assert_close(res.loss, float(loss), tol, err_msg=what + " loss")
        bad = z.copy()
        bad[2, K // 2] = np.inf
        bad[5, 0] = np.nan
        res_bad = func(name)(bad, target, **kw)
        assert np.isnan(res_bad.loss), what
        for row in (2, 5):
            assert np.all(np.isnan(res_bad.output[row])) and np.all(np.isnan(res_bad.delta[row])), what
        keep = np.ones(R, bool)
        keep[[2, 5]] = False
        np.testing.assert_array_equal(res_bad.output[keep], res.output[keep], err_msg=what)
        np.testing.assert_array_equal(res_bad.delta[keep], res.delta[keep], err_msg=what)


@dtypes
@pytest.mark.parametrize("K", list(range(65, 81)) + [127, 1000, 1003])
def test_fused_losses_output_of_long_rows(K, dtype):
    """Long rows of every length modulo 16 (the row sum's 8 lanes, the masked
    sum's 16), typical and confident (one logit far above the rest), within
    and beyond the range that float32 takes without the shift: the output of
    softmax_cross_entropy_delta and of squared_error_delta with softmax is
    softmax's bit for bit."""
    rng = np.random.default_rng(K)
    R = 6
    z = rng.standard_normal((R, K)) * 3
    z[1] = rng.standard_normal(K) - 30
    z[1, K // 3] = 3                                     # a confident row
    z[2] *= 15                                           # beyond +-64 in places
    z[3, :] = 1.5                                        # all equal
    z[4, ::5] = 7                                        # tied maxima
    z = z.astype(dtype)
    y = func("softmax")(z)
    idx = rng.integers(0, K, R)
    probs = rng.dirichlet(np.ones(K), R).astype(dtype)
    for res in (func("softmax_cross_entropy_delta")(z, idx),
                func("softmax_cross_entropy_delta")(z, probs),
                func("squared_error_delta")(z, probs, activation="softmax")):
        np.testing.assert_array_equal(res.output, y)


@dtypes
def test_binary_cross_entropy_output_and_loss(dtype):
    """sigmoid_binary_cross_entropy_delta: the output is sigmoid's bit for bit,
    delta = output - target, the loss matches a long-double formula (logits
    over the whole range, targets 0, 1 and between); NaN propagates."""
    rng = np.random.default_rng(22)
    z = np.concatenate([rng.standard_normal(5000) * 5, rng.standard_normal(2000) * 60,
                        np.linspace(-800, 800, 1601)]).astype(dtype)
    t = rng.uniform(0, 1, z.size)
    t[::5] = 0
    t[1::5] = 1
    t = t.astype(dtype)
    res = func("sigmoid_binary_cross_entropy_delta")(z, t)
    y = func("sigmoid")(z)
    np.testing.assert_array_equal(res.output, y)
    np.testing.assert_array_equal(res.delta, (y.astype(np.float64) - t).astype(dtype))
    zl, tl = np.asarray(z, np.longdouble), np.asarray(t, np.longdouble)
    loss = (np.maximum(zl, 0) - tl * zl + np.log1p(np.exp(-np.abs(zl)))).sum()
    assert_close(res.loss, float(loss), 4 * eps_of(dtype))
    z[3] = np.nan
    assert np.isnan(func("sigmoid_binary_cross_entropy_delta")(z, t).loss)
