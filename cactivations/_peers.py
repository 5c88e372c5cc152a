"""What the benchmarks time: the tasks, and each task as a peer's user computes it.

The one place where the peers are written, for ``python -m cactivations bench``
and the asv suite (``benchmarks/benchmarks/activations.py``) alike:

* ``build(peer, function, *inputs)``: a callable with no arguments that computes
  ``function`` (a public cactivations name) on ``inputs`` as a user of the peer
  would, allocating its result: NumPy expressions (``1/(1+np.exp(-x))``,
  ``np.tanh``, max-subtracted softmax), ``scipy.special``, PyTorch eager
  (``torch.sigmoid``, the ``aten`` backward ops, autograd for the loss),
  ``jax.jit`` of the same maths (``jax.value_and_grad`` for the loss),
  ``numexpr.evaluate`` and ``numba.njit`` loops; None where the peer has none;
* ``TASKS``, ``task_inputs``, ``task_reference`` and ``task_calls``: the tasks of
  the speed targets (``shared/TARGETS.md``), their inputs (standard normal x 3,
  seeded), their float64 reference and the cactivations calls.

Peers are imported on first use (``module``), on one thread: the variables of
``one_thread_environment`` are set first, then ``torch.set_num_threads(1)`` and
``numexpr.set_num_threads(1)``.  Only NumPy is needed to import this module.
"""

import functools
import importlib.metadata
import importlib.util
import os
import types
from typing import NamedTuple, Optional

import numpy as np

import cactivations as ca
from cactivations import _reference as ref

__all__ = [
    "PEERS", "installed", "version", "one_thread_environment", "module", "offers", "build",
    "Task", "TASKS", "SEED", "backward_saves_input", "task_inputs", "task_reference", "task_calls",
]

#: every peer, in the order of the tables (numpy is always there)
PEERS = ("numpy", "scipy", "torch", "jax", "numexpr", "numba")

#: JAX on one thread (TARGETS.md); XLA reads them when its CPU backend starts.
#: Recent XLA sizes its thread pool from the CPUs the process may run on
#: instead, whatever these say: see _start_on_one_cpu.
_XLA_ONE_THREAD = ("--xla_cpu_multi_thread_eigen=false", "intra_op_parallelism_threads=1")


def installed():
    """The peers that can be imported here, found without importing them."""
    return [p for p in PEERS if p == "numpy" or importlib.util.find_spec(p) is not None]


def version(peer):
    """The installed version of ``peer``'s distribution, or None."""
    try:
        return importlib.metadata.version(peer)
    except importlib.metadata.PackageNotFoundError:
        return None


