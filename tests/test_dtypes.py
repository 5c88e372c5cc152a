"""The dtype policy of API.md, for every public function."""

import numpy as np
import pytest

from _helpers import (
    CASES, KEPT_DTYPES, PROMOTED_DTYPES, arg_params, assert_close, assert_outputs_equal,
    assert_unchanged, case_params, compute_dtype, dtype_names, int_sample, outputs, reference,
    sample,
)

RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}


def _ids(d):
    return np.dtype(d).name


def _cast(args, dtype):
    return tuple(np.asarray(a).astype(dtype) for a in args)


@pytest.mark.parametrize("dtype", KEPT_DTYPES, ids=_ids)
@pytest.mark.parametrize("case", case_params())
def test_float_dtypes_are_kept(case, dtype):
    args = _cast(sample(case), dtype)
    res = case(*args)
    for k, o in enumerate(outputs(case, res)):
        assert isinstance(o, np.ndarray), f"output {k} is {type(o)}, not an ndarray"
        assert o.dtype == dtype, f"{case.id} output {k}: dtype {o.dtype}, not {np.dtype(dtype)}"
    cdt = compute_dtype(dtype)
    if cdt == dtype:
        exp = reference(case, args)
        for k, (g, e) in enumerate(zip(outputs(case, res), exp)):
            assert_close(g, e, RTOL[cdt], err_msg=f"{case.id} output {k}")
    else:
        # float16 is computed in float32, longdouble in float64: the same
        # result as calling with the arguments cast to that dtype
        with np.errstate(over="ignore"):
            exp = case(*_cast(args, cdt))
            exp_out = tuple(np.asarray(o).astype(dtype) for o in outputs(case, exp))
        for k, (g, e) in enumerate(zip(outputs(case, res), exp_out)):
            np.testing.assert_array_equal(g, e, err_msg=f"{case.id} output {k} ({dtype} "
                                          f"is computed in {cdt})")


@pytest.mark.parametrize("dtype", PROMOTED_DTYPES, ids=_ids)
@pytest.mark.parametrize("case", case_params())
def test_bool_and_integers_give_float64(case, dtype):
    args = int_sample(case, dtype)
    res = case(*args)
    for k, o in enumerate(outputs(case, res)):
        assert isinstance(o, np.ndarray)
        assert o.dtype == np.float64, f"{case.id} output {k}: dtype {o.dtype} for {dtype}"
    assert_outputs_equal(case, res, case(*_cast(args, np.float64)), err_msg=case.id)


SCALAR_ARGS = [p for p in arg_params() if p.values[1] in p.values[0].scalar_args]


def _multi_arg(c):
    return len(c.argnames) > 1


@pytest.mark.parametrize("dtype", [np.float16, np.float32], ids=_ids)
@pytest.mark.parametrize("case, i", SCALAR_ARGS)
def test_python_scalar_does_not_upcast(case, i, dtype):
    """NEP 50: a Python float (or int) combined with a float32 array stays float32."""
    for scalar in (0.25, 1):
        args = list(_cast(sample(case), dtype))
        args[i] = scalar
        res = case(*args)
        for k, o in enumerate(outputs(case, res)):
            assert o.dtype == dtype, f"{case.id} with a Python {type(scalar).__name__} as " \
                                     f"{case.argnames[i]}: output {k} is {o.dtype}"
        if dtype == np.float32:
            exp = reference(case, args)
            for k, (g, e) in enumerate(zip(outputs(case, res), exp)):
                assert_close(g, e, 1e-5, err_msg=f"{case.id} output {k}")


@pytest.mark.parametrize("case, i", SCALAR_ARGS)
def test_numpy_float64_scalar_upcasts(case, i):
    """NEP 50: a NumPy float64 scalar is typed; with a float32 array the result is float64."""
    args = list(_cast(sample(case), np.float32))
    args[i] = np.float64(0.25)
    res = case(*args)
    for o in outputs(case, res):
        assert o.dtype == np.float64


@pytest.mark.parametrize("case, i", arg_params([c for c in CASES if _multi_arg(c)]))
def test_float32_with_float64_array_gives_float64(case, i):
    args = list(_cast(sample(case), np.float32))
    args[i] = args[i].astype(np.float64)
    res = case(*args)
    for k, o in enumerate(outputs(case, res)):
        assert o.dtype == np.float64, f"{case.id}: float64 {case.argnames[i]} gave {o.dtype}"
    exp = reference(case, args)
    for k, (g, e) in enumerate(zip(outputs(case, res), exp)):
        assert_close(g, e, 1e-12, err_msg=f"{case.id} output {k}")


@pytest.mark.parametrize("case", case_params([c for c in CASES if len(c.argnames) == 1
                                              and c.shape_kind == "elementwise"]))
def test_python_float_alone_gives_float64(case):
    res = case(0.25)
    assert isinstance(res, np.ndarray) and res.ndim == 0 and res.dtype == np.float64
    np.testing.assert_allclose(res, reference(case, (0.25,))[0], rtol=1e-12)


def _bad(kind, shape, a):
    if kind == "complex128":
        return a.astype(np.complex128)
    if kind == "complex64":
        return a.astype(np.complex64)
    if kind == "object":
        return a.astype(object)
    if kind == "str":
        return a.astype("U8")
    if kind == "bytes":
        return a.astype("S8")
    if kind == "datetime64":
        return np.zeros(shape, "datetime64[s]")
    if kind == "structured":
        return np.zeros(shape, [("a", "f8"), ("b", "f8")])
    if kind == "void":
        return np.zeros(shape, "V8")
    raise AssertionError(kind)


BAD_KINDS = ["complex128", "complex64", "object", "str", "bytes", "datetime64", "structured",
             "void"]


@pytest.mark.parametrize("kind", BAD_KINDS)
@pytest.mark.parametrize("case, i", arg_params())
def test_unsupported_dtypes_raise_typeerror(case, i, kind):
    args = list(sample(case))
    bad = _bad(kind, args[i].shape, args[i])
    args[i] = bad
    copies = [np.array(a, copy=True) for a in args]
    with pytest.raises(TypeError) as exc:
        case(*args)
    msg = str(exc.value)
    assert case.name in msg, f"the message does not name the function: {msg!r}"
    assert any(n in msg for n in dtype_names(bad.dtype)), (
        f"the message does not name the dtype {bad.dtype}: {msg!r}")
    for a, c in zip(args, copies):
        assert_unchanged(a, c)


@pytest.mark.parametrize("kind", ["complex128", "object", "str"])
@pytest.mark.parametrize("case", case_params([c for c in CASES if len(c.argnames) == 1
                                              and c.shape_kind == "elementwise"]))
def test_unsupported_scalars_raise_typeerror(case, kind):
    v = {"complex128": 1 + 2j, "object": np.array(None, dtype=object), "str": "abc"}[kind]
    with pytest.raises(TypeError) as exc:
        case(v)
    assert case.name in str(exc.value)
