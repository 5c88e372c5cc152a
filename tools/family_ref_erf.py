"""mpmath references for the ELU/GELU family of src/cact_family_erf.h.

REF[NAME] = (forward(x, **params), derivative(x, **params)); x is a Python float
(or mpf) taken as exact, params are Python floats (also exact), and the results
are mpf at the working precision (200 bits unless the caller changes mp.prec).
Semantics follow torch.nn.functional, including the derivative at 0:
elu/selu/celu take the z <= 0 branch there (alpha, scale*alpha and 1).
"""

import mpmath as mp

mp.mp.prec = 200

SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")
SELU_SCALE = mp.mpf("1.0507009873554804934193349852946")
GELU_TANH_KAPPA = mp.mpf("0.044715")


def _m(x):
    return mp.mpf(x)


def elu(x, alpha=1.0):
    x, a = _m(x), _m(alpha)
    return x if x > 0 else a * mp.expm1(x)


def elu_derivative(x, alpha=1.0):
    x, a = _m(x), _m(alpha)
    return mp.mpf(1) if x > 0 else a * mp.exp(x)


def selu(x):
    return SELU_SCALE * elu(x, SELU_ALPHA) if _m(x) <= 0 else SELU_SCALE * _m(x)


def selu_derivative(x):
    return SELU_SCALE if _m(x) > 0 else SELU_SCALE * SELU_ALPHA * mp.exp(_m(x))


def celu(x, alpha=1.0):
    x, a = _m(x), _m(alpha)
    return max(mp.mpf(0), x) + min(mp.mpf(0), a * mp.expm1(x / a))


def celu_derivative(x, alpha=1.0):
    x, a = _m(x), _m(alpha)
    return mp.mpf(1) if x > 0 else mp.exp(x / a)


def _ncdf(x):
    # mpmath's erfc fails for huge arguments; far out, the first terms of the
    # asymptotic series are exact to far below any floating-point resolution
    if abs(x) > 10 ** 4:
        q = mp.npdf(x) / abs(x) * (1 - 1 / x ** 2 + 3 / x ** 4)
        return 1 - q if x > 0 else q
    return mp.ncdf(x)


def gelu(x):
    x = _m(x)
    return x * _ncdf(x)


def gelu_derivative(x):
    x = _m(x)
    return _ncdf(x) + x * mp.npdf(x)


def _gelu_tanh_u(x):
    return mp.sqrt(2 / mp.pi) * (x + GELU_TANH_KAPPA * x ** 3)


def gelu_tanh(x):
    # 0.5 x (1 + tanh u) = x / (1 + exp(-2u)), evaluated without cancellation
    x = _m(x)
    return x / (1 + mp.exp(-2 * _gelu_tanh_u(x)))


def gelu_tanh_derivative(x):
    x = _m(x)
    u = _gelu_tanh_u(x)
    du = mp.sqrt(2 / mp.pi) * (1 + 3 * GELU_TANH_KAPPA * x ** 2)
    s = 1 / (1 + mp.exp(-2 * u))           # sigmoid(2u)
    sp = mp.exp(-2 * abs(u)) / (1 + mp.exp(-2 * abs(u))) ** 2   # s (1 - s)
    return s + 2 * x * du * sp


REF = {
    "elu": (elu, elu_derivative),
    "selu": (selu, selu_derivative),
    "celu": (celu, celu_derivative),
    "gelu": (gelu, gelu_derivative),
    "gelu_tanh": (gelu_tanh, gelu_tanh_derivative),
}
