"""Accuracy in ULPs against mpmath: <= 4 ULP worst case, float32 and float64.

The sweeps cover the whole range of every function (the registry ``sweep``
ranges), with log-spaced points into both tails (down to the subnormals),
uniform and random points, and special points: zeros, tiny and subnormal
inputs, and dense neighbourhoods of the inputs where the result becomes
subnormal, becomes zero or rounds to 1.

The error of a result ``got`` whose exact value is ``r`` (mpmath, 200 bits) is
``|got - r| / ulp`` with ``ulp = np.spacing(|r rounded to the dtype|)`` (the
smallest subnormal when r rounds to 0).  Apart from the bound, no result may
be 0 where |r| is at least 3/4 of the smallest subnormal (no flush to zero).
References are cached per session.
"""

import math
import zlib

import mpmath
import numpy as np
import pytest

from _helpers import ACTIVATIONS, FLOATS, PUBLIC_ELEMENTWISE, PUBLIC_ROWWISE, func

MAX_ULP = 4.0
PREC = 200  # bits of the mpmath references (60 decimal digits)


# ---------------------------------------------------------------------------
# exact references
# ---------------------------------------------------------------------------


def _mp_sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def _mp_sigmoid_derivative(x):
    e = mpmath.exp(-abs(x))
    return e / (1 + e) ** 2


def _mp_tanh(x):
    return mpmath.tanh(x)


def _mp_tanh_derivative(x):
    return mpmath.sech(x) ** 2


def _mp_logit(p):
    if p == 0:
        return mpmath.mpf("-inf")
    if p == 1:
        return mpmath.mpf("inf")
    # p / (1 - p) is exact enough at 200 bits that log keeps full relative
    # accuracy even next to p = 1/2, where logit p ~ 4 (p - 1/2).
    return mpmath.log(p / (1 - p))


mpf = mpmath.mpf
_SELU_ALPHA = mpf("1.6732632423543772848170429916717")
_SELU_SCALE = mpf("1.0507009873554804934193349852946")
_GELU_C = None  # sqrt(2/pi), at the working precision


def _step(x, inside, value, outside=0):
    return mpf(value) if inside else mpf(outside)


def _clamp(x, lo, hi):
    return mpf(lo) if x < lo else mpf(hi) if x > hi else x


def _mp_softplus(x):
    return mpmath.log1p(mpmath.exp(x)) if x < 0 else x + mpmath.log1p(mpmath.exp(-x))


def _mp_gelu_tanh(x, deriv):
    c = mpmath.sqrt(2 / mpmath.pi)
    a = mpf("0.044715")  # the decimal constant of the formula
    u = c * (x + a * x ** 3)
    s = 1 / (1 + mpmath.exp(-2 * u))            # (1 + tanh u) / 2
    if not deriv:
        return x * s
    return s + x * 2 * s * (1 - s) * c * (1 + 3 * a * x * x)


def _mp_tanhshrink(x):
    """x - tanh x with enough bits for the cancellation (x**3 / 3 for tiny x)."""
    if x == 0:
        return x
    extra = int(3 * max(0, -mpmath.log(abs(x), 2))) + 16
    with mpmath.workprec(mpmath.mp.prec + extra):
        return +(x - mpmath.tanh(x))


def _mp_mish(x, deriv):
    sp = _mp_softplus(x)
    t = mpmath.tanh(sp)
    if not deriv:
        return x * t
    return t + x * _mp_sigmoid(x) * (1 - t * t)


#: mpmath forward and derivative of the activations whose kernels are guarded
#: on their parameters, as functions of (x, parameters)
MP_PARAMETRIZED = {
    "leaky_relu": (lambda x, p: x if x > 0 else x * mpf(p["negative_slope"]),
                   lambda x, p: mpf(1) if x > 0 else mpf(p["negative_slope"])),
    "elu": (lambda x, p: x if x > 0 else mpf(p["alpha"]) * mpmath.expm1(x),
            lambda x, p: mpf(1) if x > 0 else mpf(p["alpha"]) * mpmath.exp(x)),
    "celu": (lambda x, p: x if x > 0 else mpf(p["alpha"]) * mpmath.expm1(x / mpf(p["alpha"])),
             lambda x, p: mpf(1) if x > 0 else mpmath.exp(x / mpf(p["alpha"]))),
    "softplus": (lambda x, p: _mp_softplus(mpf(p["beta"]) * x) / mpf(p["beta"]),
                 lambda x, p: _mp_sigmoid(mpf(p["beta"]) * x)),
}


def _mp_default(act):
    """MP_PARAMETRIZED[act] at the registry's default parameters."""
    p = {q.name: q.default for q in ACTIVATIONS[act].params}
    fwd, der = MP_PARAMETRIZED[act]
    return (lambda x: fwd(x, p)), (lambda x: der(x, p))


