"""Choice of the compiled kernels for this CPU.

The same kernels are compiled once per instruction-set variant (see setup.py):

    baseline  cactivations._kernels         x86-64 (any CPU; on other architectures
                                            the compiler's default target)
    avx2      cactivations._kernels_avx2    x86-64-v3: AVX2, FMA, BMI2, F16C
    avx512    cactivations._kernels_avx512  x86-64-v4: AVX-512 F/BW/CD/DQ/VL

At import the best variant that was built and that the CPU supports (as NumPy
detects it) is used.  The environment variable ``CACTIVATIONS_CPU`` (one of the
names above) lowers the choice, e.g. to test the baseline on a newer CPU; it
cannot raise it above what the CPU supports.  Results agree across variants to
within the documented accuracy (a few ULP), not bit for bit.  The table of
variants, their compiler flags and the CPU check are in cactivations._isa.
"""

import importlib
import importlib.util
import os
import warnings

from ._isa import VARIANTS, cpu_supports

_MODULES = {"baseline": "_kernels", "avx2": "_kernels_avx2", "avx512": "_kernels_avx512"}
ENV = "CACTIVATIONS_CPU"


def built():
    """The variants compiled into this installation."""
    return [v for v in VARIANTS if importlib.util.find_spec(f"cactivations.{_MODULES[v]}")]


def choose(env=None, features=None, available=None):
    """The variant to use: the best built and supported, lowered by ``env``."""
    available = built() if available is None else available
    usable = [v for v in VARIANTS if v in available and cpu_supports(v, features)]
    best = usable[-1]
    env = os.environ.get(ENV, "") if env is None else env
    env = env.strip().lower()
    if not env:
        return best
    if env not in VARIANTS:
        warnings.warn(
            f"cactivations: {ENV}={env!r} is not one of {', '.join(VARIANTS)}; using {best!r}",
            RuntimeWarning, stacklevel=3)
        return best
    if env not in usable:
        warnings.warn(
            f"cactivations: {ENV}={env!r} is not available here (built: {', '.join(available)}; "
            f"this CPU runs: {', '.join(usable)}); using {best!r}",
            RuntimeWarning, stacklevel=3)
        return best
    return env


variant = choose()
kernels = importlib.import_module(f"cactivations.{_MODULES[variant]}")


def config():
    """What ``cactivations.show_config`` reports, as a dict."""
    return {
        "cpu_variant": variant,
        "cpu_variants_built": built(),
        "cpu_variants_supported": [v for v in VARIANTS if cpu_supports(v)],
        ENV: os.environ.get(ENV),
    }
