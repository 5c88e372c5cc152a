"""cactivations side by side with what a user would call instead.

Every class times one task over case x dtype x size x implementation and shares
one ``setup`` (``_Task.setup``): it makes the inputs (standard normal x 3,
seeded), builds the callable of one implementation, calls it once (warm-up,
JIT compilation) and, up to 1e5 elements, checks its answer against the
float64 NumPy reference.  A combination that does not exist (scipy has no
tanh) raises NotImplementedError in setup and asv skips it.

Implementations: ``cactivations`` (allocating), ``cactivations_out`` (``out=``),
``numpy`` (the plain expression), the peers ``scipy``, ``torch`` (eager),
``jax`` (``jax.jit``), ``numexpr`` and ``numba`` (``njit`` loops) where they
are installed, and ``floor``: the copy (one input) or add (two inputs) floor,
allocation-free like ``out=``.  The peers are written once, in
``cactivations._peers`` (which ``python -m cactivations bench`` uses too), and
imported on first use: asv runs every combination in a process of its own, and
importing torch or jax takes seconds.
"""

import functools

import numpy as np

import cactivations as ca
from cactivations import _peers
from cactivations import _reference as ref
from cactivations._bench import check, floor_call
from cactivations._registry import ACTIVATIONS

if hasattr(ca, "set_num_threads"):
    ca.set_num_threads(1)

DTYPES = ["float32", "float64"]
SIZES = [1, 10**3, 10**5, 10**7]
ROW_SIZES = [10**3, 10**5, 10**7]
#: elementwise activations with a public forward and backward
ELEMENTWISE = [a.name for a in ACTIVATIONS.values()
               if a.kind == "elementwise" and a.public and a.backward_formula]
#: answers are checked up to this size (the float64 reference costs time)
CHECK_UP_TO = 10**5
#: the peers installed here besides NumPy, found without importing them
PEERS = [name for name in _peers.installed() if name != "numpy"]


def _impls(*peers):
    """Ours, NumPy, the installed ones of ``peers``, and the floor."""
    return (["cactivations", "cactivations_out", "numpy"]
            + [p for p in peers if p in PEERS] + ["floor"])


def _skip(why):
    raise NotImplementedError(why)


class _Task:
    """One task; a subclass gives ``params``, ``inputs``, ``reference`` and ``build``."""

    param_names = ["case", "dtype", "size", "impl"]
    timeout = 600

    def setup(self, case, dtype, size, impl):
        rng = np.random.default_rng(1234)
        inputs = self.inputs(case, np.dtype(dtype), size, rng)
        self.fn = self.build(impl, case, *inputs)
        if self.fn is None:
            _skip(f"{impl} has no {type(self).__name__} {case}")
        answer = self.fn()  # warm-up (and JIT compilation)
        if impl != "floor" and size <= CHECK_UP_TO:
            reference = self.reference(case, *(x.astype(np.float64) for x in inputs))
            problem = check(answer, reference)[1]
            if problem:
                raise AssertionError(f"{impl} {case} {dtype} n={size}: {problem}")

    @staticmethod
    def _ours_or_floor(impl, inputs, call, call_out):
        """The cactivations calls and the floor of ``inputs``, alike for every
        task; None for a peer."""
        if impl == "floor":
            return floor_call(inputs)[1]
        return {"cactivations": call, "cactivations_out": call_out}.get(impl)

    @staticmethod
    def _ours_or_peer(impl, inputs, call, call_out, function, activation=None):
        """The cactivations calls, the floor, or the peer ``impl``'s
        ``function`` on ``inputs`` (None if the peer has none)."""
        ours = _Task._ours_or_floor(impl, inputs, call, call_out)
        if ours is not None:
            return ours
        return _peers.build(impl, function, *inputs, activation=activation)


class ElementwiseForward(_Task):
    """sigmoid, tanh: y = g(z)."""

    params = [ELEMENTWISE, DTYPES, SIZES,
              _impls("scipy", "torch", "jax", "numexpr", "numba")]

    def inputs(self, case, dtype, size, rng):
        return (3 * rng.standard_normal(size)).astype(dtype),

    def reference(self, case, x):
        return getattr(ref, case)(x)

    def build(self, impl, case, x):
        out = np.empty_like(x)
        f = getattr(ca, case)
        return self._ours_or_peer(impl, (x,), lambda: f(x), lambda: f(x, out=out), case)

    def time_forward(self, case, dtype, size, impl):
        self.fn()


class ElementwiseBackward(_Task):
    """sigmoid_backward, tanh_backward, ...: from grad_output and the saved output
    y (or the saved input z, for the activations whose backward takes it)."""

    params = [ELEMENTWISE, DTYPES, SIZES, _impls("torch", "jax", "numexpr", "numba")]

    def inputs(self, case, dtype, size, rng):
        g = (3 * rng.standard_normal(size)).astype(dtype)
        z = 3 * rng.standard_normal(size)
        saved = z if ACTIVATIONS[case].backward_from == "input" else getattr(ref, case)(z)
        return g, saved.astype(dtype)

    def reference(self, case, g, y):
        return getattr(ref, case + "_backward")(g, y)

    def build(self, impl, case, g, y):
        out = np.empty_like(g)
        f = getattr(ca, case + "_backward")
        return self._ours_or_peer(impl, (g, y), lambda: f(g, y), lambda: f(g, y, out=out),
                                  case + "_backward")

    def time_backward(self, case, dtype, size, impl):
        self.fn()


