"""The output cache (src/cact_alloc.h): new arrays of at least 64 KiB that the
kernels return take their memory from a NumPy memory handler that keeps a few
freed blocks (at most 256 MiB by default) for the next call."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import cactivations as ca
from cactivations import _cpu

K = _cpu.kernels
handler_name = np._core.multiarray.get_handler_name


@pytest.fixture
def cache():
    before = K.set_cache_bytes(256 << 20)
    yield
    K.set_cache_bytes(before)


def _big(dtype=np.float32, n=1 << 19):
    return (np.random.default_rng(0).standard_normal(n) * 3).astype(dtype)


def test_a_freed_output_is_reused(cache):
    z = _big()
    a = ca.sigmoid(z)
    assert handler_name(a) == "cactivations_cache" and a.flags.owndata
    p = a.ctypes.data
    del a
    assert K.cache_info()[0] >= z.nbytes
    b = ca.sigmoid(z)
    assert b.ctypes.data == p
    assert K.cache_info()[0] == 0
    np.testing.assert_array_equal(b, ca.sigmoid(z, out=np.empty_like(z)))


@pytest.mark.parametrize("call", [
    lambda z: ca.tanh(z), lambda z: ca.relu_backward(z, z), lambda z: ca.softmax(z.reshape(-1, 64)),
    lambda z: ca.squared_error_delta(z, z).delta, lambda z: ca.gelu(z[::-1]),   # the general path
], ids=["map1", "map2", "rows", "loss", "general"])
def test_every_path_takes_large_outputs_from_the_cache(call, cache):
    out = call(_big(np.float64))
    assert handler_name(out) == "cactivations_cache"


def test_small_outputs_keep_numpy_memory(cache):
    z = _big(n=1000)
    assert handler_name(ca.sigmoid(z)) != "cactivations_cache"
    assert K.cache_info()[0] == 0


def test_views_keep_their_block(cache):
    z = _big()
    a = ca.sigmoid(z)
    want = a.copy()
    v = a[5:]
    del a
    assert K.cache_info()[0] == 0                     # v holds the block
    b = ca.tanh(z)                                    # a new block, not v's
    assert not np.shares_memory(b, v)
    np.testing.assert_array_equal(v, want[5:])


def test_resize_and_copy_of_a_cached_array(cache):
    z = _big()
    a = ca.sigmoid(z)
    want = a.copy()
    a.resize(2 * z.size, refcheck=False)              # the handler's realloc
    np.testing.assert_array_equal(a[:z.size], want)
    a.resize(10, refcheck=False)
    np.testing.assert_array_equal(a, want[:10])
    del a
    c = np.resize(ca.sigmoid(z), 7)
    np.testing.assert_array_equal(c, want[:7])


def test_both_outputs_of_a_loss_are_reused(cache):
    """squared_error_delta on 10^5 float64 returns two arrays of 781 KiB.
    Freed, the C library's malloc can give such blocks back to the system
    (its trim threshold is twice the size of the last mapped block freed),
    so that every call paid a page fault per 4 KiB of output; the cache
    keeps them."""
    z = _big(np.float64, n=100_000)
    t = np.zeros_like(z)
    _, delta, y = ca.squared_error_delta(z, t)
    assert handler_name(delta) == handler_name(y) == "cactivations_cache"
    blocks = {delta.ctypes.data, y.ctypes.data}
    del delta, y
    _, delta, y = ca.squared_error_delta(z, t)
    assert {delta.ctypes.data, y.ctypes.data} == blocks


def test_the_cache_holds_at_most_its_bound(cache):
    z = _big(n=1 << 20)                               # 4 MiB per array
    K.set_cache_bytes(10 << 20)
    arrays = [ca.sigmoid(z) for _ in range(5)]
    del arrays
    held, smallest, bound = K.cache_info()
    assert bound == 10 << 20 and 0 < held <= bound and smallest == 1 << 16
    K.set_cache_bytes(0)
    assert K.cache_info()[0] == 0
    a = ca.sigmoid(z)
    del a
    assert K.cache_info()[0] == 0                     # bound 0: nothing kept


def test_threads_share_the_cache(cache):
    z = _big(n=1 << 18)
    want = ca.sigmoid(z, out=np.empty_like(z))

    def work():
        for _ in range(30):
            y = ca.sigmoid(z)
            np.testing.assert_array_equal(y, want)
            del y

    with ThreadPoolExecutor(4) as pool:
        for f in [pool.submit(work) for _ in range(4)]:
            f.result()                                # (re-raises a thread's failure)
    assert K.cache_info()[0] <= K.cache_info()[2]


def test_bound_from_the_environment():
    code = ("import io, cactivations as ca; from cactivations import _cpu; "
            "print(_cpu.kernels.cache_info()[2], ca.show_config(file=io.StringIO())['cache_bytes'])")
    env = dict(os.environ, CACTIVATIONS_CACHE_BYTES="12345")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       check=True, cwd=os.path.dirname(__file__))
    assert r.stdout.split() == ["12345", "12345"]
    for bad in ("lots", "-1"):
        env["CACTIVATIONS_CACHE_BYTES"] = bad
        r = subprocess.run([sys.executable, "-W", "default", "-c", code], env=env,
                           capture_output=True, text=True, check=True, cwd=os.path.dirname(__file__))
        assert "CACTIVATIONS_CACHE_BYTES" in r.stderr
        assert r.stdout.split() == [str(256 << 20)] * 2
