"""Worst ULP of the ELU/GELU family of src/cact_family_erf.h against mpmath.

Usage: python tools/family_check_erf.py [--quick] [--vec]

Generates a C file with one array loop per function, dtype and output
(forward, derivative, and fwd_deriv writing the forward values to y[0:n] and
the derivatives to y[n:2n]), compiles it with gcc -O3 -fno-trapping-math
-fno-math-errno (for -march=x86-64, -march=x86-64-v3 and, where this CPU runs
it, -march=x86-64-v4), loads it
with ctypes, sweeps each function (log-spaced into both tails down to the
subnormals, uniform, random, and dense points around the roots of the
derivatives and the switch points of the formulas) and prints the worst error
in ULPs (of the exact value, mpmath at 200 bits, in the output type) per
function, dtype and variant, with the input where it occurs.  Exits 1 if any
error exceeds 4 ULP or a special value (NaN, +-inf) is wrong.

--vec also prints which loops GCC vectorized (-fopt-info-vec) and, for the
others, the first reason it gives (for a function whose fast path the build
lacks, such as float32 celu without FMA, the loop of its wide functions).
--quick sweeps fewer points.
"""

import ctypes
import math
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mpmath as mp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from family_ref_erf import REF  # noqa: E402

mp.mp.prec = 200
ROOT = Path(__file__).resolve().parent.parent
REGISTRY = __import__("runpy").run_path(str(ROOT / "cactivations" / "_registry.py"))["ACTIVATIONS"]
BOUND = 4.0
# the package's flags and the targets of the variants this CPU runs (x86-64-v4,
# AVX-512, only where it does), from cactivations/_isa.py: no build needed
_ISA = __import__("runpy").run_path(str(ROOT / "cactivations" / "_isa.py"))
VARIANTS = {m: [f"-march={m}"] for v, m in _ISA["X86_MARCH"].items() if _ISA["cpu_supports"](v)}
CFLAGS = [*_ISA["CFLAGS"], "-fPIC", "-shared"]
SELU_SA = -1.7580993408473768599

# (name, params, C parameter count, range of the linear/random sweep, special points)
CASES = [
    ("elu", {"alpha": 1.0}, 1, (-50, 10), [-745.1, -708.4, -37.4]),
    ("elu", {"alpha": 0.3}, 1, (-50, 10), [-745.1, -744.0]),
    ("elu", {"alpha": 5.0}, 1, (-50, 10), [-745.1, -743.0, -740.0]),
    ("elu", {"alpha": -1.5}, 1, (-50, 10), [-745.1]),
    ("elu", {"alpha": 100.0}, 1, (-50, 10), [-749.7, -745.1, -740.0]),
    ("elu", {"alpha": 300.0}, 1, (-50, 10), [-749.7, -745.1, -115.0, -110.0]),   # float32: the wide loop
    ("elu", {"alpha": 1e-7}, 1, (-50, 10), [-745.1, -100.0]),                    # float32: the wide loop
    ("selu", {}, 0, (-50, 10), [-745.1, -744.6]),
    ("celu", {"alpha": 1.0}, 1, (-50, 10), [-745.1]),
    ("celu", {"alpha": 0.25}, 1, (-15, 10), [-186.3, -177.0, -0.25]),
    ("celu", {"alpha": 3.0}, 1, (-100, 10), [-2235.3, -2130.0]),
    ("celu", {"alpha": -2.0}, 1, (-100, 10), [-1419.5, -1416.0, -1400.0]),
    ("celu", {"alpha": 0.001}, 1, (-1, 1), [-0.7451, -0.708, -0.001]),
    ("celu", {"alpha": 3e6}, 1, (-100, 10), [-1e-300, -1e-310, -3e-323]),   # z / alpha underflows
    ("gelu", {}, 0, (-40, 10), [-0.7517915246935645, -1.125, -0.375, -0.85, -0.65, -15.0, 15.0, -38.5, -37.6, -37.23,
                                 -5.0, 5.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 40.0, -40.0]),
    ("gelu_tanh", {}, 0, (-30, 10), [-0.7524614220710163, -1.125, -0.375, -10.9, -10.5, -30.0,
                                     30.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0]),
]
DTYPES = {"f64": (np.float64, ctypes.c_double, 53, -1022), "f32": (np.float32, ctypes.c_float, 24, -126)}


