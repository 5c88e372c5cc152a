"""The public functions of cactivations (see the package docstring).

The elementwise activations (forward, derivative from the input, backward from
the saved output) are made from the rows of ``_registry.ACTIVATIONS``; the
softmax family and the losses are written out below.  Every function makes
one coercion, one layout and one kernel call: the common call of plain arrays
goes to a kernel's ``*_fast`` entry or to ``plain_call`` (checks in C), the
rest through ``_dispatch.run``.
"""

import inspect
from typing import NamedTuple

import numpy as np

from ._cpu import kernels as _kernels
from ._dispatch import (
    activation_entry, activation_params, as_array, axis_arg, cast_result, coerce, lazy,
    normalize_axis, run,
)
from ._examples import EXAMPLES as _GENERATED_EXAMPLES
from ._registry import ACTIVATIONS, LOSS_ACTIVATIONS

_MODULE = "cactivations"
_OUT_DOC = """out : ndarray, optional
    Where to write the result: exactly the broadcast shape and the result dtype.
    It may be one of the inputs (in place). It is returned."""
_POLICY_DOC = """The result dtype is float32 for float32 input and float64 for float64 input;
float16 is computed in float32 and longdouble in float64, and both keep their
dtype; bool and integer input is computed and returned as float64."""


def _finish(f, name, doc):
    f.__name__ = f.__qualname__ = name
    f.__module__ = _MODULE
    f.__doc__ = doc
    return f


# The common call (native float32/float64, C-contiguous; out=, if given, of the
# same kind) goes straight to the kernel's *_fast entry point, which returns
# None for anything else;
# everything else goes through _dispatch.run.  A lone Python float is float64
# whatever happens, and a list converts as NumPy converts it, so both are made
# arrays first; a Python float beside an array stays a (weak) scalar.

def _signature(f, last, act):
    """The signature users see: f's array arguments (the last one named
    ``last``), the keyword parameters of ``act``, then ``out``."""
    P = inspect.Parameter
    arrays = [q for q in inspect.signature(f).parameters.values() if q.kind == P.POSITIONAL_ONLY]
    arrays[-1] = arrays[-1].replace(name=last)
    keyword = [P(p.name, P.KEYWORD_ONLY, default=p.default) for p in (act.params if act else ())]
    return inspect.Signature([*arrays, *keyword, P("out", P.KEYWORD_ONLY, default=None)])


# The wrappers below keep the common call to one call of the fast entry; the
# rest is in these helpers, so that no closure in a wrapper's body turns its
# locals into cells (which costs every call, the common one too).

def _unary_rest(name, kernel, fast, z, out, params):
    """A unary call the fast entry declined: a lone Python float or a list
    becomes an array (then the fast entry again), the rest goes through run.
    ``params``: () or (p0, p1), passed on to the kernels."""
    kind = type(z)
    if out is None and (kind is float or kind is list):
        z = as_array(name, z)
        y = fast(z, None, *params)
        if y is not None:
            return y
    call = (lambda x, o: kernel(x, o, *params)) if params else kernel
    return run(name, call, (z,), out=out)[0][0]


def _binary_rest(name, kernel, fast, grad_output, output, out, p0, p1):
    """A backward call the fast entry declined: lists become arrays (then the
    fast entry again), the rest goes through run."""
    kind_g, kind_s = type(grad_output), type(output)
    if kind_g is list or kind_s is list:
        if kind_g is list:
            grad_output = as_array(name, grad_output)
        if kind_s is list:
            output = as_array(name, output)
        y = fast(grad_output, output, out, p0, p1)
        if y is not None:
            return y
    return run(name, lambda g, s, o: kernel(g, s, o, p0, p1), (grad_output, output),
               out=out)[0][0]


def _unary(name, doc, param="z", act=None, suffix=""):
    """``name(z, /, *, <params of act>, out=None)`` from the kernels
    ``<kernel><suffix>`` (the kernel is ``act``'s, or the one a choice
    parameter selects)."""
    if act is None or not act.params:
        kernel, fast = getattr(_kernels, name), getattr(_kernels, name + "_fast")

        def f(z, /, *, out=None):
            y = fast(z, out)            # None unless z is a plain ndarray
            if y is not None:
                return y
            return _unary_rest(name, kernel, fast, z, out, ())
    else:
        kernels = {k: (getattr(_kernels, k + suffix), getattr(_kernels, k + suffix + "_fast"))
                   for k in _kernel_names(act)}
        default = activation_params(name, act, {})

        def f(z, /, *, out=None, **params):
            kname, p0, p1 = activation_params(name, act, params) if params else default
            kernel, fast = kernels[kname]
            y = fast(z, out, p0, p1)    # None unless z is a plain ndarray
            if y is not None:
                return y
            return _unary_rest(name, kernel, fast, z, out, (p0, p1))

    f.__signature__ = _signature(f, param, act)
    return _finish(f, name, doc)


