"""Worst ULP of src/cact_family_exp.h against mpmath, and which loops vectorize.

Usage: python tools/family_check.py [--points N] [--bound 4]

Generates a C file with one array loop per function
(void loop_NAME_T(const C *x, C *y, long n, double p0, double p1); the fused
loop_NAME_fwd_deriv_T also takes C *d), compiles it with gcc
-O3 -fno-trapping-math -fno-math-errno -fPIC -shared for -march=x86-64,
-march=x86-64-v3 and, where this CPU runs it, -march=x86-64-v4, loads it with
ctypes and compares every output (forward, derivative, and both outputs of
fwd_deriv) with tools/family_ref.py on a sweep: log-spaced into both tails down
to the subnormals, uniform and random ranges,
and dense points around the roots of the derivatives, the branch boundaries and
the softplus cut.  Prints the worst ULP per function, dtype, variant and output
with the input where it occurs, checks NaN and +-inf, reports the invalid,
divide-by-zero and overflow flags raised by finite input (informational: the
build does not promise them, -fno-trapping-math), and lists the loops that GCC
did not vectorize (-fopt-info-vec-optimized / -fopt-info-vec-missed).
Exit status 1 if any error exceeds the bound or a special value is wrong.
"""

import argparse
import ctypes
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mpmath as mp
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from family_ref import LIMITS, REF, log1p  # noqa: E402

# the package's flags and the targets of the variants this CPU runs (x86-64-v4,
# AVX-512, only where it does), from cactivations/_isa.py: no build needed
_ISA = __import__("runpy").run_path(str(ROOT / "cactivations" / "_isa.py"))
FLAGS = [*_ISA["CFLAGS"], "-fPIC", "-shared"]
MARCHES = [f"-march={m}" for v, m in _ISA["X86_MARCH"].items() if _ISA["cpu_supports"](v)]
TYPES = {"f64": ("double", np.float64, ctypes.c_double),
         "f32": ("float", np.float32, ctypes.c_float)}
NAMES = list(REF)
REGISTRY = __import__("runpy").run_path(str(ROOT / "cactivations" / "_registry.py"))["ACTIVATIONS"]
# softplus (beta, threshold) pairs swept per dtype; the others take no parameter
SOFTPLUS_PARAMS = {"f64": [(1.0, 20.0), (2.0, 20.0), (0.5, 20.0), (1.7, 5.0)],
                   "f32": [(1.0, 20.0), (1.7, 5.0)]}
SILU_Z0 = -1.2784645427610738
MISH_Z1 = -1.1924312145154952


def c_source():
    """One loop per function and dtype, as the kernels run them: for the
    activations with a registry guard on dtype T, the T loops test
    cact_<name>_T_fast(p0, p1) and run the *_wide_T functions if false."""
    lines = ['#include "cact_family_exp.h"']
    where = {}

    def add(name, text):
        where[len(lines) + 1] = name
        lines.append(text)

    for t, (c, _, _) in TYPES.items():
        for name in NAMES:
            args = ", p0, p1" if name == "softplus" else ""
            head = f"(const {c} *__restrict x, {c} *__restrict y, long n, double p0, double p1)"
            unused = "" if args else " (void)p0; (void)p1;"
            guarded = name in REGISTRY and t in REGISTRY[name].guard

            def body(stmt):
                loop = f"for (long i = 0; i < n; i++) {stmt}"
                if not guarded:
                    return loop.format("")
                return (f"if (!cact_{name}_{t}_fast(p0, p1)) {{ {loop.format('_wide')} return; }} "
                        + loop.format(""))

            add(f"{name}_{t}", f"void loop_{name}_{t}{head} {{{unused} "
                + body(f"y[i] = cact_{name}{{0}}_{t}(x[i]{args});") + " }")
            add(f"{name}_derivative_{t}", f"void loop_{name}_derivative_{t}{head} {{{unused} "
                + body(f"y[i] = cact_{name}_derivative{{0}}_{t}(x[i]{args});") + " }")
            head2 = (f"(const {c} *__restrict x, {c} *__restrict y, {c} *__restrict d, long n, "
                     f"double p0, double p1)")
            add(f"{name}_fwd_deriv_{t}", f"void loop_{name}_fwd_deriv_{t}{head2} {{{unused} "
                + body(f"{{{{ {c} t; y[i] = cact_{name}_fwd_deriv{{0}}_{t}(x[i], &t{args}); "
                       f"d[i] = t; }}}}") + " }")
        add(f"log1p_01_{t}", f"void loop_log1p_01_{t}(const {c} *__restrict x, {c} *__restrict y, long n, "
            f"double p0, double p1) {{ (void)p0; (void)p1; for (long i = 0; i < n; i++) "
            f"y[i] = cact_log1p_01_{t}(x[i]); }}")
    return "\n".join(lines) + "\n", where


