"""cactivations: neural-network activations, their derivatives and the
squared-error output-layer gradient, compiled, on NumPy arrays.

For a final layer ``z = x @ w`` with activation ``g`` and squared error
``E = 1/2 sum_k (g(z_k) - t_k)^2``, backpropagation needs
``dE/dw_jk = (g(z_k) - t_k) g'(z_k) x_j``. This package computes the
activations (`sigmoid`, `tanh`, `softmax`, `log_softmax`, `logit`), their
derivatives from the input (`sigmoid_derivative`, `tanh_derivative`), the
backward passes from the saved output (`sigmoid_backward`, `tanh_backward`,
`softmax_backward`, `log_softmax_backward`, `softmax_jacobian`) and the fused
loss and gradient (`squared_error`, `squared_error_delta`,
`output_layer_grad`), each in one compiled pass with the GIL released,
accurate to a few ULP.
"""

try:
    from . import _kernels  # noqa: F401
except ImportError as exc:  # the source tree, not an installed package
    import os as _os

    raise ImportError(
        "cactivations: the compiled core (cactivations._kernels) is not built in "
        f"{_os.path.dirname(__file__)}. Install the package (pip install .) and run from "
        "outside the source directory, or build it in place with "
        "'python setup.py build_ext --inplace'."
    ) from exc

from ._api import (
    OutputLayerGrad,
    SquaredErrorDelta,
    log_softmax,
    log_softmax_backward,
    logit,
    output_layer_grad,
    sigmoid,
    sigmoid_backward,
    sigmoid_derivative,
    softmax,
    softmax_backward,
    softmax_jacobian,
    squared_error,
    squared_error_delta,
    tanh,
    tanh_backward,
    tanh_derivative,
)

__version__ = "0.1.0"

__all__ = [
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "logit",
    "sigmoid_derivative",
    "tanh_derivative",
    "sigmoid_backward",
    "tanh_backward",
    "softmax_backward",
    "log_softmax_backward",
    "softmax_jacobian",
    "squared_error",
    "squared_error_delta",
    "output_layer_grad",
    "SquaredErrorDelta",
    "OutputLayerGrad",
]
