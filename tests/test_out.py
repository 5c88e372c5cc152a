"""out=: right shape and dtype, returned as is; errors; strided out; in place."""

import numpy as np
import pytest

from _helpers import (
    FLOATS, OUT_CASES, assert_outputs_same, assert_same, assert_unchanged, case_params,
    out_array, out_shape, result_dtype, sample,
)

dtypes = pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)


def _args(case, dtype, seed=0):
    return tuple(a.astype(dtype) for a in sample(case, seed))


@dtypes
@pytest.mark.parametrize("case", case_params(OUT_CASES))
def test_out_is_filled_and_returned(case, dtype):
    args = _args(case, dtype)
    expected = case(*args)
    out = np.full(out_shape(case, args), np.nan, dtype=dtype)
    res = case(*args, out=out)
    assert out_array(case, res) is out, "the function must return the very object `out`"
    assert_outputs_same(case, res, expected, err_msg=case.id)
    assert_same(out, out_array(case, expected), err_msg=case.id)


@dtypes
@pytest.mark.parametrize("layout", ["F", "strided", "negative_strides", "transposed_view"])
@pytest.mark.parametrize("case", case_params(OUT_CASES))
def test_non_contiguous_out(case, layout, dtype):
    args = _args(case, dtype)
    expected = case(*args)
    shape = out_shape(case, args)
    if layout == "F":
        out = np.asfortranarray(np.zeros(shape, dtype))
    elif layout == "strided":
        big = np.full(tuple(2 * s for s in shape), -5.0, dtype)
        out = big[tuple(slice(None, None, 2) for _ in shape)]
    elif layout == "negative_strides":
        out = np.zeros(shape, dtype)[tuple(slice(None, None, -1) for _ in shape)]
    else:
        out = np.zeros(shape[::-1], dtype).T
    res = case(*args, out=out)
    assert out_array(case, res) is out
    assert_outputs_same(case, res, expected, err_msg=f"{case.id} out {layout}")
    if layout == "strided":
        # the elements of the base array between those of out are untouched
        mask = np.ones(big.shape, bool)
        mask[tuple(slice(None, None, 2) for _ in shape)] = False
        assert (big[mask] == -5.0).all(), "out= wrote outside its view"


def _message_names(case, exc):
    msg = str(exc.value)
    assert case.name in msg, f"the message does not name {case.name}: {msg!r}"
    return msg.lower()


@pytest.mark.parametrize("case", case_params(OUT_CASES))
def test_out_wrong_shape(case):
    args = _args(case, np.float64)
    shape = out_shape(case, args)
    copies = [a.copy() for a in args]
    for bad in [shape[::-1], (1,) + shape, shape[:-1], (shape[0], 1), (1, shape[1]), ()]:
        if tuple(bad) == tuple(shape):
            continue
        out = np.zeros(bad)
        with pytest.raises(ValueError) as exc:
            case(*args, out=out)
        msg = _message_names(case, exc)
        assert "shape" in msg or str(tuple(bad)) in msg, f"does not say what differs: {msg!r}"
        assert (out == 0).all()
    for a, c in zip(args, copies):
        assert_unchanged(a, c)


@pytest.mark.parametrize("case", case_params(OUT_CASES))
def test_out_wrong_dtype(case):
    for dt, odt in [(np.float64, np.float32), (np.float32, np.float64), (np.float64, np.int64),
                    (np.float32, np.float16), (np.float64, np.longdouble),
                    (np.float64, np.complex128)]:
        args = _args(case, dt)
        if np.dtype(odt) == result_dtype(*(a.dtype for a in args)):
            continue
        copies = [a.copy() for a in args]
        out = np.zeros(out_shape(case, args), dtype=odt)
        with pytest.raises(TypeError) as exc:
            case(*args, out=out)
        msg = _message_names(case, exc)
        assert "dtype" in msg or np.dtype(odt).name in msg, f"does not say what differs: {msg!r}"
        assert (out == 0).all()
        for a, c in zip(args, copies):
            assert_unchanged(a, c)


