"""Dask arrays: every public function, lazy, with NumPy's results.

The functions come from ``cactivations.__all__`` (those taking positional-only
array arguments), their inputs from the names of their parameters and their
options (``activation``, ``axis``) from ``inspect.signature`` and the registry:
a new public function is tested here without an edit, and one this module does
not know how to feed, or that ``cactivations._dask.STRATEGY`` does not cover,
fails loudly.  Each runs on the local threaded scheduler and on a
``distributed.LocalCluster`` bound to 127.0.0.1.
"""

import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

import cactivations as ca  # noqa: E402
from cactivations import _check, _dask  # noqa: E402
from cactivations._registry import ACTIVATIONS, LOSS_ACTIVATIONS  # noqa: E402

#: z-like arrays: 7 rows of 6, chunked (3, 4) so that both axes are split
SHAPE, CHUNKS = (7, 6), (3, 4)
#: output_layer_grad: x (9, 4) in row blocks of 4 (and columns of 3), w (4, 6)
X_SHAPE, X_CHUNKS, W_SHAPE = (9, 4), (4, 3), (4, 6)


#: the public functions that take arrays (positional-only parameters)
FUNCTIONS = list(_check.array_functions())


def _forward_of(name):
    """The forward function whose saved output ``name`` takes (sigmoid_backward -> sigmoid)."""
    for suffix in ("_backward", "_jacobian"):
        if name.endswith(suffix):
            return getattr(ca, name[: -len(suffix)])
    return None


def inputs(name, dtype, seed=0):
    """NumPy inputs of ``name``, made from its parameter names."""
    rng = np.random.default_rng(seed)
    f = getattr(ca, name)
    params = [p.name for p in inspect.signature(f).parameters.values()
              if p.kind is p.POSITIONAL_ONLY]
    layer = "x" in params
    z = rng.standard_normal(SHAPE) * 3.0
    out = []
    for p in params:
        if p == "z":
            a = z
        elif p == "p":
            a = rng.uniform(0.02, 0.98, SHAPE)
        elif p == "grad_output":
            a = rng.standard_normal(SHAPE)
        elif p == "output" and _forward_of(name) is not None:
            a = _forward_of(name)(z)
        elif p in ("output", "target"):
            a = rng.uniform(0.0, 1.0, (X_SHAPE[0], W_SHAPE[1]) if layer else SHAPE)
        elif p == "x":
            a = rng.standard_normal(X_SHAPE)
        elif p == "w":
            a = rng.standard_normal(W_SHAPE) * 0.5
        else:
            pytest.fail(f"tests/test_dask.py cannot make an input for parameter {p!r} of "
                        f"cactivations.{name}: add it to inputs()")
        out.append(np.asarray(a, dtype=dtype))
    return out


def option_sets(name):
    """Keyword options to test: every loss activation, and axis -1 and 0."""
    params = inspect.signature(getattr(ca, name)).parameters
    sets = [{}]
    if "activation" in params:
        sets = [{"activation": a} for a in LOSS_ACTIVATIONS]
    if "axis" in params:
        sets = [{**s, "axis": ax} for s in sets for ax in (-1, 0)
                if ax == -1 or s.get("activation") is None
                or ACTIVATIONS[s["activation"]].kind == "rowwise"]
    return sets


CASES = [pytest.param(name, opts, id=name + "".join(f"[{k}={v}]" for k, v in opts.items()))
         for name in FUNCTIONS for opts in option_sets(name)]


def to_dask(name, arrays):
    chunks = X_CHUNKS if "x" in inspect.signature(getattr(ca, name)).parameters else CHUNKS
    return [da.from_array(a, chunks=chunks[:a.ndim] if a.ndim == 2 else -1) for a in arrays]


def parts(result):
    return tuple(result) if isinstance(result, tuple) else (result,)


def assert_same(got, expected, what):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype} != {expected.dtype}"
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    eps = np.finfo(expected.dtype).eps
    finite = expected[np.isfinite(expected)]
    scale = float(np.max(np.abs(finite))) if finite.size else 0.0
    np.testing.assert_allclose(got, expected, rtol=64 * eps, atol=64 * eps * scale,
                               equal_nan=True, err_msg=what)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as c:
            yield c


def check_against_numpy(name, opts, dtype, compute):
    f = getattr(ca, name)
    arrays = inputs(name, dtype)
    result = f(*to_dask(name, arrays), **opts)
    expected = parts(f(*arrays, **opts))
    lazy = parts(result)
    assert type(result) is type(f(*arrays, **opts)) or not isinstance(result, tuple)
    for i, r in enumerate(lazy):
        assert isinstance(r, da.Array), f"{name} {opts}: output {i} is {type(r).__name__}"
        assert r.dtype == expected[i].dtype and r.shape == expected[i].shape
    got = compute(lazy)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert_same(g, e, f"{name} {opts} output {i}")


def test_every_public_function_has_a_strategy():
    missing = [n for n in FUNCTIONS if n not in _dask.STRATEGY]
    assert not missing, f"no Dask strategy in cactivations._dask.STRATEGY for: {missing}"


def test_the_test_covers_every_public_function():
    assert {c.values[0] for c in CASES} == set(FUNCTIONS)
    assert {"sigmoid", "softmax", "squared_error", "output_layer_grad"} <= set(FUNCTIONS)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, opts", CASES)
def test_threaded_scheduler(name, opts, dtype):
    check_against_numpy(name, opts, dtype,
                        lambda xs: dask.compute(*xs, scheduler="threads"))