def _binary(name, doc, act=None, saved="output"):
    """``name(grad_output, <saved>, /, *, <params of act>, out=None)``."""
    kernels = {k: (getattr(_kernels, k + "_backward"), getattr(_kernels, k + "_backward_fast"))
               for k in (_kernel_names(act) if act is not None else (name[:-9],))}
    default = activation_params(name, act, {}) if act is not None else (name[:-9], 0.0, 0.0)

    def f(grad_output, output, /, *, out=None, **params):
        kname, p0, p1 = activation_params(name, act, params) if params else default
        kernel, fast = kernels[kname]
        y = fast(grad_output, output, out, p0, p1)     # None unless both are plain ndarrays
        if y is not None:
            return y
        return _binary_rest(name, kernel, fast, grad_output, output, out, p0, p1)

    f.__signature__ = _signature(f, saved, act)
    return _finish(f, name, doc)


def _kernel_names(act):
    """The kernels an activation's parameters can select (itself, or its
    choices, and the activation it equals at some parameter values)."""
    for p in act.params:
        if p.check == "choice":
            return tuple(dict.fromkeys(p.choices.values()))
    return (act.name,) + ((act.same_as[0],) if act.same_as is not None else ())


def _params_doc(a):
    lines = []
    for p in a.params:
        kind = "str" if p.check == "choice" else "float"
        lines.append(f"{p.name} : {kind}, default {p.default!r}\n    {p.doc}.")
    return "".join(line + "\n" for line in lines)


def _elementwise_docs(a):
    n = a.name
    params = _params_doc(a)
    kw = "".join(f"{p.name}={p.default!r}, " for p in a.params)
    kinks = f"\n\nAt the kinks (PyTorch's convention): ``{a.kinks}``." if a.kinks else ""
    saved = "output" if a.backward_from == "output" else "z"
    fwd = f"""{n}(z, /, *, {kw}out=None)

Elementwise {n}: ``{a.formula}``.

Its derivative (`{n}_derivative`): ``{a.derivative_formula}``.

{a.numerics}

Parameters
----------
z : array_like
    Input (pre-activations).
{params}{_OUT_DOC}

Returns
-------
ndarray
    ``{n}(z)``, the result dtype of ``z`` ({_POLICY_DOC.split(';')[0]}).

See Also
--------
{n}_derivative : the derivative from the input.
{n}_backward : the gradient for backpropagation.
"""
    der = f"""{n}_derivative(z, /, *, {kw}out=None)

Derivative of {n} from the input, elementwise: ``{a.derivative_formula}``.{kinks}

Computed from ``z`` (not from the output), so the result keeps its relative
accuracy where an output-based formula would round to 0.

Parameters
----------
z : array_like
    Input (pre-activations).
{params}{_OUT_DOC}

Returns
-------
ndarray
    ``{n}'(z)``.
"""
    if a.backward_from == "output":
        how = f"""from its saved output ``y = {n}(z)``: ``{a.backward_formula}``.

This is the vector-Jacobian product backpropagation needs when the forward
output ``y`` is already computed (no exponential is evaluated)."""
        what = f"output : array_like\n    The saved forward output ``y = {n}(z)``."
    else:
        how = f"""from its saved input ``z``: ``{a.backward_formula}``.

The input, not the output, is what determines the derivative exactly here
(as in PyTorch), so that is what the backward takes; it is
``grad_output * {n}_derivative(z)`` in one pass."""
        what = "z : array_like\n    The saved forward input."
    bwd = f"""{n}_backward(grad_output, {saved}, /, *, {kw}out=None)

Backward pass of {n} {how}{kinks}

Parameters
----------
grad_output : array_like
    Gradient of the loss with respect to the output, ``dL/dy``.
{what} The two arguments broadcast together.
{params}{_OUT_DOC}

Returns
-------
ndarray
    ``dL/dz``.
"""
    return fwd, der, bwd


