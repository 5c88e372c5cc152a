"""Property-based differential tests (hypothesis): random shapes, strides,
dtypes, values and axes, for every public array function (discovered, see
``_functions``), against the float64 NumPy reference; and the fused kernels
against the composition of the unfused functions.

The budget is a hypothesis profile registered in conftest.py: ``ci`` (the
default: deterministic, a fixed number of examples) or ``long``
(``HYPOTHESIS_PROFILE=long pytest tests/test_hypothesis.py``).
"""

import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import cactivations as ca  # noqa: E402
from _functions import VARIANTS, assert_close, parts, reference, variants  # noqa: E402
from cactivations import _reference, _registry  # noqa: E402

DTYPES = [np.float64, np.float32, np.float16, np.longdouble, np.int32, np.int8, np.bool_]


def _rtol(dtype):
    dt = np.dtype(dtype)
    if dt.kind != "f" or dt == np.longdouble:
        dt = np.dtype(np.float64)
    return max(64 * float(np.finfo(dt).eps), 1e-9)


LAYOUTS = ["C", "F", "strided", "negative", "transposed"]


def _layout(a, how):
    if a.ndim == 0 or how == "C":
        return np.ascontiguousarray(a)
    if how == "F":
        return np.asfortranarray(a)
    if how == "strided":
        big = np.zeros(tuple(2 * s + 1 for s in a.shape), a.dtype)
        v = big[tuple(slice(1, None, 2) for _ in a.shape)]
        v[...] = a
        return v
    if how == "negative":
        idx = (slice(None, None, -1),) * a.ndim
        return np.ascontiguousarray(a[idx])[idx]
    return np.ascontiguousarray(a.T).T


def _values(v, i, shape, dtype):
    """Arrays of valid values of argument ``i`` of ``v``."""
    dt = np.dtype(dtype)
    if v.name == "logit":
        lo, hi = 0.0, 1.0
    elif i >= 1 and v.name.startswith("log_softmax"):
        lo, hi = -30.0, 0.0
    elif i >= 1 and v.kind not in ("layer",) and v.name.endswith("_backward"):
        lo, hi = -1.0, 1.0
    elif v.kind == "layer" and i < 2:
        lo, hi = -4.0, 4.0
    elif v.kind in ("rowwise", "jacobian"):
        lo, hi = -40.0, 40.0
    else:
        # the textbook reference loses relative accuracy in the tails of the
        # derivatives (1 - tanh(z)**2 cancels): beyond |z| = 8 it is not an
        # oracle to 1e-9 (test_accuracy.py checks the tails against mpmath)
        lo, hi = -8.0, 8.0
    if dt.kind == "b":
        return hnp.arrays(dt, shape)
    if dt.kind in "iu":
        return hnp.arrays(dt, shape, elements=st.integers(int(max(lo, -3)), int(min(hi, 3))))
    width = 16 if dt == np.float16 else 32 if dt == np.float32 else 64
    elements = st.floats(lo, hi, allow_nan=False, width=width)
    return hnp.arrays(dt if dt != np.longdouble else np.float64, shape,
                      elements=elements).map(lambda a: a.astype(dt))


@st.composite
def calls(draw, v):
    """(args, kwargs) for ``v``: random shape, dtype, layout, values, axis."""
    if v.kind == "layer":
        n, m, k = (draw(st.integers(1, 7)) for _ in range(3))
        shapes = [(n, m) if draw(st.booleans()) else (m,), (m, k), None]
        z_shape = shapes[0][:-1] + (k,)
        shapes[2] = draw(st.sampled_from([z_shape, z_shape[-1:], ()]))
    else:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=9))
        shapes = [shape] * len(v.fn.arrays)
        if len(shapes) > 1 and shape and draw(st.booleans()):  # a broadcast argument
            j = draw(st.integers(1, len(shapes) - 1))
            shapes[j] = tuple(1 if draw(st.booleans()) else s for s in shape)
    dtype = draw(st.sampled_from(DTYPES))
    args = []
    for i, s in enumerate(shapes):
        a = draw(_values(v, i, s, dtype))
        args.append(_layout(a, draw(st.sampled_from(LAYOUTS))))
    kw = {}
    if v.fn.has_axis:
        ndim = len(shapes[0])
        kw["axis"] = draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    return args, kw


def _check(v, args, kw):
    dts = [a.dtype for a in args]
    snap = [a.tobytes() for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = v(*args, **kw)
    assert [a.tobytes() for a in args] == snap, "an input was modified"
    result = np.result_type(*dts)
    result = np.dtype(np.float64) if result.kind in "biu" else result
    a64 = [np.asarray(a, dtype=np.float64) for a in args]
    if all(a.ndim == 0 for a in a64):
        a64 = [a.reshape(1) for a in a64]
    got = parts(res)
    if any(a.size == 0 for a in a64):
        for g in got:
            assert g.dtype == result and (g.size == 0 or g.ndim == 0)
        return
    exp = reference(v, a64, **kw)
    # results in the subnormal range of float16/float32 are good to a subnormal step
    floor = 2 * float(np.finfo(result).smallest_subnormal) if result != np.longdouble else 0.0
    if v.kind == "fused" and not v.opts:
        # the cross-entropy deltas are differences p sum(t) - t: their errors are
        # relative to the targets' size, also where the difference is 0
        t = a64[1][np.isfinite(a64[1])]
        floor = max(floor, _rtol(result) * float(np.max(np.abs(t), initial=0.0)))
    floors = [floor] * len(got)
    if "activation" in v.opts:
        floors = [max(floor, f) for f in _squared_error_floors(v, res._fields, a64, exp, result)]
    for k, (g, e) in enumerate(zip(got, exp)):
        assert isinstance(g, np.ndarray) and g.dtype == result, f"part {k}: {g.dtype} != {result}"
        assert_close(g, e.reshape(g.shape) if e.size == g.size else e, _rtol(result),
                     msg=f"{v.id} part {k}", floor=floors[k])


def _largest(a):
    return float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0))


