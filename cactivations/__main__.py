"""``python -m cactivations``: the squared-error output layer, checked and timed.

For a final layer z = x @ w with squared error E(w) = 1/2 sum (g(x @ w) - t)**2
and each public activation g, it calls ``output_layer_grad`` and shows

* the loss;
* the largest relative difference between its ``grad_w`` and a central
  finite-difference gradient of E, computed in float64 with the plain NumPy
  reference on a few sampled entries of w;
* the time of the fused ``squared_error_delta`` against the same computation in
  plain NumPy (``cactivations._reference``), as ns per element of z.

It exits with status 1 if a gradient check fails its tolerance or a timed
answer disagrees with the reference.
"""

import argparse
import sys

import numpy as np

import cactivations as ca
from cactivations import _bench, _reference
from cactivations._registry import ACTIVATIONS

#: the batch of the gradient check: x (N, M), w (M, K)
N, M, K = 256, 64, 10
SEED = 0
#: sampled entries of w per check, and the finite-difference step
N_ENTRIES = 16
STEP = 1e-3
#: tolerance of the gradient check, per dtype of the computation
TOLERANCE = {"float64": 1e-6, "float32": 1e-3}


def _targets(activation, shape, rng):
    """Targets that make sense for g: one-hot rows for a rowwise g, values well
    inside the range of an elementwise g (e.g. (0, 1) for sigmoid)."""
    if ACTIVATIONS[activation].kind == "rowwise":
        return np.eye(shape[-1])[rng.integers(shape[-1], size=shape[:-1])]
    hi, lo = ACTIVATIONS[activation].limits[0]  # g(+inf), g(-inf)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return rng.standard_normal(shape)
    return lo + (hi - lo) * rng.uniform(0.05, 0.95, size=shape)


def _loss_difference(x, w1, w2, t, activation):
    """E(w1) - E(w2), summed term by term so that E's size does not cancel."""
    y1 = _reference.squared_error_delta(x @ w1, t, activation)[2]
    y2 = _reference.squared_error_delta(x @ w2, t, activation)[2]
    return 0.5 * np.sum((y1 - y2) * (y1 + y2 - 2.0 * t))


def finite_difference(x, w, t, activation, entries, h=STEP):
    """dE/dw at ``entries`` by the fourth-order central difference
    (8 (E(w+h) - E(w-h)) - (E(w+2h) - E(w-2h))) / 12h, in float64."""
    x, w, t = (np.asarray(a, dtype=np.float64) for a in (x, w, t))
    grad = np.empty(len(entries))
    for i, (j, k) in enumerate(entries):
        def shifted(s):
            ws = w.copy()
            ws[j, k] += s
            return ws
        d1 = _loss_difference(x, shifted(h), shifted(-h), t, activation)
        d2 = _loss_difference(x, shifted(2 * h), shifted(-2 * h), t, activation)
        grad[i] = (8.0 * d1 - d2) / (12.0 * h)
    return grad


