"""Edge values of API.md: infinities, NaN, logit's domain, the tails, softmax on
non-finite rows (as scipy.special), and no RuntimeWarning on finite inputs."""

import math
import warnings

import numpy as np
import pytest
import scipy.special

from _helpers import (
    saved, away_from_breakpoints,
    ACTIVATIONS, FLOATS, LOSS_ACTIVATIONS, PUBLIC_ELEMENTWISE, arg_params, case_params,
    func,
    no_warnings, outputs, sample,
)

dtypes = pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
INF = math.inf
NAN = math.nan


# ---------------------------------------------------------------------------
# infinities
# ---------------------------------------------------------------------------


@dtypes
@pytest.mark.parametrize("act", PUBLIC_ELEMENTWISE)
def test_limits_from_registry(act, dtype):
    (fp, fm), (dp, dm) = ACTIVATIONS[act].limits
    z = np.array([INF, -INF], dtype=dtype)
    y = func(act)(z)
    np.testing.assert_array_equal(y, np.array([fp, fm], dtype=dtype), err_msg=f"{act}(+-inf)")
    np.testing.assert_array_equal(func(act + "_derivative")(z), np.array([dp, dm], dtype=dtype),
                                  err_msg=f"{act}_derivative(+-inf)")
    # backward from the limit outputs is the limit derivative
    g = np.array([1.5, -2.5], dtype=dtype)
    np.testing.assert_array_equal(func(act + "_backward")(g, saved(act, z, y)),
                                  g * np.array([dp, dm], dtype),
                                  err_msg=f"{act}_backward(g, saved at +-inf)")


@dtypes
def test_documented_limits(dtype):
    z = np.array([INF, -INF], dtype=dtype)
    np.testing.assert_array_equal(func("sigmoid")(z), [1.0, 0.0])
    np.testing.assert_array_equal(func("tanh")(z), [1.0, -1.0])
    np.testing.assert_array_equal(func("sigmoid_derivative")(z), [0.0, 0.0])
    np.testing.assert_array_equal(func("tanh_derivative")(z), [0.0, 0.0])
    for name in ("sigmoid", "tanh", "sigmoid_derivative", "tanh_derivative"):
        r = func(name)(dtype(INF))
        assert isinstance(r, np.ndarray) and r.ndim == 0 and r.dtype == dtype


@dtypes
def test_large_finite_limits(dtype):
    big = float(np.finfo(dtype).max)
    z = np.array([big, -big, 1e4, -1e4], dtype=dtype)
    np.testing.assert_array_equal(func("sigmoid")(z), [1, 0, 1, 0])
    np.testing.assert_array_equal(func("tanh")(z), [1, -1, 1, -1])
    np.testing.assert_array_equal(func("sigmoid_derivative")(z), [0, 0, 0, 0])
    np.testing.assert_array_equal(func("tanh_derivative")(z), [0, 0, 0, 0])


@dtypes
def test_selu_overflows_only_where_the_exact_product_does(dtype):
    """selu(z) = scale z for z > 0: near max / scale it rounds to the largest
    finite float, and to inf only where scale z reaches max + ulp(max)/2."""
    import mpmath

    fi = np.finfo(dtype)
    with mpmath.workprec(200):
        scale = mpmath.mpf("1.0507009873554804934193349852946")
        top = mpmath.mpf(float(fi.max))
        ulp_max = float(fi.max - np.nextafter(fi.max, dtype(0)))
        limit = top + mpmath.mpf(ulp_max) / 2
        z = np.asarray(float(top / scale), dtype=dtype)
        zs = [z]
        for _ in range(24):
            zs = [np.nextafter(zs[0], dtype(0))] + zs + [np.nextafter(zs[-1], dtype(np.inf))]
        z = np.array(zs, dtype=dtype)
        exact = [scale * mpmath.mpf(float(x)) for x in z]
        overflow = np.array([e >= limit for e in exact])
        finite = np.array([float(min(e, top)) for e in exact], dtype=dtype)
    y = func("selu")(z)
    np.testing.assert_array_equal(np.isinf(y), overflow, err_msg=f"selu near max/scale: {z}")
    assert 0 < overflow.sum() < overflow.size
    ok = ~overflow
    spacing = (finite[ok] - np.nextafter(finite[ok], dtype(0))).astype(np.float64)
    err = np.abs(y[ok].astype(np.float64) - finite[ok].astype(np.float64)) / spacing
    assert err.max() <= 4, (z[ok], y[ok], finite[ok])