def one_thread_environment():
    """Set the variables that put the peers on one thread, where not set already:
    ``OMP_NUM_THREADS=1``, the one-thread ``XLA_FLAGS`` (added to any others),
    ``JAX_PLATFORMS=cpu``.  They must be set before the peers are imported."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    flags = os.environ.get("XLA_FLAGS", "").split()
    keys = {f.split("=", 1)[0] for f in flags}
    flags += [f for f in _XLA_ONE_THREAD if f.split("=", 1)[0] not in keys]
    os.environ["XLA_FLAGS"] = " ".join(flags)
    os.environ.setdefault("JAX_PLATFORMS", "cpu")


def _start_on_one_cpu(start):
    """start() with the calling thread allowed on one CPU, then its CPUs as before.

    XLA's CPU client sizes its thread pool by the CPUs its process may run on
    when it starts (and the threads it starts keep that mask); its flags do not
    limit it (jax 0.10 on 2 CPUs ran an elementwise jit on 2 threads with the
    one-thread XLA_FLAGS set).  Where the affinity cannot be set, start() as is."""
    try:
        mask = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(mask)})
    except (AttributeError, OSError):
        return start()
    try:
        return start()
    finally:
        os.sched_setaffinity(0, mask)


@functools.lru_cache(maxsize=None)
def module(peer):
    """The peer's module (numba: the njit kernels below), imported on first use
    and set to one thread (jax: with float64 enabled)."""
    one_thread_environment()
    if peer == "numpy":
        return np
    if peer == "scipy":
        import scipy.special
        return scipy.special
    if peer == "torch":
        import torch
        torch.set_num_threads(1)
        return torch
    if peer == "jax":
        import jax
        import jax.nn  # noqa: F401  (attributes of jax)
        import jax.numpy  # noqa: F401
        jax.config.update("jax_enable_x64", True)
        _start_on_one_cpu(jax.devices)
        return jax
    if peer == "numexpr":
        import numexpr
        numexpr.set_num_threads(1)
        return numexpr
    if peer == "numba":
        return _numba_kernels()
    raise ValueError(f"unknown peer {peer!r}; the peers are {', '.join(PEERS)}")


def offers(peer, function):
    """Whether ``build(peer, function, ...)`` gives a callable (without importing)."""
    return function in _MAKERS[peer]


def build(peer, function, *inputs, activation=None):
    """A callable with no arguments computing ``function`` on ``inputs`` as a user
    of ``peer`` would, allocating its result, or None if the peer has none.

    ``function`` is a cactivations name: ``sigmoid``, ``tanh`` (1-d input),
    ``sigmoid_backward``, ``tanh_backward`` (1-d grad_output, output),
    ``softmax``, ``log_softmax`` (rows along the last axis),
    ``softmax_backward`` (grad_output, output in rows), ``squared_error_delta``
    (z, target in rows; ``activation`` "sigmoid" or "softmax"; the answer is
    (loss, delta, output)), ``softmax_cross_entropy_delta`` (z, probabilities in
    rows) and ``sigmoid_binary_cross_entropy_delta`` (z, target), answering
    (loss, delta, output) too.  Importing the peer may raise.
    """
    maker = _MAKERS[peer].get(function)
    if maker is None:
        return None
    if function == "squared_error_delta":
        return maker(*inputs, activation=activation)
    return maker(*inputs)


# ------------------------------------------------------------------ numpy

def _np_softmax_backward(g, y):
    """y (g - sum g y) along the last axis, for NumPy and jax.numpy arrays."""
    return y * (g - (g * y).sum(axis=-1, keepdims=True))


_NUMPY = {
    "sigmoid": lambda x: lambda: 1 / (1 + np.exp(-x)),
    "tanh": lambda x: functools.partial(np.tanh, x),
    "sigmoid_backward": lambda g, y: functools.partial(ref.sigmoid_backward, g, y),
    "tanh_backward": lambda g, y: functools.partial(ref.tanh_backward, g, y),
    "softmax": lambda x: functools.partial(ref.softmax, x),
    "log_softmax": lambda x: functools.partial(ref.log_softmax, x),
    "softmax_backward": lambda g, y: functools.partial(_np_softmax_backward, g, y),
    "squared_error_delta": lambda z, t, activation: functools.partial(
        ref.squared_error_delta, z, t, activation),
    "softmax_cross_entropy_delta": lambda z, t: functools.partial(
        ref.softmax_cross_entropy_delta, z, t),
    "sigmoid_binary_cross_entropy_delta": lambda z, t: functools.partial(
        ref.sigmoid_binary_cross_entropy_delta, z, t),
}

# ------------------------------------------------------------------ scipy

_SCIPY = {
    "sigmoid": lambda x: functools.partial(module("scipy").expit, x),
    "softmax": lambda x: functools.partial(module("scipy").softmax, x, axis=-1),
    "log_softmax": lambda x: functools.partial(module("scipy").log_softmax, x, axis=-1),
}

# ------------------------------------------------------------------ torch (eager)


def _torch(op, *arrays):
    torch = module("torch")
    return functools.partial(op(torch), *(torch.from_numpy(a) for a in arrays))


def _torch_softmax_backward(g, y):
    torch = module("torch")
    yt = torch.from_numpy(y)
    return functools.partial(torch.ops.aten._softmax_backward_data,
                             torch.from_numpy(g), yt, -1, yt.dtype)


def _torch_squared_error_delta(z, t, activation):
    torch = module("torch")
    g = torch.sigmoid if activation == "sigmoid" else functools.partial(torch.softmax, dim=-1)
    zt, tt = torch.from_numpy(z), torch.from_numpy(t)

    def run():  # autograd, as a user computes a loss gradient
        zg = zt.detach().requires_grad_()
        y = g(zg)
        loss = 0.5 * ((y - tt) ** 2).sum()
        loss.backward()
        return loss.detach(), zg.grad, y.detach()
    return run


def _torch_cross_entropy_delta(z, t, binary):
    torch = module("torch")
    F = torch.nn.functional
    zt, tt = torch.from_numpy(z), torch.from_numpy(t)

    def run():  # autograd for the loss and delta, the output as the user's own call
        zg = zt.detach().requires_grad_()
        if binary:
            loss = F.binary_cross_entropy_with_logits(zg, tt, reduction="sum")
            y = torch.sigmoid(zt)
        else:
            loss = F.cross_entropy(zg, tt, reduction="sum")
            y = torch.softmax(zt, dim=-1)
        loss.backward()
        return loss.detach(), zg.grad, y
    return run


_TORCH = {
    "sigmoid": lambda x: _torch(lambda torch: torch.sigmoid, x),
    "tanh": lambda x: _torch(lambda torch: torch.tanh, x),
    "sigmoid_backward": lambda g, y: _torch(lambda torch: torch.ops.aten.sigmoid_backward, g, y),
    "tanh_backward": lambda g, y: _torch(lambda torch: torch.ops.aten.tanh_backward, g, y),
    "softmax": lambda x: _torch(lambda torch: functools.partial(torch.softmax, dim=-1), x),
    "log_softmax": lambda x: _torch(
        lambda torch: functools.partial(torch.log_softmax, dim=-1), x),
    "softmax_backward": _torch_softmax_backward,
    "squared_error_delta": _torch_squared_error_delta,
    "softmax_cross_entropy_delta": functools.partial(_torch_cross_entropy_delta, binary=False),
    "sigmoid_binary_cross_entropy_delta": functools.partial(_torch_cross_entropy_delta,
                                                            binary=True),
}

# ------------------------------------------------------------------ jax (jit)


def _jax(f, *arrays):
    """jax.jit of f(jax, *arrays), called on device copies, waited for."""
    jax = module("jax")
    jitted = jax.jit(functools.partial(f, jax))
    args = [jax.numpy.asarray(a) for a in arrays]
    return lambda: jax.block_until_ready(jitted(*args))


def _jax_squared_error_delta(jax, z, t, activation):
    g = jax.nn.sigmoid if activation == "sigmoid" else jax.nn.softmax

    def loss(zz, tt):
        y = g(zz)
        return 0.5 * jax.numpy.sum((y - tt) ** 2), y
    (e, y), d = jax.value_and_grad(loss, has_aux=True)(z, t)
    return e, d, y


def _jax_cross_entropy_delta(jax, z, t, binary):
    jnp = jax.numpy

    def loss(zz):
        if binary:  # from the logits, as optax.sigmoid_binary_cross_entropy
            return (jnp.sum(jnp.maximum(zz, 0) - zz * t + jnp.log1p(jnp.exp(-jnp.abs(zz)))),
                    jax.nn.sigmoid(zz))
        return -jnp.sum(t * jax.nn.log_softmax(zz, axis=-1)), jax.nn.softmax(zz, axis=-1)
    (e, y), d = jax.value_and_grad(loss, has_aux=True)(z)
    return e, d, y


_JAX = {
    "sigmoid": lambda x: _jax(lambda jax, x: jax.nn.sigmoid(x), x),
    "tanh": lambda x: _jax(lambda jax, x: jax.numpy.tanh(x), x),
    "sigmoid_backward": lambda g, y: _jax(lambda jax, g, y: g * y * (1 - y), g, y),
    "tanh_backward": lambda g, y: _jax(lambda jax, g, y: g * (1 - y * y), g, y),
    "softmax": lambda x: _jax(lambda jax, x: jax.nn.softmax(x, axis=-1), x),
    "log_softmax": lambda x: _jax(lambda jax, x: jax.nn.log_softmax(x, axis=-1), x),
    "softmax_backward": lambda g, y: _jax(lambda jax, g, y: _np_softmax_backward(g, y), g, y),
    "squared_error_delta": lambda z, t, activation: _jax(
        functools.partial(_jax_squared_error_delta, activation=activation), z, t),
    "softmax_cross_entropy_delta": lambda z, t: _jax(
        functools.partial(_jax_cross_entropy_delta, binary=False), z, t),
    "sigmoid_binary_cross_entropy_delta": lambda z, t: _jax(
        functools.partial(_jax_cross_entropy_delta, binary=True), z, t),
}

# ------------------------------------------------------------------ numexpr


def _numexpr(expression, **arrays):
    evaluate = module("numexpr").evaluate
    return lambda: evaluate(expression, local_dict=arrays)


_NUMEXPR = {
    "sigmoid": lambda x: _numexpr("1 / (1 + exp(-x))", x=x),
    "tanh": lambda x: _numexpr("tanh(x)", x=x),
    "sigmoid_backward": lambda g, y: _numexpr("g * y * (1 - y)", g=g, y=y),
    "tanh_backward": lambda g, y: _numexpr("g * (1 - y * y)", g=g, y=y),
}

# ------------------------------------------------------------------ numba (njit loops)


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
    def log_softmax(x, out):
        for r in range(x.shape[0]):
            m = x[r, 0]
            for k in range(1, x.shape[1]):
                m = max(m, x[r, k])
            s = 0.0
            for k in range(x.shape[1]):
                s += np.exp(x[r, k] - m)
            c = m + np.log(s)
            for k in range(x.shape[1]):
                out[r, k] = x[r, k] - c

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
        tanh_backward=tanh_backward, softmax=softmax, log_softmax=log_softmax,
        softmax_backward=softmax_backward, sed_sigmoid=sed_sigmoid, sed_softmax=sed_softmax)


def _numba(name, *inputs):
    """A numba ``kernel(inputs..., out)`` as an allocating call."""
    kernel = getattr(module("numba"), name)

    def run():
        out = np.empty_like(inputs[0])
        kernel(*inputs, out)
        return out
    return run


def _numba_squared_error_delta(z, t, activation):
    kernel = getattr(module("numba"), "sed_" + activation)
    flat = activation != "softmax"

    def run():
        y, d = np.empty_like(z), np.empty_like(z)
        if flat:
            return kernel(z.ravel(), t.ravel(), y.ravel(), d.ravel()), d, y
        return kernel(z, t, y, d), d, y
    return run


_NUMBA = {name: functools.partial(_numba, name) for name in (
    "sigmoid", "tanh", "sigmoid_backward", "tanh_backward", "softmax", "log_softmax",
    "softmax_backward")}
_NUMBA["squared_error_delta"] = _numba_squared_error_delta

# ------------------------------------------------------ the activation family
# Every other public elementwise activation of the registry, forward and
# backward: NumPy (the reference formulas), torch.nn.functional and the aten
# backward ops (what autograd runs), and jax.nn under jit (the backward as
# jax.vjp).  Names missing from a peer are simply not offered.

from cactivations._registry import ACTIVATIONS as _ACTS  # noqa: E402

FAMILY = tuple(a.name for a in _ACTS.values()
               if a.kind == "elementwise" and a.public and a.name not in ("sigmoid", "tanh"))

_TORCH_NAMES = {"log_sigmoid": "logsigmoid"}
_JAX_NAMES = {"softsign": "soft_sign", "hardsigmoid": "hard_sigmoid",
              "hardswish": "hard_swish", "hardtanh": "hard_tanh"}
_SELU = (1.6732632423543772, 1.0507009873554805)


def _torch_backward_op(name):
    """(aten op, extra arguments) of the backward of ``name`` from (g, saved)."""
    aten = module("torch").ops.aten
    return {
        "relu": lambda g, y: aten.threshold_backward(g, y, 0),
        "relu6": lambda g, x: aten.hardtanh_backward(g, x, 0.0, 6.0),
        "hardtanh": lambda g, x: aten.hardtanh_backward(g, x, -1.0, 1.0),
        "leaky_relu": lambda g, x: aten.leaky_relu_backward(g, x, 0.01, False),
        "elu": lambda g, x: aten.elu_backward(g, 1.0, 1.0, 1.0, False, x),
        "selu": lambda g, x: aten.elu_backward(g, _SELU[0], _SELU[1], 1.0, False, x),
        "celu": lambda g, x: aten.elu_backward(g, 1.0, 1.0, 1.0, False, x),
        "gelu": lambda g, x: aten.gelu_backward(g, x),
        "silu": lambda g, x: aten.silu_backward(g, x),
        "mish": lambda g, x: aten.mish_backward(g, x),
        "softplus": lambda g, x: aten.softplus_backward(g, x, 1.0, 20.0),
        "hardsigmoid": lambda g, x: aten.hardsigmoid_backward(g, x),
        "hardswish": lambda g, x: aten.hardswish_backward(g, x),
    }.get(name)


def _torch_family_backward(name):
    def make(g, s):
        torch = module("torch")
        op = _torch_backward_op(name)
        gt, st = torch.from_numpy(g), torch.from_numpy(s)
        return functools.partial(op, gt, st)
    return make


def _jax_family(name):
    jname = _JAX_NAMES.get(name, name)

    def f(jax):  # jax.nn.gelu is the tanh approximation unless asked
        g = getattr(jax.nn, jname)
        return functools.partial(g, approximate=False) if name == "gelu" else g

    def forward(x):
        return _jax(lambda jax, x: f(jax)(x), x)

    def backward(g, s):
        if _ACTS[name].backward_from == "output":  # relu: from the output, as jax.grad does it
            return _jax(lambda jax, g, y: jax.numpy.where(y > 0, g, 0), g, s)
        return _jax(lambda jax, g, x: jax.vjp(f(jax), x)[1](g)[0], g, s)
    return forward, backward


for _name in FAMILY:
    _NUMPY[_name] = (lambda f: lambda x: functools.partial(f, x))(ref.ACTIVATIONS[_name][0])
    _NUMPY[_name + "_backward"] = (lambda f: lambda g, s: functools.partial(f, g, s))(
        ref.BACKWARD[_name])
    _TORCH[_name] = (lambda n: lambda x: _torch(
        lambda torch: getattr(torch.nn.functional, _TORCH_NAMES.get(n, n)), x))(_name)
    if _name in ("relu", "relu6", "hardtanh", "leaky_relu", "elu", "selu", "celu", "gelu",
                 "silu", "mish", "softplus", "hardsigmoid", "hardswish"):
        _TORCH[_name + "_backward"] = _torch_family_backward(_name)
    if _name != "tanhshrink":  # jax.nn has no tanhshrink
        _JAX[_name], _JAX[_name + "_backward"] = _jax_family(_name)

_MAKERS = {"numpy": _NUMPY, "scipy": _SCIPY, "torch": _TORCH, "jax": _JAX,
           "numexpr": _NUMEXPR, "numba": _NUMBA}


# ------------------------------------------------------------------ the tasks

class Task(NamedTuple):
    """One task of the speed targets."""

    #: e.g. "sigmoid", "softmax/10", "squared_error_delta/softmax"
    name: str
    #: the cactivations function timed
    function: str
    #: "forward", "backward" or "loss"
    kind: str
    #: elements per row (along the last axis), or None for 1-d input
    row: Optional[int] = None
    #: the activation of squared_error_delta
    activation: Optional[str] = None


TASKS = {t.name: t for t in (
    Task("sigmoid", "sigmoid", "forward"),
    Task("tanh", "tanh", "forward"),
    Task("sigmoid_backward", "sigmoid_backward", "backward"),
    Task("tanh_backward", "tanh_backward", "backward"),
    Task("softmax/10", "softmax", "forward", row=10),
    Task("softmax/64", "softmax", "forward", row=64),
    Task("softmax/1000", "softmax", "forward", row=1000),
    Task("softmax_backward/10", "softmax_backward", "backward", row=10),
    Task("softmax_backward/64", "softmax_backward", "backward", row=64),
    Task("softmax_backward/1000", "softmax_backward", "backward", row=1000),
    Task("log_softmax/10", "log_softmax", "forward", row=10),
    Task("squared_error_delta/sigmoid", "squared_error_delta", "loss", row=10,
         activation="sigmoid"),
    Task("squared_error_delta/softmax", "squared_error_delta", "loss", row=10,
         activation="softmax"),
    Task("softmax_cross_entropy_delta/10", "softmax_cross_entropy_delta", "loss", row=10),
    Task("sigmoid_binary_cross_entropy_delta", "sigmoid_binary_cross_entropy_delta", "loss"),
    *(t for name in FAMILY for t in (Task(name, name, "forward"),
                                     Task(name + "_backward", name + "_backward", "backward"))),
)}

#: the seed of the inputs (the asv suite's too)
SEED = 1234


def backward_saves_input(act):
    """Whether ``act``'s backward takes the saved input (else the saved output)."""
    return act in _ACTS and _ACTS[act].backward_from == "input"


