"""Regression tests of the defects the hostile-input suite (test_hostile.py) found.

Each test is the smallest input that showed the defect; the matrix in
test_hostile.py covers the whole category.
"""

import warnings

import numpy as np
import pytest

import cactivations as ca


def _quiet(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kw)


@pytest.mark.parametrize("call", [
    lambda: ca.sigmoid_backward(np.ones(3, np.float32), 1e300),
    lambda: ca.squared_error(np.ones(3, np.float32), -1e300),
    lambda: ca.squared_error_delta(np.ones(3, np.float32), 1e300),
    lambda: ca.output_layer_grad(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32), 1e300),
    lambda: ca.sigmoid(np.array([np.longdouble("1e4000"), np.longdouble("-1e4000")])),
    lambda: ca.softmax(np.array([np.longdouble("1e4000"), 0.0])),
    lambda: ca.output_layer_grad(np.full((1, 1), np.longdouble("1e4000")), np.ones((1, 1)), 0.0),
], ids=["backward", "squared_error", "squared_error_delta", "output_layer_grad",
        "longdouble", "longdouble_softmax", "longdouble_layer"])
def test_no_overflow_warning_converting_to_the_compute_dtype(call):
    """A Python float beside float32, or a long double, beyond the range of the
    compute dtype becomes inf without a RuntimeWarning ("overflow encountered
    in cast" before)."""
    res = _quiet(call)
    assert res is not None


def test_longdouble_beyond_float64_is_inf():
    y = _quiet(ca.sigmoid, np.array([np.longdouble("1e4000"), np.longdouble("-1e4000")]))
    assert y.dtype == np.longdouble
    np.testing.assert_array_equal(y, [1.0, 0.0])
    y = _quiet(ca.sigmoid_backward, np.float32(1.0), 1e300)
    assert y.dtype == np.float32 and y == -np.inf


ROWWISE = {
    "softmax": lambda **kw: ca.softmax(np.ones((2, 3)), **kw),
    "log_softmax": lambda **kw: ca.log_softmax(np.ones((2, 3)), **kw),
    "softmax_backward": lambda **kw: ca.softmax_backward(np.ones((2, 3)), np.ones((2, 3)), **kw),
    "log_softmax_backward": lambda **kw: ca.log_softmax_backward(np.ones((2, 3)), np.ones((2, 3)),
                                                                 **kw),
    "softmax_jacobian": lambda **kw: ca.softmax_jacobian(np.ones((2, 3)), **kw),
    "squared_error_delta": lambda **kw: ca.squared_error_delta(
        np.ones((2, 3)), np.ones((2, 3)), activation="softmax", **kw),
    "squared_error_delta[sigmoid]": lambda **kw: ca.squared_error_delta(
        np.ones((2, 3)), np.ones((2, 3)), **kw),
}


@pytest.mark.parametrize("name", list(ROWWISE))
def test_axis_none_is_a_clear_type_error(name):
    """axis=None reached the kernel as if elementwise: "kernel() missing 1
    required positional argument", or "sqerr_delta_softmax() takes exactly 5
    positional arguments", or (elementwise activations) was accepted."""
    with pytest.raises(TypeError, match=r"^" + name.split("[")[0] + ": axis must be an integer"):
        ROWWISE[name](axis=None)


@pytest.mark.parametrize("name", list(ROWWISE))
@pytest.mark.parametrize("axis", [2 ** 63, -2 ** 63 - 1, 10 ** 30])
def test_axis_beyond_c_long_is_an_axis_error(name, axis):
    """OverflowError ("Python int too large to convert to C long") before."""
    with pytest.raises(np.exceptions.AxisError, match=name.split("[")[0]):
        ROWWISE[name](axis=axis)


@pytest.mark.parametrize("name", list(ROWWISE))
def test_axis_array_is_a_clear_type_error(name):
    """An array axis on C-contiguous float64 input: "The truth value of an array
    with more than one element is ambiguous" (from the fast-path test) before."""
    with pytest.raises(TypeError, match=name.split("[")[0] + ": axis must be an integer"):
        ROWWISE[name](axis=np.array([0, 1]))


@pytest.mark.parametrize("name", ["sigmoid", "tanh_derivative", "logit", "sigmoid_backward",
                                  "softmax", "squared_error"])
def test_ragged_list_error_names_the_function(name):
    """The elementwise functions converted lists before the dispatch, so NumPy's
    "setting an array element with a sequence" came out without the name."""
    f = getattr(ca, name)
    args = ([[1.0, 2.0], [3.0]],) + ((np.ones(2),) if name in ("sigmoid_backward",
                                                                 "squared_error") else ())
    with pytest.raises(ValueError, match=f"^{name}: cannot convert"):
        f(*args)
    if len(args) == 2:
        with pytest.raises(ValueError, match=f"^{name}: cannot convert"):
            f(args[1], args[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("K", [3, 100])  # a block of short rows; one long row
def test_log_softmax_backward_of_positive_y(K, dtype):
    """exp(y) of the saved output was clamped at y = 0: a y > 0 (not a
    log-probability, but given) silently used exp(0) = 1; y = +inf gave a
    finite result."""
    rng = np.random.default_rng(0)
    g = rng.standard_normal((2, K)).astype(dtype)
    y = np.log(rng.uniform(0.01, 1, (2, K))).astype(dtype)
    y[0, 0], y[0, 1], y[1, 1] = 1.0, 3.5, np.inf
    got = ca.log_softmax_backward(g, y)
    g64, y64 = g.astype(np.float64), y.astype(np.float64)
    with np.errstate(all="ignore"):
        expected = g64 - np.exp(y64) * g64.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(got, expected, rtol=1e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("K", [3, 64, 65, 200])
def test_log_softmax_in_place_on_a_row_holding_inf(K, dtype):
    """In place (out=z) on short rows (a block of rows), a row holding +inf
    gave -inf for the +inf entry instead of NaN (as scipy.special.log_softmax):
    z was read after it had been overwritten."""
    z = np.zeros((3, K), dtype)
    z[1, 1] = np.inf
    expected = ca.log_softmax(z.copy())
    assert np.isnan(expected[1, 1]) and np.isneginf(expected[1, 0])
    got = ca.log_softmax(z, out=z)
    assert got is z
    np.testing.assert_array_equal(got, expected)