def build(tmp, march):
    src, where = c_source()
    cfile = Path(tmp) / "family_loops.c"
    cfile.write_text(src)
    lib = Path(tmp) / f"family_{march.split('=')[1]}.so"
    cmd = ["gcc", *FLAGS, march, "-I", str(ROOT / "src"), str(cfile), "-o", str(lib),
           "-fopt-info-vec-optimized", "-fopt-info-vec-missed"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode:
        sys.exit(res.stderr)
    vectorized, missed = {}, {}
    for line in res.stderr.splitlines():
        m = re.match(r".*family_loops\.c:(\d+):\d+: (optimized|missed): (.*)", line)
        if not m or int(m.group(1)) not in where:
            continue
        name = where[int(m.group(1))]
        if m.group(2) == "optimized":
            w = re.search(r"loop vectorized using (\d+) byte", m.group(3))
            if w:
                vectorized.setdefault(name, set()).add(int(w.group(1)))
        else:
            missed.setdefault(name, []).append(m.group(3))
    not_vec = {name: missed.get(name, [])[:3] for name in where.values() if name not in vectorized}
    return ctypes.CDLL(str(lib)), vectorized, not_vec


def sweep_points(t, name, n):
    """inputs of dtype t for function name (float64 array of exactly representable values)."""
    rng = np.random.default_rng(12345)
    if t == "f64":
        tiny, huge = 5e-324, 1.7976931348623157e308
    else:
        tiny, huge = 1.4e-45, 3.4028234e38
    with np.errstate(over="ignore"):    # geomspace's last step rounds past the top
        logs = np.geomspace(tiny, huge, n)
    pts = [logs, -logs, np.linspace(-40, 40, n // 2), rng.uniform(-10, 10, n // 2),
           rng.uniform(-800, 800, n // 4), np.linspace(-760, -690, n // 8),
           np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, tiny, -tiny, huge, -huge])]
    near = np.concatenate([np.geomspace(1e-17, 1.0, n // 8), -np.geomspace(1e-17, 1.0, n // 8)])
    if name in ("silu", "mish"):
        root = SILU_Z0 if name == "silu" else MISH_Z1
        radius = 0.6 if name == "silu" else 0.25
        pts += [root + near, root - radius + near / 16, root + radius + near / 16,
                np.array([root + k * 2.0 ** -52 for k in range(-20, 21)])]
    if name == "softplus":
        pts += [np.linspace(30, 40, n // 8), np.linspace(-40, -30, n // 8),
                36.0 + near / 64, 18.0 + near / 64, 72.0 + near / 64]
    if name == "tanhshrink":
        pts += [1.0 + near / 16, -1.0 + near / 16, np.linspace(-3, 3, n // 4)]
    if name == "log1p_01":
        u = np.concatenate([np.geomspace(tiny, 1.0, n), np.linspace(0, 1, n // 2),
                            rng.uniform(0, 1, n // 2), np.sqrt(2.0) - 1.0 + near / 64])
        pts = [u[(u >= 0) & (u <= 1)]]
    x = np.concatenate(pts)
    x = x[np.isfinite(x)].astype(TYPES[t][1])
    x = x[np.isfinite(x)]
    if name == "log1p_01":
        x = x[(x >= 0) & (x <= 1)]
    return np.unique(x.astype(np.float64))


def exact(fun, x, **params):
    """exact values as double-double arrays (hi, lo)."""
    hi = np.empty(len(x))
    lo = np.empty(len(x))
    for i, v in enumerate(x):
        e = fun(float(v), **params)
        hi[i] = float(e)
        lo[i] = float(e - mp.mpf(hi[i])) if np.isfinite(hi[i]) else 0.0
    return hi, lo


def ulps(got, hi, lo, dtype):
    got = got.astype(np.float64)
    ref = hi.astype(dtype)
    with np.errstate(all="ignore"):
        spacing = np.spacing(np.abs(ref)).astype(np.float64)
        spacing[ref == 0] = np.finfo(dtype).smallest_subnormal
        err = np.abs((got - hi) - lo) / spacing
    same = (got == hi) & (lo == 0)      # infinities that match
    err[same] = 0.0
    err[~np.isfinite(err)] = np.inf
    return err


LIBM = ctypes.CDLL("libm.so.6")
FE_INVALID, FE_DIVBYZERO, FE_OVERFLOW = 0x01, 0x04, 0x08   # x86
FE_BAD = FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW
FLAGS_RAISED = {}


def call(lib, fname, x, dtype, ctype, params, fused=False):
    xs = np.ascontiguousarray(x.astype(dtype))
    y = np.empty_like(xs)
    p = ctypes.POINTER(ctype)
    args = [xs.ctypes.data_as(p), y.ctypes.data_as(p)]
    d = None
    if fused:
        d = np.empty_like(xs)
        args.append(d.ctypes.data_as(p))
    args += [ctypes.c_long(len(xs)), ctypes.c_double(params[0]), ctypes.c_double(params[1])]
    LIBM.feclearexcept(FE_BAD)
    getattr(lib, fname)(*args)
    raised = LIBM.fetestexcept(FE_BAD)
    if raised and np.all(np.isfinite(xs)):
        FLAGS_RAISED[fname] = FLAGS_RAISED.get(fname, 0) | raised
    return y, d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1200,
                    help="points per log-spaced tail (the other sets scale with it)")
    ap.add_argument("--bound", type=float, default=4.0)
    opts = ap.parse_args()
    t0 = time.time()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        libs = {m: build(tmp, m) for m in MARCHES}
        print(f"{'function':26s} {'dtype':5s} {'params':12s} {'variant':10s} {'output':10s} "
              f"{'worst ULP':>10s}  at x")
        worst_table = []
        summary = {}
        for t, (_, dtype, ctype) in TYPES.items():
            for name in NAMES + ["log1p_01"]:
                x = sweep_points(t, name, opts.points)
                plist = SOFTPLUS_PARAMS[t] if name == "softplus" else [(0.0, 0.0)]
                for params in plist:
                    kw = {"beta": params[0], "threshold": params[1]} if name == "softplus" else {}
                    if name == "log1p_01":
                        refs = {"forward": exact(log1p, x)}
                    else:
                        fwd, der = REF[name]
                        refs = {"forward": exact(fwd, x, **kw), "derivative": exact(der, x, **kw)}
                    for march, (lib, _, _) in libs.items():
                        outs = {}
                        if name == "log1p_01":
                            outs["forward"], _ = call(lib, f"loop_log1p_01_{t}", x, dtype, ctype, params)
                        else:
                            outs["forward"], _ = call(lib, f"loop_{name}_{t}", x, dtype, ctype, params)
                            outs["derivative"], _ = call(lib, f"loop_{name}_derivative_{t}", x, dtype,
                                                         ctype, params)
                            outs["fused y"], outs["fused d"] = call(lib, f"loop_{name}_fwd_deriv_{t}", x,
                                                                    dtype, ctype, params, fused=True)
                        for out, got in outs.items():
                            hi, lo = refs["derivative" if out in ("derivative", "fused d") else "forward"]
                            err = ulps(got, hi, lo, dtype)
                            i = int(np.argmax(err))
                            bad = err[i] > opts.bound
                            failed |= bad
                            ptxt = f"b={params[0]:g},t={params[1]:g}" if name == "softplus" else "-"
                            print(f"{name:26s} {t:5s} {ptxt:12s} {march.split('=')[1]:10s} {out:10s} "
                                  f"{err[i]:10.3f}  {float(x[i])!r}{'  FAIL' if bad else ''}")
                            worst_table.append(err[i])
                            key = (name, t, "derivative" if out in ("derivative", "fused d") else "forward")
                            if err[i] >= summary.get(key, (-1.0, 0.0))[0]:
                                summary[key] = (float(err[i]), float(x[i]))
                        # special values
                        if name != "log1p_01":
                            spec = np.array([np.nan, -np.inf, np.inf])
                            (lim_f, lim_d) = LIMITS[name]
                            y, _ = call(lib, f"loop_{name}_{t}", spec, dtype, ctype, params)
                            d, _ = call(lib, f"loop_{name}_derivative_{t}", spec, dtype, ctype, params)
                            fy, fd = call(lib, f"loop_{name}_fwd_deriv_{t}", spec, dtype, ctype, params,
                                          fused=True)
                            for got, lim in ((y, lim_f), (fy, lim_f), (d, lim_d), (fd, lim_d)):
                                if not (np.isnan(got[0]) and got[1] == lim[0] and got[2] == lim[1]):
                                    print(f"  special values wrong ({march}): {name}_{t} "
                                          f"nan,-inf,+inf -> {got.tolist()}, expected nan, {lim}")
                                    failed = True
        print("\nsummary: worst ULP over the variants, all parameter sets and the fused outputs")
        print(f"{'function':12s} {'dtype':5s} {'forward':>8s}  {'at x':24s} {'derivative':>10s}  at x")
        for name in NAMES + ["log1p_01"]:
            for t in TYPES:
                f = summary.get((name, t, "forward"))
                d = summary.get((name, t, "derivative"))
                dtxt = f"{d[0]:10.3f}  {d[1]!r}" if d else f"{'-':>10s}"
                print(f"{name:12s} {t:5s} {f[0]:8.3f}  {f[1]!r:24s} {dtxt}")
        print()
        for march, (_, vec, not_vec) in libs.items():
            widths = sorted({w for ws in vec.values() for w in ws})
            print(f"{march}: {len(vec)} loops vectorized (vector bytes {widths}), "
                  f"{len(not_vec)} not vectorized")
            for name, reasons in not_vec.items():
                print(f"  NOT vectorized: loop_{name}: " + " | ".join(reasons))
    if FLAGS_RAISED:
        names = {FE_INVALID: "invalid", FE_DIVBYZERO: "divbyzero", FE_OVERFLOW: "overflow"}
        print("floating-point flags raised on finite input (informational, every variant):")
        for fname, raised in sorted(FLAGS_RAISED.items()):
            print(f"  {fname}: " + ", ".join(v for k, v in names.items() if raised & k))
    else:
        print("no invalid, divide-by-zero or overflow flag raised on finite input")
    print(f"\nworst over all: {max(worst_table):.3f} ULP (bound {opts.bound}); {time.time() - t0:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
