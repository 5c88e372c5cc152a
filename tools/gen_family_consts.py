"""Print the constants of src/cact_family_exp.h (run with mpmath installed).

Usage: python tools/gen_family_consts.py

- the zero z0 of silu'(z) (1 + z + e^z = 0) as a double-double, and the Taylor
  coefficients of f(z) = 1 + z + e^z about z0;
- the zero z1 of mish'(z) as a double-double, and a polynomial q with
  mish'(z1 + d) = d q(d) for d in [-0.25, 1.2] (z in [-1.44, 0.0076]), where
  the closed form cancels (Chebyshev fit, q(0) as a double-double);
- the polynomial g(w), w = z^2, with z - tanh z = z^3 g(w) on |z| <= 1
  (Chebyshev fit, checked in relative error with the coefficients rounded to
  double).

For each polynomial it prints the truncation (or fit) error measured on its
interval, relative to the function.
"""

import mpmath as mp

mp.mp.prec = 300


def hexd(x):
    return float(x).hex()


def dd(x):
    hi = float(x)
    lo = float(x - mp.mpf(hi))
    return hi, lo


def taylor_rel_error(fun, x0, coeffs, radius, n=400):
    """max |fun - sum c_k d^k| / |fun| over |d| <= radius, coefficients rounded to double."""
    worst = mp.mpf(0)
    for i in range(-n, n + 1):
        d = mp.mpf(radius) * i / n
        if d == 0:
            continue
        # c_1 is stored as a double-double: exact here; the others rounded to double
        p = mp.fsum((c if k == 1 else mp.mpf(float(c))) * d ** k
                    for k, c in enumerate(coeffs) if k >= 1)
        exact = fun(x0 + d)
        worst = max(worst, abs((p - exact) / exact))
    return worst


def emit_poly(name, coeffs, first=0):
    for k, c in enumerate(coeffs, first):
        print(f"#define {name}{k} {hexd(c)} /* {mp.nstr(c, 20)} */")


def silu_root(radius=0.6, degree=16):
    z0 = mp.findroot(lambda z: 1 + z + mp.exp(z), -1.28)
    f = lambda z: 1 + z + mp.exp(z)
    e0 = mp.exp(z0)
    coeffs = [mp.mpf(0), 1 + e0] + [e0 / mp.factorial(k) for k in range(2, degree + 1)]
    hi, lo = dd(z0)
    a1h, a1l = dd(coeffs[1])
    print(f"/* silu' = 0 at z0 = {mp.nstr(z0, 30)} */")
    print(f"#define CACT_SILU_Z0_HI {hi.hex()}")
    print(f"#define CACT_SILU_Z0_LO {lo.hex()}")
    print(f"#define CACT_SILU_A1_HI {a1h.hex()}")
    print(f"#define CACT_SILU_A1_LO {a1l.hex()}")
    emit_poly("CACT_SILU_A", coeffs[2:], 2)
    print(f"/* degree {degree}, |d| <= {radius}: relative truncation "
          f"{mp.nstr(taylor_rel_error(f, z0, coeffs, radius), 3)} */")


def mish_root(lo=-0.25, hi=1.2, degree=20):
    """mish'(z1 + d) = d q(d) on [lo, hi], q a Chebyshev fit, q(0) as a double-double."""
    def mish_d(z):
        sp = mp.log1p(mp.exp(z))
        return mp.tanh(sp) + z * mp.sech(sp) ** 2 / (1 + mp.exp(-z))

    z1 = mp.findroot(lambda z: 4 * (1 + z) + mp.exp(z) * (6 + 4 * z + mp.exp(z) * (4 + mp.exp(z))),
                     -1.19)
    assert abs(mish_d(z1)) < mp.mpf(2) ** -250
    slope = mp.diff(mish_d, z1)

    def q(d):
        return slope if d == 0 else mish_d(z1 + d) / d

    coeffs, _ = mp.chebyfit(q, [lo, hi], degree + 1, error=True)
    coeffs = coeffs[::-1]  # lowest first
    c0h, c0l = dd(coeffs[0])
    hi_, lo_ = dd(z1)
    worst = mp.mpf(0)
    for i in range(801):
        d = lo + (hi - lo) * mp.mpf(i) / 800
        p = c0h + mp.mpf(c0l) + mp.fsum(mp.mpf(float(c)) * d ** k for k, c in enumerate(coeffs) if k)
        worst = max(worst, abs(p / q(d) - 1))
    print(f"/* mish' = 0 at z1 = {mp.nstr(z1, 30)}; mish'(z1 + d) = d q(d) on [{lo}, {hi}] */")
    print(f"#define CACT_MISH_Z1_HI {hi_.hex()}")
    print(f"#define CACT_MISH_Z1_LO {lo_.hex()}")
    print(f"#define CACT_MISH_Q0_HI {c0h.hex()}")
    print(f"#define CACT_MISH_Q0_LO {c0l.hex()}")
    emit_poly("CACT_MISH_Q", coeffs[1:], 1)
    print(f"/* degree {degree} (Chebyshev fit): relative error {mp.nstr(worst, 3)} "
          f"(q0 double-double, the others rounded to double) */")


def tanhshrink_poly(degree=16):
    def g(w):
        if w == 0:
            return mp.mpf(1) / 3
        with mp.extraprec(3 * max(0, -int(mp.log(w, 2))) + 20):
            z = mp.sqrt(w)
            return (z - mp.tanh(z)) / z ** 3

    coeffs, err = mp.chebyfit(g, [0, 1], degree + 1, error=True)
    coeffs = coeffs[::-1]  # lowest first
    worst = mp.mpf(0)
    for i in range(0, 2001):
        w = mp.mpf(i) / 2000
        p = mp.polyval([mp.mpf(float(c)) for c in coeffs[::-1]], w)
        worst = max(worst, abs(p / g(w) - 1))
    print("/* z - tanh z = z^3 g(z^2) on |z| <= 1 */")
    emit_poly("CACT_TANHSHRINK_G", coeffs)
    print(f"/* degree {degree} in w = z^2 on [0, 1]: relative error {mp.nstr(worst, 3)} "
          f"(coefficients rounded to double) */")


if __name__ == "__main__":
    silu_root()
    mish_root()
    tanhshrink_poly()