_EXAMPLES = {
    **_GENERATED_EXAMPLES,
    "sigmoid": """
Examples
--------
>>> import cactivations as ca
>>> ca.sigmoid([-1.0, 0.0, 1.0])
array([0.26894142, 0.5       , 0.73105858])
>>> float(ca.sigmoid(-745.0)) > 0
True
""",
    "sigmoid_derivative": """
Examples
--------
>>> import cactivations as ca
>>> ca.sigmoid_derivative([0.0, 2.0])
array([0.25      , 0.10499359])
>>> float(ca.sigmoid_derivative(40.0))
4.248354255291589e-18
""",
    "sigmoid_backward": """
Examples
--------
>>> import cactivations as ca
>>> y = ca.sigmoid([0.0, 2.0])
>>> ca.sigmoid_backward([1.0, 1.0], y)
array([0.25      , 0.10499359])
""",
    "tanh": """
Examples
--------
>>> import cactivations as ca
>>> ca.tanh([-1.0, 0.0, 0.5])
array([-0.76159416,  0.        ,  0.46211716])
""",
    "tanh_derivative": """
Examples
--------
>>> import cactivations as ca
>>> ca.tanh_derivative([0.0, 1.0])
array([1.        , 0.41997434])
>>> float(ca.tanh_derivative(20.0))
1.6993417021166355e-17
""",
    "tanh_backward": """
Examples
--------
>>> import cactivations as ca
>>> ca.tanh_backward(2.0, ca.tanh([0.0, 1.0]))
array([2.        , 0.83994868])
""",
}

#: every elementwise function made from the registry: name -> function
ELEMENTWISE_FUNCTIONS = {}
for _a in ACTIVATIONS.values():
    if _a.kind != "elementwise" or not _a.public:
        continue
    _docs = _elementwise_docs(_a)
    _saved = "output" if _a.backward_from == "output" else "z"
    for _suffix, _doc in zip(("", "_derivative", "_backward"), _docs):
        _name = _a.name + _suffix
        _doc += _EXAMPLES.get(_name, "")
        if _suffix == "_backward":
            ELEMENTWISE_FUNCTIONS[_name] = _binary(_name, _doc, act=_a, saved=_saved)
        else:
            ELEMENTWISE_FUNCTIONS[_name] = _unary(_name, _doc, act=_a, suffix=_suffix)
globals().update(ELEMENTWISE_FUNCTIONS)

logit = _unary("logit", param="p", doc=f"""logit(p, /, *, out=None)

The inverse of the sigmoid, elementwise: ``logit(p) = log(p / (1 - p))``.

``logit(0) = -inf``, ``logit(1) = inf``; outside [0, 1] (and for NaN) the
result is NaN, without a warning.  Accurate to a few ULP over the whole of
(0, 1): ``log p - log1p(-p)`` below 1/4, ``2 atanh(2p - 1)`` in the middle and
``log(p / (1 - p))`` above 3/4, where ``1 - p`` is exact.

Parameters
----------
p : array_like
    Probabilities.
{_OUT_DOC}

Returns
-------
ndarray
    ``logit(p)``; ``sigmoid(logit(p)) == p`` up to rounding.

Examples
--------
>>> import cactivations as ca
>>> ca.logit([0.0, 0.25, 0.5, 1.0])
array([       -inf, -1.09861229,  0.        ,         inf])
""")


# ----------------------------------------------------------- softmax family

def _rowwise(name, args, out, axis):
    """The row-wise kernel ``name`` on ``args`` along ``axis``, for the calls
    that its ``*_fast`` entry declines (not plain arrays, or another axis):
    ``run``, which also reports what is wrong."""
    return run(name, getattr(_kernels, name), args, out=out, axis=axis_arg(name, axis))[0][0]


# The common call (plain arrays along the last axis, as an int) goes straight
# to the kernel's *_fast entry, checked in C, sparing small calls ``run``.
_softmax_fast = _kernels.softmax_fast
_log_softmax_fast = _kernels.log_softmax_fast
_softmax_backward_fast = _kernels.softmax_backward_fast
_log_softmax_backward_fast = _kernels.log_softmax_backward_fast


def softmax(z, /, *, axis=-1, out=None):
    """softmax(z, /, *, axis=-1, out=None)

    Softmax along ``axis``: ``y_k = exp(z_k) / sum_j exp(z_j)``.

    Rows of up to 64 entries that all lie within +-700 are taken as they are
    (every ``exp(z_k)`` is then a normal float64, computed in float64, or for
    float32 rows within +-64 in float32, where it is a normal float32), and so
    are longer float32 rows within +-min(64, (100 - e) ln 2) (K entries,
    2^(e-1) <= K < 2^e, so that the row sum stays below 2^100); other rows have
    their maximum subtracted first, and the rounding error of each ``z_k -
    max`` is carried into the exponential (float32 rows of up to 64 take the
    difference in float64, where that error is below float32's needs). The sum
    is compensated for float64 and taken in float64 for float32, so the result
    is accurate to a few ULP even for rows of thousands of logits spread over
    hundreds of units. As ``scipy.special.softmax``: a row holding NaN or +inf,
    or made only of -inf, gives NaN. ``softmax([0, z])[1]`` is ``sigmoid(z)``.

    Parameters
    ----------
    z : array_like
        Logits.
    axis : int, default -1
        The axis along which the probabilities sum to 1.
    out : ndarray, optional
        Where to write the result (same shape as ``z``, result dtype); may be ``z``.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import cactivations as ca
    >>> ca.softmax([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    array([[0.09003057, 0.24472847, 0.66524096],
           [0.33333333, 0.33333333, 0.33333333]])
    >>> ca.softmax([1000.0, 1000.0])
    array([0.5, 0.5])
    """
    y = _softmax_fast(z, out, axis)
    return _rowwise("softmax", (z,), out, axis) if y is None else y