#: mpmath forward and derivative of every public elementwise activation, with
#: its default parameters (keyed by the kernel name where a choice selects one)
MP_ELEMENTWISE = {
    "sigmoid": (_mp_sigmoid, _mp_sigmoid_derivative),
    "tanh": (_mp_tanh, _mp_tanh_derivative),
    "relu": (lambda x: x if x > 0 else mpf(0), lambda x: _step(x, x > 0, 1)),
    "relu6": (lambda x: _clamp(x, 0, 6), lambda x: _step(x, 0 < x < 6, 1)),
    "leaky_relu": _mp_default("leaky_relu"),
    "elu": _mp_default("elu"),
    "selu": (lambda x: _SELU_SCALE * (x if x > 0 else _SELU_ALPHA * mpmath.expm1(x)),
             lambda x: _SELU_SCALE * (1 if x > 0 else _SELU_ALPHA * mpmath.exp(x))),
    "celu": _mp_default("celu"),
    "gelu": (lambda x: x / 2 * mpmath.erfc(-x / mpmath.sqrt(2)),
             lambda x: mpmath.erfc(-x / mpmath.sqrt(2)) / 2
             + x * mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)),
    "gelu_tanh": (lambda x: _mp_gelu_tanh(x, False), lambda x: _mp_gelu_tanh(x, True)),
    "silu": (lambda x: x * _mp_sigmoid(x),
             lambda x: _mp_sigmoid(x) * (1 + x * (1 - _mp_sigmoid(x)))),
    "mish": (lambda x: _mp_mish(x, False), lambda x: _mp_mish(x, True)),
    "softplus": _mp_default("softplus"),
    "log_sigmoid": (lambda x: -_mp_softplus(-x), lambda x: _mp_sigmoid(-x)),
    "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
    "hardsigmoid": (lambda x: _clamp(x + 3, 0, 6) / 6, lambda x: _step(x, -3 < x < 3, 1 / mpf(6))),
    "hardswish": (lambda x: x * _clamp(x + 3, 0, 6) / 6,
                  lambda x: mpf(0) if x <= -3 else (x / 3 + mpf(0.5) if x < 3 else mpf(1))),
    "hardtanh": (lambda x: _clamp(x, -1, 1), lambda x: _step(x, -1 < x < 1, 1)),
    "tanhshrink": (_mp_tanhshrink, lambda x: mpmath.tanh(x) ** 2),
}


def _thresholds(name, dtype):
    """Magnitudes of the inputs where the result changes regime, per function.

    (becomes subnormal, becomes 0, rounds to 1, or stops differing from its
    first-order expansion)."""
    fi = np.finfo(dtype)
    tiny, ss, eps = float(fi.tiny), float(fi.smallest_subnormal), float(fi.eps)
    log = math.log
    return {
        "sigmoid": [-log(tiny), -log(ss), log(4) - log(eps), -log(eps), log(2.0)],
        "sigmoid_derivative": [-log(tiny), -log(ss), -log(eps), math.sqrt(eps)],
        "tanh": [0.5 * (log(8) - log(eps)), math.sqrt(1.5 * eps), 0.5 * log(3.0)],
        "tanh_derivative": [0.5 * (log(4) - log(tiny)), 0.5 * (log(4) - log(ss)),
                            math.sqrt(eps), 0.5 * (log(4) - log(eps))],
        # roots of the derivatives (relative accuracy near a zero of the result)
        "silu_derivative": [1.2784645427610738],
        "gelu_derivative": [0.7517915246935645],
        "gelu_tanh_derivative": [0.7524614220710163],
        "mish_derivative": [1.1924312145154952],
        # where the shortcut of softplus (the result is z) becomes exact
        "softplus": [-log(eps), -log(tiny)],
        "softplus_derivative": [-log(eps)],
        "tanhshrink": [math.sqrt(eps), eps ** 0.25, 0.5],
    }.get(name, [])


# The float32 inputs where the kernels that run (or ran) in float arithmetic
# are worst or were above 4 ULP, found over all 2^32 inputs by tools/ulp_f32.c
# (compiled for x86-64-v3 and for x86-64): the sampled regions miss them.
# Part of the special region of float32.
FLOAT32_WORST = {
    "sigmoid": ["-0x1.0a111ap+2"],
    "sigmoid_derivative": ["0x1.6275dcp+2", "-0x1.522cd8p+1"],
    "tanh": ["0x1.09a9ecp-1", "0x1.01341ap-3", "0x1.00effap-3"],
    "tanh_derivative": ["0x1.6275dcp+1", "0x1.522cd8p+0"],
    "softplus": ["-0x1.ba1446p+1", "-0x1.bb0ccap+1"],
    "softplus_derivative": ["-0x1.0a111ap+2"],
    "log_sigmoid": ["0x1.ba1446p+1", "0x1.bb0ccap+1"],
    "log_sigmoid_derivative": ["0x1.0a111ap+2"],
    "silu": ["-0x1.7c16d4p+2", "-0x1.9b0a48p+1"],
    "silu_derivative": ["-0x1.123016p-1", "-0x1.508f1ap+0", "-0x1.08c884p+0"],
    "mish": ["-0x1.9e154ep+1"],
    "tanhshrink": ["0x1.f4df6p-1"],
    "tanhshrink_derivative": ["0x1.b4ab76p-1"],
    "gelu": ["-0x1.9e9562p+1", "-0x1.833036p+1"],
    "gelu_derivative": ["-0x1.1c8964p+0", "-0x1.16445cp+0", "-0x1.9b6f8ep-2"],
    "elu": ["-0x1.677b76p-2", "-0x1.24946ep-2", "-0x1.20615p-2"],
    "elu_derivative": ["-0x1.78e2fcp+2", "-0x1.049d98p+4", "-0x1.4cb01ap+2"],
    "selu": ["-0x1.565e4ep-2"],
    "selu_derivative": ["-0x1.527992p+1", "-0x1.528c92p+1"],
    "celu": ["-0x1.24946ep-2"],
    "celu_derivative": ["-0x1.049d98p+4"],
    "softsign": ["0x1.c2fa7ep-7"],
    "softsign_derivative": ["-0x1.6a3f18p+27"],
}


