"""Dtype policy, broadcasting, layouts, ``out=`` and ``axis`` for every public function.

Data flows one way: the user's arguments are coerced once (``coerce``), laid
out once for the kernel (contiguous, aligned, native, the compute dtype), the
outputs allocated once, one kernel called, and the result cast back to the
result dtype only where the compute dtype differs (float16, longdouble).
"""

import operator
from sys import modules as _modules

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ._cpu import kernels as _k

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
_F16 = np.dtype(np.float16)
_LONGDOUBLE = np.dtype(np.longdouble)
_WEAK = (bool, int, float)


def as_array(fname, a):
    """``np.asarray(a)``; what NumPy cannot convert (a ragged list) raises an
    error naming the function."""
    try:
        return np.asarray(a)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{fname}: cannot convert an argument to an array: {exc}") from None


def coerce(fname, args):
    """Return (arrays, compute dtype, result dtype) for the array arguments.

    Python bool/int/float scalars stay weak for promotion (NEP 50): they do not
    upcast a float32 array.
    """
    arrays = []
    for a in args:
        if not isinstance(a, np.ndarray) and type(a) not in _WEAK:
            a = as_array(fname, a)
        if isinstance(a, np.ndarray) and a.dtype.kind not in "biuf":
            raise TypeError(
                f"{fname}: unsupported dtype {a.dtype}; expected a real floating-point, "
                "integer or bool array"
            )
        arrays.append(a)
    dt = np.result_type(*arrays)
    if dt.kind != "f":
        return arrays, F64, F64
    dt = np.dtype(dt.type)  # native byte order
    if dt == _F16:
        return arrays, F32, _F16
    if dt == F32 or dt == F64:
        return arrays, dt, dt
    return arrays, F64, dt  # longdouble: computed in float64


# the largest finite value of each result dtype (a Python float cannot overflow longdouble)
_MAX = {**{dt: float(np.finfo(dt).max) for dt in (_F16, F32, F64)}, _LONGDOUBLE: float("inf")}


def cast_result(a, result):
    """``a`` (an array or a Python float from a kernel) as an array of the result
    dtype.  A value beyond the range of float16/float32 becomes inf, as the
    exact result rounded to that dtype would, without an overflow warning."""
    if type(a) is float:
        if result is F64 or result is F32:
            return _k.loss0(a, result is F32)
        if not abs(a) > _MAX[result]:  # in range (or NaN)
            return np.asarray(a, dtype=result)
    if type(a) is not np.ndarray and type(a) is not float and lazy((a,)):
        return a.astype(result)  # a loss of Dask input: stays lazy
    with np.errstate(over="ignore"):  # about 2 us: only where it can matter
        return np.asarray(a, dtype=result)


def broadcast_shape(fname, shapes):
    first = shapes[0]
    if all(s == first for s in shapes):
        return first
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(
            f"{fname}: shapes {', '.join(map(str, shapes))} cannot be broadcast together"
        ) from None


def result_shape(fname, args, shape_of_first=False, check_axis=None):
    """The shape the arguments broadcast to, checked: with ``shape_of_first``
    the others may not enlarge the first one's shape; ``check_axis`` (if not
    None) must be a valid axis for it."""
    shapes = [np.shape(a) for a in args]
    shape = broadcast_shape(fname, shapes)
    if shape_of_first and shape != shapes[0]:
        raise ValueError(
            f"{fname}: target of shape {shapes[1]} does not broadcast to the shape {shapes[0]} of z"
        )
    if check_axis is not None:
        normalize_axis(fname, check_axis, len(shape))
    return shape


def normalize_axis(fname, axis, ndim):
    """Normalize ``axis`` for an array of ``ndim`` dimensions (a 0-d array is one
    row of length 1, so axis 0 and -1 are valid for it)."""
    axis = axis_arg(fname, axis)
    try:
        return normalize_axis_index(axis, max(ndim, 1), msg_prefix=fname)
    except OverflowError:  # beyond a C long: out of range all the same
        raise np.exceptions.AxisError(
            f"{fname}: axis {axis} is out of bounds for array of dimension {ndim}") from None