def log_softmax(z, /, *, axis=-1, out=None):
    """log_softmax(z, /, *, axis=-1, out=None)

    Log of the softmax along ``axis``: ``y_k = z_k - log sum_j exp(z_j)``.

    With ``m`` the row maximum, ``y_k = (z_k - m) - log1p(s)`` where ``s`` is the
    sum of ``exp(z_j - m)`` over the entries other than the maximum: both terms
    are non-positive, so there is no cancellation, and ``log1p`` keeps the
    accuracy where the maximum dominates. Non-finite rows follow
    ``scipy.special.log_softmax``.

    Parameters
    ----------
    z : array_like
        Logits.
    axis : int, default -1
    out : ndarray, optional

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import cactivations as ca
    >>> ca.log_softmax([0.0, 0.0])
    array([-0.69314718, -0.69314718])
    >>> ca.log_softmax([0.0, -800.0])
    array([   0., -800.])
    """
    y = _log_softmax_fast(z, out, axis)
    return _rowwise("log_softmax", (z,), out, axis) if y is None else y


def softmax_backward(grad_output, output, /, *, axis=-1, out=None):
    """softmax_backward(grad_output, output, /, *, axis=-1, out=None)

    Backward pass of softmax from its saved output ``y``:
    ``dL/dz_k = y_k (g_k - sum_j g_j y_j)``, that is ``J^T g`` with the
    Jacobian ``J = diag(y) - y y^T`` (see `softmax_jacobian`), without forming J.

    Parameters
    ----------
    grad_output : array_like
        ``g = dL/dy``.
    output : array_like
        The saved ``y = softmax(z, axis=axis)``; broadcasts with ``grad_output``.
    axis : int, default -1
    out : ndarray, optional

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import cactivations as ca
    >>> y = ca.softmax([0.0, 0.0])
    >>> ca.softmax_backward([1.0, 0.0], y)
    array([ 0.25, -0.25])
    """
    y = _softmax_backward_fast(grad_output, output, out, axis)
    return _rowwise("softmax_backward", (grad_output, output), out, axis) if y is None else y


def log_softmax_backward(grad_output, output, /, *, axis=-1, out=None):
    """log_softmax_backward(grad_output, output, /, *, axis=-1, out=None)

    Backward pass of log_softmax from its saved output ``y``:
    ``dL/dz_k = g_k - exp(y_k) sum_j g_j``.

    Parameters
    ----------
    grad_output : array_like
        ``g = dL/dy``.
    output : array_like
        The saved ``y = log_softmax(z, axis=axis)``.
    axis : int, default -1
    out : ndarray, optional

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import cactivations as ca
    >>> y = ca.log_softmax([0.0, 0.0])
    >>> ca.log_softmax_backward([1.0, 0.0], y)
    array([ 0.5, -0.5])
    """
    y = _log_softmax_backward_fast(grad_output, output, out, axis)
    return _rowwise("log_softmax_backward", (grad_output, output), out, axis) if y is None else y