# ---------------------------------------------------------------------------
# ULP measurement
# ---------------------------------------------------------------------------


def _mp_values(f, xs):
    with mpmath.workprec(PREC):
        return [f(mpmath.mpf(x)) for x in xs]


def ulp_errors(got, refs, dtype):
    """Error of every element of got, in ULPs of the dtype, against mpf refs."""
    dt = np.dtype(dtype)
    ss = float(np.finfo(dt).smallest_subnormal)
    errs = np.empty(len(refs))
    with mpmath.workprec(PREC):
        for i, (g, r) in enumerate(zip(np.asarray(got).tolist(), refs)):
            if not mpmath.isfinite(r):
                errs[i] = 0.0 if g == float(r) else math.inf
                continue
            with np.errstate(over="ignore"):
                rr = dt.type(float(r))      # beyond the dtype's range: +-inf
            if not (math.isfinite(g) and np.isfinite(rr)):
                errs[i] = 0.0 if g == rr else math.inf
                continue
            ulp = float(np.spacing(abs(rr))) if rr != 0 else ss
            errs[i] = float(abs(mpmath.mpf(g) - r)) / ulp
    return errs


def assert_ulp(name, dtype, inputs, got, refs, what=""):
    got = np.asarray(got)
    assert got.dtype == np.dtype(dtype), f"{name}: result dtype {got.dtype} for {dtype}"
    errs = ulp_errors(got.reshape(-1), refs, dtype)
    # no flush to zero where the exact value rounds to a nonzero subnormal:
    # a 0 is an error of |r| / ss ULP there, within the bound, so it is
    # checked apart (0 is allowed only below 3/4 of the smallest subnormal)
    ss = float(np.finfo(dtype).smallest_subnormal)
    with mpmath.workprec(PREC):
        flushed = [j for j, (g, r) in enumerate(zip(got.reshape(-1).tolist(), refs))
                   if g == 0 and mpmath.isfinite(r) and abs(r) >= 0.75 * ss]
    if flushed:
        raise AssertionError(
            f"{name} {np.dtype(dtype).name} {what}: {len(flushed)} results flushed to 0 "
            f"where the exact value rounds to a subnormal, at inputs "
            f"{[float(inputs[j]) for j in flushed[:5]]}")
    i = int(np.argmax(errs))
    worst = errs[i]
    if not worst <= MAX_ULP:
        x = inputs[i]
        if isinstance(x, (float, np.floating)):
            x = f"{x!r} ({float(x).hex()})"
        with mpmath.workprec(PREC):
            exact = mpmath.nstr(refs[i], 25)
        raise AssertionError(
            f"{name} {np.dtype(dtype).name} {what}: {np.sum(~(errs <= MAX_ULP))} of "
            f"{errs.size} points above {MAX_ULP} ULP; worst {worst:.4g} ULP at input "
            f"{x}: got {got.reshape(-1)[i]!r}, exact {exact}"
        )


def _seed(*parts):
    return zlib.crc32("/".join(map(str, parts)).encode())


def _cast_in(x, dtype, lo, hi):
    with np.errstate(all="ignore"):
        x = np.asarray(x, dtype=np.float64).astype(dtype)
    x = x[np.isfinite(x) & (x >= lo) & (x <= hi)]
    return np.unique(x)


def _neighbours(t, dtype, n=8):
    """t (cast to dtype) and its n float neighbours on each side."""
    t = np.asarray(t, dtype=dtype)
    pts = [t]
    up = down = t
    for _ in range(n):
        up = np.nextafter(up, dtype(np.inf))
        down = np.nextafter(down, dtype(-np.inf))
        pts += [up, down]
    return np.array(pts, dtype=dtype)


# ---------------------------------------------------------------------------
# elementwise activations and their derivatives
# ---------------------------------------------------------------------------

REGIONS = ("uniform", "tails", "random", "special")


