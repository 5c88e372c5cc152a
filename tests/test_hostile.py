"""Hostile inputs: every public array function against the inputs that break
numeric code (issue 6).

The functions are discovered (``_functions.VARIANTS``: ``cactivations.__all__``,
the signatures and the registry), so a new function is attacked here without
editing this file.  Every case either gives the right answer -- compared with
the NumPy reference (``cactivations._reference``) or with the function's own
result on contiguous float64 input -- or raises a TypeError/ValueError whose
message names the function.  In every case ``call`` also checks that no
warning is emitted, that no input is modified (bytes compared before and
after), and that every result is an ndarray.

Categories (the test functions): values, sizes, dtypes, Python scalars,
lists, layouts, out=, axis, broadcasting, options.  The README's Reliability
section gives the number of cases of each.
"""

import copy
import math
import warnings

import numpy as np
import pytest

from _functions import (
    FUNCTIONS, VARIANTS, assert_close, eps, make_args, parts, reference, variants,
)

INF, NAN = math.inf, math.nan
FLOATS = (np.float32, np.float64)
dtypes = pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)


# ---------------------------------------------------------------- harness

def _snapshot(a):
    if isinstance(a, np.ndarray):
        return ("array", a.dtype, a.shape, a.tobytes())
    return ("object", repr(a), copy.deepcopy(a) if isinstance(a, list) else None)


def _same_memory(a, b):
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.shares_memory(a, b)


def call(v, *args, **kw):
    """``v(*args, **kw)`` with warnings as errors; the inputs (other than ``out``
    and what shares memory with it) must come back unchanged.

    Returns the result, or the TypeError/ValueError raised, after checking that
    its message names the function.  Any other exception propagates."""
    out = kw.get("out")
    watched = [(i, a, _snapshot(a)) for i, a in enumerate(args) if not _same_memory(a, out)]
    exc = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            res = v(*args, **kw)
        except (TypeError, ValueError) as e:
            exc = e
    for i, a, snap in watched:
        assert _snapshot(a) == snap, f"{v.id}: argument {i} ({v.fn.arrays[i]}) was modified"
    if exc is not None:
        assert v.name in str(exc), f"{v.id}: the message does not name the function: {exc!r}"
        return exc
    for p in parts(res):
        assert isinstance(p, np.ndarray), f"{v.id}: a result is {type(p).__name__}, not ndarray"
    return res


def ok(v, *args, **kw):
    res = call(v, *args, **kw)
    assert not isinstance(res, Exception), f"{v.id}: unexpected {res!r}"
    return res


def fails(v, types, *args, **kw):
    res = call(v, *args, **kw)
    assert isinstance(res, types), f"{v.id}: expected {types}, got {res!r}"
    return res


def _f64(args):
    return tuple(np.ascontiguousarray(np.asarray(a, dtype=np.float64)) for a in args)


def assert_like(v, res, expected, dtype, msg=""):
    """Every part of ``res`` has the result dtype and the values of ``expected``
    (a result of the same function on float64 input) to the dtype's rounding."""
    got, exp = parts(res), parts(expected)
    assert len(got) == len(exp), msg
    for k, (g, e) in enumerate(zip(got, exp)):
        assert g.dtype == np.dtype(dtype), f"{v.id}{msg} [part {k}]: dtype {g.dtype} != {dtype}"
        assert_close(g, e, 64 * eps(dtype), msg=f"{v.id}{msg} [part {k}]")


def _oracle(v, args, dtype, **kw):
    """The reference of ``v`` computed in ``dtype`` (float64 or long double)."""
    if v.name in ORACLES:
        a = [np.asarray(x, dtype=dtype) for x in args]
        with np.errstate(all="ignore"):
            return tuple(np.asarray(x, dtype=np.float64) for x in parts(ORACLES[v.name](*a, **kw)))
    return reference(v, args, dtype=dtype, **kw)


def _scipy_log_softmax(z, axis=-1):
    import scipy.special

    return scipy.special.log_softmax(z, axis=axis)


