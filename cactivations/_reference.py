"""Plain NumPy versions of every public function.

They are written as a NumPy user would write them (max-subtracted softmax, the
textbook derivatives), compute in the dtype they are given (pass float64 for a
reference), and are what the tests, the main job and the benchmarks compare the
compiled kernels against.  They are slow (several passes and temporaries) and
are not accurate in the tails; the tests use mpmath where the last bits matter.
"""

import numpy as np

__all__ = [
    "sigmoid", "tanh", "softmax", "log_softmax", "logit",
    "sigmoid_derivative", "tanh_derivative",
    "sigmoid_backward", "tanh_backward", "softmax_backward", "log_softmax_backward",
    "softmax_jacobian", "squared_error", "squared_error_delta", "output_layer_grad",
    "softmax_cross_entropy_delta", "sigmoid_binary_cross_entropy_delta",
    "ACTIVATIONS", "BACKWARD",
]


def sigmoid(z):
    z = np.asarray(z)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def tanh(z):
    return np.tanh(z)


def softmax(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    z = np.asarray(z)
    s = z - z.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def logit(p):
    p = np.asarray(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(p / (1.0 - p))


def sigmoid_derivative(z):
    """e / (1 + e)**2 with e = exp(-|z|): p (1 - p) without its cancellation."""
    e = np.exp(-np.abs(np.asarray(z)))
    return e / (1.0 + e) ** 2


def tanh_derivative(z):
    """4 e / (1 + e)**2 with e = exp(-2|z|): 1 - tanh**2 without its cancellation."""
    e = np.exp(-2.0 * np.abs(np.asarray(z)))
    return 4.0 * e / (1.0 + e) ** 2


def sigmoid_backward(grad_output, output):
    return grad_output * output * (1.0 - output)


def tanh_backward(grad_output, output):
    return grad_output * (1.0 - output * output)


def softmax_backward(grad_output, output, axis=-1):
    g, y = np.broadcast_arrays(grad_output, output)
    return y * (g - (g * y).sum(axis=axis, keepdims=True))


def log_softmax_backward(grad_output, output, axis=-1):
    g, y = np.broadcast_arrays(grad_output, output)
    return g - np.exp(y) * g.sum(axis=axis, keepdims=True)


def softmax_jacobian(output, axis=-1):
    y = np.moveaxis(np.asarray(output), axis, -1)
    eye = np.eye(y.shape[-1], dtype=y.dtype)
    return y[..., :, None] * (eye - y[..., None, :])


def squared_error(output, target):
    d = np.asarray(output) - np.asarray(target)
    return 0.5 * np.sum(d * d)


def _identity(z):
    return np.asarray(z)


def _one(z):
    return np.ones_like(np.asarray(z))


def _a(z):
    return np.asarray(z, dtype=np.result_type(z, np.float16))


def _where(cond, a, b, z):
    """a where cond, b elsewhere; NaN where z is NaN."""
    return np.where(np.isnan(z), z, np.where(cond, a, b))


def relu(z):
    z = _a(z)
    return np.where(z < 0, 0.0, z)


def relu_derivative(z):
    z = _a(z)
    return _where(z > 0, 1.0, 0.0, z)


def hardtanh(z, min_val=-1.0, max_val=1.0):
    z = _a(z)
    return _where(z < min_val, min_val, np.where(z > max_val, max_val, z), z)


def hardtanh_derivative(z, min_val=-1.0, max_val=1.0):
    z = _a(z)
    return _where((z > min_val) & (z < max_val), 1.0, 0.0, z)


def relu6(z):
    return hardtanh(z, 0.0, 6.0)


def relu6_derivative(z):
    return hardtanh_derivative(z, 0.0, 6.0)


def leaky_relu(z, negative_slope=0.01):
    z = _a(z)
    return np.where(z > 0, z, z * negative_slope)


def leaky_relu_derivative(z, negative_slope=0.01):
    z = _a(z)
    return _where(z > 0, 1.0, negative_slope, z)


def elu(z, alpha=1.0):
    z = _a(z)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def elu_derivative(z, alpha=1.0):
    z = _a(z)
    return _where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0)), z)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(z):
    return _SELU_SCALE * elu(z, _SELU_ALPHA)


