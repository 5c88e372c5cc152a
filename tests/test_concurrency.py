"""Python threads calling the kernels at once (the GIL is released inside
them): shared read-only inputs, separate outputs, the same results as serial
calls, below and above the 32768-element OpenMP grain; and the thread count
changed by ``ca.set_num_threads`` while other threads compute.

Every public array function is covered (discovered, see ``_functions``).
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import cactivations as ca
from _functions import make_args, parts, variants

THREADS = 8
ROUNDS = 3
#: result shapes below the grain, and above it (several of the 65536 loss blocks)
SIZES = {"small": (40, 10), "large": (1400, 100)}


def _inputs(v, size):
    args = make_args(v, SIZES[size], np.random.default_rng(42))
    if v.kind == "jacobian" and size == "large":
        args = make_args(v, (70000, 2), np.random.default_rng(42))
    for a in args:
        a.flags.writeable = False  # shared and read-only
    return args


def _equal(got, expected, msg):
    for k, (g, e) in enumerate(zip(parts(got), parts(expected))):
        assert g.dtype == e.dtype, msg
        np.testing.assert_array_equal(g, e, err_msg=f"{msg} [part {k}]")


def _hammer(v, args, expected, use_out, start):
    start.wait()
    for _ in range(ROUNDS):
        if use_out:
            out = np.empty_like(parts(expected)[1 if v.kind == "fused" else 0])
            got = v(*args, out=out)
            assert (got[1] if v.kind == "fused" else got) is out
        else:
            got = v(*args)
        _equal(got, expected, f"{v.id} in a thread")
    return True


@pytest.fixture
def default_threads():
    yield
    ca.set_num_threads(0)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("v", variants())
def test_threads_agree_with_serial(v, size, default_threads):
    """THREADS Python threads, each calling ``v`` ROUNDS times on the same
    read-only inputs (into its own out=, where there is one): every result is
    bitwise the serial one."""
    ca.set_num_threads(2)
    args = _inputs(v, size)
    expected = v(*args)
    start = threading.Barrier(THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(_hammer, v, args, expected, v.fn.has_out and i % 2 == 1, start)
                   for i in range(THREADS)]
        assert all(f.result(timeout=120) for f in futures)


def test_set_num_threads_while_computing(default_threads):
    """One thread keeps changing the thread count (1, 2, 3, OpenMP's default)
    while others run threaded kernels: results are bitwise the serial ones,
    whatever count each call saw (results do not depend on it)."""
    cases = [v for v in (p.values[0] for p in variants())
             if v.name in ("sigmoid", "softmax", "log_softmax", "squared_error_delta",
                           "squared_error", "tanh_backward")]
    data = [(v, _inputs(v, "large")) for v in cases]
    ca.set_num_threads(1)
    expected = [v(*args) for v, args in data]
    stop = threading.Event()
    errors = []

    def toggler():
        counts = [1, 2, 3, 0]
        i = 0
        while not stop.is_set():
            ca.set_num_threads(counts[i % len(counts)])
            i += 1

    def worker():
        try:
            for _ in range(4):
                for (v, args), e in zip(data, expected):
                    _equal(v(*args), e, f"{v.id} while the count changes")
        except BaseException as exc:  # reported below
            errors.append(exc)

    t = threading.Thread(target=toggler)
    t.start()
    try:
        workers = [threading.Thread(target=worker) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
    finally:
        stop.set()
        t.join()
    assert not errors, errors[0]
    assert ca.get_num_threads() >= 1


def test_freethreading_directive():
    """Cython's ``freethreading_compatible`` directive, wherever declared in the
    sources, must be True.  (It is not declared at present: the extension
    modules then keep the GIL enabled on a free-threaded CPython, which is safe;
    this test then only records that.)"""
    root = Path(__file__).resolve().parent.parent
    sources = [p for pat in ("src/*.tp", "src/*.pyx", "setup.py", "cactivations/*.pyx")
               for p in root.glob(pat)]
    if not sources:
        pytest.skip("the sources are not beside the tests")
    found = []
    for p in sources:
        for m in re.finditer(r"freethreading_compatible\W+(\w+)", p.read_text()):
            found.append((p.name, m.group(1)))
    for name, value in found:
        assert value == "True", f"{name}: freethreading_compatible={value}"