def _rows(row, size, rng):
    """3 N(0, 1) of ``size`` elements in rows of ``row``."""
    if size < row:
        _skip(f"{size} elements make no row of {row}")
    return 3 * rng.standard_normal((size // row, row))


class Softmax(_Task):
    """softmax along the last axis; case = row length (10, 64 or 1000)."""

    params = [[10, 64, 1000], DTYPES, ROW_SIZES, _impls("scipy", "torch", "jax", "numba")]

    def inputs(self, case, dtype, size, rng):
        return _rows(case, size, rng).astype(dtype),

    def reference(self, case, x):
        return ref.softmax(x)

    def build(self, impl, case, x):
        out = np.empty_like(x)
        return self._ours_or_peer(impl, (x,), lambda: ca.softmax(x),
                                  lambda: ca.softmax(x, out=out), "softmax")

    def time_softmax(self, case, dtype, size, impl):
        self.fn()


class SoftmaxBackward(_Task):
    """softmax_backward from the saved output; case = row length (10, 64 or 1000)."""

    params = [[10, 64, 1000], DTYPES, ROW_SIZES, _impls("torch", "jax", "numba")]

    def inputs(self, case, dtype, size, rng):
        g = _rows(case, size, rng).astype(dtype)
        y = ref.softmax(_rows(case, size, rng)).astype(dtype)
        return g, y

    def reference(self, case, g, y):
        return ref.softmax_backward(g, y)

    def build(self, impl, case, g, y):
        out = np.empty_like(g)
        return self._ours_or_peer(impl, (g, y), lambda: ca.softmax_backward(g, y),
                                  lambda: ca.softmax_backward(g, y, out=out), "softmax_backward")

    def time_softmax_backward(self, case, dtype, size, impl):
        self.fn()


def _loss_inputs(case, dtype, size, rng):
    """z in rows of 10 and the target: one-hot for softmax, uniform in (0, 1)
    for sigmoid."""
    z = _rows(10, size, rng)
    if case == "softmax":
        t = np.eye(10)[rng.integers(10, size=z.shape[0])]
    else:
        t = rng.uniform(size=z.shape)
    return z.astype(dtype), t.astype(dtype)


class SquaredErrorDelta(_Task):
    """loss, delta = dE/dz and y of E = 1/2 sum (g(z) - t)^2, z in rows of 10;
    case = the activation g."""

    params = [["sigmoid", "softmax"], DTYPES, ROW_SIZES, _impls("torch", "jax", "numba")]

    def inputs(self, case, dtype, size, rng):
        return _loss_inputs(case, dtype, size, rng)

    def reference(self, case, z, t):
        return ref.squared_error_delta(z, t, case)

    def build(self, impl, case, z, t):
        out = np.empty_like(z)
        return self._ours_or_peer(
            impl, (z, t), lambda: ca.squared_error_delta(z, t, activation=case),
            lambda: ca.squared_error_delta(z, t, activation=case, out=out),
            "squared_error_delta", activation=case)

    def time_squared_error_delta(self, case, dtype, size, impl):
        self.fn()


class CrossEntropyDelta(_Task):
    """loss, delta = dE/dz and the output of the cross-entropy losses from the
    logits, z in rows of 10; case: "softmax" (softmax_cross_entropy_delta,
    one-hot probability targets) or "sigmoid" (sigmoid_binary_cross_entropy_delta,
    targets uniform in (0, 1))."""

    FUNCTIONS = {"softmax": "softmax_cross_entropy_delta",
                 "sigmoid": "sigmoid_binary_cross_entropy_delta"}
    params = [list(FUNCTIONS), DTYPES, ROW_SIZES, _impls("torch", "jax")]

    def inputs(self, case, dtype, size, rng):
        return _loss_inputs(case, dtype, size, rng)

    def reference(self, case, z, t):
        return getattr(ref, self.FUNCTIONS[case])(z, t)

    def build(self, impl, case, z, t):
        name = self.FUNCTIONS[case]
        f = getattr(ca, name)
        out = np.empty_like(z)
        return self._ours_or_peer(impl, (z, t), lambda: f(z, t), lambda: f(z, t, out=out), name)

    def time_cross_entropy_delta(self, case, dtype, size, impl):
        self.fn()


class Threads:
    """cactivations on 1e7 elements (rows of 10) with one and two threads."""

    params = [["sigmoid", "softmax", "squared_error_delta"], DTYPES, [1, 2]]
    param_names = ["function", "dtype", "threads"]
    timeout = 600

    def setup(self, function, dtype, threads):
        if not hasattr(ca, "set_num_threads"):
            _skip("no set_num_threads")
        rng = np.random.default_rng(1234)
        z = (3 * rng.standard_normal((10**6, 10))).astype(dtype)
        if function == "squared_error_delta":
            t = rng.uniform(size=z.shape).astype(dtype)
            self.fn = functools.partial(ca.squared_error_delta, z, t)
        else:
            self.fn = functools.partial(getattr(ca, function), z)
        ca.set_num_threads(threads)
        self.fn()

    def teardown(self, function, dtype, threads):
        if hasattr(ca, "set_num_threads"):
            ca.set_num_threads(1)

    def time_threads(self, function, dtype, threads):
        self.fn()
