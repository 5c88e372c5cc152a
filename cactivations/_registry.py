"""The one table of cactivations.

Every activation is a row of ``ACTIVATIONS``.  The build (``setup.py``) reads this
file to generate the compiled kernels (``src/_kernels.pyx.tp``), the Python layer
builds the public wrappers and their docstrings from it, and the tests and
benchmarks iterate over it.  This module must stay importable on its own, with
no imports beyond the standard library, because ``setup.py`` loads it by path
before the package is built.

Adding an elementwise activation ``foo`` means: a row here, and the C scalar
functions ``cact_foo_<T>``, ``cact_foo_derivative_<T>``, ``cact_foo_backward_<T>``
and ``cact_foo_fwd_deriv_<T>`` (``T`` in ``f32``/``f64``) in ``src/cact_math.h``.
"""

from typing import NamedTuple, Optional, Tuple


class Activation(NamedTuple):
    """One activation function g and the formulas of its derivatives."""

    name: str
    #: "elementwise" (y_k = g(z_k)) or "rowwise" (softmax family, along ``axis``)
    kind: str
    #: exported as ``ca.<name>``, ``ca.<name>_derivative``, ``ca.<name>_backward``
    public: bool
    #: g(z), as text (used in docstrings)
    formula: str
    #: g'(z) from the input, as text, or None if there is no ``<name>_derivative``
    derivative_formula: Optional[str]
    #: the vector-Jacobian product from the saved output y and the incoming
    #: gradient g, as text, or None if there is no ``<name>_backward``
    backward_formula: Optional[str]
    #: how the forward is computed without overflow or loss of accuracy
    numerics: str
    #: where the mpmath sweep of forward and derivative runs, per dtype:
    #: ((lo, hi) for float32, (lo, hi) for float64); beyond it the result is
    #: the limit value, which the edge-value tests check
    sweep: Tuple[Tuple[float, float], Tuple[float, float]]
    #: values at +inf and -inf of (forward, derivative)
    limits: Tuple[Tuple[float, float], Tuple[float, float]]


ACTIVATIONS = {
    a.name: a
    for a in (
        Activation(
            name="identity",
            kind="elementwise",
            public=False,
            formula="g(z) = z",
            derivative_formula="g'(z) = 1",
            backward_formula="dL/dz = grad_output",
            numerics="exact",
            sweep=((-3.0e38, 3.0e38), (-1.0e308, 1.0e308)),
            limits=((float("inf"), float("-inf")), (1.0, 1.0)),
        ),
        Activation(
            name="sigmoid",
            kind="elementwise",
            public=True,
            formula="sigma(z) = 1 / (1 + exp(-z))",
            derivative_formula="sigma'(z) = sigma(z) (1 - sigma(z)) = e / (1 + e)**2, e = exp(-|z|)",
            backward_formula="dL/dz = grad_output * y * (1 - y), y = sigma(z)",
            numerics=(
                "With e = exp(-|z|) in (0, 1], sigma(z) = 1/(1 + e) for z >= 0 and "
                "e/(1 + e) for z < 0, so exp never overflows and the negative tail keeps "
                "its relative accuracy down to the subnormals (sigmoid(-745.0) > 0). The "
                "derivative e/(1 + e)**2 = e/(1 + e(2 + e)) is computed from the input, so it stays accurate "
                "where the output-based y (1 - y) rounds to 0 (sigmoid_derivative(40.0) "
                "is about 4.25e-18)."
            ),
            sweep=((-104.0, 90.0), (-746.0, 710.0)),
            limits=((1.0, 0.0), (0.0, 0.0)),
        ),
        Activation(
            name="tanh",
            kind="elementwise",
            public=True,
            formula="tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z))",
            derivative_formula="tanh'(z) = 1 - tanh(z)**2 = 4 e / (1 + e)**2, e = exp(-2|z|)",
            backward_formula="dL/dz = grad_output * (1 - y) * (1 + y), y = tanh(z)",
            numerics=(
                "One range reduction gives both e = exp(-2|z|) and m = expm1(-2|z|): "
                "tanh|z| = (1 - e) / (1 + e), with the numerator taken as -m where "
                "|z| < 0.55 (there 1 - e would cancel), and 1 - tanh(z)**2 = "
                "4e / (1 + e(2 + e)). No overflow, and the derivative keeps its relative "
                "accuracy in the tails (tanh_derivative(20.0) is about 1.7e-17, not 0)."
            ),
            sweep=((-60.0, 60.0), (-380.0, 380.0)),
            limits=((1.0, -1.0), (0.0, 0.0)),
        ),
        Activation(
            name="softmax",
            kind="rowwise",
            public=True,
            formula="softmax(z)_k = exp(z_k) / sum_j exp(z_j)   (along axis)",
            derivative_formula="d softmax_k / d z_j = y_k (delta_kj - y_j)   (see softmax_jacobian)",
            backward_formula="dL/dz_k = y_k (g_k - sum_j g_j y_j)",
            numerics=(
                "The row maximum m is subtracted first. The subtraction z_k - m is inexact "
                "for wide rows, so its rounding error r (TwoSum) is carried into the "
                "exponential, exp(z_k - m) ~ exp(d)(1 + r); the sum is compensated "
                "(Neumaier) and float32 rows are computed in double. A row holding NaN or "
                "+inf, or all -inf, gives NaN, as scipy.special.softmax does."
            ),
            sweep=((-300.0, 300.0), (-300.0, 300.0)),
            limits=((float("nan"), 0.0), (float("nan"), float("nan"))),
        ),
    )
}

#: the names accepted by ``activation=`` in the squared-error functions
LOSS_ACTIVATIONS = tuple(ACTIVATIONS)

#: elementwise activations, in table order (the kernels are generated for these)
ELEMENTWISE = tuple(a.name for a in ACTIVATIONS.values() if a.kind == "elementwise")