def elementwise_points(act, fname, dtype, region):
    lo, hi = ACTIVATIONS[act].sweep[0 if dtype == np.float32 else 1]
    fi = np.finfo(dtype)
    rng = np.random.default_rng(_seed(fname, np.dtype(dtype).name, region))
    if region == "uniform":
        x = np.linspace(lo, hi, 2001)
    elif region == "tails":
        e0 = math.log10(float(fi.smallest_subnormal))
        parts = []
        # log-spaced magnitudes from the smallest subnormal up to the ends, and
        # dense uniform points over the last tenth of each side (where results
        # become subnormal, then zero, or round to their limit)
        if lo < 0:
            parts += [-np.logspace(e0, math.log10(-lo), 800), np.linspace(lo, 0.9 * lo, 400)]
        if hi > 0:
            parts += [np.logspace(e0, math.log10(hi), 800), np.linspace(0.9 * hi, hi, 400)]
        x = np.concatenate(parts)
    elif region == "random":
        x = np.concatenate([
            rng.uniform(lo, hi, 600),
            rng.standard_normal(600) * 3,
            rng.standard_normal(300) * 30,
            np.exp(rng.uniform(-40, 0, 300)) * rng.choice([-1, 1], 300),
        ])
    else:  # special
        tiny, ss, eps = float(fi.tiny), float(fi.smallest_subnormal), float(fi.eps)
        base = [0.0, -0.0, tiny, tiny / 2, tiny / 4 + ss, ss, 2 * ss, 3 * ss, 7 * ss,
                eps, eps / 2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, lo, hi]
        parts = [np.array(base), -np.array(base), np.linspace(-10.0, 10.0, 81)]
        for t in _thresholds(fname, dtype):
            for sgn in (1.0, -1.0):
                if t > 1:
                    w = np.linspace(t - 0.5, t + 0.5, 41)
                else:
                    w = np.geomspace(t / 4, t * 4, 41)
                parts.append(sgn * w)
                with np.errstate(all="ignore"):
                    parts.append(_neighbours(sgn * t, dtype).astype(np.float64))
        for b in ACTIVATIONS[act].breakpoints:
            parts += [np.linspace(b - 0.5, b + 0.5, 41), _neighbours(b, dtype).astype(np.float64)]
        for b in (lo, hi):
            parts.append(_neighbours(b, dtype).astype(np.float64))
        if dtype == np.float32:
            parts.append(np.array([float.fromhex(h) for h in FLOAT32_WORST.get(fname, [])]))
        x = np.concatenate(parts)
        # keep -0.0 (np.unique would merge it with 0.0)
        x = np.concatenate([_cast_in(x, dtype, lo, hi), np.array([-0.0], dtype=dtype)])
        return x
    return _cast_in(x, dtype, lo, hi)


def _elementwise_case(act, deriv, dtype, region, cache):
    fname = act + "_derivative" if deriv else act
    key = ("elementwise", fname, np.dtype(dtype).name, region)
    if key not in cache:
        if act not in MP_ELEMENTWISE:
            pytest.fail(f"no mpmath reference for the activation {act!r}: add it to "
                        f"MP_ELEMENTWISE in {__file__}")
        f = MP_ELEMENTWISE[act][1 if deriv else 0]
        x = elementwise_points(act, fname, dtype, region)
        cache[key] = (x, _mp_values(f, x.tolist()))
    return fname, cache[key]


def _variants():
    """(kernel, public function, keyword options): every public elementwise
    activation with its default parameters, and each other choice of a choice
    parameter (gelu's approximate='tanh' runs the gelu_tanh kernel)."""
    out = []
    for act in PUBLIC_ELEMENTWISE:
        out.append((act, act, {}))
        for p in ACTIVATIONS[act].params:
            if p.check == "choice":
                out += [(k, act, {p.name: v}) for v, k in p.choices.items() if v != p.default]
    return out


VARIANTS = {kernel: (public, opts) for kernel, public, opts in _variants()}

ELEMENTWISE_FUNCS = [
    pytest.param(act, deriv, id=act + ("_derivative" if deriv else ""))
    for act in VARIANTS
    for deriv in (False, True)
]


def _call(act, deriv, x):
    public, opts = VARIANTS[act]
    return func(public + ("_derivative" if deriv else ""))(x, **opts)


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("act, deriv", ELEMENTWISE_FUNCS)
def test_elementwise_ulp(act, deriv, dtype, region, mp_cache):
    fname, (x, refs) = _elementwise_case(act, deriv, dtype, region, mp_cache)
    assert x.size > 100
    got = _call(act, deriv, x)
    assert_ulp(fname, dtype, x, got, refs, region)


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("act, deriv", ELEMENTWISE_FUNCS)
def test_elementwise_ulp_2d_and_strided(act, deriv, dtype, mp_cache):
    """The same points laid out 2-D, and as a strided view, are as accurate."""
    fname, (x, refs) = _elementwise_case(act, deriv, dtype, "tails", mp_cache)
    n = x.size - x.size % 4
    x2 = x[:n].reshape(4, -1)
    assert_ulp(fname, dtype, x[:n], _call(act, deriv, x2), refs[:n], "tails 2-D")
    big = np.zeros(3 * x.size, dtype=dtype)
    big[::3] = x
    assert_ulp(fname, dtype, x, _call(act, deriv, big[::3]), refs, "tails strided")


# ---------------------------------------------------------------------------
# parameter values on both sides of the registry's guards
# ---------------------------------------------------------------------------

