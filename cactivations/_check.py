"""``python -m cactivations check``: the gradients and the accuracy, checked here.

Gradient checks, for every public function found by its name and signature
(so a new function of the registry is checked without an edit here):

* ``<f>_derivative(z)`` against a central finite difference of ``f``;
* ``<f>_backward(g, y)`` with ``y = f(z)`` against the finite-difference
  gradient of ``sum(g * f(z))`` with respect to ``z`` (the vector-Jacobian
  product: ``g f'(z)`` elementwise, ``J^T g`` along an axis);
* ``<f>_jacobian(y)`` against the finite-difference Jacobian of ``f``;
* every fused loss returning ``loss`` and ``delta`` (``squared_error_delta``,
  the cross-entropy deltas) against the finite-difference gradient of its loss
  with respect to ``z``, for every ``activation`` it takes;
* ``output_layer_grad``'s ``grad_w`` against the finite-difference gradient of
  its loss with respect to ``w``.

All in float64, with the fourth-order difference
(8 (f(z+h) - f(z-h)) - (f(z+2h) - f(z-2h))) / 12h, at points kept away from
the integers (where piecewise activations have their corners).

Accuracy identities (no mpmath needed), in float32 and float64, in ULPs or
epsilons of the dtype: sigmoid(-z) = 1 - sigmoid(z), softmax([0, z])_1 =
sigmoid(z), tanh z = 2 sigmoid(2z) - 1, sigmoid(logit(p)) = p, sigmoid' =
sigmoid(z) sigmoid(-z), log_softmax = log(softmax), softmax rows sum to 1,
squared_error = 1/2 sum (y - t)^2, and tail values against ``math.exp``.
"""

import inspect
import math
import time
from typing import List, NamedTuple

import numpy as np

import cactivations as ca
from cactivations._registry import ACTIVATIONS, LOSS_ACTIVATIONS

H = 1e-3
#: gradient checks: |got - finite difference| <= TOL * max(1, |finite difference|)
TOL = 1e-7


class Result(NamedTuple):
    name: str
    what: str
    worst: float
    tolerance: float

    @property
    def ok(self):
        return bool(self.worst <= self.tolerance)  # NaN fails


def array_functions():
    """Public functions taking arrays (positional-only parameters), by name."""
    out = {}
    for name in ca.__all__:
        f = getattr(ca, name)
        if isinstance(f, type) or not callable(f):
            continue
        params = inspect.signature(f).parameters.values()
        if any(p.kind is p.POSITIONAL_ONLY for p in params):
            out[name] = f
    return out


def _points(shape, seed):
    """z of ``shape``: uniform in (-6, 6), at least 0.1 from every integer."""
    rng = np.random.default_rng(seed)
    whole = rng.integers(-6, 6, size=shape)
    return whole + rng.uniform(0.1, 0.9, size=shape)


def _fd(f, z, h=H):
    """Fourth-order central difference of the scalar f along every element of z."""
    grad = np.empty_like(z)
    for i in np.ndindex(z.shape):
        def at(s):
            zs = z.copy()
            zs[i] += s
            return f(zs)
        grad[i] = (8.0 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12.0 * h)
    return grad


def _error(got, expected):
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    return float(np.max(np.abs(got - expected) / np.maximum(1.0, np.abs(expected))))


def _options(f):
    """Option sets to check: every activation a loss takes, else the defaults."""
    if "activation" in inspect.signature(f).parameters:
        return [{"activation": a} for a in LOSS_ACTIVATIONS]
    return [{}]


def _label(name, opts):
    return name + "".join(f"[{v}]" for v in opts.values())


def gradient_checks(functions):
    """(name, callable returning a Result) for every gradient check."""
    checks = []
    for name, f in functions.items():
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind is p.POSITIONAL_ONLY]
        for suffix in ("_derivative", "_backward", "_jacobian"):
            base = functions.get(name[: -len(suffix)]) if name.endswith(suffix) else None
            if base is not None:
                checks.append((name, _MAKERS[suffix](name, f, base)))
        if params[:2] == ["z", "target"]:
            for opts in _options(f):
                checks.append((_label(name, opts), _loss_check(name, f, opts)))
        if params[:2] == ["x", "w"]:
            for opts in _options(f):
                checks.append((_label(name, opts), _layer_check(name, f, opts)))
    return checks


def _derivative_check(name, f, base):
    def run():
        z = _points((40,), 1)
        fd = np.array([_fd(lambda v: float(base(v)[0]), z[i:i + 1])[0] for i in range(z.size)])
        return Result(name, "finite difference of " + base.__name__, _error(f(z), fd), TOL)
    return run