def c_source():
    """One loop per function and dtype, as the kernels run them: for the
    activations with a registry guard on dtype T, the T loops test
    cact_<name>_T_fast(p0) and run the *_wide_T functions if false."""
    lines = ['#include "cact_family_erf.h"']
    loops = {}
    for name in sorted({c[0] for c in CASES}):
        npar = next(c[2] for c in CASES if c[0] == name)
        args = ", p0" if npar else ""
        for t, ct in (("f64", "double"), ("f32", "float")):
            head = f"void loop_{{}}_{t}(const {ct} *restrict x, {ct} *restrict y, long n, double p0, double p1)"
            guarded = t in REGISTRY[name].guard
            for kind in ("", "_derivative", "_fwd_deriv"):
                fn = f"{name}{kind}"
                # the fused pair through a local, as the kernels call it
                body = (f"{{{{ {ct} t; y[i] = cact_{fn}{{}}_{t}(x[i], &t{args}); d[i] = t; }}}}"
                        if kind == "_fwd_deriv" else f"y[i] = cact_{fn}{{}}_{t}(x[i]{args});")
                guard = (f"    if (!cact_{name}_{t}_fast(p0)) {{ for (long i = 0; i < n; i++) "
                         f"{body.format('_wide')} return; }}")
                # the loop's line, and the guarded loop's (where the build has no
                # fast path, the compiler drops the first: the second runs)
                loops[len(lines) + 5] = (f"{fn}_{t}", len(lines) + 4 if guarded else None)
                lines += [head.format(fn) + " {",
                          f"    {ct} *restrict d = y + n;",
                          "    (void)p0; (void)p1; (void)d;",
                          guard if guarded else "",
                          f"    for (long i = 0; i < n; i++) {body.format('')}", "}"]
    return "\n".join(lines) + "\n", loops


