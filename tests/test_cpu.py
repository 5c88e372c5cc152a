"""Choice of the instruction-set variant of the kernels (cactivations._cpu)."""

import io
import os
import subprocess
import sys

import numpy as np
import pytest

import cactivations as ca
from cactivations import _cpu

ALL = {"X86_V3": True, "X86_V4": True}
AVX2_ONLY = {"X86_V3": True, "X86_V4": False}
OLD = {"X86_V3": False, "X86_V4": False, "AVX2": False}
BUILT = list(_cpu.VARIANTS)


@pytest.mark.parametrize("features, best", [(ALL, "avx512"), (AVX2_ONLY, "avx2"), (OLD, "baseline"), ({}, "baseline")])
def test_best_supported_variant_is_chosen(features, best):
    assert _cpu.choose(env="", features=features, available=BUILT) == best


def test_individual_features_are_used_without_the_level_flags():
    features = {"AVX": True, "AVX2": True, "FMA3": True, "F16C": True, "BMI2": True}
    assert _cpu.choose(env="", features=features, available=BUILT) == "avx2"
    features["FMA3"] = False
    assert _cpu.choose(env="", features=features, available=BUILT) == "baseline"


def test_only_built_variants_are_chosen():
    assert _cpu.choose(env="", features=ALL, available=["baseline"]) == "baseline"


@pytest.mark.parametrize("env", ["baseline", "AVX2", " avx2 "])
def test_environment_lowers_the_choice(env):
    assert _cpu.choose(env=env, features=ALL, available=BUILT) == env.strip().lower()


@pytest.mark.parametrize("env", ["avx512", "sse9"])
def test_environment_cannot_raise_the_choice_or_name_nonsense(env):
    with pytest.warns(RuntimeWarning, match="CACTIVATIONS_CPU"):
        assert _cpu.choose(env=env, features=AVX2_ONLY, available=BUILT) == "avx2"


def test_the_variant_in_use_is_reported():
    info = ca.show_config(file=io.StringIO())
    assert info["cpu_variant"] == _cpu.variant == _cpu.kernels.VARIANT
    assert info["cpu_variant"] in info["cpu_variants_built"]
    assert info["cpu_variant"] in info["cpu_variants_supported"]
    assert "baseline" in info["cpu_variants_built"]


def _run(variant, code):
    env = dict(os.environ, CACTIVATIONS_CPU=variant)
    # run from the tests folder: from the repository root, "python -c" would
    # import the source tree instead of the installed package
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True, cwd=os.path.dirname(os.path.abspath(__file__))).stdout


@pytest.mark.parametrize("variant", [v for v in _cpu.VARIANTS if _cpu.cpu_supports(v) and v in _cpu.built()])
def test_each_runnable_variant_gives_the_same_results(variant):
    """Every variant this CPU runs, in a fresh process, agrees with the one in use
    to within the accuracy bound (a few ULP); the fused delta (y - t) g'(z)
    cancels where y ~ t, so it is compared absolutely."""
    code = (
        "import numpy as np, cactivations as ca;"
        "z = np.linspace(-40, 40, 4002);"
        "r = [ca._cpu.variant, ca.sigmoid(z), ca.tanh(z), ca.sigmoid_derivative(z),"
        " ca.softmax(z.reshape(-1, 3)), ca.log_softmax(z.reshape(-1, 3)),"
        " ca.squared_error_delta(z, 0.25, activation='tanh')];"
        "import pickle, sys; sys.stdout.write(pickle.dumps(r).hex())"
    )
    import pickle

    got = pickle.loads(bytes.fromhex(_run(variant, code)))
    assert got[0] == variant
    z = np.linspace(-40, 40, 4002)
    mine = [ca.sigmoid(z), ca.tanh(z), ca.sigmoid_derivative(z), ca.softmax(z.reshape(-1, 3)),
            ca.log_softmax(z.reshape(-1, 3))]
    for a, b in zip(got[1:-1], mine):
        np.testing.assert_array_max_ulp(a, b, maxulp=8)
    theirs, ours = got[-1], ca.squared_error_delta(z, 0.25, activation="tanh")
    np.testing.assert_array_max_ulp(theirs.output, ours.output, maxulp=8)
    np.testing.assert_allclose(theirs.delta, ours.delta, rtol=0, atol=8 * np.finfo(float).eps)
    np.testing.assert_allclose(theirs.loss, ours.loss, rtol=1e-14)


def test_a_build_with_only_the_baseline():
    """aarch64, macOS arm64 and MSVC builds compile the baseline alone."""
    arm = {"NEON": True, "ASIMD": True, "ASIMDHP": True}
    assert _cpu.choose(env="", features=arm, available=["baseline"]) == "baseline"
    assert _cpu.choose(env="baseline", features=arm, available=["baseline"]) == "baseline"
    with pytest.warns(RuntimeWarning, match="not available here"):
        assert _cpu.choose(env="avx2", features=arm, available=["baseline"]) == "baseline"


def test_the_variant_table_reads_without_the_package(tmp_path):
    """tools/family_check*.py compile the C headers alone and read which
    variants this CPU runs from cactivations/_isa.py by runpy, from a source
    tree that may not be built: that file must not import the package."""
    isa = os.path.join(os.path.dirname(os.path.abspath(_cpu.__file__)), "_isa.py")
    code = (
        "import runpy, sys;"
        f"ns = runpy.run_path({isa!r});"
        "assert not any(m.startswith('cactivations') for m in sys.modules), sorted(sys.modules);"
        "print(' '.join(v for v in ns['VARIANTS'] if ns['cpu_supports'](v)))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout.split()
    assert out == [v for v in _cpu.VARIANTS if _cpu.cpu_supports(v)]


def test_the_build_used_the_flags_of_the_variant_table():
    """setup.py compiles every variant with _isa's flags and, on x86-64, for
    _isa's target by name: the baseline for -march=x86-64, not the compiler's
    default (which may be x86-64-v2 and would not run on every x86-64 CPU)."""
    from cactivations import _isa
    from cactivations.__main__ import build_config

    build = build_config()
    if build is None:
        pytest.skip("this installation did not record its build flags")
    if build["compiler"] == "msvc" or build["debug"]:
        pytest.skip("an MSVC or debug build has other flags")
    assert build["cflags"][:len(_isa.CFLAGS)] == list(_isa.CFLAGS)
    assert set(build["variants"]) == set(_cpu.built())
    if build["machine"] in ("x86_64", "AMD64") and "avx2" in build["variants"]:
        for variant, flags in build["variants"].items():
            assert flags == [f"-march={_isa.X86_MARCH[variant]}"], variant
