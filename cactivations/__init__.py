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

The family of PyTorch's ``torch.nn.functional`` is here too, each with
``<name>``, ``<name>_derivative`` and ``<name>_backward``: `relu`, `relu6`,
`leaky_relu`, `elu`, `selu`, `celu`, `gelu`, `silu`, `mish`, `softplus`,
`log_sigmoid`, `softsign`, `hardsigmoid`, `hardswish`, `hardtanh`,
`tanhshrink`; and the fused cross-entropy losses
`softmax_cross_entropy_delta` and `sigmoid_binary_cross_entropy_delta`.
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

from . import _cpu
from . import _api
from ._api import *  # noqa: F401,F403  (the public functions, listed in _api.__all__)

__version__ = "0.1.0"


def set_num_threads(n):
    """Use up to ``n`` threads (``n >= 1``) in the kernels.

    Arrays are split over threads only above 32768 elements (one thread per
    32768), so small calls always run on the calling thread. Results do not
    depend on the count: elementwise values are computed independently, and
    losses are summed over fixed blocks in a fixed order. By default (and after
    ``set_num_threads(0)``) the count is OpenMP's own, which follows
    ``OMP_NUM_THREADS`` and can be limited with threadpoolctl; the environment
    variable ``CACTIVATIONS_NUM_THREADS``, read at import, sets it instead.

    Examples
    --------
    >>> import cactivations as ca
    >>> before = ca.get_num_threads()
    >>> ca.set_num_threads(1)
    >>> ca.get_num_threads()
    1
    >>> ca.set_num_threads(0)  # back to OpenMP's default
    """
    import operator

    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"set_num_threads: n must be an integer, got {type(n).__name__}") from None
    if not 0 <= n < 2**31:
        raise ValueError(f"set_num_threads: n must be >= 0 and < 2**31, got {n}")
    _cpu.kernels.set_num_threads(n)


def get_num_threads():
    """The number of threads the kernels use for large arrays (see `set_num_threads`).

    Examples
    --------
    >>> import cactivations as ca
    >>> ca.get_num_threads() >= 1
    True
    """
    return _cpu.kernels.get_num_threads()


def _from_environment(name, setter):
    value = __import__("os").environ.get(name, "").strip()
    if not value:
        return
    try:
        setter(int(value))
    except (TypeError, ValueError, OverflowError):
        import warnings

        warnings.warn(
            f"cactivations: {name}={value!r} is not a non-negative integer; ignored",
            RuntimeWarning, stacklevel=2)



def show_config(*, file=None):
    """Print, and return as a dict, how cactivations runs here.

    The instruction-set variant of the kernels in use (``baseline``, ``avx2`` or
    ``avx512``: chosen at import from the CPU's features, lowered by the
    environment variable ``CACTIVATIONS_CPU``), the variants built and the ones
    this CPU supports, the versions of cactivations and NumPy, OpenMP and the
    thread count, and the bound of the cache of large result arrays
    (``cache_bytes``, set by ``CACTIVATIONS_CACHE_BYTES``).

    Examples
    --------
    >>> import io, cactivations as ca
    >>> info = ca.show_config(file=io.StringIO())
    >>> info["cpu_variant"] in info["cpu_variants_built"]
    True
    """
    import sys

    import numpy

    info = {"cactivations": __version__, "numpy": numpy.__version__, **_cpu.config(),
            "openmp": bool(_cpu.kernels.HAVE_OPENMP), "num_threads": get_num_threads(),
            "cache_bytes": _cpu.kernels.cache_info()[2]}
    out = sys.stdout if file is None else file
    for key, value in info.items():
        if isinstance(value, list):
            value = ", ".join(value)
        print(f"{key:24s} {value}", file=out)
    return info


__all__ = [*_api.__all__, "show_config", "set_num_threads", "get_num_threads"]

_from_environment("CACTIVATIONS_NUM_THREADS", set_num_threads)
_from_environment("CACTIVATIONS_CACHE_BYTES", _cpu.kernels.set_cache_bytes)
