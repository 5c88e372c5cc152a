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

python tools/fit_family_f32.py --exp prints the coefficients of cact_exp_d32
(src/cact_math.h): expm1(r) = r + r^2 q(r) on |r| <= ln2/2, q a degree-5
Chebyshev interpolant.

python tools/fit_family_f32.py --exp-f32 prints the float coefficients of
q in CACT_EXP_NEG_PARTS_F32 (src/cact_math.h), the float32 exp of sigmoid, tanh
and the float paths: expm1(r) = r + r^2 q(r) on |r| <= ln2/2, q = 1/2 + r P(r),
P of degree 3 fitted by least squares in the relative error of q at Chebyshev
nodes, rounded to float from the lowest degree up.

python tools/fit_family_f32.py --silu prints the float constants of
cact_silu_f32 (src/cact_family_exp.h): the root z0 of silu' as float hi + lo
and silu'(z) = ((z - hi) - lo) q(z - hi) for |z - hi| <= 0.2, q a degree-6
Chebyshev interpolant rounded to float, q(0) as float hi + lo.

python tools/fit_family_f32.py --tanhshrink prints cact_tanhshrink_g_d32
(src/cact_family_exp.h): (a - tanh a) / a^3 = g(s), s = 2 a^2 - 1 for a in
[0, 1], g a degree-9 Chebyshev interpolant.

python tools/fit_family_f32.py --tanhshrink-f32 prints the coefficients h and
u of cact_tanhshrink_fwd_deriv_f32 (src/cact_family_exp.h), the float
arithmetic with FMA, w = a^2 in [0, 1]: (a - tanh a)/a^3 = 1/3 - w h(w), h of
degree 6, and (tanh a / a)^2 = 1 + w u(w), u of degree 7, each fitted by
least squares in the relative error of the function at Chebyshev nodes (its
constant fixed), the coefficients rounded to float from the lowest degree up,
each rounding followed by a refit of the higher ones.

