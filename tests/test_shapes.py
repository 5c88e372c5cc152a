"""Shapes: broadcasting, 0-d and empty inputs, axis."""

import numpy as np
import pytest
from numpy.exceptions import AxisError

from cactivations import _reference as ref
from _helpers import (
    ACTIVATIONS, AXIS_CASES, CASES, FLOATS, LOSS_ACTIVATIONS, assert_close, case_params, func,
    outputs, ref_forward, reference, sample,
)

dtypes = pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
RTOL = {np.float32: 1e-5, np.float64: 1e-12}

BACKWARD_CASES = [c for c in CASES if c.argnames == ("grad_output", "output")]


def _forward_of(case, z, axis=-1):
    """A valid saved output for a backward function (or the Jacobian)."""
    name = case.name[: -len("_backward")] if case.name.endswith("_backward") else "softmax"
    if case.shape_kind == "elementwise":
        return ref_forward(name)(z)
    return getattr(ref, name)(z, axis=axis)


def _check(case, args, dtype, **kw):
    args = tuple(np.asarray(a).astype(dtype) for a in args)
    res = case(*args, **kw)
    exp = reference(case, args, **kw)
    for k, (g, e) in enumerate(zip(outputs(case, res), exp)):
        assert np.shape(g) == e.shape, f"{case.id} output {k}: shape {np.shape(g)} != {e.shape}"
        assert_close(g, e, RTOL[dtype], err_msg=f"{case.id} output {k}")
    return res


# ---------------------------------------------------------------------------
# broadcasting
# ---------------------------------------------------------------------------

BROADCAST_SHAPES = [((3, 1), (4,)), ((4,), (3, 1)), ((2, 1, 4), (3, 1)), ((1,), (3, 4)),
                    ((3, 4), ()), ((), (3, 4)), ((3, 4), (1, 4))]