def task_inputs(task, dtype, n, seed=SEED):
    """The inputs of ``task`` (standard normal x 3, seeded) with n elements, in
    rows of ``task.row``; None if n makes no whole row.  Backward tasks take
    (grad_output, forward output), the loss (z, target): one-hot targets for
    softmax (and its cross-entropy), uniform in (0, 1) otherwise."""
    if task.row is not None and n < task.row:
        return None
    rng = np.random.default_rng(seed)
    shape = (n,) if task.row is None else (n // task.row, task.row)
    dtype = np.dtype(dtype)

    def normal():
        return 3 * rng.standard_normal(shape)

    if task.kind == "forward":
        return (normal().astype(dtype),)
    if task.kind == "backward":
        g = normal()
        act = task.function[:-len("_backward")]
        z = normal()
        if backward_saves_input(act):
            return g.astype(dtype), z.astype(dtype)
        return g.astype(dtype), getattr(ref, act)(z).astype(dtype)
    z = normal()
    if task.activation == "softmax" or task.function == "softmax_cross_entropy_delta":
        t = np.eye(shape[-1])[rng.integers(shape[-1], size=shape[:-1])]
    else:
        t = rng.uniform(size=shape)
    return z.astype(dtype), t.astype(dtype)


def task_reference(task, *inputs):
    """The float64 NumPy answer of ``task`` on ``inputs``."""
    inputs = [np.asarray(a, dtype=np.float64) for a in inputs]
    if task.function == "squared_error_delta":
        return ref.squared_error_delta(*inputs, task.activation)
    name = task.function
    if name in ref.ACTIVATIONS:
        return ref.ACTIVATIONS[name][0](*inputs)
    if name.endswith("_backward") and name[:-9] in FAMILY:
        return ref.BACKWARD[name[:-9]](*inputs)
    return getattr(ref, name)(*inputs)


def task_calls(task, *inputs):
    """{"cactivations": allocating call, "cactivations out=": call into a
    preallocated array} of ``task`` on ``inputs``."""
    f = getattr(ca, task.function)
    options = {} if task.activation is None else {"activation": task.activation}
    out = np.empty_like(inputs[0])
    # partial, as the scipy calls: a lambda with *inputs, **options would add
    # the cost of building the call's argument tuple and dict to every call
    return {
        "cactivations": functools.partial(f, *inputs, **options),
        "cactivations out=": functools.partial(f, *inputs, out=out, **options),
    }