python tools/fit_family_f32.py --gelu-f32 prints the coefficients v and s1 of
cact_fe32f_gelu (src/cact_family_erf.h), the float arithmetic with FMA, a = |z|:
1/F(a) = a sqrt(2 pi) + V(t), F(a) = Phi(-a) exp(a^2/2), t = (a - 3)/(a + 3) for
a in [0.675, 15], V of degree 10 fitted by least squares in the error of
1/F (the float sqrt(2 pi) exact in the formula); and for |z| <= 0.675,
(Phi(z) - 1/2)/z = ch + (cl + w s1(w)), w = z^2, 1/sqrt(2 pi) = ch + cl, s1 of
degree 3 fitted in the relative error; for the derivative, (gelu'(z) - 1/2)/z =
2 ch + (2 cl + w k(w)) on the same w, k of degree 3, and near the root z0 of
gelu' (z0 = z0h + z0l in floats), gelu'(z)/(z - z0) = h0h + (h0l + x m(x)),
x = z - z0h in [-0.35, 0.35], m of degree 6, h0h + h0l its value at x = 0.
Coefficients rounded to float from the lowest degree up, each rounding
followed by a refit of the higher ones.

python tools/fit_family_f32.py --log1p prints the coefficients of
cact_log1p_01_f32 (src/cact_family_exp.h), which runs in float arithmetic:
log1p(u) = u Q(s), s = 2u - 1, u in [0, 1], Q of degree 9 fitted by least
squares in the relative error at Chebyshev nodes, its constant term first
split into two floats c0h + c0l and the other coefficients refitted around it
and rounded to float.
"""

import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpoly import estrin_body  # noqa: E402
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
    print(f"CACT_FE_INLINE double {name}(double s)\n{{")
    print("\n".join(estrin_body(coef, var="s")))
    print("}")


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


def exp_q_ref(r):
    """(expm1(r) - r) / r^2, the q of expm1(r) = r + r^2 q(r)."""
    r = mp.mpf(r)
    return (mp.expm1(r) - r) / r ** 2 if r != 0 else mp.mpf(1) / 2


def exp_q_errors(qfun, rs):
    """The worst relative errors of expm1(r) = r + r^2 q(r) and of exp(r) = 1 + that,
    over the points rs (0 skipped), for an approximation qfun of q."""
    w1 = w2 = mp.mpf(0)
    for r in rs:
        r = mp.mpf(r)
        if r == 0:
            continue
        p = r + r * r * qfun(r)
        w1, w2 = max(w1, abs(p / mp.expm1(r) - 1)), max(w2, abs((1 + p) / mp.exp(r) - 1))
    return w1, w2


def exp_q(terms=6):
    h = mp.log(2) / 2
    coef = [float(c) for c in mp.chebyfit(exp_q_ref, [-h, h], terms)]
    w1, w2 = exp_q_errors(lambda r: mp.polyval([mp.mpf(c) for c in coef], r),
                          (-h + 2 * h * i / 800 for i in range(1, 800)))
    print(f"/* q of degree {terms - 1}: expm1 relative error {float(w1):.1e}, exp {float(w2):.1e} */")
    print("    q = " + ";\n    q = q * r + ".join(c.hex() for c in coef) + ";")


def exp_q_f32(terms=5, nodes=4000):
    """q of CACT_EXP_NEG_PARTS_F32 (src/cact_math.h): expm1(r) = r + r^2 q(r)
    for |r| <= ln2/2 (with a margin for the rounding of k), q = 1/2 + r P(r),
    P fitted by least squares in the relative error of q at Chebyshev nodes,
    its coefficients rounded to float from the lowest degree up."""
    import numpy as np

    h = float(mp.log(2) / 2) * 1.0001
    k = np.arange(nodes)
    r = h * np.cos(np.pi * (k + 0.5) / nodes)

    f = np.array([float(exp_q_ref(x)) for x in r])
    a = np.stack([r ** i for i in range(1, terms)], 1)
    cf = float_lsq(a, f - 0.5, 1 / f)
    w1, w2 = exp_q_errors(
        lambda x: mp.mpf(0.5) + x * mp.polyval([mp.mpf(float(c)) for c in cf[::-1]], x),
        (float(x) for x in np.linspace(-h, h, 2001)))
    print(f"/* q of degree {terms - 1}: expm1 relative error {float(w1):.1e}, "
          f"exp {float(w2):.1e} (float32 epsilon 6.0e-8) */")
    lines = [f"q = {float_literal(cf[-1])};"]
    lines += [f"q = q * r + {float_literal(c)};" for c in cf[-2::-1]]
    lines += ["q = q * r + 0.5f;"]
    print("\n".join("    " + t for t in lines))


def silu_q(terms=7, w=0.2):
    import numpy as np

    def f32(x):
        return float(np.float32(float(x)))

    def sd(z):
        s = 1 / (1 + mp.exp(-z))
        return s * (1 + z * (1 - s))

    z0 = mp.findroot(sd, -1.278)
    hi = f32(z0)
    lo = f32(z0 - hi)

    def q(d):
        z = hi + mp.mpf(d)
        return mp.diff(sd, z0) if abs(z - z0) < mp.mpf(10) ** -40 else sd(z) / (z - z0)

    c = mp.chebyfit(q, [-w, w], terms)
    cf = [f32(x) for x in c[:-1]]
    c0h = f32(c[-1])
    c0l = f32(c[-1] - c0h)
    worst = max(abs((c0h + (c0l + mp.polyval([mp.mpf(x) for x in cf], d) * d)) / q(d) - 1)
                for d in (-w + 2 * w * mp.mpf(i) / 400 for i in range(401)))
    print(f"/* SILU float32: root {mp.nstr(z0, 25)} = hi + lo; silu'(z) = ((z - hi) - lo) q(z - hi) "
          f"for |z - hi| <= {w}, q of degree {terms - 1}: relative error {float(worst):.1e} */")
    print(f"#define CACT_SILU_ROOT_HI_F32 {hi.hex()}f\n#define CACT_SILU_ROOT_LO_F32 {lo.hex()}f")
    print(f"#define CACT_SILU_NEAR_F32 {w!r}f")
    print("CACT_INLINE float cact_silu_q_f32(float d)\n{\n"
          f"    float p = {cf[0].hex()}f;")
    for x in cf[1:]:
        print(f"    p = p * d + {x.hex()}f;")
    print(f"    return {c0h.hex()}f + ({c0l.hex()}f + p * d);\n}}")


def tanhshrink_over_cube(w):
    """(a - tanh a) / a^3 for w = a^2 (1/3 at 0)"""
    if w == 0:
        return mp.mpf(1) / 3
    a = mp.sqrt(mp.mpf(w))
    return (a - mp.tanh(a)) / a ** 3


def tanhshrink_g(terms=10):
    coef, worst = fit(lambda s: tanhshrink_over_cube((s + 1) / 2), terms)
    print(f"/* (a - tanh a) / a^3, degree {terms - 1} in s = 2 a^2 - 1, a in [0, 1]: "
          f"relative error {float(worst):.1e} */")
    print("CACT_INLINE double cact_tanhshrink_g_d32(double s)\n{")
    print("\n".join(estrin_body(coef, var="s")))
    print("}")


def float_lsq(cols, rhs, w):
    """Coefficients c of cols @ c ~ rhs, least squares weighted by w, rounded
    to float one at a time from the first column, each rounding followed by a
    refit of the later ones."""
    import numpy as np

    cf = []
    for i in range(cols.shape[1]):
        base = cols[:, :i] @ np.array(cf) if i else 0.0
        c = np.linalg.lstsq(cols[:, i:] * w[:, None], (rhs - base) * w, rcond=None)[0][0]
        cf.append(float(np.float32(c)))
    return np.array(cf)


def float_literal(x):
    """C literal of a float32 value, its hex digits without trailing zeros"""
    return float(x).hex().replace("0000000p", "p") + "f"


def print_float_array(var, cf, sign=1.0):
    hx = [float_literal(sign * x) for x in cf]
    print(f"    static const float {var}[{len(cf)}] = {{")
    for i in range(0, len(cf), 4):
        print("        " + ", ".join(hx[i:i + 4]) + ",")
    print("    };")


def print_fitted(comment, var, x, f, c0, terms, sign=1.0, indent=""):
    """f = c0 + x P(x) at the nodes x, P of degree terms - 1 with float
    coefficients (float_lsq, in the relative error of f), printed as the
    float array var (times sign) under the comment and its error."""
    import numpy as np

    cols = np.stack([x ** i for i in range(1, terms + 1)], 1)
    cf = float_lsq(cols, f - c0, 1 / f)
    err = np.abs((c0 + cols @ cf) / f - 1).max()
    print(f"{indent}/* {comment}, relative error {err:.1e} at the nodes */")
    print_float_array(var, cf, sign)


def tanhshrink_f32(nodes=3000):
    import numpy as np

    k = np.arange(nodes)
    w = (np.cos(np.pi * (k + 0.5) / nodes) + 1) / 2

    def fitted(name, var, f, c0, sign, terms):
        """f = c0 + sign w P(w), P of degree terms - 1 with float coefficients"""
        print_fitted(f"{name}: degree {terms - 1}", var, w, f, c0, terms, sign)

    def t(x):
        if x == 0:
            return mp.mpf(1)
        a = mp.sqrt(mp.mpf(x))
        return (mp.tanh(a) / a) ** 2

    fitted("h, g = 1/3 - w h(w)", "h", np.array([float(tanhshrink_over_cube(x)) for x in w]),
           float(mp.mpf(1) / 3), -1.0, 7)
    fitted("u, (tanh a / a)^2 = 1 + w u(w)", "u", np.array([float(t(x)) for x in w]), 1.0, 1.0, 8)


def gelu_f32(nodes=4000, lo=0.675, hi=15.0, k=3.0, v_terms=11, s_terms=4, k_terms=4,
             hw=0.35, m_terms=7):
    import numpy as np

    x = np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    ih = float(np.float32(float(mp.sqrt(2 * mp.pi))))
    c = 1 / mp.sqrt(2 * mp.pi)
    ch = float(np.float32(float(c)))
    cl = float(np.float32(float(c - mp.mpf(ch))))
    # 1/F(a) = a ih + V(t), t = (a - k)/(a + k); the error counts relative to 1/F
    tlo, thi = (lo - k) / (lo + k), (hi - k) / (hi + k)
    t = (thi + tlo) / 2 + (thi - tlo) / 2 * x
    a = k * (1 + t) / (1 - t)
    inv_f = np.array([float(1 / (c * mills(mp.mpf(float(ai))))) for ai in a])
    cols = np.stack([t ** i for i in range(v_terms)], 1)
    v = float_lsq(cols, inv_f - a * ih, 1 / inv_f)
    err = np.abs((a * ih + cols @ v) / inv_f - 1).max()
    print(f"    /* 1/F(a) = a sqrt(2 pi) + V(t), t = (a - {k:g})/(a + {k:g}), a in [{lo}, {hi:g}]: "
          f"V of degree {v_terms - 1}, relative error of 1/F {err:.1e} at the nodes */")
    print_float_array("v", v)
    # (Phi(z) - 1/2)/z = ch + (cl + w s1(w)), w = z^2 in [0, lo^2]
    w = lo * lo * (x + 1) / 2
    sw = np.array([float((mp.ncdf(mp.sqrt(mp.mpf(float(u)))) - mp.mpf(1) / 2)
                         / mp.sqrt(mp.mpf(float(u)))) if u > 0 else float(c) for u in w])
    print_fitted(f"(Phi(z) - 1/2)/z = ch + (cl + w s1(w)), w = z^2 <= {lo}^2: s1 of degree "
                 f"{s_terms - 1}", "s1", w, sw, ch + cl, s_terms, indent="    ")
    # (gelu'(z) - 1/2)/z = 2 ch + (2 cl + w k(w)), w = z^2 in [0, lo^2]
    kw = np.array([float((gelu_derivative(mp.sqrt(mp.mpf(float(u)))) - mp.mpf(1) / 2)
                         / mp.sqrt(mp.mpf(float(u)))) if u > 0 else float(2 * c) for u in w])
    print_fitted(f"(gelu'(z) - 1/2)/z = 2 ch + (2 cl + w k(w)), w = z^2 <= {lo}^2: k of degree "
                 f"{k_terms - 1}", "k", w, kw, 2 * (ch + cl), k_terms, indent="    ")
    # gelu'(z)/(z - z0) = h0h + (h0l + x m(x)), x = z - z0h, |x| <= hw
    z0 = mp.findroot(gelu_derivative, -0.75)
    z0h = float(np.float32(float(z0)))
    z0l = float(np.float32(float(z0 - mp.mpf(z0h))))

    def hq(xx):
        z = z0h + mp.mpf(float(xx))
        return mp.diff(gelu_derivative, z0) if abs(z - z0) < mp.mpf(10) ** -40 \
            else gelu_derivative(z) / (z - z0)

    xs = hw * x
    hv = np.array([float(hq(xx)) for xx in xs])
    h0 = hq(0)
    h0h = float(np.float32(float(h0)))
    h0l = float(np.float32(float(h0 - mp.mpf(h0h))))
    print_fitted(f"gelu'(z)/(z - z0) = h0h + (h0l + x m(x)), x = z - z0h, |x| <= {hw}: m of "
                 f"degree {m_terms - 1}", "m", xs, hv, h0h + h0l, m_terms, indent="    ")
    print(f"    const float ch = {float_literal(ch)}, cl = {float_literal(cl)}, "
          f"ih = {float_literal(ih)};")
    print(f"    const float z0h = {float_literal(z0h)}, z0l = {float_literal(z0l)};")
    print(f"    const float h0h = {float_literal(h0h)}, h0l = {float_literal(h0l)};")


def log1p_q(terms=10, nodes=6000):
    import numpy as np
    from numpy.polynomial import chebyshev as C

    k = np.arange(nodes)
    s = np.cos(np.pi * (k + 0.5) / nodes)
    u = (s + 1) / 2
    f = np.log1p(u) / u
    c0 = C.cheb2poly(C.chebfit(s, f, terms - 1))[0]
    c0h = np.float32(c0)
    c0l = np.float32(c0 - np.float64(c0h))
    a = np.stack([s ** i for i in range(1, terms)], 1)
    rest = np.linalg.lstsq(a / f[:, None], (f - (float(c0h) + float(c0l))) / f, rcond=None)[0]
    rest = rest.astype(np.float32)
    q = float(c0h) + float(c0l) + np.polynomial.polynomial.polyval(s, [0.0, *map(float, rest)])
    print(f"/* log1p(u)/u = Q(2u - 1), degree {terms - 1}, float coefficients: "
          f"relative error {float(np.abs(q / f - 1).max()):.1e} at the nodes */")
    print(f"    const float c0h = {float(c0h).hex()}f, c0l = {float(c0l).hex()}f;")
    print(f"    r = {float(rest[-1]).hex()}f;")
    for x in rest[-2::-1]:
        print(f"    r = r * s + {float(x).hex()}f;")


BEGIN = "/* (float32 generated block: tools/fit_family_f32.py, do not edit by hand) */\n"
END = "/* (end of the float32 generated block) */"

if __name__ == "__main__":
    if "--exp-f32" in sys.argv:
        exp_q_f32()
    elif "--exp" in sys.argv:
        exp_q()
    elif "--silu" in sys.argv:
        silu_q()
    elif "--tanhshrink-f32" in sys.argv:
        tanhshrink_f32()
    elif "--tanhshrink" in sys.argv:
        tanhshrink_g()
    elif "--log1p" in sys.argv:
        log1p_q()
    elif "--gelu-f32" in sys.argv:
        gelu_f32()
    elif "--write" in sys.argv:
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