@dtypes
def test_parameters_at_the_ends_of_their_range(dtype):
    """softplus with a tiny beta is 0 at -inf (and overflows where log(2)/beta
    does); celu is z where z / alpha underflows (huge alpha), and with a
    negative alpha -inf, its derivative inf, once exp(z / alpha) overflows."""
    z = np.array([-INF, -1.0, 0.0], dtype=dtype)
    y = func("softplus")(z, beta=1e-300)
    assert y[0] == 0.0 and (np.isinf(y[1:]).all() if dtype == np.float32 else
                            np.allclose(y[1:], math.log(2) / 1e-300, rtol=1e-15))
    assert func("softplus")(np.array([-INF], dtype), beta=1e-3)[0] == 0.0
    tiny = np.array([-3.4e-25, -1e-38], dtype=dtype)
    np.testing.assert_array_equal(func("celu")(tiny, alpha=1e300), tiny)
    big = np.array([-1e30, -3e38], dtype=dtype)
    np.testing.assert_array_equal(func("celu")(big, alpha=-300.0), [-INF, -INF])
    np.testing.assert_array_equal(func("celu_derivative")(big, alpha=-300.0), [INF, INF])


@dtypes
def test_signed_zero_and_tiny(dtype):
    fi = np.finfo(dtype)
    z = np.array([0.0, -0.0, fi.smallest_subnormal, -fi.smallest_subnormal], dtype=dtype)
    np.testing.assert_array_equal(func("sigmoid")(z), [0.5] * 4)
    np.testing.assert_array_equal(func("sigmoid_derivative")(z), [0.25] * 4)
    np.testing.assert_array_equal(func("tanh_derivative")(z), [1.0] * 4)
    t = func("tanh")(z)
    np.testing.assert_array_equal(t, z)  # tanh z = z for tiny z


@dtypes
@pytest.mark.parametrize("act", PUBLIC_ELEMENTWISE)
def test_zero_keeps_its_sign(act, dtype):
    """Where g(0) = 0, g(-0) = -0 and g(+0) = +0 (as PyTorch and the formulas:
    alpha expm1(-0), z sigmoid(z), ... at z = -0; tanhshrink, an odd function,
    gives -0 too, where PyTorch's z - tanh(z) rounds to +0); elsewhere
    g(-0) = g(+0)."""
    y = func(act)(np.array([-0.0, 0.0], dtype=dtype))
    if y[1] == 0:
        np.testing.assert_array_equal(np.signbit(y), [True, False], err_msg=f"{act}(-0), {act}(+0)")
    else:
        assert y[0] == y[1], f"{act}(-0) = {y[0]!r}, {act}(+0) = {y[1]!r}"


# ---------------------------------------------------------------------------
# the tails (documented values)
# ---------------------------------------------------------------------------


def test_sigmoid_tail_does_not_flush():
    assert func("sigmoid")(np.float64(-745.0)) > 0
    assert func("sigmoid")(np.array(-745.0)) > 0
    assert func("sigmoid")(np.float32(-103.0)) > 0
    assert func("sigmoid")(np.array([-745.0, -740.0, -709.0]))[0] > 0


@pytest.mark.parametrize("dtype, a", [(np.float64, 373.0), (np.float64, 373.25),
                                      (np.float32, 52.4), (np.float32, 52.6)])
def test_tanh_derivative_tail_does_not_flush(dtype, a):
    # 4 exp(-2a) lies between half the smallest subnormal and the smallest
    # subnormal itself (exp(-2a) alone rounds to 0): the result is that subnormal
    z = np.array([a, -a], dtype=dtype)
    ss = np.finfo(dtype).smallest_subnormal
    np.testing.assert_array_equal(func("tanh_derivative")(z), [ss, ss])
    np.testing.assert_array_equal(func("tanh_derivative")(np.array([2 * a], dtype=dtype)), [0])


