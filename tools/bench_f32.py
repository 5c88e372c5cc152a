"""ns/element of the float32 family functions, baseline revision against the working tree.

Usage: python tools/bench_f32.py [--rev REV] [--n 100000] [--repeat 15] [--only NAME,...]

Compiles the loops of every float32 function (forward, derivative, fwd_deriv) of
src/cact_family_erf.h and src/cact_family_exp.h (and sigmoid and tanh of
src/cact_math.h, for scale) twice, once from the headers
of git revision REV (default: the parent of the first commit on this branch
that touched them, given explicitly with --rev) and once from the working tree,
each for -march=x86-64 and -march=x86-64-v3 (gcc -O3 -fno-trapping-math
-fno-math-errno), loads them with ctypes and times each loop over n float32
inputs (uniform in [-8, 8]).  The old and new builds are timed alternately in
the same process, repeat times each, and the best time is reported in
ns/element, so that load from other processes affects both alike.
"""

import argparse
import ctypes
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# the package's flags and the targets of its baseline and avx2 variants
_ISA = __import__("runpy").run_path(str(ROOT / "cactivations" / "_isa.py"))
FLAGS = [*_ISA["CFLAGS"], "-fPIC", "-shared"]
MARCHES = [_ISA["X86_MARCH"]["baseline"], _ISA["X86_MARCH"]["avx2"]]
# name, header, C parameters
FUNCS = [
    ("gelu", "erf", ""), ("gelu_tanh", "erf", ""),
    ("silu", "exp", ""), ("mish", "exp", ""),
    ("softplus", "exp", ", 1.0, 20.0"), ("log_sigmoid", "exp", ""),
    ("elu", "erf", ", 1.0"), ("selu", "erf", ""), ("celu", "erf", ", 1.0"),
    ("softsign", "exp", ""), ("tanhshrink", "exp", ""),
    ("sigmoid", "math", ""), ("tanh", "math", ""),     # for scale
]
HEADERS = {"erf": "cact_family_erf.h", "exp": "cact_family_exp.h", "math": "cact_math.h"}


def source(funcs):
    lines = []
    for h in sorted({f[1] for f in funcs}):
        lines.append(f'#include "{HEADERS[h]}"')
    for name, _, par in funcs:
        sig = "(const float *restrict x, float *restrict y, float *restrict d, long n)"
        lines.append(f"void b_{name}{sig} {{ (void)d; for (long i = 0; i < n; i++) "
                     f"y[i] = cact_{name}_f32(x[i]{par}); }}")
        lines.append(f"void b_{name}_derivative{sig} {{ (void)d; for (long i = 0; i < n; i++) "
                     f"y[i] = cact_{name}_derivative_f32(x[i]{par}); }}")
        lines.append(f"void b_{name}_fwd_deriv{sig} {{ for (long i = 0; i < n; i++) "
                     f"{{ float t; y[i] = cact_{name}_fwd_deriv_f32(x[i], &t{par}); d[i] = t; }} }}")
    return "\n".join(lines) + "\n"


def build(tmp, srcdir, tag, march, funcs):
    c = Path(tmp) / f"bench_{tag}.c"
    c.write_text(source(funcs))
    lib = Path(tmp) / f"bench_{tag}_{march}.so"
    subprocess.run(["gcc", *FLAGS, f"-march={march}", "-I", str(srcdir), str(c), "-o", str(lib)],
                   check=True)
    return ctypes.CDLL(str(lib))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rev", default="e4eb38d")
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--only", default="")
    opts = ap.parse_args()
    funcs = [f for f in FUNCS if not opts.only or f[0] in opts.only.split(",")]
    rng = np.random.default_rng(0)
    x = rng.uniform(-8, 8, opts.n).astype(np.float32)
    y = np.empty_like(x)
    d = np.empty_like(x)
    p = ctypes.c_void_p
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        old.mkdir()
        for h in ("cact_math.h", *HEADERS.values()):
            (old / h).write_text(subprocess.run(["git", "-C", str(ROOT), "show", f"{opts.rev}:src/{h}"],
                                                check=True, capture_output=True, text=True).stdout)
        libs = {(tag, m): build(tmp, sd, tag, m, funcs)
                for tag, sd in (("old", old), ("new", ROOT / "src")) for m in MARCHES}
        print(f"ns/element, n = {opts.n}, best of {opts.repeat}; old = {opts.rev}, new = working tree")
        print(f"{'function':26s} " + " ".join(f"{m + ' ' + t:>16s}" for m in MARCHES for t in ("old", "new"))
              + "   speedup (x86-64, v3)")
        for name, _, _ in funcs:
            for kind in ("", "_derivative", "_fwd_deriv"):
                fn = f"b_{name}{kind}"
                best = {}
                for _ in range(opts.repeat):
                    for m in MARCHES:
                        for tag in ("old", "new"):
                            f = getattr(libs[(tag, m)], fn)
                            t0 = time.perf_counter()
                            f(x.ctypes.data_as(p), y.ctypes.data_as(p), d.ctypes.data_as(p), ctypes.c_long(opts.n))
                            dt = time.perf_counter() - t0
                            best[(tag, m)] = min(best.get((tag, m), 1e9), dt)
                ns = {k: v / opts.n * 1e9 for k, v in best.items()}
                print(f"{name + kind:26s} " + " ".join(f"{ns[(t, m)]:16.2f}" for m in MARCHES
                                                        for t in ("old", "new"))
                      + "   " + ", ".join(f"{ns[('old', m)] / ns[('new', m)]:.2f}x" for m in MARCHES))
                sys.stdout.flush()


if __name__ == "__main__":
    main()
