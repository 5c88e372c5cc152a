"""Worst error in ULPs of the elementwise functions against mpmath (50 digits).

Usage: python tools/ulp_report.py   (CACTIVATIONS_CPU=baseline|avx2|avx512 to pick
a variant).  The test suite asserts the 4-ULP bound; this prints the worst point.
"""

import mpmath as mp
import numpy as np

import cactivations as ca

mp.mp.dps = 50
rng = np.random.default_rng(0)


def points(lo, hi, n=3000):
    tails = np.geomspace(1e-300, max(abs(lo), hi), n)
    return np.concatenate([np.linspace(lo, hi, n), rng.uniform(lo, hi, n), tails, -tails])


def ulps(got, exact, dtype):
    ref = np.array([float(v) for v in exact]).astype(dtype)
    spacing = np.spacing(np.abs(ref)).astype(np.float64)
    spacing[ref == 0] = np.finfo(dtype).smallest_subnormal
    return np.array([float(abs(mp.mpf(float(g)) - e)) for g, e in zip(got, exact)]) / spacing


FUNCTIONS = {
    "sigmoid": (lambda x: 1 / (1 + mp.exp(-x)), (-746, 710)),
    "sigmoid_derivative": (lambda x: mp.exp(-x) / (1 + mp.exp(-x)) ** 2, (-746, 746)),
    "tanh": (mp.tanh, (-30, 30)),
    "tanh_derivative": (lambda x: 1 / mp.cosh(x) ** 2, (-380, 380)),
}

print(f"variant {ca._cpu.variant}")
for name, (exact, (lo, hi)) in FUNCTIONS.items():
    for dtype in (np.float64, np.float32):
        x = points(lo, hi).astype(dtype)
        if dtype == np.float32:
            x = x[np.abs(x) < 110]
        err = ulps(getattr(ca, name)(x), [exact(mp.mpf(float(v))) for v in x], dtype)
        i = int(np.argmax(err))
        print(f"{name:20s} {np.dtype(dtype).name:8s} worst {err[i]:.3f} ULP at {x[i]!r}")
p = np.concatenate([np.linspace(0, 1, 4001)[1:-1], rng.uniform(0, 1, 4000),
                    np.geomspace(1e-300, 0.5, 2000), 1 - np.geomspace(1e-16, 0.5, 2000),
                    0.5 + np.geomspace(1e-16, 0.25, 2000), 0.5 - np.geomspace(1e-16, 0.25, 2000)])
for dtype in (np.float64, np.float32):
    x = p.astype(dtype)
    x = x[(x > 0) & (x < 1)]
    err = ulps(ca.logit(x), [mp.log(mp.mpf(float(v)) / (1 - mp.mpf(float(v)))) for v in x], dtype)
    i = int(np.argmax(err))
    print(f"{'logit':20s} {np.dtype(dtype).name:8s} worst {err[i]:.3f} ULP at {x[i]!r}")