def test_sigmoid_derivative_at_40():
    got = func("sigmoid_derivative")(np.array(40.0))
    np.testing.assert_allclose(got, 4.248354255291589e-18, rtol=1e-14)
    got = func("sigmoid_derivative")(np.array(-40.0))
    np.testing.assert_allclose(got, 4.248354255291589e-18, rtol=1e-14)
    got32 = func("sigmoid_derivative")(np.array(40.0, dtype=np.float32))
    np.testing.assert_allclose(got32, 4.248354255291589e-18, rtol=1e-6)


def test_tanh_derivative_at_20():
    e = math.exp(-40.0)
    exp = 4 * e / (1 + e) ** 2  # ~1.6993e-17
    np.testing.assert_allclose(func("tanh_derivative")(np.array([20.0, -20.0])), exp, rtol=1e-14)
    np.testing.assert_allclose(func("tanh_derivative")(np.float32(20.0)), exp, rtol=1e-6)


def test_sigmoid_one_minus_stays_accurate():
    # sigmoid(-z) for moderate z keeps its relative accuracy
    z = np.array([30.0, 36.0, 40.0, 700.0])
    exp = np.exp(-z) / (1 + np.exp(-z))
    np.testing.assert_allclose(func("sigmoid")(-z), exp, rtol=1e-14)


# ---------------------------------------------------------------------------
# logit's domain
# ---------------------------------------------------------------------------


@dtypes
def test_logit_domain(dtype):
    p = np.array([0.0, 1.0, 0.5], dtype=dtype)
    np.testing.assert_array_equal(func("logit")(p), [-INF, INF, 0.0])
    assert func("logit")(np.array(-0.0, dtype=dtype)) == -INF
    eps = float(np.finfo(dtype).eps)
    ss = float(np.finfo(dtype).smallest_subnormal)
    bad = np.array([-0.1, 1.1, 2.0, -1.0, 1 + eps, -ss, INF, -INF, NAN, 1e30, -1e30],
                   dtype=dtype)
    got = func("logit")(bad)
    assert np.isnan(got).all(), f"logit outside [0, 1] must be NaN: {dict(zip(bad, got))}"
    assert got.dtype == dtype


# ---------------------------------------------------------------------------
# NaN propagation
# ---------------------------------------------------------------------------


@dtypes
@pytest.mark.parametrize(
    "name", [n for a in PUBLIC_ELEMENTWISE for n in (a, a + "_derivative")] + ["logit"])
def test_nan_elementwise(name, dtype):
    z = np.array([0.3, NAN, 0.2, 0.7], dtype=dtype)
    got = func(name)(z)
    np.testing.assert_array_equal(np.isnan(got), [False, True, False, False])
    assert np.isnan(func(name)(dtype(NAN)))


@dtypes
@pytest.mark.parametrize("act", PUBLIC_ELEMENTWISE)
def test_nan_elementwise_backward(act, dtype):
    g = np.array([0.3, NAN, -0.2, 0.7], dtype=dtype)
    z = np.array([0.1, 0.2, 0.3, -0.4], dtype=dtype)
    y = saved(act, z, func(act)(z))
    got = func(act + "_backward")(g, y)
    np.testing.assert_array_equal(np.isnan(got), [False, True, False, False])
    got = func(act + "_backward")(g[::-1].copy(), y)
    np.testing.assert_array_equal(np.isnan(got), [False, False, True, False])
    y2 = y.copy()
    y2[0] = NAN
    got = func(act + "_backward")(np.ones(4, dtype), y2)
    np.testing.assert_array_equal(np.isnan(got), [True, False, False, False])


@dtypes
def test_nan_rowwise_backward(dtype):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((3, 4)).astype(dtype)
    g = rng.standard_normal((3, 4)).astype(dtype)
    g[1, 2] = NAN
    whole_row = np.zeros((3, 4), bool)
    whole_row[1] = True
    # both contract the incoming gradient over the row: the whole row is NaN
    got = func("softmax_backward")(g, func("softmax")(z))
    np.testing.assert_array_equal(np.isnan(got), whole_row)
    got = func("log_softmax_backward")(g, func("log_softmax")(z))
    np.testing.assert_array_equal(np.isnan(got), whole_row)
    # a NaN output: softmax_backward sums g*y over the row, log_softmax_backward
    # uses y_k only for element k
    g = rng.standard_normal((3, 4)).astype(dtype)
    y = func("softmax")(z)
    y[1, 2] = NAN
    np.testing.assert_array_equal(np.isnan(func("softmax_backward")(g, y)), whole_row)
    ly = func("log_softmax")(z)
    ly[1, 2] = NAN
    one = np.zeros((3, 4), bool)
    one[1, 2] = True
    np.testing.assert_array_equal(np.isnan(func("log_softmax_backward")(g, ly)), one)