@pytest.mark.parametrize("case", case_params(OUT_CASES))
def test_out_read_only(case):
    args = _args(case, np.float64)
    out = np.zeros(out_shape(case, args))
    out.flags.writeable = False
    with pytest.raises(ValueError) as exc:
        case(*args, out=out)
    _message_names(case, exc)
    assert (out == 0).all()


@pytest.mark.parametrize("case", case_params(OUT_CASES))
def test_out_not_an_array(case):
    args = _args(case, np.float64)
    with pytest.raises((TypeError, ValueError)):
        case(*args, out=np.zeros(out_shape(case, args)).tolist())


@dtypes
@pytest.mark.parametrize("case", case_params(OUT_CASES))
def test_out_float16(case, dtype):
    """out of the result dtype float16 works (computed in float32)."""
    args = tuple(a.astype(np.float16) for a in _args(case, np.float64))
    expected = case(*args)
    out = np.empty(out_shape(case, args), np.float16)
    res = case(*args, out=out)
    assert out_array(case, res) is out
    np.testing.assert_array_equal(out, out_array(case, expected))


IN_PLACE = [
    pytest.param(c, i, id=f"{c.id}-out={c.argnames[i]}")
    for c in OUT_CASES for i in range(len(c.argnames))
]


@dtypes
@pytest.mark.parametrize("case, i", IN_PLACE)
def test_in_place(case, i, dtype):
    args = _args(case, dtype, seed=3)
    expected = case(*args)
    args = [a.copy() for a in args]
    res = case(*args, out=args[i])
    assert out_array(case, res) is args[i]
    assert_outputs_same(case, res, expected, err_msg=f"{case.id} in place on {case.argnames[i]}")


@dtypes
@pytest.mark.parametrize("case, i", IN_PLACE)
def test_in_place_large(case, i, dtype):
    """In place on arrays large enough for blocked and threaded kernels."""
    args = tuple(a.astype(dtype) for a in sample(case, seed=4, rows=8000))
    expected = case(*args)
    args = [a.copy() for a in args]
    res = case(*args, out=args[i])
    assert out_array(case, res) is args[i]
    assert_outputs_same(case, res, expected, err_msg=f"{case.id} in place on {case.argnames[i]}")


@pytest.mark.parametrize("case", case_params(OUT_CASES))
def test_out_keyword_only(case):
    args = _args(case, np.float64)
    out = np.zeros(out_shape(case, args))
    with pytest.raises(TypeError):
        case(*args, out)
    assert (out == 0).all()


@pytest.mark.parametrize("case", case_params([c for c in OUT_CASES if c.shape_kind == "elementwise"
                                              or c.id in ("squared_error_delta[sigmoid]",)]))
def test_out_0d(case):
    args = [np.asarray(a[0, 0]) for a in _args(case, np.float64)]
    out = np.empty(())
    res = case(*args, out=out)
    assert out_array(case, res) is out
    np.testing.assert_array_equal(out, out_array(case, case(*args)))


@pytest.mark.parametrize("case", case_params([c for c in OUT_CASES if len(c.argnames) == 2
                                              and c.shape_kind != "sed"]))
def test_out_with_broadcasting(case):
    g, y = _args(case, np.float64)
    g = g[:, :1]  # (3, 1) against (3, 5)
    out = np.empty((3, 5))
    res = case(g, y, out=out)
    assert res is out
    np.testing.assert_array_equal(out, case(np.broadcast_to(g, (3, 5)).copy(), y))


@pytest.mark.parametrize("activation", ["sigmoid", "softmax"])
def test_squared_error_delta_in_place_with_broadcast_target(activation):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 5))
    t = rng.uniform(0, 1, 5)
    expected = case_sed(z, t, activation)
    zz = z.copy()
    res = case_sed(zz, t, activation, out=zz)
    assert res.delta is zz
    for a, b in zip(res, expected):
        np.testing.assert_array_equal(a, b)


def case_sed(z, t, activation, **kw):
    import cactivations

    return cactivations.squared_error_delta(z, t, activation=activation, **kw)