def _backward_check(name, f, base):
    # the backward takes the saved input (its second argument is named z) or output
    arrays = [p.name for p in inspect.signature(f).parameters.values()
              if p.kind is p.POSITIONAL_ONLY]
    from_input = arrays[1] == "z"

    def run():
        z = _points((3, 5), 2)
        g = np.random.default_rng(3).standard_normal(z.shape)
        fd = _fd(lambda v: float(np.sum(g * base(v))), z)
        return Result(name, f"finite-difference gradient of sum(g * {base.__name__}(z))",
                      _error(f(g, z if from_input else base(z)), fd), TOL)
    return run


def _jacobian_check(name, f, base):
    def run():
        z = _points((2, 4), 4)
        jac = f(base(z))
        fd = np.empty_like(jac)
        for i in range(z.shape[-1]):
            # row r of the output depends on row r of z alone: the gradient of
            # sum_r y[r, i] is the Jacobian's row i for every r at once
            fd[..., i, :] = _fd(lambda v: float(np.sum(base(v)[..., i])), z)
        return Result(name, "finite-difference Jacobian of " + base.__name__,
                      _error(jac, fd), TOL)
    return run


def _distributions(shape, seed):
    """Targets in (0, 1) whose rows sum to 1: valid for the squared error and
    for both cross-entropies (whose delta p - t assumes rows summing to 1)."""
    t = np.random.default_rng(seed).uniform(0.1, 1.0, shape)
    return t / t.sum(axis=-1, keepdims=True)


def _loss_check(name, f, opts):
    def run():
        z = _points((3, 5), 5)
        t = _distributions(z.shape, 6)
        delta = f(z, t, **opts).delta
        fd = _fd(lambda v: float(f(v, t, **opts).loss), z)
        return Result(_label(name, opts), "finite-difference gradient of the loss",
                      _error(delta, fd), TOL)
    return run


def _layer_check(name, f, opts):
    def run():
        rng = np.random.default_rng(7)
        x = rng.standard_normal((6, 4))
        w = rng.standard_normal((4, 3)) * 0.5
        t = _distributions((6, 3), 8)
        grad_w = f(x, w, t, **opts).grad_w
        # a small step where g has kinks, so that no z = x @ w straddles one
        act = ACTIVATIONS.get(opts.get("activation"))
        h = 1e-6 if act is not None and act.breakpoints else H
        fd = _fd(lambda v: float(f(x, v, t, **opts).loss), w, h)
        return Result(_label(name, opts), "finite-difference gradient of the loss in w",
                      _error(grad_w, fd), TOL)
    return run


_MAKERS = {"_derivative": _derivative_check, "_backward": _backward_check,
           "_jacobian": _jacobian_check}


def _ulps(got, expected, dtype):
    """Largest error in units of the last place of ``dtype`` (at the expected value;
    subnormal results in units of the smallest subnormal)."""
    got = np.asarray(got, np.float64)
    expected = np.asarray(expected, np.float64)
    info = np.finfo(dtype)
    ulp = np.maximum(np.abs(expected) * info.eps, float(info.smallest_subnormal))
    return float(np.max(np.abs(got - expected) / ulp))