@dtypes
@pytest.mark.parametrize("gshape, yshape", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("case", case_params(BACKWARD_CASES))
def test_backward_broadcasting(case, gshape, yshape, dtype):
    rng = np.random.default_rng(0)
    g = rng.standard_normal(gshape)
    y = _forward_of(case, rng.standard_normal(yshape) * 2) if yshape else np.float64(0.3)
    if case.shape_kind == "rowwise" and yshape == ():
        y = np.float64(-0.7) if case.name.startswith("log_") else y
    res = _check(case, (g, y), dtype)
    assert res.shape == np.broadcast_shapes(gshape, yshape)


@pytest.mark.parametrize("case", case_params([c for c in CASES if len(c.argnames) == 2]))
def test_incompatible_shapes_raise_valueerror(case):
    a, b = sample(case)
    with pytest.raises(ValueError):
        case(a, b[:, :4])
    with pytest.raises(ValueError):
        case(a[:2], b)


@dtypes
@pytest.mark.parametrize("oshape, tshape", [((3, 4), (4,)), ((3, 1), (1, 4)), ((4,), (3, 4)),
                                            ((3, 4), ()), ((2, 3, 4), (3, 1))], ids=str)
def test_squared_error_broadcasting(oshape, tshape, dtype):
    rng = np.random.default_rng(1)
    res = _check(next(c for c in CASES if c.id == "squared_error"),
                 (rng.uniform(0, 1, oshape), rng.uniform(0, 1, tshape)), dtype)
    assert res.shape == ()


@dtypes
@pytest.mark.parametrize("tshape", [(4,), (1, 4), (3, 1), (), (1, 1)], ids=str)
@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_squared_error_delta_target_broadcasts(activation, tshape, dtype):
    rng = np.random.default_rng(2)
    case = next(c for c in CASES if c.id == f"squared_error_delta[{activation}]")
    res = _check(case, (rng.standard_normal((3, 4)), rng.uniform(0, 1, tshape)), dtype)
    assert res.delta.shape == (3, 4) and res.output.shape == (3, 4) and res.loss.shape == ()


@pytest.mark.parametrize("tshape", [(2, 3, 4), (1, 3, 4), (5,), (3, 5), (4, 4)], ids=str)
@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_squared_error_delta_target_cannot_enlarge_z(activation, tshape):
    z = np.zeros((3, 4))
    with pytest.raises(ValueError):
        func("squared_error_delta")(z, np.zeros(tshape), activation=activation)


@dtypes
@pytest.mark.parametrize("tshape", [(5,), (1, 5), (), (4, 1)], ids=str)
@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_output_layer_grad_target_broadcasts(activation, tshape, dtype):
    rng = np.random.default_rng(3)
    case = next(c for c in CASES if c.id == f"output_layer_grad[{activation}]")
    res = _check(case, (rng.standard_normal((4, 3)), rng.standard_normal((3, 5)),
                        rng.uniform(0, 1, tshape)), dtype)
    assert res.grad_w.shape == (3, 5) and res.delta.shape == (4, 5)


@pytest.mark.parametrize("xshape, wshape, tshape", [
    ((4, 3), (2, 5), (4, 5)),
    ((3,), (2, 5), (5,)),
    ((4, 3), (4, 5), (4, 5)),
    ((4, 3), (5,), (4, 5)),
], ids=str)
def test_output_layer_grad_mismatched_x_w(xshape, wshape, tshape):
    x, w, t = np.ones(xshape), np.ones(wshape), np.ones(tshape)
    with pytest.raises(ValueError) as exc:
        func("output_layer_grad")(x, w, t)
    assert "output_layer_grad" in str(exc.value)
    assert (x == 1).all() and (w == 1).all() and (t == 1).all()


@pytest.mark.parametrize("tshape", [(2, 4, 5), (6,), (3, 5), (4, 4)], ids=str)
def test_output_layer_grad_target_must_broadcast_to_N_K(tshape):
    with pytest.raises(ValueError):
        func("output_layer_grad")(np.ones((4, 3)), np.ones((3, 5)), np.ones(tshape))


# ---------------------------------------------------------------------------
# 0-d inputs give 0-d arrays
# ---------------------------------------------------------------------------

ZERO_D_CASES = [c for c in CASES if c.shape_kind in ("elementwise", "loss")
                or (c.shape_kind == "sed" and not c.has_axis)]


@dtypes
@pytest.mark.parametrize("scalar_kind", ["0-d array", "numpy scalar"])
@pytest.mark.parametrize("case", case_params(ZERO_D_CASES))
def test_0d_inputs_give_0d_arrays(case, scalar_kind, dtype):
    args = [np.asarray(a[1, 2]).astype(dtype) for a in sample(case)]
    if scalar_kind == "numpy scalar":
        args = [a[()] for a in args]
        assert all(isinstance(a, np.generic) for a in args)
    res = case(*args)
    exp = reference(case, args)
    for k, (o, e) in enumerate(zip(outputs(case, res), exp)):
        assert type(o) is np.ndarray, f"{case.id} output {k} is a {type(o).__name__}"
        assert o.ndim == 0 and o.dtype == dtype
        assert_close(o, e, RTOL[dtype], err_msg=f"{case.id} output {k}")


# ---------------------------------------------------------------------------
# empty inputs give empty outputs
# ---------------------------------------------------------------------------


@dtypes
@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3), (0, 0)], ids=str)
@pytest.mark.parametrize("case", case_params([c for c in CASES if c.shape_kind in
                                              ("elementwise", "rowwise", "jacobian")]))
def test_empty_inputs(case, shape, dtype):
    args = tuple(np.empty(shape, dtype=dtype) for _ in case.argnames)
    res = case(*args)
    assert isinstance(res, np.ndarray) and res.dtype == dtype
    if case.shape_kind == "jacobian":
        assert res.shape == shape + (shape[-1],)
    else:
        assert res.shape == shape


