"""The public functions of cactivations (see the package docstring).

The elementwise activations (forward, derivative from the input, backward from
the saved output) are made from the rows of ``_registry.ACTIVATIONS``; the
softmax family and the losses are written out below.  Every function goes
through ``_dispatch.run``: one coercion, one layout, one kernel call.
"""

import inspect
from typing import NamedTuple

import numpy as np

from ._cpu import kernels as _kernels
from ._dispatch import activation_entry, as_array, axis_arg, cast_result, coerce, run
from ._registry import ACTIVATIONS

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

def _unary(name, doc, param="z"):
    kernel, fast = getattr(_kernels, name), getattr(_kernels, name + "_fast")

    def f(z, /, *, out=None):
        if out is None and (type(z) is float or type(z) is list):
            z = as_array(name, z)
        if type(z) is np.ndarray:
            y = fast(z, out)
            if y is not None:
                return y
        return run(name, kernel, (z,), out=out)[0][0]

    if param != "z":  # positional-only, so the name is only what the signature shows
        sig = inspect.signature(f)
        first, *rest = sig.parameters.values()
        f.__signature__ = sig.replace(parameters=[first.replace(name=param), *rest])
    return _finish(f, name, doc)


def _binary(name, doc):
    kernel, fast = getattr(_kernels, name), getattr(_kernels, name + "_fast")

    def f(grad_output, output, /, *, out=None):
        if type(grad_output) is list:
            grad_output = as_array(name, grad_output)
        if type(output) is list:
            output = as_array(name, output)
        if type(grad_output) is np.ndarray and type(output) is np.ndarray:
            y = fast(grad_output, output, out)
            if y is not None:
                return y
        return run(name, kernel, (grad_output, output), out=out)[0][0]

    return _finish(f, name, doc)


def _elementwise_docs(a):
    n = a.name
    fwd = f"""{n}(z, /, *, out=None)

Elementwise {n}: ``{a.formula}``.

{a.numerics}

Parameters
----------
z : array_like
    Input (logits).
{_OUT_DOC}

Returns
-------
ndarray
    ``{n}(z)``, the result dtype of ``z`` ({_POLICY_DOC.split(';')[0]}).

See Also
--------
{n}_derivative : the derivative from the input.
{n}_backward : the gradient from the saved output.
"""
    der = f"""{n}_derivative(z, /, *, out=None)

Derivative of {n} from the input, elementwise: ``{a.derivative_formula}``.

Computed from ``z`` (not from the output), so the result keeps its relative
accuracy in the tails where the output-based formula rounds to 0.

Parameters
----------
z : array_like
    Input (logits).
{_OUT_DOC}

Returns
-------
ndarray
    ``{n}'(z)``.
"""
    bwd = f"""{n}_backward(grad_output, output, /, *, out=None)

Backward pass of {n} from its saved output: ``{a.backward_formula}``.

This is the vector-Jacobian product backpropagation needs when the forward
output ``y`` is already computed (no exponential is evaluated).

Parameters
----------
grad_output : array_like
    Gradient of the loss with respect to the output, ``dL/dy``.
output : array_like
    The saved forward output ``y``. The two arguments broadcast together.
{_OUT_DOC}

Returns
-------
ndarray
    ``dL/dz``.
"""
    return fwd, der, bwd


