"""mpmath references of the exp/log1p family (src/cact_family_exp.h).

REF maps NAME -> (forward(x, **params), derivative(x, **params)); x is anything
mpmath.mpf accepts (a Python float is taken exactly), the result an mpf
evaluated at PREC bits (more where the formula cancels).  The references are the
exact functions: softplus has no threshold cut (see the header: its cut is
applied only where the rounded result is z anyway).

    from family_ref import REF
    fwd, der = REF["softplus"]
    float(fwd(2.0, beta=1.0, threshold=20.0))
"""

import mpmath as mp

PREC = 200


def _mpf(x):
    return mp.mpf(x)


def _sp(t):
    """log(1 + exp(t)) without cancellation in either tail."""
    return max(t, 0) + mp.log1p(mp.exp(-abs(t)))


def _sig(t):
    return 1 / (1 + mp.exp(-t))


def softplus(x, beta=1.0, threshold=20.0):
    with mp.workprec(PREC):
        b = _mpf(beta)
        return _sp(b * _mpf(x)) / b


def softplus_derivative(x, beta=1.0, threshold=20.0):
    with mp.workprec(PREC):
        return _sig(_mpf(beta) * _mpf(x))


def log_sigmoid(x):
    with mp.workprec(PREC):
        return -_sp(-_mpf(x))


def log_sigmoid_derivative(x):
    with mp.workprec(PREC):
        return _sig(-_mpf(x))


def silu(x):
    with mp.workprec(PREC):
        x = _mpf(x)
        return x * _sig(x)


def silu_derivative(x):
    with mp.workprec(PREC):
        x = _mpf(x)
        return _sig(x) * (1 + x * _sig(-x))


def mish(x):
    with mp.workprec(PREC):
        x = _mpf(x)
        return x * mp.tanh(_sp(x))


def mish_derivative(x):
    with mp.workprec(PREC):
        x = _mpf(x)
        sp = _sp(x)
        return mp.tanh(sp) + x * _sig(x) * mp.sech(sp) ** 2


def softsign(x):
    with mp.workprec(PREC):
        x = _mpf(x)
        return x / (1 + abs(x))


def softsign_derivative(x):
    with mp.workprec(PREC):
        return 1 / (1 + abs(_mpf(x))) ** 2


def tanhshrink(x):
    x = _mpf(x)
    if x == 0 or not mp.isfinite(x):
        return x - mp.tanh(x) if not mp.isnan(x) else x
    # z - tanh z ~ z^3/3 cancels about 2 log2(1/|z|) bits
    extra = max(0, -2 * int(mp.log(abs(x), 2))) + 20
    with mp.workprec(PREC + extra):
        r = x - mp.tanh(x)
    with mp.workprec(PREC):
        return +r


def tanhshrink_derivative(x):
    with mp.workprec(PREC):
        return mp.tanh(_mpf(x)) ** 2


def log1p(x):
    with mp.workprec(PREC):
        return mp.log1p(_mpf(x))


REF = {
    "softplus": (softplus, softplus_derivative),
    "log_sigmoid": (log_sigmoid, log_sigmoid_derivative),
    "silu": (silu, silu_derivative),
    "mish": (mish, mish_derivative),
    "softsign": (softsign, softsign_derivative),
    "tanhshrink": (tanhshrink, tanhshrink_derivative),
}

# limits at -inf and +inf: NAME -> ((g(-inf), g(+inf)), (g'(-inf), g'(+inf)))
LIMITS = {
    "softplus": ((0.0, float("inf")), (0.0, 1.0)),
    "log_sigmoid": ((float("-inf"), 0.0), (1.0, 0.0)),
    "silu": ((0.0, float("inf")), (0.0, 1.0)),
    "mish": ((0.0, float("inf")), (0.0, 1.0)),
    "softsign": ((-1.0, 1.0), (0.0, 0.0)),
    "tanhshrink": ((float("-inf"), float("inf")), (1.0, 1.0)),
}