def build(tmp, variant, vec_report=False):
    src, loops = c_source()
    cfile = Path(tmp) / "family_loops.c"
    cfile.write_text(src)
    lib = Path(tmp) / f"family_{variant}.so"
    cmd = ["gcc", *CFLAGS, *VARIANTS[variant], "-I", str(ROOT / "src"), str(cfile), "-o", str(lib)]
    if vec_report:
        cmd += ["-fopt-info-vec-optimized", "-fopt-info-vec-missed"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit(r.stderr)
    return ctypes.CDLL(str(lib)), loops, r.stderr


def vec_summary(loops, report):
    lines = report.splitlines()
    out = []
    def vectorized(line_no):
        tag = f"family_loops.c:{line_no}:"
        return [ln.split("optimized: ", 1)[1] for ln in lines
                if tag in ln and "optimized: loop vectorized" in ln]

    for line_no, (fn, wide_no) in sorted(loops.items(), key=lambda kv: kv[1]):
        tag = f"family_loops.c:{line_no}:"
        ok = vectorized(line_no)
        if ok:
            out.append(f"  {fn:28s} {ok[0]}")
            continue
        dropped = not any(tag in ln for ln in lines)    # no report: the loop was removed
        if wide_no is not None and dropped and vectorized(wide_no):
            out.append(f"  {fn:28s} (no fast path in this build) the wide loop: "
                       f"{vectorized(wide_no)[0]}")
            continue
        why = "?"
        for k, ln in enumerate(lines):
            if tag in ln and "couldn't vectorize loop" in ln:
                nxt = [m for m in lines[k + 1:k + 6] if "missed:" in m]
                why = nxt[0].split("missed: ", 1)[1] if nxt else "?"
                break
        out.append(f"  {fn:28s} NOT vectorized: {why}")
    return "\n".join(out)


def points(dtype, lo, hi, special, rng, n):
    np_t, _, p, emin = DTYPES[dtype]
    fi = np.finfo(np_t)
    tiny = float(fi.smallest_subnormal)
    with np.errstate(over="ignore"):
        tails = np.geomspace(tiny, float(fi.max), n)
    near = np.geomspace(tiny, 60.0, n)
    base = [tails, -tails, near, -near, np.linspace(lo, hi, n), rng.uniform(lo, hi, n),
            rng.standard_normal(n // 2) * 3]
    for s in special:
        base.append(s + np.linspace(-1e-3, 1e-3, 41) * max(1.0, abs(s)))
        base.append(s + np.geomspace(1e-16, 1e-2, 30) * max(1.0, abs(s)))
        base.append(s - np.geomspace(1e-16, 1e-2, 30) * max(1.0, abs(s)))
    x = np.concatenate(base).astype(np_t)
    extra = [0.0, -0.0, tiny, -tiny, float(fi.tiny), -float(fi.tiny), float(fi.max), -float(fi.max)]
    for s in special:     # a few neighbours in the output type
        v = np_t(s)
        for _ in range(3):
            extra += [float(v), float(np.nextafter(v, np_t(np.inf)))]
            v = np.nextafter(v, np_t(-np.inf))
    x = np.concatenate([x, np.array(extra, dtype=np_t)])
    with np.errstate(invalid="ignore"):
        x = x[np.isfinite(x)]
    return np.unique(x)


def ulp_of(v, p, emin):
    if v == 0:
        return mp.ldexp(1, emin - p + 1)
    e = mp.frexp(v)[1] - 1
    return mp.ldexp(1, max(e, emin) - p + 1)


def ulp_error(got, exact, dtype):
    np_t, _, p, emin = DTYPES[dtype]
    fmax = mp.mpf(float(np.finfo(np_t).max))
    ovf = fmax + ulp_of(fmax, p, emin) / 2       # exact values beyond round to inf
    if math.isnan(got):
        return math.inf
    if abs(exact) >= ovf:
        return 0.0 if math.isinf(got) and (got > 0) == (exact > 0) else math.inf
    if math.isinf(got):
        return math.inf
    return float(abs(mp.mpf(got) - exact) / ulp_of(exact, p, emin))


def call(lib, fn, dtype, x, params, n_out):
    np_t, ct, _, _ = DTYPES[dtype]
    x = np.ascontiguousarray(x, dtype=np_t)
    y = np.empty(len(x) * n_out, dtype=np_t)
    f = getattr(lib, f"loop_{fn}_{dtype}")
    f.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_double, ctypes.c_double]
    pv = list(params.values()) + [0.0, 0.0]
    f(x.ctypes.data, y.ctypes.data, len(x), pv[0], pv[1])
    return y


def special_checks(lib, name, params, dtype):
    """NaN -> NaN, +-inf -> the limits (from the reference far out)."""
    bad = []
    fwd, der = REF[name]
    x = np.array([np.nan, np.inf, -np.inf])
    outs = {"fwd": call(lib, name, dtype, x, params, 1),
            "der": call(lib, name + "_derivative", dtype, x, params, 1)}
    fd = call(lib, name + "_fwd_deriv", dtype, x, params, 2)
    outs["fd.fwd"], outs["fd.der"] = fd[:3], fd[3:]
    for key, y in outs.items():
        ref = der if key.endswith("der") else fwd
        if not math.isnan(y[0]):
            bad.append(f"{key}(nan) = {y[0]}")
        for i, s in ((1, 1), (2, -1)):
            lim = ref(mp.mpf(s) * mp.mpf(10) ** 300, **params)
            want = math.copysign(math.inf, lim) if abs(lim) > 1e290 else float(lim)
            if not (y[i] == want or (abs(want) < 1e-300 and y[i] == 0)):
                bad.append(f"{key}({s * math.inf}) = {y[i]}, limit {want}")
    return bad


def main():
    quick = "--quick" in sys.argv
    n = 300 if quick else 1000
    t0 = time.time()
    failed = False
    cache = {}
    with tempfile.TemporaryDirectory() as tmp:
        libs = {}
        for variant in VARIANTS:
            libs[variant], loops, report = build(tmp, variant, vec_report="--vec" in sys.argv)
            if "--vec" in sys.argv:
                print(f"vectorization, -march={variant}:")
                print(vec_summary(loops, report))
        print(f"{'function':26s} {'dtype':5s} {'variant':10s} {'forward':>9s} {'deriv':>9s}"
              f" {'fd.fwd':>9s} {'fd.der':>9s}   worst input (forward / derivative)")
        for name, params, _, (lo, hi), special in CASES:
            fwd, der = REF[name]
            label = name + "".join(f"({k}={v:g})" for k, v in params.items())
            for dtype in DTYPES:
                rng = np.random.default_rng(1)
                x = points(dtype, lo, hi, special, rng, n)
                key = (name, tuple(params.items()), dtype)
                if key not in cache:
                    cache[key] = ([fwd(float(v), **params) for v in x], [der(float(v), **params) for v in x])
                ef, ed = cache[key]
                for variant, lib in libs.items():
                    yf = call(lib, name, dtype, x, params, 1)
                    yd = call(lib, name + "_derivative", dtype, x, params, 1)
                    fd = call(lib, name + "_fwd_deriv", dtype, x, params, 2)
                    cols, worst_x = [], []
                    for got, exact in ((yf, ef), (yd, ed), (fd[:len(x)], ef), (fd[len(x):], ed)):
                        err = np.array([ulp_error(float(g), e, dtype) for g, e in zip(got, exact)])
                        i = int(np.argmax(err))
                        cols.append(err[i])
                        worst_x.append(x[i])
                    bad = special_checks(lib, name, params, dtype)
                    flag = "" if max(cols) <= BOUND and not bad else "  <-- FAIL"
                    failed |= bool(flag)
                    print(f"{label:26s} {dtype:5s} {variant:10s} " + " ".join(f"{c:9.3f}" for c in cols)
                          + f"   {worst_x[0]!r} / {worst_x[1]!r}{flag}")
                    for b in bad:
                        print(f"    special value: {b}")
    print(f"{'FAIL' if failed else 'all within'} {BOUND:g} ULP ({time.time() - t0:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
