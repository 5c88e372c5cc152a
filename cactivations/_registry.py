"""The one table of cactivations.

Every activation is a row of ``ACTIVATIONS``.  The build (``setup.py``) reads this
file to generate the compiled kernels (``src/_kernels.pyx.tp``), the Python layer
builds the public wrappers and their docstrings from it, and the tests and
benchmarks iterate over it.  This module must stay importable on its own, with
no imports beyond the standard library, because ``setup.py`` loads it by path
before the package is built.

Adding an elementwise activation ``foo`` means: a row here, and the C scalar
functions ``cact_foo_<T>``, ``cact_foo_derivative_<T>`` and
``cact_foo_fwd_deriv_<T>`` (``T`` in ``f32``/``f64``, the row's parameters as
trailing ``double`` arguments), plus ``cact_foo_backward_<T>(g, y, ...)`` when
the backward works from the saved output, in a header under ``src/``
(see ``src/cact_activations.h``).  Its NumPy reference goes in
``cactivations/_reference.py`` and its mpmath reference in
``MP_ELEMENTWISE`` of ``tests/test_accuracy.py``; the tests fail, naming what
is missing, until both are there.
"""

from typing import Dict, NamedTuple, Optional, Tuple


class Param(NamedTuple):
    """A keyword-only parameter of an activation (``leaky_relu(z, *, negative_slope=0.01)``)."""

    name: str
    #: the default value
    default: object
    #: what values are valid: "real" (any float but NaN), "finite", "positive"
    #: (finite and > 0), "nonzero" (finite and != 0), or "choice" (one of ``choices``)
    check: str = "finite"
    #: for "choice": value -> the name of the kernel (a row of ACTIVATIONS) it selects
    choices: Optional[Dict[str, str]] = None
    #: one line for the docstring
    doc: str = ""


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
    #: keyword-only parameters, passed to the C functions (the float ones, in order)
    params: Tuple[Param, ...] = ()
    #: what ``<name>_backward`` takes besides grad_output: "output" (the saved
    #: y = g(z)) or "input" (the saved z)
    backward_from: str = "output"
    #: (min_name, max_name): two parameters that must satisfy min <= max
    ordered: Optional[Tuple[str, str]] = None
    #: where the function is not differentiable, the value ``<name>_derivative``
    #: takes there (PyTorch's convention), as text for the docstring
    kinks: str = ""
    #: the points where it or its derivative is not differentiable (with the
    #: default parameters): finite differences straddling them are wrong
    breakpoints: Tuple[float, ...] = ()
    #: piecewise polynomial (no transcendental function): bandwidth-bound
    piecewise: bool = False
    #: the dtypes ("f32", "f64") whose kernels hold only for some parameter
    #: values: for each such T the C header defines int cact_<name>_T_fast(p0,
    #: p1), true where they hold, and cact_<name>[_derivative|_fwd_deriv]_wide_T
    #: for the others; the loops test it once per call (e.g. elu: float
    #: arithmetic in float32, a fixed split of exp's power of 2 in float64, for
    #: the usual alpha)
    guard: Tuple[str, ...] = ()
    #: (other, values): where the float parameters equal ``values`` the
    #: function is activation ``other`` with them (celu with alpha = 1 is elu
    #: with alpha = 1), and ``other``'s kernels run
    same_as: Optional[Tuple[str, Tuple[float, ...]]] = None


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
            sweep=((-1.0e30, 1.0e30), (-1.0e300, 1.0e300)),
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
                "One range reduction gives both e = exp(-2|z|) and m = expm1(-2|z|) = e - 1: "
                "tanh|z| = (1 - e) / (1 + e) = -m / (2 + m) for every z, numerator and "
                "denominator each rounded once from the reduced exponential (no "
                "cancellation near 0, where 1 - e would cancel), and 1 - tanh(z)**2 = "
                "4e / (1 + e(2 + e)). No overflow, and the derivative keeps its relative "
                "accuracy in the tails (tanh_derivative(20.0) is about 1.7e-17, not 0)."
            ),
            sweep=((-60.0, 60.0), (-380.0, 380.0)),
            limits=((1.0, -1.0), (0.0, 0.0)),
        ),
        Activation(
            name="relu",
            kind="elementwise",
            public=True,
            formula="relu(z) = max(z, 0)",
            derivative_formula="relu'(z) = 1 for z > 0, else 0",
            backward_formula="dL/dz = grad_output where y > 0, else 0, y = relu(z)",
            numerics="Exact. NaN propagates (relu(nan) is nan); relu(-0.0) is -0.0, as in PyTorch.",
            sweep=((-1.0e30, 1.0e30), (-1.0e300, 1.0e300)),
            limits=((float("inf"), 0.0), (1.0, 0.0)),
            kinks="relu'(0) = 0",
            breakpoints=(0.0,),
            piecewise=True,
        ),
        Activation(
            name="relu6",
            kind="elementwise",
            public=True,
            formula="relu6(z) = min(max(z, 0), 6)",
            derivative_formula="relu6'(z) = 1 for 0 < z < 6, else 0",
            backward_formula="dL/dz = grad_output where 0 < z < 6, else 0",
            numerics="Exact. NaN propagates.",
            sweep=((-1.0e30, 1.0e30), (-1.0e300, 1.0e300)),
            limits=((6.0, 0.0), (0.0, 0.0)),
            backward_from="input",
            kinks="relu6'(0) = relu6'(6) = 0",
            breakpoints=(0.0, 6.0),
            piecewise=True,
        ),
        Activation(
            name="leaky_relu",
            kind="elementwise",
            public=True,
            formula="leaky_relu(z) = z for z > 0, else negative_slope * z",
            derivative_formula="leaky_relu'(z) = 1 for z > 0, else negative_slope",
            backward_formula="dL/dz = grad_output * (1 if z > 0 else negative_slope)",
            numerics="One rounding (the product). NaN propagates.",
            sweep=((-1.0e30, 1.0e30), (-1.0e300, 1.0e300)),
            limits=((float("inf"), float("-inf")), (1.0, 0.01)),
            params=(Param("negative_slope", 0.01, "finite", doc="slope for z <= 0"),),
            backward_from="input",
            guard=("f32",),
            kinks="leaky_relu'(0) = negative_slope",
            breakpoints=(0.0,),
            piecewise=True,
        ),
        Activation(
            name="elu",
            kind="elementwise",
            public=True,
            formula="elu(z) = z for z > 0, else alpha * (exp(z) - 1)",
            derivative_formula="elu'(z) = 1 for z > 0, else alpha * exp(z)",
            backward_formula="dL/dz = grad_output * elu'(z)",
            numerics=(
                "expm1 of z <= 0 from the shared range reduction, so elu keeps its "
                "relative accuracy near 0 (elu(-1e-10) is -1e-10, not 0)."
            ),
            sweep=((-110.0, 1.0e30), (-750.0, 1.0e300)),
            limits=((float("inf"), -1.0), (1.0, 0.0)),
            params=(Param("alpha", 1.0, "finite", doc="the value of -elu(-inf)"),),
            backward_from="input",
            guard=("f32", "f64"),
            kinks="elu'(0) = alpha",
            breakpoints=(0.0,),
        ),
        Activation(
            name="selu",
            kind="elementwise",
            public=True,
            formula=(
                "selu(z) = scale * (z for z > 0, else alpha * (exp(z) - 1)), "
                "alpha = 1.6732632423543772, scale = 1.0507009873554805"
            ),
            derivative_formula="selu'(z) = scale for z > 0, else scale * alpha * exp(z)",
            backward_formula="dL/dz = grad_output * selu'(z)",
            numerics="elu with PyTorch's constants; scale * alpha is one rounded constant.",
            sweep=((-110.0, 1.0e30), (-750.0, 1.0e300)),
            limits=((float("inf"), -1.7580993408473768), (1.0507009873554805, 0.0)),
            backward_from="input",
            kinks="selu'(0) = scale * alpha",
            breakpoints=(0.0,),
        ),
        Activation(
            name="celu",
            kind="elementwise",
            public=True,
            formula="celu(z) = max(0, z) + min(0, alpha * (exp(z / alpha) - 1))",
            derivative_formula="celu'(z) = 1 for z > 0, else exp(z / alpha)",
            backward_formula="dL/dz = grad_output * celu'(z)",
            numerics=(
                "expm1 of z / alpha from the shared range reduction; for alpha = 1, "
                "where celu is elu, the kernels of elu."
            ),
            sweep=((-110.0, 1.0e30), (-750.0, 1.0e300)),
            limits=((float("inf"), -1.0), (1.0, 0.0)),
            params=(Param("alpha", 1.0, "nonzero", doc="the value of -celu(-inf), not 0"),),
            backward_from="input",
            guard=("f32", "f64"),
            kinks="celu'(0) = 1",
            breakpoints=(0.0,),
            same_as=("elu", (1.0,)),
        ),
        Activation(
            name="gelu",
            kind="elementwise",
            public=True,
            formula="gelu(z) = z * Phi(z) = z/2 * erfc(-z / sqrt(2))  (approximate='none')",
            derivative_formula="gelu'(z) = Phi(z) + z * phi(z), phi(z) = exp(-z**2/2) / sqrt(2 pi)",
            backward_formula="dL/dz = grad_output * gelu'(z)",
            numerics=(
                "Phi comes from erfc, so the negative tail keeps its relative accuracy "
                "(the textbook z/2 (1 + erf(z/sqrt 2)) loses every digit below z = -6); "
                "near the root of gelu' (z = -0.7518) the derivative keeps its relative "
                "accuracy. approximate='tanh' is "
                "0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z**3))) = z sigmoid(2u), "
                "u = sqrt(2/pi) (z + 0.044715 z**3)."
            ),
            sweep=((-15.0, 1.0e30), (-40.0, 1.0e300)),
            limits=((float("inf"), 0.0), (1.0, 0.0)),
            params=(Param("approximate", "none", "choice",
                          choices={"none": "gelu", "tanh": "gelu_tanh"},
                          doc="'none' (erf form) or 'tanh' (PyTorch's tanh approximation)"),),
            backward_from="input",
        ),
        Activation(
            name="gelu_tanh",
            kind="elementwise",
            public=False,
            formula="gelu(z) = z/2 (1 + tanh(sqrt(2/pi) (z + 0.044715 z**3)))  (approximate='tanh')",
            derivative_formula="d/dz of the tanh approximation",
            backward_formula="dL/dz = grad_output * gelu'(z)",
            numerics="z sigmoid(2u): no cancellation in the negative tail.",
            sweep=((-12.0, 1.0e30), (-25.0, 1.0e300)),
            limits=((float("inf"), 0.0), (1.0, 0.0)),
            backward_from="input",
        ),
        Activation(
            name="silu",
            kind="elementwise",
            public=True,
            formula="silu(z) = z * sigmoid(z)  (swish)",
            derivative_formula="silu'(z) = sigmoid(z) (1 + z (1 - sigmoid(z)))",
            backward_formula="dL/dz = grad_output * silu'(z)",
            numerics=(
                "From the sigmoid's exp(-|z|); near the root of silu' (z = -1.2785) the "
                "derivative keeps its relative accuracy."
            ),
            sweep=((-115.0, 1.0e30), (-760.0, 1.0e300)),
            limits=((float("inf"), 0.0), (1.0, 0.0)),
            backward_from="input",
        ),
        Activation(
            name="mish",
            kind="elementwise",
            public=True,
            formula="mish(z) = z * tanh(softplus(z))",
            derivative_formula="mish'(z) = tanh(sp) + z * sigmoid(z) * (1 - tanh(sp)**2), sp = softplus(z)",
            backward_formula="dL/dz = grad_output * mish'(z)",
            numerics=(
                "tanh(softplus(z)) = e (e + 2) / (e (e + 2) + 2), e = exp(z) (or the "
                "same in exp(-z) for z > 0): no cancellation and no overflow."
            ),
            sweep=((-115.0, 1.0e30), (-760.0, 1.0e300)),
            limits=((float("inf"), 0.0), (1.0, 0.0)),
            backward_from="input",
        ),
        Activation(
            name="softplus",
            kind="elementwise",
            public=True,
            formula="softplus(z) = log(1 + exp(beta z)) / beta",
            derivative_formula="softplus'(z) = sigmoid(beta z)",
            backward_formula="dL/dz = grad_output * sigmoid(beta z)",
            numerics=(
                "max(x, 0) + log1p(exp(-|x|)), x = beta z, accurate to a few ULP "
                "everywhere. PyTorch returns z where beta z > threshold (off by 7.6e-10 "
                "at z = 21 in float64 with the default 20); here the result is z only "
                "where that is the exact value rounded (beta z > 36), so ``threshold`` "
                "is accepted for compatibility and changes no result; the derivative "
                "is sigmoid(beta z) everywhere."
            ),
            sweep=((-110.0, 1.0e30), (-750.0, 1.0e300)),
            limits=((float("inf"), 0.0), (1.0, 0.0)),
            params=(Param("beta", 1.0, "positive", doc="sharpness, > 0"),
                    Param("threshold", 20.0, "real",
                          doc="PyTorch's cut to z; accepted, and the result stays exact")),
            backward_from="input",
            guard=("f32", "f64"),
        ),
        Activation(
            name="log_sigmoid",
            kind="elementwise",
            public=True,
            formula="log_sigmoid(z) = log(sigmoid(z)) = -softplus(-z)",
            derivative_formula="log_sigmoid'(z) = sigmoid(-z) = 1 - sigmoid(z)",
            backward_formula="dL/dz = grad_output * sigmoid(-z)",
            numerics="min(z, 0) - log1p(exp(-|z|)): no overflow, no cancellation.",
            sweep=((-1.0e30, 110.0), (-1.0e300, 750.0)),
            limits=((0.0, float("-inf")), (0.0, 1.0)),
            backward_from="input",
        ),
        Activation(
            name="softsign",
            kind="elementwise",
            public=True,
            formula="softsign(z) = z / (1 + |z|)",
            derivative_formula="softsign'(z) = 1 / (1 + |z|)**2",
            backward_formula="dL/dz = grad_output / (1 + |z|)**2",
            numerics="From the input (1 - |y| would cancel for |z| large).",
            sweep=((-1.0e30, 1.0e30), (-1.0e300, 1.0e300)),
            limits=((1.0, -1.0), (0.0, 0.0)),
            backward_from="input",
            breakpoints=(0.0,),
        ),
        Activation(
            name="hardsigmoid",
            kind="elementwise",
            public=True,
            formula="hardsigmoid(z) = min(max(z + 3, 0), 6) / 6",
            derivative_formula="hardsigmoid'(z) = 1/6 for -3 < z < 3, else 0",
            backward_formula="dL/dz = grad_output / 6 where -3 < z < 3, else 0",
            numerics="As PyTorch: (z + 3) / 6, two roundings.",
            sweep=((-1.0e30, 1.0e30), (-1.0e300, 1.0e300)),
            limits=((1.0, 0.0), (0.0, 0.0)),
            backward_from="input",
            kinks="hardsigmoid'(-3) = hardsigmoid'(3) = 0",
            breakpoints=(-3.0, 3.0),
            piecewise=True,
        ),
        Activation(
            name="hardswish",
            kind="elementwise",
            public=True,
            formula="hardswish(z) = z * min(max(z + 3, 0), 6) / 6",
            derivative_formula="hardswish'(z) = 0 for z <= -3, z/3 + 1/2 for -3 < z < 3, 1 for z >= 3",
            backward_formula="dL/dz = grad_output * hardswish'(z)",
            numerics=(
                "z hardsigmoid(z) between -3 and 3: z times the correctly rounded (z + 3) / 6, "
                "within 2 ulp of the exact value like PyTorch's (z (z + 3)) / 6, whose last "
                "bit it does not always give; z itself from 3 on "
                "(PyTorch's z * 6 / 6 overflows near the largest float) and 0 up to -3, "
                "also at -inf (PyTorch gives NaN there)."
            ),
            sweep=((-1.0e30, 1.0e30), (-1.0e300, 1.0e300)),
            limits=((float("inf"), 0.0), (1.0, 0.0)),
            backward_from="input",
            kinks="hardswish'(-3) = 0, hardswish'(3) = 1",
            breakpoints=(-3.0, 3.0),
            piecewise=True,
        ),
        Activation(
            name="hardtanh",
            kind="elementwise",
            public=True,
            formula="hardtanh(z) = min(max(z, min_val), max_val)",
            derivative_formula="hardtanh'(z) = 1 for min_val < z < max_val, else 0",
            backward_formula="dL/dz = grad_output where min_val < z < max_val, else 0",
            numerics="Exact. NaN propagates.",
            sweep=((-1.0e30, 1.0e30), (-1.0e300, 1.0e300)),
            limits=((1.0, -1.0), (0.0, 0.0)),
            params=(Param("min_val", -1.0, "real", doc="lower bound"),
                    Param("max_val", 1.0, "real", doc="upper bound, >= min_val")),
            backward_from="input",
            ordered=("min_val", "max_val"),
            kinks="hardtanh'(min_val) = hardtanh'(max_val) = 0",
            breakpoints=(-1.0, 1.0),
            piecewise=True,
        ),
        Activation(
            name="tanhshrink",
            kind="elementwise",
            public=True,
            formula="tanhshrink(z) = z - tanh(z)",
            derivative_formula="tanhshrink'(z) = tanh(z)**2",
            backward_formula="dL/dz = grad_output * tanh(z)**2",
            numerics="A series for small |z| (z - tanh z ~ z**3 / 3 would cancel).",
            sweep=((-1.0e30, 1.0e30), (-1.0e300, 1.0e300)),
            limits=((float("inf"), float("-inf")), (1.0, 1.0)),
            backward_from="input",
        ),
        Activation(
            name="softmax",
            kind="rowwise",
            public=True,
            formula="softmax(z)_k = exp(z_k) / sum_j exp(z_j)   (along axis)",
            derivative_formula="d softmax_k / d z_j = y_k (delta_kj - y_j)   (see softmax_jacobian)",
            backward_formula="dL/dz_k = y_k (g_k - sum_j g_j y_j)",
            numerics=(
                "A row of at most 64 entries that all lie within +-700 is taken as "
                "exp(z_k) / sum_j exp(z_j) directly (each exp(z_k) is then a normal "
                "double); so is a float32 row of K entries within +-min(64, (100 - e) "
                "ln 2), 2^(e-1) <= K < 2^e, in float arithmetic (each exp(z_k) a normal "
                "float, the sum below 2^100). Other rows have their maximum m subtracted first; the "
                "subtraction z_k - m is inexact for wide rows, so its rounding error r "
                "(TwoSum) is carried into the exponential, exp(z_k - m) ~ exp(d)(1 + r), "
                "where exp(d) does not underflow. "
                "The sum is compensated for float64 and a plain double sum for float32 "
                "(within about 2^-36 relative); the float32 exponentials are computed in "
                "float arithmetic, except for rows of at most 64 entries not all within "
                "+-64 (in double). A row holding NaN or +inf, or all -inf, gives NaN, as "
                "scipy.special.softmax does."
            ),
            sweep=((-300.0, 300.0), (-300.0, 300.0)),
            limits=((float("nan"), 0.0), (float("nan"), float("nan"))),
        ),
    )
}

#: the names accepted by ``activation=`` in the squared-error functions
LOSS_ACTIVATIONS = tuple(n for n, a in ACTIVATIONS.items() if a.public or n == "identity")

#: elementwise activations, in table order (the kernels are generated for these)
ELEMENTWISE = tuple(a.name for a in ACTIVATIONS.values() if a.kind == "elementwise")
