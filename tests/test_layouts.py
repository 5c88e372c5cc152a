"""Memory layouts of every argument, inputs never modified, array-likes."""

import numpy as np
import pytest

from _helpers import (
    AXIS_CASES, CASES, FLOATS, LAYOUTS, OUT_CASES, ArrayLike, arg_params, assert_close,
    assert_unchanged, case_params, eps_of, out_array, out_shape, outputs, sample,
)

dtypes = pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)


def _assert_same_values(case, res, expected, err_msg):
    for k, (g, e) in enumerate(zip(outputs(case, res), outputs(case, expected))):
        g, e = np.asarray(g), np.asarray(e)
        assert g.dtype.newbyteorder("=") == e.dtype, f"{err_msg} output {k}: dtype {g.dtype}"
        assert g.shape == e.shape, f"{err_msg} output {k}: shape {g.shape}"
        assert_close(g, e, 16 * eps_of(e.dtype), err_msg=f"{err_msg} output {k}")


@dtypes
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("case, i", arg_params())
def test_layout_of_each_argument(case, i, layout, dtype):
    args = [a.astype(dtype) for a in sample(case, seed=5, rows=37)]
    expected = case(*args)
    laid = LAYOUTS[layout](args[i])
    np.testing.assert_array_equal(laid, args[i])  # same values, other layout
    copy = np.array(laid, copy=True)
    args[i] = laid
    res = case(*args)
    _assert_same_values(case, res, expected, f"{case.id}: {case.argnames[i]} {layout}")
    assert_unchanged(laid, copy, f"{case.argnames[i]} {layout}")
    if layout == "readonly":
        assert not laid.flags.writeable


@dtypes
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("case", case_params())
def test_layout_of_all_arguments(case, layout, dtype):
    args = [a.astype(dtype) for a in sample(case, seed=6, rows=37)]
    expected = case(*args)
    res = case(*[LAYOUTS[layout](a) for a in args])
    _assert_same_values(case, res, expected, f"{case.id}: all arguments {layout}")


@dtypes
@pytest.mark.parametrize("case", case_params(AXIS_CASES))
def test_layouts_along_other_axes(case, dtype):
    """Fortran order and transposed views along axis 0 (rows are strided)."""
    args = [a.astype(dtype) for a in sample(case, seed=7, rows=37)]
    expected = case(*args)
    targs = [np.ascontiguousarray(a.T) for a in args]
    res = case(*targs, axis=0)
    for k, (g, e) in enumerate(zip(outputs(case, res), outputs(case, expected))):
        if case.shape_kind == "jacobian" or np.ndim(e) == 0:
            assert_close(g, e, 16 * eps_of(dtype), err_msg=f"{case.id} axis=0 output {k}")
        else:
            assert_close(g.T, e, 16 * eps_of(dtype), err_msg=f"{case.id} axis=0 output {k}")
    # Fortran-ordered views: along the last axis (rows strided) and along axis 0
    _assert_same_values(case, case(*[a.T for a in targs]), expected, f"{case.id} F views")
    _assert_same_values(case, case(*[np.asfortranarray(a) for a in targs], axis=0), res,
                        f"{case.id} F order, axis=0")


# ---------------------------------------------------------------------------
# inputs are never modified
# ---------------------------------------------------------------------------


@dtypes
@pytest.mark.parametrize("case", case_params())
def test_inputs_not_modified(case, dtype):
    args = [a.astype(dtype) for a in sample(case, seed=8, rows=50)]
    copies = [a.copy() for a in args]
    case(*args)
    for a, c, n in zip(args, copies, case.argnames):
        assert_unchanged(a, c, n)
    # also through every non-contiguous layout
    for layout, f in LAYOUTS.items():
        laid = [f(a) for a in args]
        lc = [np.array(a, copy=True) for a in laid]
        case(*laid)
        for a, c, n in zip(laid, lc, case.argnames):
            assert_unchanged(a, c, f"{n} {layout}")


@pytest.mark.parametrize("case", case_params())
def test_inputs_not_modified_on_error_paths(case):
    args = list(sample(case, seed=9))
    copies = [a.copy() for a in args]
    errors = []
    if case.has_out:
        errors.append({"out": np.zeros((7, 7))})
        errors.append({"out": np.zeros(out_shape(case, args), np.float32)})
    if case.has_axis:
        errors.append({"axis": 5})
    if "activation" in case.opts:
        errors.append({"activation": "no_such_activation"})
    bad_shape = list(args)
    if len(args) > 1:
        bad_shape[-1] = np.zeros((11, 13))
    for kw in errors:
        with pytest.raises((ValueError, TypeError)):
            case(*args, **kw)
    if len(args) > 1:
        with pytest.raises(ValueError):
            case(*bad_shape)
    with pytest.raises(TypeError):
        case(*args[:-1], args[-1].astype(np.complex128))
    for a, c, n in zip(args, copies, case.argnames):
        assert_unchanged(a, c, n)


# ---------------------------------------------------------------------------
# array-likes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["list", "tuple", "__array__", "mixed"])
@pytest.mark.parametrize("case", case_params())
def test_array_likes(case, kind):
    args = sample(case, seed=10)
    expected = case(*args)
    if kind == "list":
        likes = [a.tolist() for a in args]
    elif kind == "tuple":
        likes = [tuple(map(tuple, a)) if a.ndim == 2 else tuple(a) for a in args]
    elif kind == "__array__":
        likes = [ArrayLike(a) for a in args]
    else:
        likes = [a.tolist() if k % 2 == 0 else ArrayLike(a) for k, a in enumerate(args)]
    res = case(*likes)
    for k, (g, e) in enumerate(zip(outputs(case, res), outputs(case, expected))):
        assert isinstance(g, np.ndarray) and g.dtype == np.float64
        np.testing.assert_array_equal(g, e, err_msg=f"{case.id} {kind} output {k}")


@pytest.mark.parametrize("case", case_params([c for c in CASES if c.shape_kind == "elementwise"]))
def test_scalars(case):
    args = [float(a[0, 0]) for a in sample(case, seed=11)]
    expected = case(*[np.array(a) for a in args])
    res = case(*args)
    assert isinstance(res, np.ndarray) and res.ndim == 0 and res.dtype == np.float64
    np.testing.assert_array_equal(res, expected)
    # Python ints too (bool/int are computed as float64)
    ints = [int(round(a)) if k == 0 else a for k, a in enumerate(args)]
    if case.name == "logit":
        ints = [1]
    res = case(*ints)
    assert isinstance(res, np.ndarray) and res.ndim == 0 and res.dtype == np.float64
    np.testing.assert_array_equal(res, case(*[np.array(a, dtype=np.float64) for a in ints]))


@pytest.mark.parametrize("case", case_params(OUT_CASES))
def test_array_like_with_out(case):
    args = sample(case, seed=12)
    out = np.empty(out_shape(case, args))
    res = case(*[a.tolist() for a in args], out=out)
    assert out_array(case, res) is out
    np.testing.assert_array_equal(out, out_array(case, case(*args)))