#: API.md: log_softmax follows scipy.special.log_softmax on rows holding +inf
#: (the textbook reference gives NaN for the whole row)
ORACLES = {"log_softmax": _scipy_log_softmax}


def assert_ref(v, res, args, dtype=np.float64, msg="", rtol=None, **kw):
    """``res`` against the NumPy reference on the same input values, computed
    in float64 and in long double (where float64 intermediates of huge inputs
    overflow, either answer is accepted; for float32 input, also the reference
    computed in float32, whose intermediates overflow as the kernel's do),
    rounded to the result dtype."""
    got = parts(res)
    if any(np.size(a) == 0 for a in args):
        try:
            _oracle(v, args, np.float64, **kw)
        except ValueError:  # the reference's max() refuses empty rows
            for g in got:
                assert g.size == 0 or (g.ndim == 0 and g == 0), f"{v.id}: {g!r} from empty input"
            return
    rtol = rtol if rtol is not None else 1e4 * eps(dtype)
    if all(np.ndim(a) == 0 for a in args):  # the reference takes a 0-d row as a row of 1
        args = [np.reshape(a, (1,)) for a in args]
    failures = []
    works = (np.float64, np.longdouble) + ((dtype,) if np.dtype(dtype) != np.float64 else ())
    for work in works:
        exp = _oracle(v, args, work, **kw)
        assert len(got) == len(exp), f"{v.id}: {len(got)} results, the reference {len(exp)}"
        exp = [e.reshape(g.shape) if e.size == g.size else e for g, e in zip(got, exp)]
        try:
            for k, (g, e) in enumerate(zip(got, exp)):
                if np.dtype(dtype) != np.float64:
                    with np.errstate(over="ignore"):  # the reference rounded to the result dtype
                        e = e.astype(dtype).astype(np.float64)
                assert_close(g, e, rtol, msg=f"{v.id}{msg} [part {k}, reference in {np.dtype(work)}]")
            return
        except AssertionError as exc:
            failures.append(str(exc))
    raise AssertionError("\n".join(failures))


# ------------------------------------------------------------- discovery

@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.name)
def test_every_function_has_a_kind(fn):
    """Every array function of __all__ is classified, so that the matrix covers it."""
    assert fn.kind is not None, (
        f"cannot tell how to call ca.{fn.name}: {fn.why}. Teach tests/_functions.py its kind.")


def test_discovery_finds_the_api():
    names = {f.name for f in FUNCTIONS}
    assert {"sigmoid", "softmax", "squared_error_delta", "output_layer_grad"} <= names
    assert len(VARIANTS) >= len(names)


# ------------------------------------------------------------------ values

def _special(dtype):
    fi = np.finfo(dtype)
    return {
        "nan": NAN, "+inf": INF, "-inf": -INF, "-0.0": -0.0, "+0.0": 0.0,
        "subnormal": float(fi.smallest_subnormal), "-subnormal": -float(fi.smallest_subnormal),
        "tiny": float(fi.tiny), "huge": float(fi.max) / 4, "-huge": -float(fi.max) / 4,
        "max": float(fi.max), "-max": -float(fi.max), "one": 1.0, "-one": -1.0,
    }


SPECIAL_NAMES = list(_special(np.float64))


@dtypes
@pytest.mark.parametrize("value", SPECIAL_NAMES)
@pytest.mark.parametrize("v", variants())
def test_values(v, value, dtype):
    """A special value in each argument in turn, at a few places of valid input:
    the reference's answer (NaN where it gives NaN)."""
    x = _special(dtype)[value]
    rng = np.random.default_rng(1)
    base = make_args(v, (3, 5), rng, dtype)
    for i in range(len(base)):
        args = [a.copy() for a in base]
        a = args[i]
        a.reshape(-1)[[0, 4, 7, a.size - 1]] = x
        res = ok(v, *args)
        if (v.kind == "layer" and i == 0 and np.dtype(dtype) == np.float32
                and value in ("huge", "-huge", "max", "-max")):
            # grad_w = x^T delta sums products near float32's largest value in
            # float32 (BLAS): whether a partial sum overflows, and to which
            # infinity, turns on the last bit of delta, so the layer is held to
            # its definition on its own delta, and delta to the reference
            with np.errstate(over="ignore", invalid="ignore"):
                np.testing.assert_array_equal(res.grad_w, args[0].T @ res.delta)
            loss, _, delta, y = _oracle(v, args, np.float64)
            with np.errstate(over="ignore"):  # the reference rounded to the result dtype
                delta = delta.astype(dtype).astype(np.float64)
            assert_close(res.delta, delta, 1e4 * eps(dtype), msg=f"{v.id} delta")
            continue
        assert_ref(v, res, args, dtype, msg=f" {value} in argument {i}")