@dtypes
@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3)], ids=str)
@pytest.mark.parametrize("case", case_params([c for c in CASES if c.shape_kind in ("loss", "sed")]))
def test_empty_losses(case, shape, dtype):
    res = case(np.empty(shape, dtype), np.empty(shape, dtype))
    loss = outputs(case, res)[0]
    assert isinstance(loss, np.ndarray) and loss.shape == () and loss.dtype == dtype
    assert loss == 0
    if case.result == "sed":
        assert res.delta.shape == shape and res.delta.dtype == dtype
        assert res.output.shape == shape and res.output.dtype == dtype


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("fname", ["softmax", "log_softmax"])
def test_softmax_empty_axis_and_zero_rows(fname, axis):
    for shape in [(3, 0), (0, 5), (0, 0)]:
        got = func(fname)(np.empty(shape), axis=axis)
        assert got.shape == shape
    J = func("softmax_jacobian")(np.empty((0, 5)), axis=axis)
    shape = np.moveaxis(np.empty((0, 5)), axis, -1).shape
    assert J.shape == shape + (shape[-1],)


@dtypes
@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_output_layer_grad_empty_batch(activation, dtype):
    res = func("output_layer_grad")(np.empty((0, 3), dtype), np.ones((3, 5), dtype),
                                    np.empty((0, 5), dtype), activation=activation)
    assert res.loss.shape == () and res.loss == 0 and res.loss.dtype == dtype
    assert res.grad_w.shape == (3, 5) and res.grad_w.dtype == dtype
    np.testing.assert_array_equal(res.grad_w, 0)
    assert res.delta.shape == (0, 5) and res.output.shape == (0, 5)


@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_output_layer_grad_no_features(activation):
    case = next(c for c in CASES if c.id == f"output_layer_grad[{activation}]")
    rng = np.random.default_rng(4)
    res = _check(case, (np.empty((4, 0)), np.empty((0, 5)), rng.uniform(0, 1, (4, 5))),
                 np.float64)
    assert res.grad_w.shape == (0, 5)


# ---------------------------------------------------------------------------
# axis
# ---------------------------------------------------------------------------

SHAPE3 = (2, 3, 4)


def _axis_args(case, shape, axis, rng):
    z = rng.standard_normal(shape) * 2
    if case.shape_kind == "sed":
        return (z, rng.uniform(0, 1, shape))
    if case.name.endswith("_backward"):
        return (rng.standard_normal(shape), _forward_of(case, z, axis))
    if case.shape_kind == "jacobian":
        return (ref.softmax(z, axis=axis),)
    return (z,)


@dtypes
@pytest.mark.parametrize("axis", range(-3, 3))
@pytest.mark.parametrize("case", case_params(AXIS_CASES))
def test_every_axis(case, axis, dtype):
    args = _axis_args(case, SHAPE3, axis, np.random.default_rng(axis + 3))
    res = _check(case, args, dtype, axis=axis)
    if case.shape_kind == "jacobian":
        K = SHAPE3[axis]
        assert res.shape == np.moveaxis(args[0], axis, -1).shape + (K,)
    else:
        assert outputs(case, res)[-1].shape == SHAPE3


@pytest.mark.parametrize("case", case_params(AXIS_CASES))
def test_default_axis_is_last(case):
    args = _axis_args(case, SHAPE3, -1, np.random.default_rng(0))
    a = outputs(case, case(*args))
    b = outputs(case, case(*args, axis=-1))
    c = outputs(case, case(*args, axis=2))
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)


@pytest.mark.parametrize("axis", [3, -4, 10, -100])
@pytest.mark.parametrize("case", case_params(AXIS_CASES))
def test_axis_out_of_range(case, axis):
    args = _axis_args(case, SHAPE3, -1, np.random.default_rng(0))
    copies = [a.copy() for a in args]
    with pytest.raises(AxisError):
        case(*args, axis=axis)
    with pytest.raises(ValueError):  # AxisError is a ValueError
        case(*args, axis=axis)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("case", case_params(AXIS_CASES))
def test_axis_out_of_range_1d(case):
    args = tuple(a[0, 0] for a in _axis_args(case, SHAPE3, -1, np.random.default_rng(0)))
    case(*args, axis=0)
    case(*args, axis=-1)
    with pytest.raises(AxisError):
        case(*args, axis=1)
    with pytest.raises(AxisError):
        case(*args, axis=-2)

