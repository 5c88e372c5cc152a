"""The public array functions of cactivations, discovered rather than listed.

The reliability tests (hostile inputs, hypothesis, threads, memory, faults)
run over every function this module finds, so that a function added to
``cactivations.__all__`` is attacked without anyone editing the tests:

- the array functions are the callables of ``__all__`` with positional-only
  parameters (the arrays); their keyword-only parameters are the options;
- each gets a *kind* -- how its arguments and results are shaped -- from its
  signature, checked against the registry (``_registry.ACTIVATIONS``) for the
  names the registry makes (``<act>``, ``<act>_derivative``, ``<act>_backward``);
- a function with an ``activation=`` option is tried with every name of
  ``_registry.LOSS_ACTIVATIONS`` (one *variant* per name).

A function whose kind cannot be inferred is kept with ``kind=None``;
``test_hostile.test_every_function_has_a_kind`` then fails, naming it.
"""

import inspect
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import numpy as np

import cactivations as ca
from cactivations import _reference, _registry

P = inspect.Parameter

#: kinds, by how the arguments and results are shaped:
#:   elementwise  y has the broadcast shape of the arguments, y[i] from the args' [i]
#:   rowwise      the same, along ``axis`` (softmax family)
#:   jacobian     one array, an ``axis``, no ``out``: the axis becomes (K, K)
#:   fused        ``activation=`` and ``out=``: a NamedTuple (loss, delta, output);
#:                the second argument broadcasts to the first; ``out`` receives delta
#:   layer        ``activation=``, three arrays (x, w, target), no ``out``
#:   reduction    no ``axis``/``out``/``activation``: a 0-d array
KINDS = ("elementwise", "rowwise", "jacobian", "fused", "layer", "reduction")


@dataclass(frozen=True)
class Fn:
    name: str
    arrays: Tuple[str, ...]
    options: Dict[str, object]
    kind: Optional[str]
    why: str = ""

    @property
    def func(self):
        return getattr(ca, self.name)

    @property
    def has_out(self):
        return "out" in self.options

    @property
    def has_axis(self):
        return "axis" in self.options


@dataclass(frozen=True)
class Variant:
    """A function with fixed options (e.g. squared_error_delta, activation="softmax")."""

    fn: Fn
    opts: Dict[str, object] = field(default_factory=dict)

    @property
    def id(self):
        return self.fn.name + "".join(f"[{v}]" for v in self.opts.values())

    @property
    def name(self):
        return self.fn.name

    @property
    def kind(self):
        return self.fn.kind

    @property
    def rowwise(self):
        """Does the result of a row depend on the whole row (along ``axis``)?"""
        if self.kind in ("rowwise", "jacobian"):
            return True
        act = self.opts.get("activation")
        if act is None:  # a fused loss without activation=: rowwise if it has an axis
            return self.kind == "fused" and self.fn.has_axis
        return _registry.ACTIVATIONS[act].kind == "rowwise"

    def __call__(self, *args, **kw):
        return self.fn.func(*args, **{**self.opts, **kw})

    def __repr__(self):
        return self.id


def _registry_kind(name):
    for act in _registry.ACTIVATIONS.values():
        if not act.public:
            continue
        if name in (act.name, act.name + "_derivative", act.name + "_backward"):
            return act.kind
    return None


def _signature_kind(arrays, options):
    out, axis, act = "out" in options, "axis" in options, "activation" in options
    if arrays == ("z", "target") and out:
        return "fused"  # squared_error_delta and the cross-entropy deltas
    if act:
        if out and len(arrays) == 2:
            return "fused"
        if not out and len(arrays) == 3:
            return "layer"
        return None
    if axis:
        return "rowwise" if out else ("jacobian" if len(arrays) == 1 else None)
    if out:
        return "elementwise"
    return "reduction"