def softmax_jacobian(output, /, *, axis=-1):
    """softmax_jacobian(output, /, *, axis=-1)

    The Jacobian of softmax from its output ``y``:
    ``J[..., i, j] = d y_i / d z_j = y_i (delta_ij - y_j)``, i.e. ``diag(y) - y y^T``.

    The softmax axis becomes the last two axes, of shape (K, K); the other axes
    keep their order. A 0-d ``y`` is one row of length 1.

    Parameters
    ----------
    output : array_like
        The saved ``y = softmax(z, axis=axis)``.
    axis : int, default -1

    Returns
    -------
    ndarray of shape ``moveaxis(y, axis, -1).shape + (K,)``

    Examples
    --------
    >>> import cactivations as ca
    >>> ca.softmax_jacobian([0.5, 0.5])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    def kernel(y, K):  # y: C-contiguous rows of length K (the axis moved last)
        J = np.empty(y.shape + (K,), y.dtype)
        return _kernels.softmax_jacobian(y, J, K)

    _, J, result = run("softmax_jacobian", kernel, (output,), nout=0,
                       axis=axis_arg("softmax_jacobian", axis))
    return J if J.dtype == result else cast_result(J, result)


# ------------------------------------------------------------------ losses

class SquaredErrorDelta(NamedTuple):
    """Result of `squared_error_delta`."""

    #: E = 1/2 sum (y - t)^2, a 0-d array of the result dtype
    loss: np.ndarray
    #: dE/dz, the error signal of the layer
    delta: np.ndarray
    #: y = g(z)
    output: np.ndarray


class CrossEntropyDelta(NamedTuple):
    """Result of `softmax_cross_entropy_delta` and `sigmoid_binary_cross_entropy_delta`."""

    #: the cross-entropy summed over all rows (elements), a 0-d array of the result dtype
    loss: np.ndarray
    #: dE/dz, the error signal of the layer
    delta: np.ndarray
    #: y = softmax(z) or sigmoid(z)
    output: np.ndarray


class OutputLayerGrad(NamedTuple):
    """Result of `output_layer_grad`."""

    #: E over the batch (squared error or cross-entropy), a 0-d array
    loss: np.ndarray
    #: dE/dw, of the shape of w
    grad_w: np.ndarray
    #: dE/dz, of the shape of z = x @ w
    delta: np.ndarray
    #: y = g(z)
    output: np.ndarray


# the results are built as namedtuple's own __new__ builds them, without its
# Python-level argument handling
_tuple_new = tuple.__new__


def _loss_tuple(cls, ran):
    """``cls(loss, delta, output)`` from what ``run`` or ``plain_call`` returns
    for a fused loss: ((output, delta), the loss, the result dtype)."""
    (y, delta), loss, result = ran
    return _tuple_new(cls, (cast_result(loss, result), delta, y))

#: the activations ``activation=`` accepts
_LOSS_TABLE = {name: ACTIVATIONS[name] for name in LOSS_ACTIVATIONS}


def _loss_kernel(name):
    """The fused squared-error kernel of an activation, with its default parameters."""
    a = ACTIVATIONS[name]
    if a.kind == "rowwise":
        return getattr(_kernels, "sqerr_delta_" + name)
    kname, p0, p1 = activation_params("squared_error_delta", a, {})
    k = getattr(_kernels, "sqerr_delta_" + kname)
    if not a.params:  # the kernel's own defaults
        return k
    return lambda z, t, y, d: k(z, t, y, d, p0, p1)


_LOSS_KERNELS = {name: _loss_kernel(name) for name in LOSS_ACTIVATIONS}
#: activation -> (kernel, whether it is row-wise), for the common call
_LOSS_FAST = {name: (_LOSS_KERNELS[name], ACTIVATIONS[name].kind != "elementwise")
              for name in LOSS_ACTIVATIONS}


def squared_error(output, target, /):
    """squared_error(output, target, /)

    The squared-error loss ``E = 1/2 sum (y - t)^2`` over all elements.

    ``output`` and ``target`` broadcast together; the sum is compensated and
    accumulated in double.

    Returns
    -------
    ndarray
        A 0-d array of the result dtype.

    Examples
    --------
    >>> import cactivations as ca
    >>> ca.squared_error([1.0, 2.0], [0.0, 0.0])
    array(2.5)
    """
    _, loss, result = run("squared_error", _kernels.squared_error, (output, target), nout=0)
    return cast_result(loss, result)


def squared_error_delta(z, target, /, *, activation="sigmoid", axis=-1, out=None):
    """squared_error_delta(z, target, /, *, activation="sigmoid", axis=-1, out=None)

    Forward pass, squared-error loss and its gradient with respect to ``z``, in
    one pass over ``z`` and ``target``.

    With ``y = g(z)`` and ``E = 1/2 sum (y - t)^2``:

    - elementwise ``g`` (identity, sigmoid, tanh, relu, gelu, ...):
      ``delta = (y - t) g'(z)``, with ``g'`` computed from the input (accurate
      in the tails);
    - softmax along ``axis``: ``delta = J(z)^T (y - t) = y * ((y - t) - sum (y - t) y)``.

    This is the error signal of an output layer: for ``z = x @ w``,
    ``dE/dw_jk = sum_n delta[n, k] x[n, j]`` (see `output_layer_grad`).

    Parameters
    ----------
    z : array_like
        Pre-activations.
    target : array_like
        Targets ``t``; broadcast to the shape of ``z``.
    activation : str, default "sigmoid"
        ``"identity"``, ``"softmax"`` or any elementwise activation of the
        package (``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"gelu"``, ...), with
        its default parameters.
    axis : int, default -1
        The softmax axis (checked, and otherwise unused, for the elementwise ones).
    out : ndarray, optional
        Receives ``delta``.

    Returns
    -------
    SquaredErrorDelta
        ``(loss, delta, output)``; ``loss`` is a 0-d array of the result dtype;
        for an elementwise ``g``, ``output`` has the bits of the forward
        function (``ca.gelu(z)`` for ``activation="gelu"``).

    Examples
    --------
    >>> import cactivations as ca
    >>> loss, delta, y = ca.squared_error_delta([0.0, 2.0], [1.0, 0.0])
    >>> y
    array([0.5       , 0.88079708])
    >>> delta
    array([-0.125     ,  0.09247804])
    >>> round(float(loss), 6)
    0.512902
    """
    fast = _LOSS_FAST.get(activation) if type(activation) is str and type(axis) is int else None
    if fast is not None:  # plain arrays: checked and run in C (see _dispatch.run)
        kernel, rowwise = fast
        fast = _kernels.plain_call(kernel, (z, target), 2, out, axis if rowwise else None,
                                   None if rowwise else axis)
        if fast is not None:
            return _loss_tuple(SquaredErrorDelta, fast)
    fname = "squared_error_delta"
    act = activation_entry(fname, activation, _LOSS_TABLE)
    kernel = _LOSS_KERNELS[act.name]
    axis = axis_arg(fname, axis)
    check_axis = None
    if act.kind == "elementwise":  # the axis is checked, and otherwise unused
        check_axis, axis = axis, None
    return _loss_tuple(SquaredErrorDelta, run(fname, kernel, (z, target), nout=2, out=out,
                                              axis=axis, shape_of_first=True,
                                              check_axis=check_axis))


def _class_indices(fname, target, zshape, ax):
    """``target`` as C-contiguous, aligned, native int64 class indices (what the
    kernel reads) for the rows along ``ax`` of an array of shape ``zshape``, or
    None if it is not an integer array of the rows' shape (it is then a
    probability target)."""
    if not isinstance(target, np.ndarray):
        target = as_array(fname, target)
    if target.dtype.kind not in "iu" or target.shape != zshape[:ax] + zshape[ax + 1:]:
        return None
    K = zshape[ax]
    if target.size and (int(target.min()) < 0 or int(target.max()) >= K):
        raise ValueError(f"{fname}: class indices must lie in [0, {K}); got values in "
                         f"[{int(target.min())}, {int(target.max())}]")
    return np.require(target, np.int64, ("C_CONTIGUOUS", "ALIGNED"))


def _lazy_one_hot(fname, z, target, axis):
    """A Dask integer target of the rows' shape as one-hot probabilities."""
    zshape = tuple(np.shape(z))
    dtype = getattr(target, "dtype", None)
    if not zshape or dtype is None or np.dtype(dtype).kind not in "iu":
        return target
    ax = normalize_axis(fname, axis, len(zshape))
    if tuple(np.shape(target)) != zshape[:ax] + zshape[ax + 1:]:
        return target
    import dask.array as da

    zdt = np.dtype(getattr(z, "dtype", np.float64))
    one_hot = da.eye(zshape[ax], dtype=zdt if zdt.kind == "f" else np.float64)[target]
    return da.moveaxis(one_hot, -1, ax)


