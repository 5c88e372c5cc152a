"""The instruction-set variants of the kernels, the compiler flags each is built
with, and which of them this CPU runs.

Nothing here imports the compiled kernels (only NumPy's table of CPU
features, and that only when asked), so that setup.py and the tools which
compile the C headers by themselves (tools/family_check.py,
tools/family_check_erf.py, tools/bench_f32.py, tools/vec_report.py) read it
from a source tree with ``runpy.run_path``, built or not.
cactivations._cpu makes the choice.
"""

VARIANTS = ("baseline", "avx2", "avx512")
# GCC-style flags of every variant (MSVC's are in setup.py): IEEE results are
# kept, so no -ffast-math and no -march=native.  -fno-trapping-math lets GCC
# if-convert the branch-free selects of src/cact_math.h into vector blends (both
# sides of a select may be evaluated; floating-point traps are never enabled
# under Python); -fno-math-errno: libm calls need not set errno.
CFLAGS = ("-O3", "-fno-trapping-math", "-fno-math-errno")
# the target of each variant on x86-64, named rather than left to the compiler's
# default (which some distributions raise to x86-64-v2), so that baseline runs
# on every x86-64 CPU; on other architectures only baseline is built, for the
# compiler's default target
X86_MARCH = {"baseline": "x86-64", "avx2": "x86-64-v3", "avx512": "x86-64-v4"}
# NumPy's names for the features each variant needs (X86_V3/X86_V4 where NumPy
# has them; the individual features otherwise)
_NEEDS = {
    "baseline": (),
    "avx2": (("X86_V3",), ("AVX", "AVX2", "FMA3", "F16C", "BMI2")),
    "avx512": (("X86_V4",), ("AVX512F", "AVX512BW", "AVX512CD", "AVX512DQ", "AVX512VL")),
}


def _cpu_features():
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # pragma: no cover - NumPy without the table
        return {}
    return dict(__cpu_features__)


def cpu_supports(variant, features=None):
    """Does this CPU run ``variant``'s instructions?"""
    if variant == "baseline":
        return True
    features = _cpu_features() if features is None else features
    direct, parts = _NEEDS[variant]
    if all(f in features for f in direct):
        return all(features[f] for f in direct)
    return bool(features) and all(features.get(f, False) for f in parts)
