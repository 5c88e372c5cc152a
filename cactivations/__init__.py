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


def show_config(*, file=None):
    """Print, and return as a dict, how cactivations runs here.

    The instruction-set variant of the kernels in use (``baseline``, ``avx2`` or
    ``avx512``: chosen at import from the CPU's features, lowered by the
    environment variable ``CACTIVATIONS_CPU``), the variants built and the ones
    this CPU supports, and the versions of cactivations and NumPy.

    Examples
    --------
    >>> import io, cactivations as ca
    >>> info = ca.show_config(file=io.StringIO())
    >>> info["cpu_variant"] in info["cpu_variants_built"]
    True
    """
    import sys

    import numpy

    from . import _cpu

    info = {"cactivations": __version__, "numpy": numpy.__version__, **_cpu.config()}
    out = sys.stdout if file is None else file
    for key, value in info.items():
        if isinstance(value, list):
            value = ", ".join(value)
        print(f"{key:24s} {value}", file=out)
    return info


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
    "show_config",
]