@dtypes
def test_nan_softmax_jacobian(dtype):
    y = func("softmax")(np.random.default_rng(1).standard_normal((2, 4)).astype(dtype))
    y[1, 2] = NAN
    J = func("softmax_jacobian")(y)
    exp = np.zeros((2, 4, 4), bool)
    exp[1, 2, :] = True
    exp[1, :, 2] = True
    np.testing.assert_array_equal(np.isnan(J), exp)


@dtypes
def test_nan_squared_error(dtype):
    y = np.array([0.1, NAN, 0.3], dtype=dtype)
    assert np.isnan(func("squared_error")(y, np.zeros(3, dtype)))
    assert np.isnan(func("squared_error")(np.zeros(3, dtype), y))


@dtypes
@pytest.mark.parametrize("where", ["z", "target"])
@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_nan_squared_error_delta(activation, where, dtype):
    rng = np.random.default_rng(2)
    z = rng.standard_normal((3, 4)).astype(dtype)
    t = rng.uniform(0, 1, (3, 4)).astype(dtype)
    (z if where == "z" else t)[1, 2] = NAN
    res = func("squared_error_delta")(z, t, activation=activation)
    assert np.isnan(res.loss)
    rowwise = ACTIVATIONS[activation].kind == "rowwise"
    exp = np.zeros((3, 4), bool)
    if rowwise:
        exp[1] = True
    else:
        exp[1, 2] = True
    np.testing.assert_array_equal(np.isnan(res.delta), exp, err_msg="delta")
    if where == "z":
        np.testing.assert_array_equal(np.isnan(res.output), exp, err_msg="output")
    else:
        assert not np.isnan(res.output).any()


@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_nan_output_layer_grad(activation):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3))
    w = rng.standard_normal((3, 5))
    t = rng.uniform(0, 1, (4, 5))
    x[2, 1] = NAN
    res = func("output_layer_grad")(x, w, t, activation=activation)
    assert np.isnan(res.loss)
    assert np.isnan(res.grad_w).all()
    rows = np.zeros((4, 5), bool)
    rows[2] = True
    np.testing.assert_array_equal(np.isnan(res.delta), rows)
    np.testing.assert_array_equal(np.isnan(res.output), rows)


# ---------------------------------------------------------------------------
# softmax / log_softmax on non-finite rows: as scipy.special
# ---------------------------------------------------------------------------

NONFINITE_ROWS = [
    [INF, 0, 1], [-INF, -INF], [NAN, 1], [-INF, 0, 1], [INF, -INF, INF],
    [INF], [-INF], [NAN], [INF, INF], [-INF, 5], [-INF, -INF, 3], [1, NAN, INF],
    [0, -INF, INF], [-INF, NAN],
]


def _scipy(fname, x, axis=-1):
    f = getattr(scipy.special, fname)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return f(x, axis=axis)


def assert_like_scipy(got, x, fname, axis=-1, err_msg=""):
    """NaN and infinities exactly where scipy has them; finite values to rounding."""
    exp = _scipy(fname, np.asarray(x, dtype=np.float64), axis=axis)
    got = np.asarray(got)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(exp), err_msg=f"{err_msg}: NaN positions")
    inf = np.isinf(exp)
    np.testing.assert_array_equal(np.isinf(got), inf, err_msg=f"{err_msg}: infinities")
    np.testing.assert_array_equal(got[inf], exp[inf], err_msg=f"{err_msg}: infinities")
    fin = np.isfinite(exp)
    np.testing.assert_allclose(got[fin], exp[fin], rtol=8 * np.finfo(got.dtype).eps, atol=0,
                               err_msg=f"{err_msg}: finite values")