def axis_arg(fname, axis):
    """``axis`` as a Python int, or TypeError (None too: the softmax family has
    no flattened form)."""
    try:
        return operator.index(axis)
    except TypeError:
        raise TypeError(f"{fname}: axis must be an integer, got {type(axis).__name__}") from None


def activation_entry(fname, activation, table):
    try:
        return table[activation]
    except (KeyError, TypeError):
        raise ValueError(
            f"{fname}: unknown activation {activation!r}; known activations: "
            + ", ".join(map(repr, table))
        ) from None


_CHECKS = {
    "real": (lambda v: v == v, "a number (not NaN)"),
    "finite": (lambda v: abs(v) <= 1.7976931348623157e308, "a finite number"),
    "positive": (lambda v: 0.0 < v <= 1.7976931348623157e308, "a finite number > 0"),
    "nonzero": (lambda v: v != 0.0 and abs(v) <= 1.7976931348623157e308,
                "a finite number other than 0"),
}


def activation_params(fname, act, given):
    """(kernel name, p0, p1) for the keyword parameters ``given`` of ``act``.

    Missing parameters take their defaults; an unknown name is a TypeError, a
    value of the wrong type a TypeError, and a value out of range a ValueError,
    each naming the function and the parameter.
    """
    known = {p.name for p in act.params}
    for key in given:
        if key not in known:
            raise TypeError(f"{fname}() got an unexpected keyword argument {key!r}")
    kernel = act.name
    floats = []
    values = {}
    for p in act.params:
        v = given.get(p.name, p.default)
        if p.check == "choice":
            if not isinstance(v, str) or v not in p.choices:
                raise ValueError(
                    f"{fname}: {p.name} must be one of {', '.join(map(repr, p.choices))}, "
                    f"got {v!r}"
                )
            kernel = p.choices[v]
            continue
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"{fname}: {p.name} must be a real number, got {type(v).__name__}")
        ok, what = _CHECKS[p.check]
        try:
            v = float(v)
        except OverflowError:
            raise ValueError(f"{fname}: {p.name} must be {what}, got an integer of "
                             f"{int(v).bit_length()} bits, beyond float64's range") from None
        if not ok(v):
            raise ValueError(f"{fname}: {p.name} must be {what}, got {v!r}")
        values[p.name] = v
        floats.append(v)
    if act.ordered is not None:
        lo, hi = act.ordered
        if not values[lo] <= values[hi]:
            raise ValueError(f"{fname}: {lo} ({values[lo]!r}) must not exceed {hi} ({values[hi]!r})")
    if act.same_as is not None and tuple(floats) == act.same_as[1]:
        kernel = act.same_as[0]
    floats += [0.0] * (2 - len(floats))
    return kernel, floats[0], floats[1]


def lazy(args):
    """Is one of ``args`` a Dask array?  (Never imports Dask: a Dask array exists
    only once ``dask.array`` is imported.)"""
    da = _modules.get("dask.array")
    return da is not None and any(isinstance(a, da.Array) for a in args)


def check_out(fname, out, shape, result):
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{fname}: out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"{fname}: out has shape {out.shape}, but the result has shape {shape}")
    if np.dtype(out.dtype.type) != result:
        raise TypeError(f"{fname}: out has dtype {out.dtype}, but the result dtype is {result}")
    if not out.flags.writeable:
        raise ValueError(f"{fname}: out is read-only")


def _layout(a, order):
    """``a`` itself if the kernel can read it (aligned, contiguous in ``order``),
    else an aligned contiguous copy."""
    f = a.flags
    if f.aligned and (f.c_contiguous if order == "C" else f.f_contiguous):
        return a
    return np.array(a, order=order, copy=True)