@dtypes
@pytest.mark.parametrize("v", variants())
def test_values_everywhere(v, dtype):
    """Every argument made only of special values, every pair of them meeting."""
    vals = np.array(list(_special(dtype).values()), dtype=dtype)
    n = vals.size
    rng = np.random.default_rng(2)
    base = make_args(v, (n, n), rng, dtype)
    if v.kind == "layer":  # z = x @ w: special values in x and the target
        args = (np.tile(vals, (n, 1))[:, :3].copy(), base[1], np.tile(vals, (n, 1)).T.copy())
    else:
        grids = (np.tile(vals, (n, 1)), np.tile(vals, (n, 1)).T)
        args = tuple(np.ascontiguousarray(grids[i % 2]) for i in range(len(base)))
        if v.name.endswith("_backward"):
            # a saved output is at most 1 in magnitude (a probability, tanh) or
            # <= 0 (a log-probability): no huge values there, where y (1 - y)
            # would overflow before the gradient is applied
            y = args[1]
            args = (args[0], np.where(np.abs(y) > 2, np.copysign(np.inf, y), y))
    res = ok(v, *args)
    assert_ref(v, res, args, dtype)


# ------------------------------------------------------------------- sizes

SIZES = ([(), (0,), (1,), (1, 1), (0, 5), (5, 0), (0, 0)]
         + [(n,) for n in range(2, 66)]
         # the 2048-element blocks of short rows, the 32768 grain, the 65536 loss blocks
         + [(n,) for n in (2047, 2049, 32767, 32769, 65537)]
         + [(r, k) for k in (1, 3, 63, 64, 65) for r in (2048 // k, 2048 // k + 1)]
         + [(1025, 64), (3, 40000), (40000, 3)])


def _size_id(s):
    return "x".join(map(str, s)) if s else "0d"


@pytest.mark.parametrize("shape", SIZES, ids=_size_id)
@pytest.mark.parametrize("v", variants())
def test_sizes(v, shape):
    """Around the SIMD widths (1..65), the 2048-element row blocks, the 32768
    thread grain and the 65536 loss blocks; 0-d and empty."""
    n = math.prod(shape)
    if v.kind == "jacobian" and shape and shape[-1] > 128:
        shape = (n, 1)  # keep K x K small
    rng = np.random.default_rng(n)
    args = make_args(v, shape, rng)
    if args is None:  # a layer needs z of at least one dimension
        fails(v, ValueError, *make_args(v, (1,), rng)[:1], np.ones(()), np.ones(()))
        return
    res = ok(v, *args)
    assert_ref(v, res, args)
    for p in parts(res):
        if v.kind in ("elementwise", "rowwise"):
            assert p.shape == shape
    if n <= 4096:
        f32 = ok(v, *(a.astype(np.float32) for a in args))
        assert_like(v, f32, res, np.float32, msg=" float32")


# ------------------------------------------------------------------ dtypes

GOOD_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
               "uint64", "float16", "float32", "float64", "longdouble"]
BAD_DTYPES = ["complex64", "complex128", "clongdouble", "object", "U3", "S3",
              "datetime64[D]", "timedelta64[s]", "structured", "void"]


def _result_dtype(dts):
    dt = np.result_type(*dts)
    return np.dtype(np.float64) if dt.kind in "biu" else dt


def _as(a, dtype):
    """``a`` (float64, valid input) as ``dtype``: small integers for integer dtypes."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return a > 0.5
    if dt.kind in "iu":
        return np.clip(np.rint(np.abs(a) if dt.kind == "u" else a), -3, 3).astype(dt)
    return a.astype(dt)


@pytest.mark.parametrize("dtype", GOOD_DTYPES)
@pytest.mark.parametrize("v", variants())
def test_dtypes(v, dtype):
    """bool and integers: float64; float16 and longdouble kept; values right."""
    base = make_args(v, (3, 5), np.random.default_rng(3))
    for which in ["all"] + list(range(len(base))):
        args = tuple(_as(a, dtype) if which in ("all", i) else a for i, a in enumerate(base))
        res = ok(v, *args)
        expected = _result_dtype([a.dtype for a in args])
        assert_like(v, res, ok(v, *_f64(args)), expected, msg=f" ({dtype} in {which})")


def _bad(dtype, shape):
    if dtype == "structured":
        return np.zeros(shape, dtype=[("a", "f8"), ("b", "i4")])
    if dtype == "void":
        return np.zeros(shape, dtype="V8")
    if dtype == "object":
        return np.full(shape, 1.0, dtype=object)
    if dtype in ("U3", "S3"):
        return np.full(shape, "1.5", dtype=dtype)
    return np.ones(shape, dtype=dtype)


@pytest.mark.parametrize("dtype", BAD_DTYPES)
@pytest.mark.parametrize("v", variants())
def test_bad_dtypes(v, dtype):
    """complex, object, strings, datetime, structured: TypeError naming the
    function and the dtype, in every argument position."""
    base = make_args(v, (3, 5), np.random.default_rng(4))
    for i in range(len(base)):
        args = list(base)
        args[i] = _bad(dtype, base[i].shape)
        exc = fails(v, TypeError, *args)
        assert str(args[i].dtype) in str(exc), f"{v.id}: the dtype is not named: {exc}"


# ---------------------------------------------------------- Python scalars

SCALARS = {"float": 0.75, "int": 1, "bool": True, "neg_int": -2, "float_inf": INF,
           "float_nan": NAN, "big_float": 1e300, "np.float32": np.float32(0.75),
           "np.float16": np.float16(0.75), "np.int8": np.int8(1), "np.longdouble": np.longdouble(0.75),
           "np.bool_": np.bool_(True)}


@pytest.mark.parametrize("kind", list(SCALARS))
@pytest.mark.parametrize("v", variants())
def test_scalars(v, kind):
    """Scalars are 0-d arrays (of the dtype policy): the same result as the
    0-d float64 array, a 0-d (not Python float) result; a function that cannot
    take 0-d input raises the same error for both."""
    s = SCALARS[kind]
    n = len(v.fn.arrays)
    args = (s,) * n
    res = call(v, *args)
    zero_d = call(v, *(np.asarray(s, dtype=np.float64),) * n)
    if v.name == "softmax_cross_entropy_delta" and np.asarray(s).dtype.kind in "iu":
        # an integer target is a class index (documented): 0 is the one class of
        # a 0-d z, and any other index is out of range
        if int(s) == 0:
            zero_d = call(v, np.asarray(s, dtype=np.float64), np.float64(1.0))
        else:
            assert isinstance(res, ValueError) and v.name in str(res), f"{v.id}: {res!r}"
            return
    if isinstance(zero_d, Exception):
        assert type(res) is type(zero_d), f"{v.id}: {res!r} vs {zero_d!r}"
        return
    assert not isinstance(res, Exception), f"{v.id}: {res!r}"
    dt = _result_dtype([np.asarray(s).dtype])
    assert_like(v, res, zero_d, dt)


@pytest.mark.parametrize("v", variants(lambda v: len(v.fn.arrays) > 1))
def test_weak_scalar_beside_float32(v):
    """NEP 50: a Python float beside a float32 array keeps float32, even a
    float beyond float32's range (it becomes inf, without an overflow warning)."""
    base = [a.astype(np.float32) for a in make_args(v, (3, 5), np.random.default_rng(5))]
    for i in range(len(base)):
        for s in (0.5, 1e300, -1e300):
            args = list(base)
            args[i] = s
            res = call(v, *args)
            if isinstance(res, Exception):  # e.g. z must not be a scalar beside a target array
                assert isinstance(res, ValueError) and (
                    (i == 0 and v.kind == "fused") or (i < 2 and v.kind == "layer")), res
                continue
            with np.errstate(over="ignore"):
                f32 = [np.asarray(a, dtype=np.float32) for a in args]
            expected = ok(v, *f32)
            for g, e in zip(parts(res), parts(expected)):
                assert g.dtype == np.float32, f"{v.id}: {g.dtype}"
                np.testing.assert_array_equal(g, e)


# ------------------------------------------------------------------- lists

@pytest.mark.parametrize("form", ["nested", "tuple", "array_like", "ragged", "strings",
                                  "mixed_types", "empty", "empty_nested", "none"])
@pytest.mark.parametrize("v", variants())
def test_lists(v, form):
    base = make_args(v, (3, 5), np.random.default_rng(6))
    expected = ok(v, *base)
    if form in ("nested", "tuple", "array_like"):
        conv = {"nested": lambda a: a.tolist(),
                "tuple": lambda a: tuple(map(tuple, a.tolist())),
                "array_like": _ArrayLike}[form]
        assert_like(v, ok(v, *(conv(a) for a in base)), expected, np.float64)
        return
    if form in ("empty", "empty_nested"):
        shape = (0,) if form == "empty" else (1, 0)
        args = make_args(v, shape, np.random.default_rng(0))
        lists = [a.tolist() for a in args]
        res = call(v, *lists)
        ref = call(v, *args)
        if isinstance(ref, Exception):
            assert type(res) is type(ref), f"{v.id}: {res!r} vs {ref!r}"
        else:
            assert_like(v, res, ref, np.float64)
        return
    bad = {"ragged": [[1.0, 2.0], [3.0]], "strings": [["a", "b"]],
           "mixed_types": [[1.0, "b"]], "none": None}[form]
    for i in range(len(base)):
        args = list(base)
        args[i] = copy.deepcopy(bad)
        fails(v, (TypeError, ValueError), *args)


class _ArrayLike:
    def __init__(self, a):
        self._a = np.asarray(a)

    def __array__(self, dtype=None, copy=None):
        return self._a if dtype is None else self._a.astype(dtype)


# ----------------------------------------------------------------- layouts

def _misaligned(a):
    buf = np.zeros(a.nbytes + 1, np.uint8)
    m = buf[1:].view(a.dtype).reshape(a.shape)
    m[...] = a
    return m


def _strided(a):
    big = np.full(tuple(2 * s for s in a.shape), -7.0, a.dtype)
    v = big[tuple(slice(None, None, 2) for _ in a.shape)]
    v[...] = a
    return v


def _negative(a):
    idx = (slice(None, None, -1),) * a.ndim
    return np.ascontiguousarray(a[idx])[idx]


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def _memmap(a, tmp_path):
    path = tmp_path / f"m{id(a)}.dat"
    m = np.memmap(path, dtype=a.dtype, mode="w+", shape=a.shape)
    m[...] = a
    m.flush()
    del m
    return np.memmap(path, dtype=a.dtype, mode="r", shape=a.shape)


def _broadcast(a):
    """A stride-0 view of the first row (the expected values use the same)."""
    return np.broadcast_to(a[:1], a.shape)


LAYOUTS = {
    "F": np.asfortranarray,
    "negative_strides": _negative,
    "strided": _strided,
    "transposed": lambda a: np.ascontiguousarray(a.T).T,
    "misaligned": _misaligned,
    "byteswapped": lambda a: a.astype(a.dtype.newbyteorder()),
    "readonly": _readonly,
    "memmap": None,
    "broadcast_stride0": _broadcast,
}


@dtypes
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("v", variants())
def test_layouts(v, layout, dtype, tmp_path):
    """Every argument (each in turn, then all) in a hostile layout: the result of
    the same values in contiguous memory."""
    base = [a.astype(dtype) for a in make_args(v, (6, 5), np.random.default_rng(7))]
    if v.kind == "layer":
        base = [a.astype(dtype) for a in make_args(v, (6, 5), np.random.default_rng(7))]
    conv = LAYOUTS[layout] or (lambda a: _memmap(a, tmp_path))
    for which in list(range(len(base))) + ["all"]:
        args = [conv(a) if which in ("all", i) else a for i, a in enumerate(base)]
        expected = ok(v, *(np.ascontiguousarray(a) for a in args))
        res = ok(v, *args)
        for g, e in zip(parts(res), parts(expected)):
            assert g.dtype == e.dtype
            assert_close(g, e, 16 * eps(dtype), msg=f"{v.id} {layout} in {which}")


# -------------------------------------------------------------------- out=

OUT_GOOD = ["F", "strided", "negative_strides", "misaligned", "byteswapped",
            "in_place_first", "in_place_second", "partial_overlap", "partial_overlap_other",
            "transposed"]
OUT_BAD = ["wrong_shape", "extra_dim", "missing_dim", "wrong_dtype", "int_dtype",
           "complex_dtype", "readonly", "list", "scalar", "matrix_subclass_shape"]


def _out_target(v, args, dtype):
    """The array ``out`` receives (the delta of a fused function)."""
    res = ok(v, *args)
    return res[1] if v.kind == "fused" else res


@dtypes
@pytest.mark.parametrize("case", OUT_GOOD)
@pytest.mark.parametrize("v", variants(lambda v: v.fn.has_out))
def test_out_good(v, case, dtype):
    """out= in every valid layout, and overlapping the inputs exactly (in place)
    or partially (a shifted view of the same buffer): the right answer, into
    ``out``, which is returned."""
    base = [a.astype(dtype) for a in make_args(v, (6, 5), np.random.default_rng(8))]
    expected = ok(v, *base)
    target = _out_target(v, base, dtype)
    shape = target.shape
    args = [a.copy() for a in base]
    if case == "F":
        out = np.asfortranarray(np.zeros(shape, dtype))
    elif case == "strided":
        out = np.zeros(tuple(2 * s for s in shape), dtype)[::2, ::2]
    elif case == "negative_strides":
        out = np.zeros(shape, dtype)[::-1, ::-1]
    elif case == "misaligned":
        out = _misaligned(np.zeros(shape, dtype))
    elif case == "byteswapped":
        out = np.zeros(shape, np.dtype(dtype).newbyteorder())
    elif case == "transposed":
        out = np.zeros(shape[::-1], dtype).T
    elif case in ("in_place_first", "in_place_second"):
        i = 0 if case == "in_place_first" else 1
        if i >= len(args) or args[i].shape != shape:
            pytest.skip("no such argument of the result's shape")
        out = args[i]
    else:  # partial overlap: out and an input are views of one buffer, shifted by a row
        i = 0 if case == "partial_overlap" else min(1, len(args) - 1)
        if args[i].shape != shape:
            pytest.skip("no argument of the result's shape")
        buf = np.zeros((shape[0] + 1,) + shape[1:], dtype)
        buf[1:] = args[i]
        args[i] = buf[1:]
        out = buf[:-1]
    res = ok(v, *args, out=out)
    got = res[1] if v.kind == "fused" else res
    assert got is out, f"{v.id}: out= is not returned"
    for g, e in zip(parts(res), parts(expected)):
        assert_close(g, e, 16 * eps(dtype), msg=f"{v.id} out {case}")


@pytest.mark.parametrize("case", OUT_BAD)
@pytest.mark.parametrize("v", variants(lambda v: v.fn.has_out))
def test_out_bad(v, case):
    """A wrong out= is refused (naming the function) and left untouched."""
    base = make_args(v, (6, 5), np.random.default_rng(9))
    shape = _out_target(v, base, np.float64).shape
    out = {
        "wrong_shape": lambda: np.zeros(shape[::-1]),
        "extra_dim": lambda: np.zeros((1,) + shape),
        "missing_dim": lambda: np.zeros(shape[1:]),
        "wrong_dtype": lambda: np.zeros(shape, np.float32),
        "int_dtype": lambda: np.zeros(shape, np.int64),
        "complex_dtype": lambda: np.zeros(shape, np.complex128),
        "readonly": lambda: _readonly(np.zeros(shape)),
        "list": lambda: np.zeros(shape).tolist(),
        "scalar": lambda: 0.0,
        "matrix_subclass_shape": lambda: np.zeros((1, shape[0] * shape[1])),
    }[case]()
    before = _snapshot(out)
    fails(v, (TypeError, ValueError), *base, out=out)
    assert _snapshot(out) == before, f"{v.id}: a refused out= was written"


@pytest.mark.parametrize("v", variants(lambda v: not v.fn.has_out))
def test_out_not_accepted(v):
    base = make_args(v, (3, 5), np.random.default_rng(10))
    fails(v, TypeError, *base, out=np.zeros((3, 5)))


# -------------------------------------------------------------------- axis

BAD_AXES = {"3": 3, "-4": -4, "100": 100, "-100": -100, "2**63": 2 ** 63,
            "float": 1.0, "str": "0", "none": None, "list": [0], "tuple": (0, 1),
            "array": np.array([1, 2])}


@pytest.mark.parametrize("axis", list(BAD_AXES))
@pytest.mark.parametrize("v", variants(lambda v: v.fn.has_axis))
def test_bad_axis(v, axis):
    """Out of range: AxisError (a ValueError); not an integer: TypeError (or,
    for what NumPy's operator.index refuses otherwise, ValueError)."""
    base = make_args(v, (2, 3, 4), np.random.default_rng(11))
    a = BAD_AXES[axis]
    exc = fails(v, (TypeError, ValueError), *base, axis=a)
    if isinstance(a, int) and not isinstance(a, bool):
        assert isinstance(exc, np.exceptions.AxisError) or "axis" in str(exc), exc


@pytest.mark.parametrize("axis", [-3, -2, -1, 0, 1, 2, np.int64(1), np.int8(-1)],
                         ids=lambda a: f"{type(a).__name__}{a}")
@pytest.mark.parametrize("v", variants(lambda v: v.fn.has_axis))
def test_good_axis(v, axis):
    """Every axis of a 3-d array (numpy integers too): the reference's answer."""
    base = make_args(v, (2, 3, 4), np.random.default_rng(12))
    res = ok(v, *base, axis=axis)
    assert_ref(v, res, base, axis=int(axis))


@pytest.mark.parametrize("v", variants(lambda v: not v.fn.has_axis))
def test_axis_not_accepted(v):
    base = make_args(v, (3, 5), np.random.default_rng(13))
    fails(v, TypeError, *base, axis=0)


# ------------------------------------------------------------ broadcasting

@pytest.mark.parametrize("v", variants(lambda v: len(v.fn.arrays) > 1))
def test_not_broadcastable(v):
    """Shapes that do not broadcast: ValueError naming the function (and the
    shapes)."""
    base = make_args(v, (3, 5), np.random.default_rng(14))
    for i in range(len(base)):
        args = list(base)
        args[i] = np.ones((4, 7))
        fails(v, ValueError, *args)


@pytest.mark.parametrize("v", variants(lambda v: len(v.fn.arrays) > 1))
def test_broadcastable(v):
    """A later argument of shape (5,) or (3, 1) broadcasts as NumPy does (for a
    fused function, only to the first one's shape)."""
    base = make_args(v, (3, 5), np.random.default_rng(15))
    for i in range(1, len(base)):
        if v.kind == "layer" and i == 1:
            continue
        for sl in (np.s_[:1, :], np.s_[:, :1], np.s_[0]):
            args = list(base)
            args[i] = base[i][sl].copy()
            res = ok(v, *args)
            full = [np.broadcast_to(a, base[i].shape) if j == i else a for j, a in enumerate(args)]
            assert_like(v, res, ok(v, *(np.ascontiguousarray(a) for a in full)), np.float64)
    if v.kind in ("elementwise", "rowwise", "reduction"):  # the first one broadcasts too
        args = [base[0][:1].copy()] + list(base[1:])
        res = ok(v, *args)
        full = [np.ascontiguousarray(np.broadcast_to(a, (3, 5))) for a in args]
        assert_like(v, res, ok(v, *full), np.float64)
    elif v.kind == "fused":
        fails(v, ValueError, base[0][:1], base[1])


# ----------------------------------------------------------------- options

@pytest.mark.parametrize("value", ["SIGMOID", "", "nonexistent", None, 1, object(), ["sigmoid"]],
                         ids=["upper", "empty", "unknown", "none", "int", "object", "list"])
@pytest.mark.parametrize("v", variants(lambda v: "activation" in v.fn.options))
def test_bad_activation(v, value):
    """An unknown activation: ValueError naming the function and the known names."""
    base = make_args(v, (3, 5), np.random.default_rng(16))
    exc = fails(v, ValueError, *base, activation=value)
    assert "'sigmoid'" in str(exc), f"{v.id}: the known names are not listed: {exc}"


@pytest.mark.parametrize("v", variants())
def test_bad_option_values(v):
    """Every option given a value of no sensible type: TypeError or ValueError
    naming the function."""
    base = make_args(v, (3, 5), np.random.default_rng(17))
    for name in v.fn.options:
        for bad in (object(), "nonsense", [1, 2], 1j):
            if name == "out" and isinstance(bad, str):
                continue
            fails(v, (TypeError, ValueError), *base, **{name: bad})


@pytest.mark.parametrize("v", variants())
def test_bad_calls(v):
    """An unknown keyword, too many or too few arguments, arrays by keyword:
    TypeError naming the function."""
    base = make_args(v, (3, 5), np.random.default_rng(18))
    fails(v, TypeError, *base, bogus=1)
    fails(v, TypeError, *base, base[0])
    fails(v, TypeError, *base[:-1])
    fails(v, TypeError, **{v.fn.arrays[0]: base[0]}, **dict(zip(v.fn.arrays[1:], base[1:])))


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_class_index_layouts(layout, tmp_path):
    """softmax_cross_entropy_delta's integer class indices in a hostile layout
    (misaligned, byteswapped, strided, ...): the result of the same indices in
    contiguous memory, not an error from the kernel."""
    import cactivations as ca

    rng = np.random.default_rng(11)
    z = rng.standard_normal((6, 5))
    conv = LAYOUTS[layout] or (lambda a: _memmap(a, tmp_path))
    idx = conv(rng.integers(0, 5, 6).astype(np.int64))
    got = ca.softmax_cross_entropy_delta(z, idx)
    expected = ca.softmax_cross_entropy_delta(z, np.array(idx, dtype=np.int64))
    assert float(got.loss) == float(expected.loss)
    np.testing.assert_array_equal(got.delta, expected.delta)
    np.testing.assert_array_equal(got.output, expected.output)


def test_integers_beyond_float64():
    """A Python int too large for float64, as data or as a parameter, and a
    thread count beyond C's int: an error naming the function, not a bare
    conversion error from deep inside."""
    import cactivations as ca

    with pytest.raises(OverflowError, match="^sigmoid: an integer input is too large"):
        ca.sigmoid(10**400)
    with pytest.raises(OverflowError, match="^sigmoid_backward: "):
        ca.sigmoid_backward(np.ones(2), 10**400)
    with pytest.raises(ValueError, match="^hardtanh: max_val .* beyond float64's range"):
        ca.hardtanh(np.ones(2), max_val=10**400)
    with pytest.raises(ValueError, match="^set_num_threads: n must be >= 0 and < 2"):
        ca.set_num_threads(2**31)