def softmax_cross_entropy_delta(z, target, /, *, axis=-1, out=None):
    """softmax_cross_entropy_delta(z, target, /, *, axis=-1, out=None)

    Softmax, cross-entropy loss and its gradient with respect to the logits,
    in one pass over ``z`` and ``target``.

    With ``p = softmax(z)`` along ``axis`` and ``E = -sum t log p`` (summed
    over every row; divide by the number of rows for PyTorch's default mean):
    ``delta = dE/dz = p sum_k t_k - t``, which is ``p - t`` for targets that
    sum to 1. ``log p_k`` is taken as `log_softmax` takes it, ``z_k - m -
    log1p(s)``, ``m`` the row's maximum and ``s`` the sum of ``exp(z_j - m)``
    over every entry but one maximum (float32 rows that `softmax` takes
    unshifted, in float arithmetic, may take ``s`` from the same ``exp(z_j)``
    as ``p``, each over the largest), so the loss stays finite and exact for
    logits of any size (``1e4`` and beyond) and keeps its relative accuracy
    where it is tiny; terms with ``t_k = 0`` contribute nothing, even where
    ``p_k`` underflows to 0.

    Parameters
    ----------
    z : array_like
        Logits.
    target : array_like
        Either probabilities (broadcastable to the shape of ``z``), or
        integer class indices in ``[0, K)``, one per row: an integer array of
        exactly the shape of ``z`` without ``axis``.
    axis : int, default -1
        The class axis.
    out : ndarray, optional
        Receives ``delta``.

    Returns
    -------
    CrossEntropyDelta
        ``(loss, delta, output)``, ``output`` being ``p``, bit for bit what
        `softmax` returns.

    Examples
    --------
    >>> import cactivations as ca
    >>> loss, delta, p = ca.softmax_cross_entropy_delta([[0.0, 0.0], [1e4, 0.0]], [0, 1])
    >>> p
    array([[0.5, 0.5],
           [1. , 0. ]])
    >>> delta
    array([[-0.5,  0.5],
           [ 1. , -1. ]])
    >>> float(loss)
    10000.69314718056
    """
    if type(axis) is int:
        # plain arrays of one float dtype and one shape (so probabilities, not
        # class indices): checked and run in C; anything else gives None
        fast = _kernels.plain_call(_kernels.softmax_ce_delta, (z, target), 2, out, axis)
        if fast is not None:
            return _loss_tuple(CrossEntropyDelta, fast)
    fname = "softmax_cross_entropy_delta"
    axis = axis_arg(fname, axis)
    if type(z) is list:
        z = as_array(fname, z)
    zshape = np.shape(z)
    idx = None
    if lazy((z, target)):  # Dask: class indices become one-hot rows, lazily
        target = _lazy_one_hot(fname, z, target, axis)
    elif not (isinstance(target, np.ndarray) and target.dtype.kind == "f"):
        # (a 0-d z is one row of one class, as for softmax)
        idx = _class_indices(fname, target, zshape or (1,), normalize_axis(fname, axis, len(zshape)))
    if idx is None:
        ran = run(fname, _kernels.softmax_ce_delta, (z, target), nout=2, out=out, axis=axis,
                  shape_of_first=True)
    else:
        def kernel(zz, y, d, K):
            return _kernels.softmax_ce_delta(zz, idx, y, d, K)

        ran = run(fname, kernel, (z,), nout=2, out=out, axis=axis)
    return _loss_tuple(CrossEntropyDelta, ran)