def _squared_error_floors(v, fields, a64, exp, result):
    """Absolute error floors of the parts of a squared-error result.

    delta = (y - t) g'(z) cancels where y is near t: rounding y to the result
    dtype moves it by eps |y| |g'|, however small delta is (softmax of equal
    logits against zero targets is 0 exactly, and p (p - sum p^2) with
    p = float32(1/3) is -3.3e-9). The loss and grad_w inherit that error
    through their sums."""
    rtol = _rtol(result)
    y, t = exp[fields.index("output")], a64[-1]
    act = v.opts["activation"]
    z = a64[0] @ a64[1] if v.kind == "layer" else a64[0]
    derivative = getattr(_reference, act + "_derivative", None)
    elementwise = _registry.ACTIVATIONS[act].kind != "rowwise"
    with np.errstate(all="ignore"):
        slope = _largest(derivative(z)) if derivative and elementwise else 1.0
        delta = rtol * (_largest(y) + _largest(t)) * slope
        floors = {"output": 0.0, "delta": delta,
                  "loss": rtol * y.size * _largest(y) * _largest(y - t)}
    if v.kind == "layer":
        x = a64[0]
        floors["grad_w"] = delta * _largest(x) * (x.shape[0] if x.ndim == 2 else 1)
    return [floors[f] for f in fields]


def _make(v):
    @given(data=st.data())
    def test(data):
        args, kw = data.draw(calls(v))
        _check(v, args, kw)

    return test


@pytest.mark.parametrize("v", variants())
def test_against_reference(v):
    """Random shapes (0-d, empty, broadcast), dtypes, layouts, values and axes:
    the reference's answer, in the result dtype, inputs unchanged."""
    _make(v)()


# --------------------------------------------------- fused against unfused

def _unfused(act, z, t, axis):
    """(loss, delta, y) from the public unfused functions."""
    a = _registry.ACTIVATIONS[act]
    if a.kind == "rowwise":
        y = getattr(ca, act)(z, axis=axis)
        delta = getattr(ca, act + "_backward")(y - t, y, axis=axis)
    elif a.public:
        y = getattr(ca, act)(z)
        delta = (y - t) * getattr(ca, act + "_derivative")(z)
    else:  # identity
        y = np.array(z, dtype=np.result_type(z, 1.0), copy=True)
        delta = y - t
    return ca.squared_error(y, t), delta, y


@given(data=st.data())
def _fused_case(data, act):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=9))
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    z = data.draw(_values(VARIANTS[0], 0, shape, dtype))
    t = data.draw(hnp.arrays(dtype, shape, elements=st.floats(0, 1, width=32)))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    fused = ca.squared_error_delta(z, t, activation=act, axis=axis)
    loss, delta, y = _unfused(act, z, t, axis)
    rtol = _rtol(dtype)
    assert_close(fused.output, y, rtol, msg=f"{act} output")
    assert_close(fused.delta, delta, rtol, msg=f"{act} delta")
    assert_close(fused.loss, loss, rtol, msg=f"{act} loss")
    assert fused.delta.dtype == fused.output.dtype == fused.loss.dtype == np.dtype(dtype)


@pytest.mark.parametrize("act", _registry.LOSS_ACTIVATIONS)
def test_squared_error_delta_is_the_composition(act):
    _fused_case(act=act)


@given(data=st.data())
def _layer_case(data, act):
    n, m, k = (data.draw(st.integers(1, 8)) for _ in range(3))
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    el = st.floats(-3, 3, width=32)
    x = data.draw(hnp.arrays(dtype, (n, m), elements=el))
    w = data.draw(hnp.arrays(dtype, (m, k), elements=el))
    t = data.draw(hnp.arrays(dtype, (n, k), elements=st.floats(0, 1, width=32)))
    r = ca.output_layer_grad(x, w, t, activation=act)
    z = x @ w
    sed = ca.squared_error_delta(z, t, activation=act)
    rtol = 4 * _rtol(dtype)
    assert_close(r.output, sed.output, rtol, msg="output")
    assert_close(r.delta, sed.delta, rtol, msg="delta")
    assert_close(r.loss, sed.loss, rtol, msg="loss")
    assert_close(r.grad_w, x.T.astype(np.float64) @ sed.delta.astype(np.float64), rtol,
                 msg="grad_w")


@pytest.mark.parametrize("act", _registry.LOSS_ACTIVATIONS)
def test_output_layer_grad_is_the_composition(act):
    _layer_case(act=act)


@pytest.mark.parametrize("vid", ["output_layer_grad[softmax]", "squared_error_delta[softmax]"])
def test_cancelling_delta_against_reference(vid):
    """Equal logits against zero targets: delta is 0 exactly in the reference
    and p (p - sum p^2) = -3.3e-9 from p = float32(1/3), within its bound."""
    from _functions import VARIANTS_BY_ID

    v = VARIANTS_BY_ID[vid]
    t = np.zeros(3, np.float32)
    args = [np.zeros(1, np.float32), np.zeros((1, 3), np.float32), t] if v.kind == "layer" \
        else [np.zeros(3, np.float32), t]
    _check(v, args, {})
