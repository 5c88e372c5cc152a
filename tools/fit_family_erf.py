"""Coefficients of the polynomial approximations in src/cact_family_erf.h.

Usage: python tools/fit_family_erf.py  (prints the C block between the
"coefficients" markers of the header; about a minute).

Chebyshev interpolants (mpmath.chebyfit, 200-bit arithmetic), written as
polynomials in a variable normalized to [-1, 1] (or in z^2 / 1/z^2), rounded to
double.  Printed with the measured relative error of the rounded polynomial
and the ratio sum |c_k t^k| / |p(t)| (Horner's amplification of rounding).
"""

import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from family_ref_erf import gelu_derivative, gelu_tanh_derivative  # noqa: E402

mp.mp.prec = 200
SQRT2PI = mp.sqrt(2 * mp.pi)
# (interval, number of coefficients) of the fits about the roots of the derivatives
GELU_D = (-1.125, -0.375, 18)
GELU_TANH_D = (-1.125, -0.375, 18)


def mills(a):
    """F(a) = Phi(-a) exp(a^2/2): Phi(-a) = exp(-a^2/2) F(a)."""
    return mp.ncdf(-a) * mp.exp(a * a / 2)


def fit(name, f, lo, hi, n, normalized=True):
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    g = (lambda t: f(mid + half * t)) if normalized else f
    iv = [-1, 1] if normalized else [lo, hi]
    poly = mp.chebyfit(g, iv, n)            # highest degree first
    coef = [float(c) for c in poly]
    worst = cond = 0
    for i in range(401):
        t = mp.mpf(iv[0]) + (mp.mpf(iv[1]) - iv[0]) * i / 400
        p = mp.polyval([mp.mpf(c) for c in coef], t)
        ex = g(t)
        worst = max(worst, abs(p / ex - 1))
        cond = max(cond, sum(abs(mp.mpf(c)) * abs(t) ** k for k, c in enumerate(reversed(coef))) / abs(ex))
    extra = f" mid {float(mid)!r} half {float(half)!r}" if normalized else ""
    print(f"/* degree {n - 1} on [{float(lo)!r}, {float(hi)!r}]{extra}:"
          f" relative error {float(worst):.1e}, Horner ratio {float(cond):.2f} */")
    print(f"CACT_FE_INLINE double {name}(double t)\n{{\n    double p = {coef[0].hex()};")
    for c in coef[1:]:
        print(f"    p = p * t + {c.hex()};")
    print("    return p;\n}")


def dd(x):
    hi = float(x)
    return hi, float(x - hi)


def main():
    a0 = mp.findroot(gelu_derivative, -0.75)
    a1 = mp.findroot(gelu_tanh_derivative, -0.75)
    h, l = dd(a0)
    print(f"#define CACT_GELU_Z0_HI {h.hex()}  /* root of gelu' {mp.nstr(a0, 25)} */")
    print(f"#define CACT_GELU_Z0_LO {l.hex()}")
    h, l = dd(a1)
    print(f"#define CACT_GELU_TANH_Z0_HI {h.hex()}  /* root of gelu_tanh' {mp.nstr(a1, 25)} */")
    print(f"#define CACT_GELU_TANH_Z0_LO {l.hex()}")
    # F(a) = 1 / (sqrt(2 pi) (a + V(a))) for 0 <= a <= 5, V smooth and positive
    fit("cact_fe_mills_v", lambda a: 1 / (mills(a) * SQRT2PI) - a, 0, 5, 28)
    # a >= 5: a sqrt(2 pi) F(a) = G(w), w = 1/a^2 in [0, 1/25]
    fit("cact_fe_mills_g", lambda w: (mp.sqrt(w) ** -1) * SQRT2PI * mills(mp.sqrt(w) ** -1)
        if w > 0 else mp.mpf(1), 0, mp.mpf(1) / 25, 18)
    # g'(z) = (z - z0) H(z) near the root z0 of the derivative g'
    for name, iv in (("CACT_FE_GELU_D", GELU_D), ("CACT_FE_GELU_TANH_D", GELU_TANH_D)):
        print(f"#define {name}_LO {float(iv[0])!r}\n#define {name}_HI {float(iv[1])!r}")
        print(f"#define {name}_MID {float((mp.mpf(iv[0]) + iv[1]) / 2)!r}")
        print(f"#define {name}_INV_HALF {float(2 / (mp.mpf(iv[1]) - iv[0]))!r}")
    fit("cact_fe_gelu_d", lambda z: gelu_derivative(z) / (z - a0), *GELU_D)
    fit("cact_fe_gelu_tanh_d", lambda z: gelu_tanh_derivative(z) / (z - a1), *GELU_TANH_D)

if __name__ == "__main__":
    main()