def sigmoid_binary_cross_entropy_delta(z, target, /, *, out=None):
    """sigmoid_binary_cross_entropy_delta(z, target, /, *, out=None)

    Sigmoid, binary cross-entropy and its gradient with respect to the logits,
    in one pass over ``z`` and ``target``.

    With ``y = sigmoid(z)`` and ``E = -sum (t log y + (1 - t) log(1 - y))``
    (summed over all elements), computed from the logit as
    ``max(z, 0) - t z + log1p(exp(-|z|))`` (no overflow, no ``log(0)``):
    ``delta = dE/dz = y - t``.

    Parameters
    ----------
    z : array_like
        Logits.
    target : array_like
        Targets in [0, 1], broadcast to the shape of ``z``.
    out : ndarray, optional
        Receives ``delta``.

    Returns
    -------
    CrossEntropyDelta
        ``(loss, delta, output)``, ``output`` being ``sigmoid(z)``, bit for
        bit what `sigmoid` returns.

    Examples
    --------
    >>> import cactivations as ca
    >>> loss, delta, y = ca.sigmoid_binary_cross_entropy_delta([0.0, 1e4], [1.0, 0.0])
    >>> delta
    array([-0.5,  1. ])
    >>> float(loss)
    10000.69314718056
    """
    fast = _kernels.plain_call(_kernels.sigmoid_bce_delta, (z, target), 2, out, None)
    if fast is not None:  # plain arrays of one shape: checked and run in C
        return _loss_tuple(CrossEntropyDelta, fast)
    fname = "sigmoid_binary_cross_entropy_delta"
    return _loss_tuple(CrossEntropyDelta, run(fname, _kernels.sigmoid_bce_delta, (z, target),
                                              nout=2, out=out, shape_of_first=True))


_OLG_LOSSES = ("squared_error", "cross_entropy")