def discover():
    fns = []
    for name in ca.__all__:
        obj = getattr(ca, name)
        if not inspect.isfunction(obj):
            continue  # the result NamedTuples
        params = list(inspect.signature(obj).parameters.values())
        arrays = tuple(p.name for p in params if p.kind is P.POSITIONAL_ONLY)
        if not arrays:
            continue  # show_config, set_num_threads, get_num_threads: no array arguments
        options = {p.name: p.default for p in params if p.kind is P.KEYWORD_ONLY}
        others = [p.name for p in params if p.kind not in (P.POSITIONAL_ONLY, P.KEYWORD_ONLY)]
        if others:
            fns.append(Fn(name, arrays, options, None,
                          f"parameters {others} are neither positional-only nor keyword-only"))
            continue
        if any(p.default is P.empty for p in params if p.kind is P.KEYWORD_ONLY):
            fns.append(Fn(name, arrays, options, None, "a keyword-only option has no default"))
            continue
        kind = _signature_kind(arrays, options)
        reg = _registry_kind(name)
        if kind is None:
            fns.append(Fn(name, arrays, options, None,
                          f"signature {arrays} + {sorted(options)} fits no known kind"))
        elif reg is not None and reg != kind:
            fns.append(Fn(name, arrays, options, None,
                          f"the registry says {reg!r}, the signature {kind!r}"))
        else:
            fns.append(Fn(name, arrays, options, kind))
    return fns


FUNCTIONS = discover()


def _variants():
    out = []
    for fn in FUNCTIONS:
        if fn.kind is None:
            continue
        if "activation" in fn.options:
            out += [Variant(fn, {"activation": a}) for a in _registry.LOSS_ACTIVATIONS]
        else:
            out.append(Variant(fn))
    return out


VARIANTS = _variants()
VARIANTS_BY_ID = {v.id: v for v in VARIANTS}


def variants(pred=lambda v: True):
    import pytest

    return [pytest.param(v, id=v.id) for v in VARIANTS if pred(v)]


# ---------------------------------------------------------------- inputs

M = 3  # inner dimension of the layer kind


def shapes_for(v, shape):
    """Argument shapes of ``v`` whose result (for the layer kind: z = x @ w) has ``shape``."""
    n = len(v.fn.arrays)
    if v.kind == "layer":
        if len(shape) == 0:
            return None
        return (shape[:-1] + (M,), (M, shape[-1]), shape)
    return (shape,) * n


def make_args(v, shape, rng, dtype=np.float64):
    """Valid float64 inputs of ``v`` for a result of ``shape`` (None if impossible).

    The values are in the domain of every function: logit's ``p`` in (0, 1);
    the second argument of a backward function is a plausible saved output."""
    shapes = shapes_for(v, shape)
    if shapes is None:
        return None
    args = []
    for i, s in enumerate(shapes):
        if v.name == "logit":
            a = rng.uniform(0.02, 0.98, s)
        elif v.kind == "layer" and i == 1:
            a = rng.standard_normal(s) * 0.5
        elif v.kind == "layer" and i == 0:
            a = rng.standard_normal(s)
        elif i == 0 and v.name.endswith("_backward"):
            a = rng.standard_normal(s)
        elif i == 0:
            a = rng.standard_normal(s) * 3.0
        elif v.name.startswith("log_softmax"):
            a = np.log(rng.uniform(0.01, 0.5, s))
        else:
            a = rng.uniform(0.02, 0.98, s)
        args.append(np.asarray(a, dtype=dtype))
    return tuple(args)


# ---------------------------------------------------------------- results

def parts(res):
    """The arrays a result is made of (a NamedTuple's fields, or the one array)."""
    return tuple(res) if isinstance(res, tuple) else (res,)


def reference(v, args, **kw):
    """The NumPy reference (``cactivations._reference``) of ``v`` on ``args``
    converted to ``dtype`` (float64 by default), as a tuple of float64 arrays."""
    f = getattr(_reference, v.name, None)
    if f is None:
        raise LookupError(f"cactivations._reference has no {v.name}: add one")
    dtype = kw.pop("dtype", np.float64)
    accepted = inspect.signature(f).parameters
    opts = {k: x for k, x in {**v.opts, **kw}.items() if k in accepted and k != "out"}
    a = [np.asarray(x, dtype=dtype) for x in args]
    with np.errstate(all="ignore"):
        r = f(*a, **opts)
        return tuple(np.asarray(x, dtype=np.float64) for x in parts(r))


def eps(dtype):
    dt = np.dtype(dtype)
    if dt == np.longdouble:
        dt = np.dtype(np.float64)
    return float(np.finfo(dt).eps)


def assert_close(got, expected, rtol, msg="", floor=0.0):
    """allclose, NaN equal to NaN, with an absolute tolerance scaled by the
    largest finite reference value (cancellation makes relative errors of
    elements near zero meaningless)."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, f"{msg}: shape {got.shape} != {expected.shape}"
    fin = expected[np.isfinite(expected)]
    scale = float(np.max(np.abs(fin))) if fin.size else 0.0
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=max(rtol * scale, floor),
                               equal_nan=True, err_msg=msg)