def selu_derivative(z):
    return _SELU_SCALE * elu_derivative(z, _SELU_ALPHA)


def celu(z, alpha=1.0):
    z = _a(z)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0) / alpha))


def celu_derivative(z, alpha=1.0):
    z = _a(z)
    return _where(z > 0, 1.0, np.exp(np.minimum(z, 0) / alpha), z)


def _erfc(x):
    import math

    return np.vectorize(math.erfc, otypes=[np.float64])(x)


def _phi(z):
    with np.errstate(under="ignore"):
        return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


def gelu(z, approximate="none"):
    z = _a(z)
    if approximate == "tanh":
        u = np.sqrt(2 / np.pi) * (z + 0.044715 * z ** 3)
        return 0.5 * z * (1 + np.tanh(u))
    return 0.5 * z * _erfc(-z / np.sqrt(2)).astype(z.dtype)


def gelu_derivative(z, approximate="none"):
    z = _a(z)
    if approximate == "tanh":
        c = np.sqrt(2 / np.pi)
        t = np.tanh(c * (z + 0.044715 * z ** 3))
        return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * 0.044715 * z * z)
    return 0.5 * _erfc(-z / np.sqrt(2)).astype(z.dtype) + z * _phi(z)


def silu(z):
    return _a(z) * sigmoid(z)


def silu_derivative(z):
    s = sigmoid(z)
    return s * (1 + _a(z) * (1 - s))


def _softplus1(x):
    with np.errstate(over="ignore"):
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def mish(z):
    z = _a(z)
    return z * np.tanh(_softplus1(z))


def mish_derivative(z):
    z = _a(z)
    t = np.tanh(_softplus1(z))
    return t + z * sigmoid(z) * (1 - t * t)


def softplus(z, beta=1.0, threshold=20.0):
    """Exact softplus: the threshold is accepted and ignored, as in cactivations."""
    z = _a(z)
    return _softplus1(beta * z) / beta


def softplus_derivative(z, beta=1.0, threshold=20.0):
    return sigmoid(beta * _a(z))


def log_sigmoid(z):
    return -_softplus1(-_a(z))


def log_sigmoid_derivative(z):
    return sigmoid(-_a(z))


def softsign(z):
    z = _a(z)
    return z / (1 + np.abs(z))


def softsign_derivative(z):
    z = _a(z)
    return 1 / (1 + np.abs(z)) ** 2


def hardsigmoid(z):
    z = _a(z)
    return np.minimum(np.maximum(z + 3, 0), 6) / 6


def hardsigmoid_derivative(z):
    z = _a(z)
    return _where((z > -3) & (z < 3), 1 / 6, 0.0, z)


def hardswish(z):
    z = _a(z)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(z <= -3, 0.0, np.where(z >= 3, z, z * (z + 3) / 6))


def hardswish_derivative(z):
    z = _a(z)
    return _where(z <= -3, 0.0, np.where(z < 3, z / 3 + 0.5, 1.0), z)


def tanhshrink(z):
    """z - tanh z; near 0 its series (the difference would cancel)."""
    z = _a(z)
    z2 = z * z
    series = z * z2 * (1 / 3 - z2 * (2 / 15 - z2 * (17 / 315 - z2 * (62 / 2835))))
    return np.where(np.abs(z) < 0.05, series, z - np.tanh(z))


def tanhshrink_derivative(z):
    return np.tanh(_a(z)) ** 2


def relu_backward(grad_output, output):
    y = _a(output)
    return np.where(y > 0, grad_output, np.where(np.isnan(y), y, 0.0))


def _at_infinity(name, f, which):
    """f with the registry's limits at +-inf (the formulas above give inf * 0 there)."""
    from ._registry import ACTIVATIONS as table

    at_plus, at_minus = table[name].limits[which]

    def g(z, **kw):
        z = _a(z)
        with np.errstate(invalid="ignore", over="ignore"):
            y = np.asarray(f(z, **kw))
        return np.where(z == np.inf, at_plus, np.where(z == -np.inf, at_minus, y))

    g.__name__ = f.__name__
    return g