def output_layer_grad(x, w, target, /, *, activation="sigmoid", loss="squared_error"):
    """output_layer_grad(x, w, target, /, *, activation="sigmoid", loss="squared_error")

    Loss and weight gradient of a final layer ``z = x @ w``, ``y = g(z)``, under
    the squared error ``E = 1/2 sum (y - t)^2``:

    ``dE/dw_jk = sum_n (g(z_nk) - t_nk) g'(z_nk) x_nj``

    (for softmax, the error signal goes through the full Jacobian), or under
    the cross-entropy (``loss="cross_entropy"``, with ``activation="softmax"``
    or ``"sigmoid"``), where ``delta = y - t``. ``x @ w`` and ``x^T delta``
    are BLAS matrix products; the activation, loss and delta are one fused
    pass (`squared_error_delta`, `softmax_cross_entropy_delta`,
    `sigmoid_binary_cross_entropy_delta`), written over ``z`` in place.

    Parameters
    ----------
    x : array_like, shape (N, M) or (M,)
        Inputs of the layer (a batch, or one sample).
    w : array_like, shape (M, K)
        Weights.
    target : array_like
        Targets, broadcastable to (N, K) (or (K,)); for softmax with the
        cross-entropy, also integer class indices of shape (N,) (or ()).
    activation : str, default "sigmoid"
        As in `squared_error_delta`.
    loss : {"squared_error", "cross_entropy"}
        The cross-entropy goes with ``"softmax"`` or ``"sigmoid"`` only.

    Returns
    -------
    OutputLayerGrad
        ``(loss, grad_w, delta, output)``.

    Examples
    --------
    >>> import numpy as np, cactivations as ca
    >>> x = np.array([[1.0, 2.0]])
    >>> w = np.array([[0.5, -0.5], [0.25, 0.0]])
    >>> r = ca.output_layer_grad(x, w, [[1.0, 0.0]])
    >>> r.grad_w
    array([[-0.05287709,  0.08872346],
           [-0.10575419,  0.17744692]])
    """
    fname = "output_layer_grad"
    act = activation_entry(fname, activation, _LOSS_TABLE)
    if loss not in _OLG_LOSSES:
        raise ValueError(f"{fname}: unknown loss {loss!r}; known losses: "
                         + ", ".join(map(repr, _OLG_LOSSES)))
    if loss == "cross_entropy" and act.name not in ("softmax", "sigmoid"):
        raise ValueError(f"{fname}: loss='cross_entropy' needs activation 'softmax' or "
                         f"'sigmoid', got {activation!r}")
    if lazy((x, w, target)):  # Dask input: by row blocks of x, lazily
        from . import _dask

        if loss == "cross_entropy" and act.name == "softmax":  # class indices: one-hot
            import dask.array as da

            tt = da.asarray(target)
            if tt.dtype.kind in "iu" and tt.shape == tuple(np.shape(x))[:-1]:
                target = da.eye(np.shape(w)[-1], dtype=np.result_type(x.dtype, w.dtype, 1.0))[tt]
        return _dask.call(fname, (x, w, target), {"activation": activation, "loss": loss})
    indices = False
    if loss == "cross_entropy" and act.name == "softmax":
        tt = np.asarray(target)
        indices = tt.dtype.kind in "iu" and tt.shape == np.shape(x)[:-1]
    arrays, compute, result = coerce(fname, (x, w) if indices else (x, w, target))
    with np.errstate(over="ignore"):  # beyond the compute dtype's range: inf, silently
        xa, wa, *ta = (np.asarray(a, dtype=compute) for a in arrays)
    if wa.ndim != 2 or xa.ndim not in (1, 2) or xa.shape[-1] != wa.shape[0]:
        raise ValueError(
            f"{fname}: expected x of shape (N, M) or (M,) and w of shape (M, K); "
            f"got x {xa.shape} and w {wa.shape}"
        )
    with np.errstate(over="ignore", invalid="ignore"):  # inf is the rounded result
        z = xa @ wa
    # z and the target are in the compute dtype, so delta can overwrite z
    t = target if indices else ta[0]
    if loss == "cross_entropy":
        fused = (softmax_cross_entropy_delta if act.name == "softmax"
                 else sigmoid_binary_cross_entropy_delta)
        e, delta, y = fused(z, t, out=z)
    else:
        (y, delta), e, _ = run(fname, _LOSS_KERNELS[act.name], (z, t), nout=2, out=z,
                               axis=-1 if act.kind == "rowwise" else None, shape_of_first=True)
    with np.errstate(over="ignore", invalid="ignore"):
        grad_w = np.outer(xa, delta) if xa.ndim == 1 else xa.T @ delta
    if compute != result:
        y, delta, grad_w = (cast_result(a, result) for a in (y, delta, grad_w))
    return _tuple_new(OutputLayerGrad, (cast_result(e, result), grad_w, delta, y))


__all__ = [
    *ELEMENTWISE_FUNCTIONS,
    "softmax", "log_softmax", "logit",
    "softmax_backward", "log_softmax_backward", "softmax_jacobian",
    "squared_error", "squared_error_delta", "output_layer_grad",
    "softmax_cross_entropy_delta", "sigmoid_binary_cross_entropy_delta",
    "SquaredErrorDelta", "CrossEntropyDelta", "OutputLayerGrad",
]