#: parameter values inside and outside the fast range of each guard (float32:
#: elu 2^-20 <= |alpha| <= 128, celu 2^-20 <= alpha <= 2^20, leaky_relu
#: 2^-60 <= |slope| <= 1, softplus beta = 1; float64: elu |alpha| <= 2^60,
#: celu 2^-980 <= alpha <= 2^980), each with the dtype it is for (None: both);
#: the inputs are the tails and random points of the registry's sweep
GUARD_CASES = {
    "leaky_relu": [({"negative_slope": s}, None) for s in (0.2, -0.75, 3.0, 1e-30)],
    "elu": [({"alpha": a}, None) for a in (0.5, -2.0, 300.0, 1e-7)]
    + [({"alpha": a}, "f64") for a in (2.0 ** 60, 2.0 ** 61, 1e20, 2.0 ** 894, 1e300, -1e300)]
    + [({"alpha": a}, "f32") for a in (2.0 ** 250, 1e300, -1e260)],
    "celu": [({"alpha": a}, None) for a in (0.25, 3e6, 1e-7, -2.0, 1e300)]
    + [({"alpha": a}, "f64") for a in (2.0 ** -980, 2.0 ** -981, 1e295, 2.0 ** 981,
                                        -1e-74, -1e-300, -5e-324)]
    + [({"alpha": a}, "f32") for a in (-1e-290, -5e-324)],
    "softplus": [({"beta": b, "threshold": 20.0}, None) for b in (1.0, 2.0, 0.5, 0.3, 7.0)]
    + [({"beta": b, "threshold": 20.0}, "f64") for b in (2.0 ** -9, 2.0 ** -10, 1e-3, 1e-100, 1e-300, 1e300)],
}


def _guard_cases():
    for act, cases in GUARD_CASES.items():
        assert ACTIVATIONS[act].guard, f"{act} has no guard in the registry"
        for params, only in cases:
            for dtype in FLOATS:
                if only is None or only == {np.float32: "f32", np.float64: "f64"}[dtype]:
                    yield pytest.param(act, params, dtype,
                                       id=f"{act}-{params}-{np.dtype(dtype).name}")


def test_every_guarded_activation_has_guard_cases():
    guarded = {name for name, a in ACTIVATIONS.items() if a.guard}
    assert guarded == set(GUARD_CASES) == set(MP_PARAMETRIZED)


@pytest.mark.parametrize("act, params, dtype", list(_guard_cases()))
def test_guarded_parameters_ulp(act, params, dtype):
    """Forward, derivative and backward (grad_output 1) with parameters on both
    sides of the guard: the fast and the general (*_wide) kernels are both
    within the bound, tails included."""
    x = np.concatenate([elementwise_points(act, act, dtype, r) for r in ("tails", "random")])
    if act == "celu" and params["alpha"] < 0:   # exp(z / alpha) overflows below
        x = x[x > (-170.0 if dtype == np.float32 else -1400.0)]
        # alpha exp(z / alpha) is finite up to z / alpha = 709.78 - log|alpha|
        with np.errstate(under="ignore"):
            x = np.concatenate([x, (params["alpha"] * np.linspace(30.0, 1500.0, 301)).astype(dtype)])
    if act == "elu" and dtype == np.float64:   # alpha exp(z) is not 0 down to -1454
        x = np.concatenate([x, -np.linspace(600.0, 1500.0, 301)])
    if act == "elu" and abs(params["alpha"]) > 1e30:   # float32: down to -814
        x = np.concatenate([x, -np.linspace(600.0, 900.0, 301).astype(dtype),
                            -np.geomspace(1e-45, 1e-20, 60).astype(dtype)])
    if act == "softplus" and params["beta"] < 1.0:   # the left tail down to beta z = -1500
        t = -np.concatenate([np.geomspace(30.0, 1500.0, 241), [700.0, 745.0, 752.0, 760.0]])
        x = np.concatenate([x, (t / params["beta"]).astype(dtype)])
    if act == "softplus":   # where beta z overflows the dtype, the result is inf
        with np.errstate(over="ignore"):
            x = x[np.abs(x * params["beta"]) < float(np.finfo(dtype).max)]
    x = x[::2] if x.size > 3000 else x
    fwd, der = MP_PARAMETRIZED[act]
    with mpmath.workprec(PREC):
        ry = [fwd(mpmath.mpf(float(v)), params) for v in x]
        rd = [der(mpmath.mpf(float(v)), params) for v in x]
    what = f"{params}"
    assert_ulp(act, dtype, x, func(act)(x, **params), ry, what)
    assert_ulp(act + "_derivative", dtype, x, func(act + "_derivative")(x, **params), rd, what)
    g = np.ones_like(x)
    assert_ulp(act + "_backward", dtype, x, func(act + "_backward")(g, x, **params), rd, what)