def batch(activation, dtype):
    """x (N, M), w (M, K) and targets t (N, K) in ``dtype``; x and w are the same
    for every activation and dtype."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((N, M))
    w = rng.standard_normal((M, K)) / np.sqrt(M)
    t = _targets(activation, (N, K), np.random.default_rng([SEED, 1]))
    return x.astype(dtype), w.astype(dtype), t.astype(dtype)


def gradient_check(activation, dtype):
    """(loss, largest relative difference of the sampled entries of grad_w)."""
    x, w, t = batch(activation, dtype)
    result = ca.output_layer_grad(x, w, t, activation=activation)
    flat = np.random.default_rng([SEED, 2]).choice(M * K, size=N_ENTRIES, replace=False)
    entries = [divmod(int(e), K) for e in flat]
    fd = finite_difference(x, w, t, activation, entries)
    got = np.array([result.grad_w[j, k] for j, k in entries], dtype=np.float64)
    # relative to the entry; entries far below the largest one are measured
    # against 1e-3 of it, where rounding in the batch sum dominates
    scale = np.maximum(np.maximum(np.abs(fd), np.abs(got)), 1e-3 * np.max(np.abs(fd)))
    return float(result.loss), float(np.max(np.abs(got - fd) / scale))


def time_delta(activation, dtype, n, rounds, min_round_seconds):
    """squared_error_delta against plain NumPy on z of n elements (rows of K):
    z is standard normal x 3, the same for every activation."""
    rng = np.random.default_rng([SEED, 3, n])
    shape = (max(n // K, 1), K) if n >= K else (1, n)
    z = (3.0 * rng.standard_normal(shape)).astype(dtype)
    t = _targets(activation, shape, rng).astype(dtype)
    reference = _reference.squared_error_delta(
        z.astype(np.float64), t.astype(np.float64), activation)
    impls = {
        "cactivations": lambda: ca.squared_error_delta(z, t, activation=activation),
        "numpy": lambda: _reference.squared_error_delta(z, t, activation),
    }
    return _bench.compare(f"squared_error_delta {activation} {dtype}", impls,
                          reference, z.size, rounds=rounds,
                          min_round_seconds=min_round_seconds)


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m cactivations",
        description=(
            "For a final layer z = x @ w with squared error E = 1/2 sum (g(z) - t)^2, "
            "check output_layer_grad's grad_w against central finite differences "
            "of E, and time the fused squared_error_delta against the same "
            "computation in plain NumPy."),
        epilog="Exit status 1 if a gradient check or an answer check fails.")
    parser.add_argument(
        "--sizes", default="1e3,1e5", metavar="N,N,...",
        help="elements of z for the timing, in rows of %d (default: %%(default)s)" % K)
    parser.add_argument(
        "--dtype", choices=("float32", "float64", "both"), default="both",
        help="dtype of x, w, t and z (default: %(default)s)")
    parser.add_argument(
        "--quick", action="store_true",
        help=(f"{_bench.QUICK_ROUNDS} rounds of >= {_bench.QUICK_MIN_ROUND_SECONDS * 1e3:g} ms "
              f"instead of {_bench.ROUNDS} of >= {_bench.MIN_ROUND_SECONDS * 1e3:g} ms"))
    parser.add_argument(
        "--threads", type=int, default=1, metavar="N",
        help="threads of the cactivations kernels while timing (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        args.sizes = _bench.parse_sizes(args.sizes)
    except ValueError as exc:
        parser.error(f"--sizes: {exc}")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    return args


def main(argv=None):
    args = _parse_args(argv)
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    activations = [a.name for a in ACTIVATIONS.values() if a.public]
    rounds, min_round = ((_bench.QUICK_ROUNDS, _bench.QUICK_MIN_ROUND_SECONDS) if args.quick
                         else (_bench.ROUNDS, _bench.MIN_ROUND_SECONDS))
    set_threads = getattr(ca, "set_num_threads", None)
    threads_before = ca.get_num_threads() if set_threads else None
    version = getattr(ca, "__version__", "")

    print(f"cactivations {version}: output layer z = x @ w with squared error "
          f"E = 1/2 sum (g(z) - t)^2, gradient check and speed of the fused delta")
    print(f"  grad_w rel.diff: output_layer_grad's grad_w vs central finite differences "
          f"of E (float64 NumPy) at {N_ENTRIES} sampled entries of w; "
          f"x ({N}, {M}), w ({M}, {K}), seed {SEED}")
    print(f"  timing: squared_error_delta vs the same computation in plain NumPy on "
          f"z = 3 N(0, 1) in rows of {K}; median of {rounds} rounds of >= {min_round * 1e3:g} ms, "
          f"{args.threads if set_threads else 'default'} thread(s); "
          f"speed-up = NumPy time / cactivations time\n")

    rows, failed = [], []
    try:
        if set_threads:
            set_threads(args.threads)
        for activation in activations:
            for dtype in dtypes:
                loss, rel = gradient_check(activation, dtype)
                ok = rel <= TOLERANCE[dtype]
                if not ok:
                    failed.append(f"grad_w {activation} {dtype}: relative difference "
                                  f"{rel:.2g} > {TOLERANCE[dtype]:g}")
                for i, n in enumerate(args.sizes):
                    c = time_delta(activation, dtype, n, rounds, min_round)
                    for e in c.entries.values():
                        if e.seconds is None:
                            failed.append(f"{c.task} n={n}: {e.name} {e.status}")
                    ns_ca, ns_np = c.ns_per_element("cactivations"), c.ns_per_element("numpy")
                    ratio = c.ratio("numpy")
                    first = i == 0
                    rows.append([
                        activation if first else "", dtype if first else "",
                        f"{loss:.4f}" if first else "",
                        f"{rel:.1e}" if first else "",
                        ("ok" if ok else "FAIL") if first else "",
                        _bench.format_size(c.n_elements),
                        _bench.format_ns(ns_ca), _bench.format_ns(ns_np),
                        "-" if ratio is None else f"{ratio:.2f}x",
                    ])
    finally:
        if set_threads:
            set_threads(threads_before)

    print(_bench.text_table(
        ["activation", "dtype", "loss", "grad_w rel.diff", "check", "n(z)",
         "cactivations ns/el", "NumPy ns/el", "speed-up"],
        rows, right=(2, 3, 5, 6, 7, 8)))
    print(f"\ngradient tolerance: {', '.join(f'{d} {TOLERANCE[d]:g}' for d in dtypes)}")
    if failed:
        print("FAILED:\n  " + "\n  ".join(failed))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