def _writes_directly(out, compute, order, inputs):
    """Can the kernel write into ``out``: compute dtype, aligned, contiguous in
    ``order``, and either disjoint from every input or exactly one of them?"""
    f = out.flags
    if out.dtype != compute or not f.aligned or not (f.c_contiguous if order == "C" else f.f_contiguous):
        return False
    return _k.overlap(out, tuple(inputs)) != 2


def run(fname, kernel, args, *, nout=1, out=None, axis=None, shape_of_first=False,
        check_axis=None):
    """Call ``kernel(*inputs, *outputs[, K])`` on the prepared arguments.

    ``axis=None``: elementwise; the arrays are processed as flat memory in a
    common order (C, or F when every input is F-contiguous).  ``axis`` given:
    row-wise; that axis is moved last and rows of length K are C-contiguous.
    ``out`` receives the last output; with ``nout=0`` the kernel returns its
    result (a loss, or an array it allocates).  ``shape_of_first``: the other arguments
    broadcast to the first one's shape (they may not enlarge it).  ``check_axis``:
    an axis only validated against the result's dimensions (elementwise kernels
    that accept an axis for the softmax case).
    Returns (outputs in the result dtype, the kernel's return value, result dtype).
    """
    # plain arrays of one shape (and a plain, writeable, non-overlapping out): no
    # copies, and the checks in C (a check_axis other than a valid int takes the
    # general path, which reports it)
    fast = _k.plain_call(kernel, args, nout, out, axis, check_axis)
    if fast is not None:
        return fast
    if lazy(args):  # Dask input: the same kernel, block by block, lazily
        from . import _dask

        return _dask.run(run, fname, kernel, args, nout=nout, out=out, axis=axis,
                         shape_of_first=shape_of_first, check_axis=check_axis)
    arrays, compute, result = coerce(fname, args)
    shape = result_shape(fname, arrays, shape_of_first, check_axis)
    if out is not None:
        check_out(fname, out, shape, result)
    # a Python float beside float32, or a long double, may be beyond the compute
    # dtype's range: it becomes inf, as the exact value rounded would, silently
    with np.errstate(over="ignore"):
        try:
            arrs = [np.asarray(a, dtype=compute) for a in arrays]
        except OverflowError:   # a Python int beyond float64's range, as NumPy says
            raise OverflowError(f"{fname}: an integer input is too large to convert to "
                                f"{np.dtype(compute).name}") from None
    arrs = [a if a.shape == shape else np.broadcast_to(a, shape) for a in arrs]
    ndim = len(shape)
    extra = ()
    last_axis = True
    if axis is None:
        order = "F" if ndim > 1 and all(a.flags.f_contiguous for a in arrs) and not all(
            a.flags.c_contiguous for a in arrs) else "C"
    else:
        order = "C"
        ax = normalize_axis(fname, axis, ndim)
        if ndim == 0:
            arrs = [a.reshape(1) for a in arrs]
            extra = (1,)
        else:
            arrs = [np.moveaxis(a, ax, -1) for a in arrs]
            extra = (shape[ax],)
        last_axis = ndim > 0 and ax == ndim - 1
    arrs = [_layout(a, order) for a in arrs]
    wshape = arrs[0].shape
    outs = [_k.empty(arrs[0]) if order == "C" else np.empty(wshape, compute, order=order)
            for _ in range(nout)]
    direct = out is not None and last_axis and _writes_directly(out, compute, order, arrs)
    if direct:
        outs[-1] = out
    ret = kernel(*arrs, *outs, *extra)
    if axis is not None and not last_axis:
        outs = [o.reshape(()) if ndim == 0 else np.moveaxis(o, -1, ax) for o in outs]
    if compute != result:
        outs = [o if o is out else cast_result(o, result) for o in outs]
    if out is not None and not direct:
        with np.errstate(over="ignore"):
            np.copyto(out, outs[-1], casting="unsafe")
        outs[-1] = out
    return outs, ret, result