def identity_checks():
    """(name, callable returning a Result) for the accuracy identities."""
    checks = []
    for dt in (np.float32, np.float64):
        d = np.dtype(dt).name
        z = np.linspace(-30.0, 30.0, 600).astype(dt)
        p = np.linspace(0.01, 0.99, 99).astype(dt)
        eps = float(np.finfo(dt).eps)

        def symmetry(z=z, dt=dt, eps=eps):
            return float(np.max(np.abs(ca.sigmoid(-z) - (1.0 - ca.sigmoid(z).astype(np.float64))))) / eps

        def softmax_pair(z=z, dt=dt):
            pairs = np.stack([np.zeros_like(z), z], axis=-1)
            return _ulps(ca.softmax(pairs)[..., 1], ca.sigmoid(z), dt)

        def tanh_sigmoid(z=z, dt=dt, eps=eps):
            s = ca.sigmoid(2.0 * z.astype(np.float64))
            return float(np.max(np.abs(ca.tanh(z) - (2.0 * s - 1.0)))) / eps

        def logit_inverse(p=p, dt=dt):
            return _ulps(ca.sigmoid(ca.logit(p)), p, dt)

        def derivative_product(z=z, dt=dt):
            exact = ca.sigmoid(z.astype(np.float64)) * ca.sigmoid(-z.astype(np.float64))
            return _ulps(ca.sigmoid_derivative(z), exact, dt)

        def log_of_softmax(z=z, dt=dt, eps=eps):
            rows = z.reshape(-1, 3) / 10.0
            return float(np.max(np.abs(ca.log_softmax(rows)
                                       - np.log(ca.softmax(rows.astype(np.float64)))))) / eps

        def rows_sum_to_one(z=z, dt=dt, eps=eps):
            sums = ca.softmax(z.reshape(-1, 3)).sum(axis=-1, dtype=np.float64)
            return float(np.max(np.abs(sums - 1.0))) / eps

        def squared_error_sum(z=z, dt=dt, eps=eps):
            y, t = ca.sigmoid(z), np.full_like(z, 0.25)
            d = y.astype(np.float64) - t
            expected = 0.5 * np.sum(d * d)
            return abs(float(ca.squared_error(y, t)) - expected) / (expected * eps)

        checks += [
            (f"sigmoid(-z) = 1 - sigmoid(z) [{d}]", symmetry, 2.0, "eps"),
            (f"softmax([0, z])_1 = sigmoid(z) [{d}]", softmax_pair, 4.0, "ULP"),
            (f"tanh z = 2 sigmoid(2z) - 1 [{d}]", tanh_sigmoid, 4.0, "eps"),
            (f"sigmoid(logit(p)) = p [{d}]", logit_inverse, 4.0, "ULP"),
            (f"sigmoid' = sigmoid(z) sigmoid(-z) [{d}]", derivative_product, 4.0, "ULP"),
            (f"log_softmax = log(softmax) [{d}]", log_of_softmax, 4.0, "eps"),
            (f"softmax rows sum to 1 [{d}]", rows_sum_to_one, 4.0, "eps"),
            (f"squared_error = 1/2 sum (y - t)^2 [{d}]", squared_error_sum, 4.0, "eps"),
        ]

    def tails():
        e40 = math.exp(-40.0)
        worst = max(
            _ulps(ca.sigmoid_derivative(40.0), e40 / (1.0 + e40) ** 2, np.float64),
            _ulps(ca.tanh_derivative(20.0), 4.0 * e40 / (1.0 + e40) ** 2, np.float64),
            _ulps(ca.sigmoid(-700.0), math.exp(-700.0), np.float64),
        )
        return worst if float(ca.sigmoid(-745.0)) > 0.0 else math.inf

    checks.append(("tails: sigmoid'(40), tanh'(20), sigmoid(-700), sigmoid(-745) > 0",
                   tails, 4.0, "ULP"))
    return [(name, _identity(name, fn, tol, unit)) for name, fn, tol, unit in checks]


def _identity(name, fn, tol, unit):
    def run():
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return Result(name, f"identity, in {unit}", fn(), tol)
    return run


def covered(functions=None):
    """The public array functions the checks exercise (the test compares this
    with the whole API)."""
    functions = array_functions() if functions is None else functions
    names = set()
    for name, _ in gradient_checks(functions):
        base = name.split("[")[0]
        names.add(base)
        for suffix in ("_derivative", "_backward", "_jacobian"):
            if base.endswith(suffix):
                names.add(base[: -len(suffix)])
    return names | {"sigmoid", "tanh", "softmax", "log_softmax", "logit", "squared_error"}


def run(args, out):
    functions = array_functions()
    checks = gradient_checks(functions) + identity_checks()
    if args.only:
        checks = [c for c in checks if any(w in c[0] for w in args.only)]
        if not checks:
            raise ValueError(f"no check matches {' '.join(args.only)}")
    start = time.perf_counter()
    print(f"cactivations {ca.__version__} check: {len(checks)} checks "
          f"(float64 finite differences, step {H:g}, tolerance {TOL:g}; accuracy identities)",
          file=out, flush=True)
    results: List[Result] = []
    width = len(str(len(checks)))
    for i, (name, check) in enumerate(checks, 1):
        try:
            r = check()
        except Exception as exc:  # a check that cannot run fails
            r = Result(name, f"error: {type(exc).__name__}: {exc}", math.inf, 0.0)
        results.append(r)
        mark = "ok  " if r.ok else "FAIL"
        print(f"[{i:{width}d}/{len(checks)}] {mark} {r.name:44s} worst {r.worst:9.3g}  "
              f"(<= {r.tolerance:g}; {r.what})", file=out, flush=True)
    failed = [r for r in results if not r.ok]
    elapsed = time.perf_counter() - start
    if failed:
        print(f"check: {len(failed)} of {len(results)} FAILED ({elapsed:.1f} s): "
              + ", ".join(r.name for r in failed), file=out)
        return 1
    print(f"check: all {len(results)} passed ({elapsed:.1f} s)", file=out)
    return 0
