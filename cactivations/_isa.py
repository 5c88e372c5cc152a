"""The instruction-set variants of the kernels and which of them this CPU runs.

Nothing here imports the compiled kernels (only NumPy's table of CPU
features), so that the tools which compile the C headers by themselves
(tools/family_check.py, tools/family_check_erf.py) can read it from a source
tree with ``runpy.run_path``, built or not.  cactivations._cpu makes the choice.
"""

VARIANTS = ("baseline", "avx2", "avx512")
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