@pytest.mark.parametrize("name, opts", CASES)
def test_distributed_local_cluster(name, opts, client):
    check_against_numpy(name, opts, np.float64,
                        lambda xs: client.gather(client.compute(list(xs))))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_along_a_chunked_axis(axis):
    z = np.random.default_rng(1).standard_normal((12, 10)) * 5
    dz = da.from_array(z, chunks=(5, 3))
    for name in ("softmax", "log_softmax"):
        y = getattr(ca, name)(dz, axis=axis)
        assert y.chunks[axis % 2] == (z.shape[axis % 2],)  # the axis in one chunk
        assert y.chunks[1 - axis % 2] == dz.chunks[1 - axis % 2]  # the others kept
        assert_same(y.compute(scheduler="threads"), getattr(ca, name)(z, axis=axis), name)
    J = ca.softmax_jacobian(ca.softmax(dz, axis=axis), axis=axis)
    assert J.ndim == 3
    assert_same(J.compute(scheduler="threads"),
                ca.softmax_jacobian(ca.softmax(z, axis=axis), axis=axis), "softmax_jacobian")


def test_nothing_is_computed_until_asked():
    calls = []

    def source(block):
        calls.append(1)
        return block

    dz = da.from_array(np.linspace(-3, 3, 12).reshape(3, 4), chunks=2).map_blocks(
        source, dtype=np.float64, meta=np.empty((0, 0)))
    results = [ca.sigmoid(dz), ca.softmax(dz, axis=0), ca.squared_error(dz, 0.5),
               *ca.squared_error_delta(dz, 0.5, activation="softmax"),
               *ca.output_layer_grad(dz, np.ones((4, 2)), 0.5)]
    assert calls == []
    dask.compute(*results, scheduler="sync")
    assert calls


def test_mixed_numpy_dask_and_scalars():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((6, 5)).astype(np.float32)
    dz = da.from_array(z, chunks=(2, 5))
    y = ca.sigmoid_backward(dz, 0.25)  # a Python float stays weak: float32
    assert y.dtype == np.float32
    assert_same(y.compute(), ca.sigmoid_backward(z, 0.25), "weak scalar")
    g = rng.standard_normal(5)
    assert_same(ca.tanh_backward(g, dz).compute(), ca.tanh_backward(g, z), "broadcast numpy")
    assert_same(ca.squared_error(dz, z[0].tolist()).compute(), ca.squared_error(z, z[0].tolist()),
                "list target")
    zero_d = ca.sigmoid(da.from_array(np.float64(0.5)))
    assert zero_d.shape == () and float(zero_d.compute()) == float(ca.sigmoid(0.5))


def test_errors_are_raised_at_call_time():
    dz = da.zeros((4, 3), chunks=2)
    with pytest.raises(TypeError, match="out= cannot be used with Dask"):
        ca.sigmoid(dz, out=np.empty((4, 3)))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        ca.sigmoid_backward(dz, da.zeros((5, 3)))
    with pytest.raises(np.exceptions.AxisError):
        ca.softmax(dz, axis=2)
    with pytest.raises(TypeError, match="unsupported dtype"):
        ca.tanh(da.zeros(3, dtype=complex))
    with pytest.raises(ValueError, match="unknown activation"):
        ca.squared_error_delta(dz, 0.0, activation="nope")
    with pytest.raises(ValueError, match="expected x of shape"):
        ca.output_layer_grad(dz, da.zeros((4, 2)), 0.0)


def test_importing_cactivations_does_not_import_dask():
    code = ("import sys, numpy as np, cactivations as ca; ca.sigmoid([1.0]); "
            "ca.softmax(np.ones((2, 2), np.float16)); "
            "print(any(m == 'dask' or m.startswith('dask.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.abspath(__file__)))
    assert out.stdout.strip() == "False"


def test_dask_parameters_class_indices_and_cross_entropy_layer():
    """Keyword parameters reach the blocks; integer class indices (also in
    output_layer_grad with loss='cross_entropy') give NumPy's results."""
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(21)
    z = rng.standard_normal((8, 5)) * 3
    zd = da.from_array(z, chunks=(3, 5))
    np.testing.assert_allclose(ca.leaky_relu(zd, negative_slope=0.3).compute(),
                               ca.leaky_relu(z, negative_slope=0.3), rtol=1e-15)
    np.testing.assert_allclose(ca.gelu(zd, approximate="tanh").compute(),
                               ca.gelu(z, approximate="tanh"), rtol=1e-15)
    idx = np.arange(8) % 5
    for target in (idx, da.from_array(idx, chunks=3)):
        lazy = ca.softmax_cross_entropy_delta(zd, target)
        eager = ca.softmax_cross_entropy_delta(z, idx)
        np.testing.assert_allclose(lazy.delta.compute(), eager.delta, rtol=1e-14)
        np.testing.assert_allclose(lazy.loss.compute(), eager.loss, rtol=1e-14)
    x = rng.standard_normal((8, 3))
    w = rng.standard_normal((3, 5)) * 0.5
    lazy = ca.output_layer_grad(da.from_array(x, chunks=(4, 3)), w, idx, activation="softmax",
                                loss="cross_entropy")
    eager = ca.output_layer_grad(x, w, idx, activation="softmax", loss="cross_entropy")
    np.testing.assert_allclose(lazy.grad_w.compute(), eager.grad_w, rtol=1e-13)
    np.testing.assert_allclose(lazy.loss.compute(), eager.loss, rtol=1e-14)
