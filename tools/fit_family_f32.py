"""Coefficients of the float32 polynomials in src/cact_family_erf.h.

Usage: python tools/fit_family_f32.py [--write]
prints the generated float32 block of src/cact_family_erf.h, or with --write
replaces it in the header, between its two "float32 generated block" markers.

The float32 functions evaluate in double with polynomials accurate to about
1e-10 relative (float32 needs 6e-8 per ULP), fitted here with mpmath.chebyfit
(Chebyshev interpolants in a variable normalized to [-1, 1], rounded to double):
- gelu: the Mills ratio R(a) = Phi(-a) / phi(a), a = |z|, as
  R(a) = P(s) / (a + K), t = (a - K) / (a + K) in [-1, 1), s = (t - mid) / half
  normalized over a in [0, A];
- gelu: gelu'(z) = (z - z0) H(z) near the root z0 of gelu'.
Printed with the measured relative error of the rounded polynomial.
"""

import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from family_ref_erf import gelu_derivative  # noqa: E402

mp.mp.prec = 160
K = 3            # the centre of the map a -> t
A = 15           # gelu's float32 range: |z| beyond gives z, -0 (forward), 1, -0 (derivative)
P_TERMS = 11
H_IV = (-0.85, -0.65)
H_TERMS = 7


def mills(a):
    return mp.ncdf(-a) / mp.npdf(a)


def emit(name, coef, worst, text):
    print(f"/* {text}: relative error {float(worst):.1e} */")
    print(f"CACT_FE_INLINE double {name}(double s)\n{{\n    double p = {coef[0].hex()};")
    for c in coef[1:]:
        print(f"    p = p * s + {c.hex()};")
    print("    return p;\n}")


def fit(f, n):
    c = mp.chebyfit(f, [-1, 1], n)
    coef = [float(x) for x in c]
    worst = max(abs(mp.polyval([mp.mpf(x) for x in coef], s) / f(s) - 1)
                for s in (mp.mpf(-1) + mp.mpf(i) / 300 for i in range(601)))
    return coef, worst


def main():
    tlo, thi = mp.mpf(-1), (mp.mpf(A) - K) / (A + K)
    tmid, thalf = (tlo + thi) / 2, (thi - tlo) / 2

    def pfun(s):
        t = tmid + thalf * s
        a = K * (1 + t) / (1 - t)
        return mills(a) * (a + K)

    coef, worst = fit(pfun, P_TERMS)
    print(f"#define CACT_FE32_K {float(K)!r}")
    print(f"#define CACT_FE32_T_MID {float(tmid)!r}")
    print(f"#define CACT_FE32_T_INV_HALF {float(1 / thalf)!r}")
    emit("cact_fe32_mills_p", coef, worst,
         f"(a + {K}) Phi(-a) / phi(a), degree {P_TERMS - 1} in s, t = (a - {K}) / (a + {K}) for a in [0, {A}]")
    z0 = mp.findroot(gelu_derivative, -0.75)
    lo, hi = (mp.mpf(x) for x in H_IV)
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    coef, worst = fit(lambda s: gelu_derivative(mid + half * s) / (mid + half * s - z0), H_TERMS)
    print(f"#define CACT_FE32_GELU_D_MID {float(mid)!r}")
    print(f"#define CACT_FE32_GELU_D_INV_HALF {float(1 / half)!r}")
    emit("cact_fe32_gelu_d", coef, worst,
         f"gelu'(z) / (z - z0), degree {H_TERMS - 1} in s = (z - mid) / half on [{H_IV[0]}, {H_IV[1]}]")


BEGIN = "/* (float32 generated block: tools/fit_family_f32.py, do not edit by hand) */\n"
END = "/* (end of the float32 generated block) */"

if __name__ == "__main__":
    if "--write" in sys.argv:
        import contextlib
        import io
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            main()
        header = Path(__file__).resolve().parent.parent / "src" / "cact_family_erf.h"
        text = header.read_text()
        i, j = text.index(BEGIN) + len(BEGIN), text.index(END)
        header.write_text(text[:i] + buf.getvalue() + text[j:])
    else:
        main()