for _name in ("gelu", "silu", "mish", "softsign"):
    globals()[_name] = _at_infinity(_name, globals()[_name], 0)
    globals()[_name + "_derivative"] = _at_infinity(_name, globals()[_name + "_derivative"], 1)

#: name -> (forward, derivative from the input) for the elementwise activations
#: (the parameters, where there are any, as keyword arguments)
ACTIVATIONS = {
    "identity": (_identity, _one),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    **{name: (globals()[name], globals()[name + "_derivative"]) for name in (
        "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
        "softplus", "log_sigmoid", "softsign", "hardsigmoid", "hardswish", "hardtanh",
        "tanhshrink")},
}

#: name -> backward(grad_output, saved, **params), saved being the output or the
#: input as the registry's ``backward_from`` says
BACKWARD = {
    "sigmoid": sigmoid_backward,
    "tanh": tanh_backward,
    "relu": relu_backward,
}
for _name, (_f, _d) in ACTIVATIONS.items():
    if _name not in BACKWARD:
        BACKWARD[_name] = (lambda d: lambda g, z, **kw: np.asarray(g) * d(z, **kw))(_d)
        globals()[_name + "_backward"] = BACKWARD[_name]


def softmax_cross_entropy_delta(z, target, axis=-1):
    """(loss, delta, output) of E = -sum t log softmax(z); target: probabilities
    or integer class indices along ``axis``."""
    z = np.asarray(z)
    t = np.asarray(target)
    if t.dtype.kind in "iu":
        K = z.shape[axis]
        t = np.moveaxis(np.eye(K)[t], -1, axis)
    t = np.broadcast_to(t, z.shape)
    ls = log_softmax(z, axis=axis)
    p = np.exp(ls)
    with np.errstate(invalid="ignore"):
        loss = -np.sum(np.where(t != 0, t * ls, 0.0))
    return loss, p * t.sum(axis=axis, keepdims=True) - t, p


def sigmoid_binary_cross_entropy_delta(z, target):
    """(loss, delta, output) of E = -sum (t log y + (1 - t) log(1 - y)), y = sigmoid(z)."""
    z = np.asarray(z)
    t = np.broadcast_to(target, z.shape)
    y = sigmoid(z)
    a = np.where(z >= 0, 1 - t, -t)   # max(z, 0) - t z = a z, exactly 0 where a is
    with np.errstate(invalid="ignore"):
        lin = np.where(a == 0, 0.0, a * z)
    loss = np.sum(lin + np.log1p(np.exp(-np.abs(z))))
    return loss, y - t, y


def squared_error_delta(z, target, activation="sigmoid", axis=-1):
    """(loss, delta, output) of E = 1/2 sum (g(z) - t)**2, delta = dE/dz."""
    z = np.asarray(z)
    t = np.broadcast_to(target, z.shape)
    if activation == "softmax":
        y = softmax(z, axis=axis)
        r = y - t
        delta = y * (r - (r * y).sum(axis=axis, keepdims=True))
    else:
        g, dg = ACTIVATIONS[activation]
        y = g(z)
        r = y - t
        delta = r * dg(z)
    return 0.5 * np.sum(r * r), delta, y


def output_layer_grad(x, w, target, activation="sigmoid", loss="squared_error"):
    """(loss, grad_w, delta, output) for z = x @ w and the squared error (or the
    cross-entropy with softmax or sigmoid)."""
    x = np.asarray(x)
    z = x @ w
    if loss == "cross_entropy":
        fused = (softmax_cross_entropy_delta if activation == "softmax"
                 else sigmoid_binary_cross_entropy_delta)
        loss, delta, y = fused(z, target)
    else:
        loss, delta, y = squared_error_delta(z, target, activation)
    grad_w = np.outer(x, delta) if x.ndim == 1 else x.T @ delta
    return loss, grad_w, delta, y
