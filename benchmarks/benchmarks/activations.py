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
allocation-free like ``out=``.  Peers are imported on first use: asv runs
every combination in a process of its own, and importing torch or jax takes
seconds.
"""

import functools
import importlib.util
import types

import numpy as np

import cactivations as ca
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
#: the peers installed here, found without importing them
PEERS = [name for name in ("scipy", "torch", "jax", "numexpr", "numba")
         if importlib.util.find_spec(name) is not None]


def _impls(*peers):
    """Ours, NumPy, the installed ones of ``peers``, and the floor."""
    return (["cactivations", "cactivations_out", "numpy"]
            + [p for p in peers if p in PEERS] + ["floor"])


@functools.lru_cache(maxsize=None)
def _peer(name):
    """The peer's module (numba: our njit kernels), imported on first use and
    set to one thread."""
    if name == "scipy":
        import scipy.special
        return scipy.special
    if name == "torch":
        import torch
        torch.set_num_threads(1)
        return torch
    if name == "jax":
        import jax
        import jax.numpy  # noqa: F401  (jax.numpy as an attribute)
        jax.config.update("jax_enable_x64", True)
        return jax
    if name == "numexpr":
        import numexpr
        numexpr.set_num_threads(1)
        return numexpr
    if name == "numba":
        return _numba_kernels()
    raise ValueError(name)


def _skip(why):
    raise NotImplementedError(why)


def _allocating(kernel, *inputs):
    """A numba ``kernel(inputs..., out)`` as an allocating call."""
    def run():
        out = np.empty_like(inputs[0])
        kernel(*inputs, out)
        return out
    return run


def _softmax_backward(g, y):
    """y (g - sum g y) along the last axis, for NumPy and jax.numpy arrays."""
    return y * (g - (g * y).sum(axis=-1, keepdims=True))


#: the plain NumPy and numexpr expressions of the elementwise tasks
_NUMPY_FORWARD = {"sigmoid": lambda x: 1 / (1 + np.exp(-x)), "tanh": np.tanh}
_NUMEXPR_FORWARD = {"sigmoid": "1 / (1 + exp(-x))", "tanh": "tanh(x)"}
_NUMEXPR_BACKWARD = {"sigmoid": "g * y * (1 - y)", "tanh": "g * (1 - y * y)"}


def _numba_kernels():
    """The loops a numba user would write (1-d for elementwise, rows for softmax)."""
    from numba import njit

    @njit
    def sigmoid(x, out):
        for i in range(x.size):
            out[i] = 1.0 / (1.0 + np.exp(-x[i]))

    @njit
    def tanh(x, out):
        for i in range(x.size):
            out[i] = np.tanh(x[i])

    @njit
    def sigmoid_backward(g, y, out):
        for i in range(g.size):
            out[i] = g[i] * y[i] * (1.0 - y[i])

    @njit
    def tanh_backward(g, y, out):
        for i in range(g.size):
            out[i] = g[i] * (1.0 - y[i] * y[i])

    @njit
    def softmax(x, out):
        for r in range(x.shape[0]):
            m = x[r, 0]
            for k in range(1, x.shape[1]):
                m = max(m, x[r, k])
            s = 0.0
            for k in range(x.shape[1]):
                e = np.exp(x[r, k] - m)
                out[r, k] = e
                s += e
            for k in range(x.shape[1]):
                out[r, k] /= s

    @njit
    def softmax_backward(g, y, out):
        for r in range(g.shape[0]):
            s = 0.0
            for k in range(g.shape[1]):
                s += g[r, k] * y[r, k]
            for k in range(g.shape[1]):
                out[r, k] = y[r, k] * (g[r, k] - s)

    @njit
    def sed_sigmoid(z, t, y, d):
        loss = 0.0
        for i in range(z.size):
            s = 1.0 / (1.0 + np.exp(-z[i]))
            r = s - t[i]
            y[i] = s
            d[i] = r * s * (1.0 - s)
            loss += r * r
        return 0.5 * loss

    @njit
    def sed_softmax(z, t, y, d):
        loss = 0.0
        for r in range(z.shape[0]):
            softmax(z[r:r + 1], y[r:r + 1])
            ry = 0.0
            for k in range(z.shape[1]):
                ry += (y[r, k] - t[r, k]) * y[r, k]
            for k in range(z.shape[1]):
                res = y[r, k] - t[r, k]
                d[r, k] = y[r, k] * (res - ry)
                loss += res * res
        return 0.5 * loss

    return types.SimpleNamespace(
        sigmoid=sigmoid, tanh=tanh, sigmoid_backward=sigmoid_backward,
        tanh_backward=tanh_backward, softmax=softmax, softmax_backward=softmax_backward,
        sed_sigmoid=sed_sigmoid, sed_softmax=sed_softmax)


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
        ours = self._ours_or_floor(impl, (x,), lambda: f(x), lambda: f(x, out=out))
        if ours is not None:
            return ours
        if impl == "numpy":
            return functools.partial(_NUMPY_FORWARD[case], x)
        if impl == "scipy":
            return functools.partial(_peer("scipy").expit, x) if case == "sigmoid" else None
        if impl == "torch":
            torch = _peer("torch")
            return functools.partial(getattr(torch, case), torch.from_numpy(x))
        if impl == "jax":
            jax = _peer("jax")
            f_jax = jax.jit({"sigmoid": jax.nn.sigmoid, "tanh": jax.numpy.tanh}[case])
            xj = jax.numpy.asarray(x)
            return lambda: f_jax(xj).block_until_ready()
        if impl == "numexpr":
            evaluate = _peer("numexpr").evaluate
            return lambda: evaluate(_NUMEXPR_FORWARD[case], local_dict={"x": x})
        if impl == "numba":
            return _allocating(getattr(_peer("numba"), case), x)
        return None

    def time_forward(self, case, dtype, size, impl):
        self.fn()


class ElementwiseBackward(_Task):
    """sigmoid_backward, tanh_backward: from grad_output and the saved output y."""

    params = [ELEMENTWISE, DTYPES, SIZES, _impls("torch", "jax", "numexpr", "numba")]

    def inputs(self, case, dtype, size, rng):
        g = (3 * rng.standard_normal(size)).astype(dtype)
        y = getattr(ref, case)(3 * rng.standard_normal(size)).astype(dtype)
        return g, y

    def reference(self, case, g, y):
        return getattr(ref, case + "_backward")(g, y)

    def build(self, impl, case, g, y):
        out = np.empty_like(g)
        f = getattr(ca, case + "_backward")
        ours = self._ours_or_floor(impl, (g, y), lambda: f(g, y),
                                   lambda: f(g, y, out=out))
        if ours is not None:
            return ours
        if impl == "numpy":
            return functools.partial(getattr(ref, case + "_backward"), g, y)
        if impl == "torch":
            torch = _peer("torch")
            op = getattr(torch.ops.aten, case + "_backward")
            return functools.partial(op, torch.from_numpy(g), torch.from_numpy(y))
        if impl == "jax":
            jax = _peer("jax")
            f_jax = jax.jit(getattr(ref, case + "_backward"))
            gj, yj = jax.numpy.asarray(g), jax.numpy.asarray(y)
            return lambda: f_jax(gj, yj).block_until_ready()
        if impl == "numexpr":
            evaluate = _peer("numexpr").evaluate
            return lambda: evaluate(_NUMEXPR_BACKWARD[case], local_dict={"g": g, "y": y})
        if impl == "numba":
            return _allocating(getattr(_peer("numba"), case + "_backward"), g, y)
        return None

    def time_backward(self, case, dtype, size, impl):
        self.fn()


def _rows(row, size, rng):
    """3 N(0, 1) of ``size`` elements in rows of ``row``."""
    if size < row:
        _skip(f"{size} elements make no row of {row}")
    return 3 * rng.standard_normal((size // row, row))


class Softmax(_Task):
    """softmax along the last axis; case = row length (10 or 1000)."""

    params = [[10, 1000], DTYPES, ROW_SIZES, _impls("scipy", "torch", "jax", "numba")]

    def inputs(self, case, dtype, size, rng):
        return _rows(case, size, rng).astype(dtype),

    def reference(self, case, x):
        return ref.softmax(x)

    def build(self, impl, case, x):
        out = np.empty_like(x)
        ours = self._ours_or_floor(impl, (x,), lambda: ca.softmax(x),
                                   lambda: ca.softmax(x, out=out))
        if ours is not None:
            return ours
        if impl == "numpy":
            return functools.partial(ref.softmax, x)
        if impl == "scipy":
            return functools.partial(_peer("scipy").softmax, x, axis=-1)
        if impl == "torch":
            torch = _peer("torch")
            return functools.partial(torch.softmax, torch.from_numpy(x), -1)
        if impl == "jax":
            jax = _peer("jax")
            f_jax = jax.jit(functools.partial(jax.nn.softmax, axis=-1))
            xj = jax.numpy.asarray(x)
            return lambda: f_jax(xj).block_until_ready()
        if impl == "numba":
            return _allocating(_peer("numba").softmax, x)
        return None

    def time_softmax(self, case, dtype, size, impl):
        self.fn()


class SoftmaxBackward(_Task):
    """softmax_backward from the saved output; case = row length (10 or 1000)."""

    params = [[10, 1000], DTYPES, ROW_SIZES, _impls("torch", "jax", "numba")]

    def inputs(self, case, dtype, size, rng):
        g = _rows(case, size, rng).astype(dtype)
        y = ref.softmax(_rows(case, size, rng)).astype(dtype)
        return g, y

    def reference(self, case, g, y):
        return ref.softmax_backward(g, y)

    def build(self, impl, case, g, y):
        out = np.empty_like(g)
        ours = self._ours_or_floor(impl, (g, y), lambda: ca.softmax_backward(g, y),
                                   lambda: ca.softmax_backward(g, y, out=out))
        if ours is not None:
            return ours
        if impl == "numpy":
            return functools.partial(_softmax_backward, g, y)
        if impl == "torch":
            torch = _peer("torch")
            gt, yt = torch.from_numpy(g), torch.from_numpy(y)
            return lambda: torch.ops.aten._softmax_backward_data(gt, yt, -1, yt.dtype)
        if impl == "jax":
            jax = _peer("jax")
            f_jax = jax.jit(_softmax_backward)
            gj, yj = jax.numpy.asarray(g), jax.numpy.asarray(y)
            return lambda: f_jax(gj, yj).block_until_ready()
        if impl == "numba":
            return _allocating(_peer("numba").softmax_backward, g, y)
        return None

    def time_softmax_backward(self, case, dtype, size, impl):
        self.fn()


class SquaredErrorDelta(_Task):
    """loss, delta = dE/dz and y of E = 1/2 sum (g(z) - t)^2, z in rows of 10;
    case = the activation g."""

    params = [["sigmoid", "softmax"], DTYPES, ROW_SIZES, _impls("torch", "jax", "numba")]

    def inputs(self, case, dtype, size, rng):
        z = _rows(10, size, rng)
        if case == "softmax":
            t = np.eye(10)[rng.integers(10, size=z.shape[0])]
        else:
            t = rng.uniform(size=z.shape)
        return z.astype(dtype), t.astype(dtype)

    def reference(self, case, z, t):
        return ref.squared_error_delta(z, t, case)

    def build(self, impl, case, z, t):
        out = np.empty_like(z)
        ours = self._ours_or_floor(
            impl, (z, t), lambda: ca.squared_error_delta(z, t, activation=case),
            lambda: ca.squared_error_delta(z, t, activation=case, out=out))
        if ours is not None:
            return ours
        if impl == "numpy":
            return functools.partial(ref.squared_error_delta, z, t, case)
        if impl == "torch":
            torch = _peer("torch")
            g = torch.sigmoid if case == "sigmoid" else functools.partial(torch.softmax, dim=-1)
            zt, tt = torch.from_numpy(z), torch.from_numpy(t)

            def run():  # autograd, as a user computes a loss gradient
                zg = zt.detach().requires_grad_()
                y = g(zg)
                loss = 0.5 * ((y - tt) ** 2).sum()
                loss.backward()
                return loss.detach(), zg.grad, y.detach()
            return run
        if impl == "jax":
            jax = _peer("jax")
            jnp = jax.numpy
            g = jax.nn.sigmoid if case == "sigmoid" else jax.nn.softmax

            def loss(zz, tt):
                y = g(zz)
                return 0.5 * jnp.sum((y - tt) ** 2), y
            f_jax = jax.jit(jax.value_and_grad(loss, has_aux=True))
            zj, tj = jnp.asarray(z), jnp.asarray(t)

            def run():
                (e, y), d = f_jax(zj, tj)
                d.block_until_ready()
                return e, d, y
            return run
        if impl == "numba":
            kernel = getattr(_peer("numba"), "sed_" + case)
            flat = case != "softmax"

            def run():
                y, d = np.empty_like(z), np.empty_like(z)
                if flat:
                    return kernel(z.ravel(), t.ravel(), y.ravel(), d.ravel()), d, y
                return kernel(z, t, y, d), d, y
            return run
        return None

    def time_squared_error_delta(self, case, dtype, size, impl):
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
