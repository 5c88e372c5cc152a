"""Build of cactivations' compiled core.

``src/_kernels.pyx.tp`` is rendered with Tempita from the table in
``cactivations/_registry.py`` (loaded by path: the package is not built yet)
and compiled once per instruction-set variant: ``cactivations._kernels``
(baseline: on x86-64 for -march=x86-64, which every CPU of the architecture
runs; elsewhere the compiler's default target) and, on x86-64,
``cactivations._kernels_avx2`` (x86-64-v3: AVX2, FMA) and
``cactivations._kernels_avx512`` (x86-64-v4: AVX-512).  The flags and targets
are in ``cactivations/_isa.py``.
``cactivations._cpu`` imports the best one the CPU supports.

Environment:
  CACTIVATIONS_DEBUG=1       Cython bounds/wraparound/initialized checks on, -O0 -g.
  CACTIVATIONS_VEC_REPORT=1  print GCC's report of the loops it vectorized
                             (-fopt-info-vec-optimized).
  CACTIVATIONS_VARIANTS=...  build only these variants (comma-separated; baseline
                             is always built), for quicker development builds.
  CACTIVATIONS_OPENMP=0      build without OpenMP (every kernel on one thread);
                             by default OpenMP is used when the compiler has it.
  CACTIVATIONS_SANITIZE=1    AddressSanitizer and UndefinedBehaviorSanitizer
                             (-fsanitize=address,undefined -fno-omit-frame-pointer
                             -g, compile and link); run with libasan preloaded,
                             see tools/sanitize.sh.
"""

import os
import platform
import runpy
from pathlib import Path

import shutil
import subprocess
import sysconfig
import tempfile

import numpy
from Cython import Tempita
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent
DEBUG = os.environ.get("CACTIVATIONS_DEBUG", "") not in ("", "0")


def x86_variants_buildable():
    """Build the -march=x86-64-v3/v4 variants?  Only with a GCC-style compiler
    (not MSVC) producing x86-64 code: not on aarch64 or arm64, and not when
    cross-compiling for another target (macOS ARCHFLAGS, e.g. arm64 or
    universal2 wheels built on an Intel host; _PYTHON_HOST_PLATFORM)."""
    if os.name == "nt" or platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    archs = os.environ.get("ARCHFLAGS", "").replace("-arch", " ").split()
    if archs and archs != ["x86_64"]:
        return False
    host = os.environ.get("_PYTHON_HOST_PLATFORM", "")
    return not host or host.endswith(("x86_64", "amd64"))


# the variants, their flags and targets (cactivations/_isa.py, loaded by path)
ISA = runpy.run_path(str(HERE / "cactivations" / "_isa.py"))
# variant name -> extra compiler flags; the module is cactivations._kernels{suffix}
VARIANTS = {"baseline": ("", [])}
if x86_variants_buildable():
    VARIANTS = {name: ("" if name == "baseline" else f"_{name}", [f"-march={march}"])
                for name, march in ISA["X86_MARCH"].items()}
# CACTIVATIONS_VARIANTS=baseline,avx2 builds only those (a quicker build for development)
if os.environ.get("CACTIVATIONS_VARIANTS"):
    _keep = {v.strip() for v in os.environ["CACTIVATIONS_VARIANTS"].split(",")} | {"baseline"}
    VARIANTS = {k: v for k, v in VARIANTS.items() if k in _keep}


def render_kernels(suffix):
    table = runpy.run_path(str(HERE / "cactivations" / "_registry.py"))
    acts = table["ACTIVATIONS"]
    template = (HERE / "src" / "_kernels.pyx.tp").read_text()
    text = Tempita.sub(
        template,
        acts=[
            {"name": a.name, "bwd": a.backward_from,
             "np": sum(1 for p in a.params if p.check != "choice"), "guard": a.guard}
            for a in acts.values() if a.kind == "elementwise"
        ],
    )
    target = HERE / "src" / f"_kernels{suffix}.pyx"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    return target


def openmp_flags():
    """-fopenmp if the C compiler builds and links an OpenMP program, else []
    (MSVC: /openmp, which every MSVC has)."""
    if os.environ.get("CACTIVATIONS_OPENMP", "") == "0":
        return []
    if os.name == "nt":
        return ["/openmp"]
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    if not shutil.which(cc[0]):
        return []
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp.c")
        with open(src, "w") as f:
            f.write("#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n")
        try:
            ok = subprocess.run([*cc, "-fopenmp", src, "-o", os.path.join(tmp, "omp")],
                                capture_output=True).returncode == 0
        except OSError:
            ok = False
    return ["-fopenmp"] if ok else []


OPENMP = openmp_flags()

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
}
# IEEE results are kept: no -ffast-math, no -march=native (the flags and why:
# cactivations/_isa.py)
cflags = ["-O0", "-g"] if DEBUG else list(ISA["CFLAGS"])
if os.environ.get("CACTIVATIONS_VEC_REPORT", "") not in ("", "0"):
    cflags.append("-fopt-info-vec-optimized")
if os.name == "nt":
    cflags = ["/Od", "/Zi"] if DEBUG else ["/O2"]
SANITIZE = []
if os.environ.get("CACTIVATIONS_SANITIZE", "") not in ("", "0"):
    SANITIZE = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g"]

extensions = [
    Extension(
        f"cactivations._kernels{suffix}",
        [str(render_kernels(suffix).relative_to(HERE))],
        include_dirs=[numpy.get_include(), "src"],
        define_macros=[
            ("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION"),
            ("CACT_VARIANT", f'"{name}"'),
        ],
        extra_compile_args=cflags + flags + OPENMP + SANITIZE,
        extra_link_args=([] if os.name == "nt" else OPENMP) + SANITIZE,
        depends=[str(p.relative_to(HERE)) for p in sorted((HERE / "src").glob("*.h"))]
        + ["src/_kernels.pyx.tp", "cactivations/_registry.py"],
    )
    for name, (suffix, flags) in VARIANTS.items()
]



def write_build_config():
    """cactivations/_build_config.json: how this build compiles the kernels
    (``python -m cactivations info`` prints it)."""
    import json

    import Cython

    config = {
        "compiler": os.environ.get("CC") or sysconfig.get_config_var("CC") or
                    ("msvc" if os.name == "nt" else None),
        "cflags": cflags, "openmp_flags": OPENMP,
        "variants": {name: flags for name, (_, flags) in VARIANTS.items()},
        "debug": DEBUG, "cython": Cython.__version__, "numpy_build": numpy.__version__,
        "machine": platform.machine(), "platform": sysconfig.get_platform(),
    }
    path = HERE / "cactivations" / "_build_config.json"
    text = json.dumps(config, indent=1) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


write_build_config()
setup(ext_modules=cythonize(extensions, compiler_directives=directives))
