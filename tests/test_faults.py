"""Faults: an exception inside a thread pool, a KeyboardInterrupt during long
calls, and allocations that cannot be satisfied leave the package usable and
raise cleanly.

The KeyboardInterrupt and out-of-memory cases run in a subprocess (started
in the tests directory with the current environment), so that a failure
cannot take the test session down with it.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from _functions import make_args, parts, variants

HERE = Path(__file__).resolve().parent


def _python(code, **kw):
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=HERE,
                            env=dict(os.environ), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


# ------------------------------------------------------------ thread pool

@pytest.mark.parametrize("v", variants())
def test_exception_in_a_thread_pool(v):
    """One worker of a pool gets a complex array while the others compute
    (above the OpenMP grain): it raises TypeError naming the function, the
    others' results are right, and the package works afterwards."""
    good = make_args(v, (400, 100), np.random.default_rng(3))
    bad = (good[0].astype(np.complex128),) + good[1:]
    expected = v(*good)

    def job(i):
        return v(*(bad if i == 5 else good))

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(job, i) for i in range(16)]
        for i, f in enumerate(futures):
            if i == 5:
                with pytest.raises(TypeError, match=v.name):
                    f.result(timeout=120)
            else:
                for g, e in zip(parts(f.result(timeout=120)), parts(expected)):
                    np.testing.assert_array_equal(g, e)
    for g, e in zip(parts(v(*good)), parts(expected)):
        np.testing.assert_array_equal(g, e)


# ------------------------------------------------------- KeyboardInterrupt

_LONG_CALLS = """
    import signal, sys, time, numpy as np, cactivations as ca
    # Python's own handler, also where the parent started this with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    z = np.random.default_rng(0).standard_normal((2000, 1000))
    t = np.random.default_rng(1).uniform(size=z.shape)
    expected = ca.softmax(z[:3])
    print("started", flush=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:   # long kernel calls, back to back
            ca.softmax(z)
            ca.squared_error_delta(z, t, activation="softmax")
            ca.sigmoid(z)
        print("not interrupted", flush=True)
        sys.exit(3)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    {after}
"""


def _interrupt(code):
    p = _python(code)
    try:
        assert p.stdout.readline().strip() == "started"
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    return p.returncode, out, err


def test_keyboard_interrupt_is_raised_and_the_package_works_after():
    after = """
    np.testing.assert_array_equal(ca.softmax(z[:3]), expected)
    ca.squared_error_delta(z, t, activation="sigmoid")
    print("usable", flush=True)
    """
    code, out, err = _interrupt(_LONG_CALLS.replace("{after}", textwrap.dedent(after).strip()
                                                    .replace("\n", "\n    ")))
    assert code == 0, (code, out, err)
    assert out.split() == ["interrupted", "usable"], (out, err)


def test_keyboard_interrupt_uncaught_exits_cleanly():
    """Not caught: the usual KeyboardInterrupt traceback and exit, no crash."""
    code = _LONG_CALLS.replace("except KeyboardInterrupt:", "except ZeroDivisionError:")
    rc, out, err = _interrupt(code.replace("{after}", ""))
    assert "KeyboardInterrupt" in err, err
    assert rc in (-signal.SIGINT, 130, 1), (rc, err)
    assert "Segmentation" not in err and "Fatal Python error" not in err, err


# ------------------------------------------------------------ out of memory

@pytest.mark.skipif("asan" in os.environ.get("LD_PRELOAD", ""),
                    reason="AddressSanitizer reserves terabytes of address space: no RLIMIT_AS")
def test_out_of_memory_raises_memory_error():
    """Allocations beyond the address-space limit (2 GiB here): MemoryError,
    and the package still works.  Input views of a huge broadcast shape must be
    copied (the general path), the Jacobian of a long row is K * K, and the
    fused loss allocates two outputs."""
    p = _python("""
        import resource, numpy as np, cactivations as ca
        limit = 2 << 30
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        huge = np.broadcast_to(np.float64(0.5), (1 << 31,))
        calls = {
            "sigmoid": lambda: ca.sigmoid(huge),
            "sigmoid_f32_view": lambda: ca.sigmoid(huge.astype(np.float32, copy=False)),
            "sigmoid_backward": lambda: ca.sigmoid_backward(huge, 0.5),
            "softmax": lambda: ca.softmax(huge),
            "softmax_jacobian": lambda: ca.softmax_jacobian(np.zeros(1 << 16)),
            "squared_error": lambda: ca.squared_error(huge, 0.0),
            "squared_error_delta": lambda: ca.squared_error_delta(huge, 0.0),
            "output_layer_grad": lambda: ca.output_layer_grad(
                np.ones((1 << 16, 2)), np.ones((2, 1 << 16)), 0.0),
        }
        for name, call in calls.items():
            try:
                call()
            except MemoryError:
                pass
            else:
                raise SystemExit(f"{name}: no MemoryError")
            np.testing.assert_allclose(ca.sigmoid(np.zeros(1000)), 0.5)
            np.testing.assert_allclose(ca.softmax(np.zeros((10, 4))), 0.25)
        print("ok", flush=True)
    """)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0 and out.strip() == "ok", (p.returncode, out, err)