#: float32 backward where the derivative lies outside float's range (or is
#: subnormal) and grad_output times it does not: (act, params, z, g)
BACKWARD_F32_PRODUCT = [
    ("elu", {"alpha": -1e40}, [-1.5, -20.0, -0.25], [1e-3, -2e-4, 1e-5]),
    ("elu", {"alpha": 3e300}, [-600.0, -601.0], [1e-3, -2e-2]),
    ("celu", {"alpha": -1.0}, [-89.0, -95.0, -100.0], [0.5, 1e-3, -1e-6]),
    ("leaky_relu", {"negative_slope": 5e39}, [-0.5, -1e-3], [0.01, -0.02]),
    ("leaky_relu", {"negative_slope": 6e-46}, [-1.0, -0.4], [3.0, -2.5e3]),
    ("softplus", {"beta": 1e-3, "threshold": 20.0}, [-1.03e5, -1.035e5], [1e3, -2e4]),
]


@pytest.mark.parametrize("act, params, z, g", BACKWARD_F32_PRODUCT,
                         ids=[f"{a}-{p}" for a, p, _, _ in BACKWARD_F32_PRODUCT])
def test_float32_backward_beyond_the_derivatives_range(act, params, z, g):
    """grad_output * g'(z) rounded once, not grad_output times g'(z) rounded to
    float32 first: inf, 0 or a double rounding where the product is a float."""
    z = np.array(z, dtype=np.float32)
    g = np.array(g, dtype=np.float32)
    _, der = MP_PARAMETRIZED[act]
    with mpmath.workprec(PREC):
        refs = [mpmath.mpf(float(gv)) * der(mpmath.mpf(float(zv)), params) for zv, gv in zip(z, g)]
    assert all(mpmath.isfinite(r) and 1e-45 < abs(r) < 3.4e38 for r in refs)
    assert_ulp(act + "_backward", np.float32, z, func(act + "_backward")(g, z, **params),
               refs, f"{params}")


# ---------------------------------------------------------------------------
# logit on (0, 1)
# ---------------------------------------------------------------------------

LOGIT_REGIONS = ("uniform", "near0", "near_half", "near1", "random", "special")


def logit_points(dtype, region):
    fi = np.finfo(dtype)
    tiny, ss, eps = float(fi.tiny), float(fi.smallest_subnormal), float(fi.eps)
    rng = np.random.default_rng(_seed("logit", np.dtype(dtype).name, region))
    if region == "uniform":
        x = np.linspace(0, 1, 2001)[1:-1]
    elif region == "near0":
        x = np.concatenate([np.logspace(math.log10(ss), math.log10(0.5), 1200),
                            ss * np.arange(1, 33), tiny * np.arange(1, 9) / 4])
    elif region == "near_half":
        k = np.arange(0, 65)
        x = np.concatenate([
            0.5 + k * eps / 2, 0.5 - k * eps / 4,
            0.5 + np.logspace(math.log10(eps), -1, 400),
            0.5 - np.logspace(math.log10(eps), -1, 400),
            np.linspace(0.49, 0.51, 201),
        ])
    elif region == "near1":
        k = np.arange(1, 129)
        x = np.concatenate([1 - k * eps / 2, 1 - np.logspace(math.log10(eps / 2), -0.31, 1200)])
    elif region == "random":
        x = np.concatenate([rng.uniform(0, 1, 800), rng.beta(0.05, 0.05, 800),
                            np.exp(-rng.exponential(30, 400))])
    else:  # special: the limits and simple fractions
        x = np.array([0.0, 1.0, ss, tiny, 0.25, 0.75, 1 / 3, 2 / 3, 0.1, 0.9, 0.5,
                      1 - eps / 2, eps, 0.5 + eps / 2, 0.5 - eps / 4])
        x = np.concatenate([x] + [_neighbours(v, dtype).astype(np.float64)
                                  for v in (0.25, 0.5, 0.75, 0.1, 0.9, 1 - eps / 2)])
    return _cast_in(x, dtype, 0.0, 1.0)


@pytest.mark.parametrize("region", LOGIT_REGIONS)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_logit_ulp(dtype, region, mp_cache):
    key = ("logit", np.dtype(dtype).name, region)
    if key not in mp_cache:
        x = logit_points(dtype, region)
        mp_cache[key] = (x, _mp_values(_mp_logit, x.tolist()))
    x, refs = mp_cache[key]
    assert x.size > 10
    if region == "near1":
        # the float values adjacent to 1 are in
        assert np.nextafter(dtype(1), dtype(0)) in x
    got = func("logit")(x)
    assert_ulp("logit", dtype, x, got, refs, region)


# ---------------------------------------------------------------------------
# softmax and log_softmax
# ---------------------------------------------------------------------------

ROW_SIZES = (1, 2, 10, 100, 1000)


