"""No leak: every public array function called many times, on its success
path and on its error paths (a bad dtype, a bad out=, a bad axis), leaves
the memory where it was -- the Python/NumPy allocations traced by
tracemalloc, and the resident set size of the process (/proc/self/statm,
which also sees C allocations).

Budget: 10^5 calls of a representative subset (sigmoid, sigmoid_backward,
softmax, squared_error_delta with softmax: the elementwise, backward,
row-wise and fused-loss paths; half of the calls on the fast path, half on
the general one); 10^4 calls (and 2 * 10^3 error calls) of one function per
other code path (``PATHS``: keyword parameters, a choice of kernel, the
cross-entropy losses, the layer, ...); 10^3 calls (and 200 error calls) of
the other ~90 variants, which run the same Python and Cython code with
another C loop; with tracemalloc on, a tenth of that (tracemalloc slows
every allocation down).  ``CACTIVATIONS_LEAK_CALLS=100000`` runs 10^5 calls
of everything (a long run).
"""

import gc
import os
import tracemalloc

import numpy as np
import pytest

from _functions import make_args, variants

REPRESENTATIVE = {"sigmoid", "sigmoid_backward", "softmax", "squared_error_delta[softmax]"}
#: one function per other code path of the wrappers
PATHS = {"logit", "leaky_relu", "hardtanh_backward", "gelu", "gelu_derivative", "elu_backward",
         "log_softmax", "log_softmax_backward", "softmax_backward", "softmax_jacobian",
         "squared_error", "squared_error_delta[leaky_relu]", "squared_error_delta[sigmoid]",
         "softmax_cross_entropy_delta", "sigmoid_binary_cross_entropy_delta",
         "output_layer_grad[softmax]", "output_layer_grad[leaky_relu]"}
FULL = int(os.environ.get("CACTIVATIONS_LEAK_CALLS", "0")) or None

PAGE = os.sysconf("SC_PAGE_SIZE")
#: allowed growth: far below what leaking one small object per call would cost
RSS_SLACK = 4 << 20
TRACED_SLACK = 64 << 10


@pytest.fixture(autouse=True, scope="module")
def _frozen_heap():
    """Move the objects alive before these tests (the whole collected test
    session: about 10^6) out of the collector's reach, so that the
    gc.collect() of each measurement traverses what the calls made, not the
    session (a full collection of that heap took 0.9 s, four per test)."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


def _rss():
    if not os.path.exists("/proc/self/statm"):
        return None
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _calls(v, path="plain"):
    if FULL:
        return FULL
    if v.id not in REPRESENTATIVE and v.id not in PATHS:
        return 200 if path == "errors" else 1_000
    if path == "errors":
        return 2_000
    return 100_000 if v.id in REPRESENTATIVE and path == "plain" else 10_000


def _measure(fn, n):
    """Run fn n times (after a warm-up): (RSS growth, traced growth over n // 10)."""
    for _ in range(min(n, 2000)):
        fn()
    gc.collect()
    rss0 = _rss()
    for _ in range(n):
        fn()
    gc.collect()
    rss1 = _rss()
    tracemalloc.start()
    try:
        for _ in range(200):
            fn()
        gc.collect()
        t0 = tracemalloc.get_traced_memory()[0]
        for _ in range(n // 10):
            fn()
        gc.collect()
        t1 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (None if rss0 is None else rss1 - rss0), t1 - t0


def _assert_no_leak(what, n, fn):
    rss, traced = _measure(fn, n)
    assert traced < TRACED_SLACK, f"{what}: {traced} bytes traced after {n // 10} calls"
    if rss is not None:
        assert rss < RSS_SLACK, f"{what}: RSS grew by {rss} bytes over {n} calls"


@pytest.mark.parametrize("v", variants())
def test_no_leak(v):
    args = make_args(v, (3, 5), np.random.default_rng(0))
    f32 = tuple(a.astype(np.float32)[::-1] for a in args)  # the general path: copies
    both = [args, f32]
    i = [0]

    def call():
        i[0] ^= 1
        v(*both[i[0]])

    _assert_no_leak(v.id, _calls(v), call)


@pytest.mark.parametrize("v", variants(lambda v: v.fn.has_out))
def test_no_leak_with_out(v):
    args = make_args(v, (3, 5), np.random.default_rng(0))
    res = v(*args)
    out = np.empty_like(res[1] if v.kind == "fused" else res)
    strided = np.empty((out.shape[0] * 2,) + out.shape[1:])[::2]

    outs = [out, strided]
    i = [0]

    def call():
        i[0] ^= 1
        v(*args, out=outs[i[0]])

    _assert_no_leak(v.id + " out=", _calls(v, "out"), call)


@pytest.mark.parametrize("v", variants())
def test_no_leak_on_errors(v):
    """The error paths: a complex argument (TypeError), a ragged list, a wrong
    out= and an axis out of range (where the function takes them)."""
    args = make_args(v, (3, 5), np.random.default_rng(0))
    bad = (args[0].astype(np.complex128),) + args[1:]
    ragged = ([[1.0, 2.0], [3.0]],) + args[1:]
    wrong_out = np.empty((2, 2))

    calls = [lambda: v(*bad), lambda: v(*ragged)]
    if v.fn.has_out:
        calls.append(lambda: v(*args, out=wrong_out))
    if v.fn.has_axis:
        calls.append(lambda: v(*args, axis=7))
    i = [0]

    def call():  # one error per call, in turn
        i[0] = (i[0] + 1) % len(calls)
        try:
            calls[i[0]]()
        except (TypeError, ValueError):
            pass
        else:
            raise AssertionError(f"{v.id}: no error")

    _assert_no_leak(v.id + " errors", _calls(v, "errors"), call)