_EXAMPLES = {
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

_made = {}
for _a in ACTIVATIONS.values():
    if _a.kind != "elementwise" or not _a.public:
        continue
    _docs = _elementwise_docs(_a)
    for _suffix, _doc, _factory in zip(("", "_derivative", "_backward"), _docs,
                                       (_unary, _unary, _binary)):
        _name = _a.name + _suffix
        _made[_name] = _factory(_name, _doc + _EXAMPLES.get(_name, ""))

sigmoid = _made["sigmoid"]
sigmoid_derivative = _made["sigmoid_derivative"]
sigmoid_backward = _made["sigmoid_backward"]
tanh = _made["tanh"]
tanh_derivative = _made["tanh_derivative"]
tanh_backward = _made["tanh_backward"]

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

def softmax(z, /, *, axis=-1, out=None):
    """softmax(z, /, *, axis=-1, out=None)

    Softmax along ``axis``: ``y_k = exp(z_k) / sum_j exp(z_j)``.

    The row maximum is subtracted first and the rounding error of each
    ``z_k - max`` is carried into the exponential; the sum is compensated, so
    the result is accurate to a few ULP even for rows of thousands of logits
    spread over hundreds of units. As ``scipy.special.softmax``: a row holding
    NaN or +inf, or made only of -inf, gives NaN. ``softmax([0, z])[1]`` is
    ``sigmoid(z)``.

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
    return run("softmax", _kernels.softmax, (z,), out=out, axis=axis_arg("softmax", axis))[0][0]


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
    return run("log_softmax", _kernels.log_softmax, (z,), out=out,
               axis=axis_arg("log_softmax", axis))[0][0]


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
    return run("softmax_backward", _kernels.softmax_backward, (grad_output, output),
               out=out, axis=axis_arg("softmax_backward", axis))[0][0]


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
    return run("log_softmax_backward", _kernels.log_softmax_backward, (grad_output, output),
               out=out, axis=axis_arg("log_softmax_backward", axis))[0][0]


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


class OutputLayerGrad(NamedTuple):
    """Result of `output_layer_grad`."""

    #: E = 1/2 sum (y - t)^2 over the batch, a 0-d array
    loss: np.ndarray
    #: dE/dw, of the shape of w
    grad_w: np.ndarray
    #: dE/dz, of the shape of z = x @ w
    delta: np.ndarray
    #: y = g(z)
    output: np.ndarray


_LOSS_KERNELS = {name: getattr(_kernels, "sqerr_delta_" + name) for name in ACTIVATIONS}


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

    - elementwise ``g`` (identity, sigmoid, tanh): ``delta = (y - t) g'(z)``,
      with ``g'`` computed from the input (accurate in the tails);
    - softmax along ``axis``: ``delta = J(z)^T (y - t) = y * ((y - t) - sum (y - t) y)``.

    This is the error signal of an output layer: for ``z = x @ w``,
    ``dE/dw_jk = sum_n delta[n, k] x[n, j]`` (see `output_layer_grad`).

    Parameters
    ----------
    z : array_like
        Pre-activations.
    target : array_like
        Targets ``t``; broadcast to the shape of ``z``.
    activation : {"identity", "sigmoid", "tanh", "softmax"}
    axis : int, default -1
        The softmax axis (checked, and otherwise unused, for the elementwise ones).
    out : ndarray, optional
        Receives ``delta``.

    Returns
    -------
    SquaredErrorDelta
        ``(loss, delta, output)``; ``loss`` is a 0-d array of the result dtype.

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
    fname = "squared_error_delta"
    act = activation_entry(fname, activation, ACTIVATIONS)
    kernel = _LOSS_KERNELS[act.name]
    axis = axis_arg(fname, axis)
    check_axis = None
    if act.kind == "elementwise":  # the axis is checked, and otherwise unused
        check_axis, axis = axis, None
    (y, delta), loss, result = run(fname, kernel, (z, target), nout=2, out=out, axis=axis,
                                   shape_of_first=True, check_axis=check_axis)
    return SquaredErrorDelta(cast_result(loss, result), delta, y)


def output_layer_grad(x, w, target, /, *, activation="sigmoid"):
    """output_layer_grad(x, w, target, /, *, activation="sigmoid")

    Loss and weight gradient of a final layer ``z = x @ w``, ``y = g(z)``, under
    the squared error ``E = 1/2 sum (y - t)^2``:

    ``dE/dw_jk = sum_n (g(z_nk) - t_nk) g'(z_nk) x_nj``

    (for softmax, the error signal goes through the full Jacobian). ``x @ w``
    and ``x^T delta`` are BLAS matrix products; the activation, loss and delta
    are one fused pass (`squared_error_delta`), written over ``z`` in place.

    Parameters
    ----------
    x : array_like, shape (N, M) or (M,)
        Inputs of the layer (a batch, or one sample).
    w : array_like, shape (M, K)
        Weights.
    target : array_like
        Targets, broadcastable to (N, K) (or (K,)).
    activation : {"identity", "sigmoid", "tanh", "softmax"}

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
    act = activation_entry(fname, activation, ACTIVATIONS)
    arrays, compute, result = coerce(fname, (x, w, target))
    with np.errstate(over="ignore"):  # beyond the compute dtype's range: inf, silently
        xa, wa, ta = (np.asarray(a, dtype=compute) for a in arrays)
    if wa.ndim != 2 or xa.ndim not in (1, 2) or xa.shape[-1] != wa.shape[0]:
        raise ValueError(
            f"{fname}: expected x of shape (N, M) or (M,) and w of shape (M, K); "
            f"got x {xa.shape} and w {wa.shape}"
        )
    with np.errstate(over="ignore", invalid="ignore"):  # inf is the rounded result
        z = xa @ wa
    # z and the target are in the compute dtype, so delta can overwrite z
    (y, delta), loss, _ = run(fname, _LOSS_KERNELS[act.name], (z, ta),
                              nout=2, out=z, axis=-1 if act.kind == "rowwise" else None,
                              shape_of_first=True)
    with np.errstate(over="ignore", invalid="ignore"):
        grad_w = np.outer(xa, delta) if xa.ndim == 1 else xa.T @ delta
    if compute != result:
        y, delta, grad_w = (cast_result(a, result) for a in (y, delta, grad_w))
    return OutputLayerGrad(cast_result(loss, result), grad_w, delta, y)