def softmax_rows(K, dtype):
    """Rows of K logits up to +-300: bulk, full range, wide rows mixing +-300,
    rows where one logit dominates (mildly and overwhelmingly), ties; rows
    within and around +-64, around and beyond +-700; and rows spread up to
    +-1e38."""
    rng = np.random.default_rng(_seed("softmax", K, np.dtype(dtype).name))
    rows = [rng.standard_normal(K) * 3 for _ in range(3)]
    rows.append(rng.uniform(-300, 300, K))
    rows.append(np.where(rng.random(K) < 0.5, rng.uniform(-300, -280, K),
                         rng.uniform(280, 300, K)))
    side = np.ones(K)
    side[: K // 2] = -1
    rows.append(side * rng.uniform(299, 300, K))
    d = rng.standard_normal(K) * 3
    d[rng.integers(K)] += 60
    rows.append(d)
    d = rng.standard_normal(K) * 3
    d[rng.integers(K)] += 20
    rows.append(d)
    d = rng.uniform(-300, -200, K)
    d[rng.integers(K)] = 300 - rng.random()
    rows.append(d)
    rows.append(np.full(K, 7.3))
    rows.append(7.3 + rng.standard_normal(K) * 1e-5)
    rows.append(rng.standard_normal(K) * 3 - 250)
    # float32 rows within +-64 run in float arithmetic, others not
    rows.append(rng.uniform(-64, 64, K))
    rows.append(np.where(rng.random(K) < 0.5, -1, 1) * rng.uniform(63.5, 64.5, K))
    # beyond +-700, where the short rows are shifted by their maximum (the rows
    # above are taken without the shift), and rows straddling that bound
    rows.append(rng.standard_normal(K) * 3 + 1e4)
    rows.append(np.where(rng.random(K) < 0.5, -1, 1) * rng.uniform(690, 760, K))
    rows.append(rng.uniform(695, 705, K))
    # spreads far beyond any exp's range (the rounding error of z - max is then
    # no longer small; every entry but the maximum gives 0)
    rows.append(np.where(rng.random(K) < 0.5, -1, 1) * 10.0 ** rng.uniform(-3, 38, K))
    d = rng.uniform(1e35, 1e37, K)
    d[rng.integers(K)] = 1e38
    rows.append(d)
    with np.errstate(all="ignore"):
        return np.stack(rows).astype(dtype)


def _mp_softmax_rows(X):
    """(softmax, log_softmax) of every row of X, exactly (lists of mpf)."""
    sm, lsm = [], []
    with mpmath.workprec(PREC):
        for row in X.tolist():
            k = int(np.argmax(row))
            m = mpmath.mpf(row[k])
            d = [mpmath.mpf(v) - m for v in row]  # exact at 200 bits
            s = mpmath.fsum(mpmath.exp(v) for j, v in enumerate(d) if j != k)
            ls = mpmath.log1p(s)
            sm.append([mpmath.exp(v - ls) for v in d])
            lsm.append([v - ls for v in d])
    return sm, lsm


@pytest.mark.parametrize("K", ROW_SIZES)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("fname", ["softmax", "log_softmax"])
def test_softmax_ulp(fname, dtype, K, mp_cache):
    key = ("softmax", np.dtype(dtype).name, K)
    if key not in mp_cache:
        X = softmax_rows(K, dtype)
        mp_cache[key] = (X, _mp_softmax_rows(X))
    X, (sm, lsm) = mp_cache[key]
    refs = sm if fname == "softmax" else lsm
    got = func(fname)(X)
    assert got.shape == X.shape
    for r in range(X.shape[0]):
        assert_ulp(fname, dtype, [f"row {r} element {j}" for j in range(K)], got[r],
                   refs[r], f"row {r} of {K} (range {X[r].min()} .. {X[r].max()})")
    # one row at a time, and along axis 0 of the transpose, give the same accuracy
    r = 4
    assert_ulp(fname, dtype, list(range(K)), func(fname)(X[r]), refs[r], f"1-D row {r}")
    got_t = func(fname)(np.ascontiguousarray(X.T), axis=0)
    assert_ulp(fname, dtype, list(range(K)), got_t[:, r], refs[r], f"axis=0 row {r}")


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("fname", ["softmax", "log_softmax"])
def test_softmax_ulp_long_row(fname, dtype, mp_cache):
    # one row longer than the 2^16-element blocks of the float32 sum, with one
    # logit dominating (the other terms sum to about 1e-12 beside its 1)
    key = ("softmax_long", np.dtype(dtype).name)
    if key not in mp_cache:
        rng = np.random.default_rng(_seed("softmax_long", np.dtype(dtype).name))
        X = rng.standard_normal((1, 70001)) * 3
        X[0, 65540] += 45.0
        X = X.astype(dtype)
        mp_cache[key] = (X, _mp_softmax_rows(X))
    X, (sm, lsm) = mp_cache[key]
    refs = sm if fname == "softmax" else lsm
    got = func(fname)(X)[0]
    pick = np.r_[0:50, 65520:65560, 70001 - 50:70001]
    assert_ulp(fname, dtype, list(pick), got[pick], [refs[0][j] for j in pick],
               "row of 70001")


@pytest.mark.parametrize("K", [10, 64, 65, 1000])
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_softmax_cross_entropy_loss_ulp_of_rows(dtype, K):
    """The loss of one row (class index) against mpmath: log1p of the terms but
    one maximum's plus (max - z_c). float32 rows within min(64, (100 - e) ln
    2), 2^(e-1) <= K < 2^e, take the log1p from the unshifted exponentials of
    the output (each over the largest; where their sum is small, the terms
    below the largest summed apart), the others from the shifted ones;
    confident rows (the loss as small as 1e-50, or rounding to a subnormal or
    0) keep their relative accuracy."""
    rng = np.random.default_rng(_seed("sce_long", np.dtype(dtype).name, K))
    w = min(64.0, (100 - int(np.frexp(K)[1])) * np.log(2)) * 0.999
    rows = [(rng.standard_normal(K) * 3, int(rng.integers(K))) for _ in range(3)]
    for shift in (10, 20, 30, 45, 60):       # one logit far above the rest
        z = rng.standard_normal(K) - shift
        c = int(rng.integers(K))
        z[c] = rng.uniform(0, 3) + (shift - 3 if shift > 50 else 0)
        rows.append((np.clip(z, -w, w), c))
    z = np.full(K, -w)
    z[:3] = 1.5                               # three maxima
    rows += [(z, 0), (z, 5), (np.full(K, -3.0), 1), (rng.uniform(-w, w, K), 2)]
    z = rng.standard_normal(K) - 40
    z[7] = w
    rows.append((z, 7))
    rows.append((rng.standard_normal(K) * 3 + 100, 3))      # beyond the bound
    X = np.stack([z for z, _ in rows]).astype(dtype)
    got = [np.asarray(func("softmax_cross_entropy_delta")(X[r:r + 1], np.array([c])).loss)
           for r, (_, c) in enumerate(rows)]
    lsm = _mp_softmax_rows(X)[1]
    refs = [-lsm[r][c] for r, (_, c) in enumerate(rows)]
    assert_ulp("softmax_cross_entropy_delta loss", dtype, list(range(len(rows))),
               np.array(got), refs, f"rows of {K}")


def test_every_rowwise_activation_has_an_accuracy_test():
    # the softmax tests above cover the rowwise rows of the registry
    assert set(PUBLIC_ROWWISE) <= {"softmax"}, (
        f"new rowwise activations {set(PUBLIC_ROWWISE) - {'softmax'}} need an mpmath sweep"
    )


def _exact_softmax_backward(g, y):
    """y_k (g_k - sum_j g_j y_j) for float inputs, exactly (fractions), as float64."""
    from fractions import Fraction
    out = np.empty(g.shape, np.float64)
    for r in range(g.shape[0]):
        gr = [Fraction(float(v)) for v in g[r]]
        yr = [Fraction(float(v)) for v in y[r]]
        dot = sum(a * b for a, b in zip(gr, yr))
        out[r] = [float(b * (a - dot)) for a, b in zip(gr, yr)]
    return out


def _float32_ulp_errors(got, exact):
    """|got - exact| in ULPs of float32 at exact (the smallest subnormal at 0)"""
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    ulp[exact == 0] = np.spacing(np.float32(0))
    return np.abs(got - exact) / ulp


@pytest.mark.parametrize("K", [40, 47, 48, 64, 300])
def test_softmax_backward_float32_float_pass(K):
    """Rows of 48 or more run the elementwise pass in float on CPUs with FMA
    (the dot as a pair of floats; rows of up to 64 by blocks of rows, longer
    ones one by one): within 1 ULP of the exact y (g - dot) of the same
    float32 inputs, also where g_k cancels against dot; g - dot beyond
    float's range takes the double path (finite results stay finite), also in
    place.  Rows of 40 and 47 (the double pass) check the row dots of 32 or
    more elements, whose elements past the first 32 go into the tail's lanes."""
    rng = np.random.default_rng(_seed("softmax_backward_f32", K))
    y = func("softmax")((rng.standard_normal((4, K)) * 2).astype(np.float32))
    g = rng.standard_normal((4, K)).astype(np.float32)
    dot = (g.astype(np.float64) * y).sum(-1, keepdims=True)
    # entries within a few float ulps of the dot, and exactly at its float
    m = K // 3
    g[:, :m] = (dot + dot * np.linspace(-3e-7, 3e-7, m)).astype(np.float32)
    g[:, m] = dot[:, 0].astype(np.float32)
    got = func("softmax_backward")(g, y)
    err = _float32_ulp_errors(got, _exact_softmax_backward(g, y))
    assert err.max() <= 1.0, f"softmax_backward float32: {err.max():.2f} ulp at {err.argmax()}"
    # g - dot overflows float32 but y (g - dot) does not: the double path, also
    # with out= grad_output or out= output (which it reads again)
    g2, y2 = g.copy(), y.copy()
    g2[0, m + 1], g2[0, m + 2] = 3.0e38, -3.0e38
    y2[0, m + 1], y2[0, m + 2] = 1e-3, 0.33
    exact2 = _exact_softmax_backward(g2, y2)
    assert np.isfinite(exact2).all()
    for out in (None, "g", "y"):
        ga, ya = g2.copy(), y2.copy()
        o = {"g": ga, "y": ya, None: None}[out]
        err = _float32_ulp_errors(func("softmax_backward")(ga, ya, out=o), exact2)
        assert err.max() <= 1.0, f"out={out}: {err.max():.2f} ulp at {err.argmax()}"
