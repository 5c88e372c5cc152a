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
    "ACTIVATIONS",
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
    p = sigmoid(z)
    return p * (1.0 - p)


def tanh_derivative(z):
    return 1.0 - np.tanh(z) ** 2


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


#: name -> (forward, derivative from the input) for the elementwise activations
ACTIVATIONS = {
    "identity": (_identity, _one),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
}


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


def output_layer_grad(x, w, target, activation="sigmoid"):
    """(loss, grad_w, delta, output) for z = x @ w and squared error."""
    x = np.asarray(x)
    z = x @ w
    loss, delta, y = squared_error_delta(z, target, activation)
    grad_w = np.outer(x, delta) if x.ndim == 1 else x.T @ delta
    return loss, grad_w, delta, y
