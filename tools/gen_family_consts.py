"""Print the constants of src/cact_family_exp.h (run with mpmath installed).

Usage: python tools/gen_family_consts.py

- the zeros z0 of silu' (1 + z + e^z = 0) and z1 of mish' as double-doubles,
  and polynomials q with g'(root + d) = d q(d) on the ranges of d where the
  closed forms lose accuracy (Chebyshev fits in t = d - mid, the constant
  coefficient as a double-double);
- the polynomial g(w), w = z^2, with z - tanh z = z^3 g(w) on |z| <= 1
  (Chebyshev fit, g(0) as a double-double);
- for the float32 functions (evaluated in double), log1p(u) = u Q(s) on
  u in [0, 1], s = 2u - 1, Q a Chebyshev fit of degree 11 (relative error
  about 1e-10), the coefficients rounded to double.

For each polynomial it prints its relative error measured on its interval with
the coefficients as stored, and (but for the constant term kept as a
double-double) a C function that evaluates it by Estrin's scheme
(tools/cpoly.py), which the header's code calls.
"""

import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpoly import estrin_body  # noqa: E402

mp.mp.prec = 300


def hexd(x):
    return float(x).hex()


def dd(x):
    hi = float(x)
    lo = float(x - mp.mpf(hi))
    return hi, lo


def emit_poly(name, coeffs, first=0, func=None, var="t"):
    """#define name<k> for the coefficients (lowest degree first, from k = first),
    and with func, the C function func(var) = sum_k name<k> var^(k - first) by
    Estrin's scheme (tools/cpoly.py)."""
    names = [f"{name}{k}" for k in range(first, first + len(coeffs))]
    for n, c in zip(names, coeffs):
        print(f"#define {n} {hexd(c)} /* {mp.nstr(c, 20)} */")
    if func:
        print(f"CACT_INLINE double {func}(double {var})\n{{")
        print("\n".join(estrin_body(names[::-1], var=var, lit=str)))
        print("}")


def root_fit(prefix, deriv, root, lo, hi, mid, degree):
    """deriv(root + d) = d q(d) on lo <= d <= hi, q(d) = sum c_k (d - mid)^k a Chebyshev
    fit, c_0 as a double-double.  mid has few bits so that d - mid is exact."""
    slope = mp.diff(deriv, root)

    def q(d):
        return slope if d == 0 else deriv(root + d) / d

    coeffs, _ = mp.chebyfit(lambda t: q(t + mid), [lo - mid, hi - mid], degree + 1, error=True)
    coeffs = coeffs[::-1]  # lowest first
    c0h, c0l = dd(coeffs[0])
    worst = mp.mpf(0)
    for i in range(801):
        d = lo + (hi - lo) * mp.mpf(i) / 800
        t = d - mid
        p = c0h + mp.mpf(c0l) + mp.fsum(mp.mpf(float(c)) * t ** k for k, c in enumerate(coeffs) if k)
        worst = max(worst, abs(p / q(d) - 1))
    rh, rl = dd(root)
    print(f"/* {prefix}: zero at {mp.nstr(root, 30)}; g'(root + d) = d q(d) on [{lo}, {hi}], "
          f"q in t = d - {mid} */")
    print(f"#define CACT_{prefix}_ROOT_HI {rh.hex()}")
    print(f"#define CACT_{prefix}_ROOT_LO {rl.hex()}")
    print(f"#define CACT_{prefix}_MID {float(mid).hex()}")
    print(f"#define CACT_{prefix}_Q0_HI {c0h.hex()}")
    print(f"#define CACT_{prefix}_Q0_LO {c0l.hex()}")
    emit_poly(f"CACT_{prefix}_Q", coeffs[1:], 1, func=f"cact_{prefix.lower()}_q_tail")
    print(f"/* degree {degree} (Chebyshev fit): relative error {mp.nstr(worst, 3)} "
          f"(q0 double-double, the others rounded to double) */")


def silu_root():
    def silu_d(z):
        s = 1 / (1 + mp.exp(-z))
        return s * (1 + z * (1 - s))

    z0 = mp.findroot(lambda z: 1 + z + mp.exp(z), -1.28)
    assert abs(silu_d(z0)) < mp.mpf(2) ** -250
    root_fit("SILU", silu_d, z0, -0.3, 0.3, mp.mpf(0), 12)


def mish_root():
    def mish_d(z):
        sp = mp.log1p(mp.exp(z))
        return mp.tanh(sp) + z * mp.sech(sp) ** 2 / (1 + mp.exp(-z))

    z1 = mp.findroot(lambda z: 4 * (1 + z) + mp.exp(z) * (6 + 4 * z + mp.exp(z) * (4 + mp.exp(z))),
                     -1.19)
    assert abs(mish_d(z1)) < mp.mpf(2) ** -250
    root_fit("MISH", mish_d, z1, -0.5, 1.2, mp.mpf(0), 22)


def tanhshrink_poly(degree=16):
    def g(w):
        if w == 0:
            return mp.mpf(1) / 3
        with mp.extraprec(3 * max(0, -int(mp.log(w, 2))) + 20):
            z = mp.sqrt(w)
            return (z - mp.tanh(z)) / z ** 3

    coeffs, err = mp.chebyfit(g, [0, 1], degree + 1, error=True)
    coeffs = coeffs[::-1]  # lowest first
    g0h, g0l = dd(coeffs[0])
    worst = mp.mpf(0)
    for i in range(0, 2001):
        w = mp.mpf(i) / 2000
        p = mp.polyval([mp.mpf(float(c)) for c in coeffs[:0:-1]] + [0], w) + g0h + mp.mpf(g0l)
        worst = max(worst, abs(p / g(w) - 1))
    print("/* z - tanh z = z^3 g(z^2) on |z| <= 1 */")
    print(f"#define CACT_TANHSHRINK_G0_HI {g0h.hex()}")
    print(f"#define CACT_TANHSHRINK_G0_LO {g0l.hex()}")
    emit_poly("CACT_TANHSHRINK_G", coeffs[1:], 1, func="cact_tanhshrink_g_tail", var="w")
    print(f"/* degree {degree} in w = z^2 on [0, 1]: relative error {mp.nstr(worst, 3)} "
          f"(g0 double-double, the others rounded to double) */")


def log1p_d32(degree=11):
    def q(s):
        u = (s + 1) / 2
        return mp.log1p(u) / u if u != 0 else mp.mpf(1)

    coeffs = mp.chebyfit(q, [-1, 1], degree + 1)[::-1]  # lowest first
    worst = mp.mpf(0)
    for i in range(2001):
        s = mp.mpf(-1) + mp.mpf(i) / 1000
        p = mp.polyval([mp.mpf(float(c)) for c in coeffs[::-1]], s)
        worst = max(worst, abs(p / q(s) - 1))
    print("/* float32 (in double): log1p(u) = u Q(2u - 1) on [0, 1] */")
    emit_poly("CACT_LOG1P_D32_Q", coeffs, func="cact_log1p_d32_q", var="s")
    print(f"/* degree {degree} in s = 2u - 1: relative error {mp.nstr(worst, 3)} "
          f"(coefficients rounded to double) */")


if __name__ == "__main__":
    silu_root()
    mish_root()
    tanhshrink_poly()
    log1p_d32()