@dtypes
@pytest.mark.parametrize("row", NONFINITE_ROWS, ids=str)
@pytest.mark.parametrize("fname", ["softmax", "log_softmax"])
def test_nonfinite_rows_as_scipy(fname, row, dtype):
    x = np.array(row, dtype=dtype)
    got = func(fname)(x)
    assert got.dtype == dtype
    assert_like_scipy(got, x, fname, err_msg=f"{fname}({row})")


@dtypes
@pytest.mark.parametrize("fname", ["softmax", "log_softmax"])
def test_nonfinite_rows_in_a_batch(fname, dtype):
    """Non-finite rows among finite ones, along either axis: others unaffected."""
    rows = [r for r in NONFINITE_ROWS if len(r) == 3] + [[0.5, -1.0, 2.0], [3.0, 3.0, 3.0]]
    x = np.array(rows, dtype=dtype)
    for axis, xx in ((-1, x), (0, np.ascontiguousarray(x.T))):
        got = func(fname)(xx, axis=axis)
        assert_like_scipy(got, xx, fname, axis=axis, err_msg=f"axis={axis}")


# ---------------------------------------------------------------------------
# no RuntimeWarning on any finite input, however large or small
# ---------------------------------------------------------------------------


def _extreme(dtype, shape, rng, kind):
    fi = np.finfo(dtype)
    if kind == "huge":
        mags = np.array([float(fi.max), 1e308 if dtype == np.float64 else 3e38, 1e30, 1e4])
    else:
        mags = np.array([float(fi.smallest_subnormal), float(fi.tiny), 0.0, 1e-30])
    v = rng.choice(mags, shape) * rng.choice([-1.0, 1.0], shape)
    return v.astype(dtype)


@dtypes
@pytest.mark.parametrize("kind", ["huge", "tiny"])
@pytest.mark.parametrize("case, i", arg_params())
def test_no_warning_on_extreme_finite_inputs(case, i, kind, dtype):
    """Huge (up to the largest finite) or tiny (down to the subnormals) values in one argument."""
    rng = np.random.default_rng(4)
    args = [a.astype(dtype) for a in sample(case)]
    args[i] = _extreme(dtype, args[i].shape, rng, kind)
    assert np.isfinite(args[i]).all()
    with no_warnings():
        res = case(*args)
    for o in outputs(case, res):
        assert np.asarray(o).dtype == dtype


@dtypes
@pytest.mark.parametrize("kind", ["huge", "tiny"])
@pytest.mark.parametrize("case", case_params())
def test_no_warning_on_extreme_finite_inputs_everywhere(case, kind, dtype):
    rng = np.random.default_rng(5)
    args = [_extreme(dtype, a.shape, rng, kind) for a in sample(case)]
    with no_warnings():
        case(*args)


@dtypes
def test_huge_rows(dtype):
    big = 1e308 if dtype == np.float64 else 3e38
    x = np.array([[big, -big], [big, big], [-big, -big], [-big, big]], dtype=dtype)
    with no_warnings():
        s = func("softmax")(x)
        ls = func("log_softmax")(x)
        lg = func("logit")(x)
    np.testing.assert_array_equal(s, [[1, 0], [0.5, 0.5], [0.5, 0.5], [0, 1]])
    np.testing.assert_array_equal(ls[[0, 3]], [[0, -INF], [-INF, 0]])
    np.testing.assert_allclose(ls[[1, 2]], -math.log(2), rtol=4 * np.finfo(dtype).eps)
    assert np.isnan(lg).all()


@dtypes
def test_logit_limits_without_warning(dtype):
    with no_warnings():
        got = func("logit")(np.array([0.0, 1.0, -1.0, 2.0], dtype=dtype))
    np.testing.assert_array_equal(got, [-INF, INF, NAN, NAN])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64],
                         ids=lambda d: np.dtype(d).name)
def test_loss_overflow_is_inf_without_warning(dtype):
    """A loss beyond the largest finite value of the result dtype is inf, silently."""
    big = float(np.finfo(dtype).max) / 2
    y = np.array([big, -big], dtype=dtype)
    t = np.array([-big, big], dtype=dtype)
    with no_warnings():
        loss = func("squared_error")(y, t)
        res = func("squared_error_delta")(y, t, activation="identity")
    assert loss.dtype == dtype and loss == INF
    assert res.loss.dtype == dtype and res.loss == INF
