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

``python -m cactivations bench`` times every task of the project's speed
targets against every installed peer and the copy/add floor, and marks each
row against its target; see ``bench --help``.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
from typing import NamedTuple, Optional

import numpy as np

import cactivations as ca
from cactivations import _bench, _peers, _reference
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
    # where g has kinks (g' or g'' jumps) a step of 1e-3 straddles some of the
    # N K pre-activations' kinks; 1e-6 almost never does
    fd = finite_difference(x, w, t, activation, entries,
                           h=1e-6 if ACTIVATIONS[activation].breakpoints else STEP)
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


def _parsers():
    """The parser of the main job, and that of its bench subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m cactivations",
        usage=("%(prog)s [-h] [--sizes N,N,...] [--dtype {float32,float64,both}] [--quick] "
               "[--threads N]\n       %(prog)s bench [-h] [--tasks TASK ...] [--sizes N,N,...] "
               "[--dtype ...] [--threads N] [--quick] [--out FILE.json]"),
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
    commands = parser.add_subparsers(
        title="subcommands", dest="command", metavar="{bench}",
        description="without one, the worked example above runs")
    return parser, _bench_parser(commands)


def _parse_args(argv):
    parser, bench_parser = _parsers()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if args.command == "bench":
        parser = bench_parser
        if argv[0] != "bench":  # the main job's options would be dropped
            parser.error("the options of bench go after the word bench")
    try:
        args.sizes = _bench.parse_sizes(args.sizes)
    except ValueError as exc:
        parser.error(f"--sizes: {exc}")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    if args.command == "bench":
        try:
            args.tasks = _select_tasks(args.tasks)
        except ValueError as exc:
            parser.error(f"--tasks: {exc}")
    return args


def main(argv=None):
    args = _parse_args(argv)
    if args.command == "bench":
        return bench(args)
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


# ------------------------------------------------------------------ bench
#
# python -m cactivations bench: every task of the project's speed targets
# (TARGETS.md), cactivations against every installed peer and the floor,
# by the method of _bench; the tasks and the peers are in _peers.

#: default sizes of the bench (1 and 1e7 on request)
BENCH_SIZES = "1e3,1e5"


def _bench_parser(commands):
    rounds = (f"{_bench.ROUNDS} rounds of >= {_bench.MIN_ROUND_SECONDS * 1e3:g} ms",
              f"{_bench.QUICK_ROUNDS} rounds of >= {_bench.QUICK_MIN_ROUND_SECONDS * 1e3:g} ms")
    parser = commands.add_parser(
        "bench", prog="python -m cactivations bench",
        help="time every task of the speed targets against the peers and the floor",
        description=(
            "Time cactivations (allocating, and with out=) against every installed peer "
            "(numpy and scipy; torch, jax, numexpr and numba when importable; each on one "
            "thread) and the floor (np.copyto for one input, np.add(a, b, out=) for two), "
            "in one process: the same inputs (standard normal x 3, seeded) for all, every "
            "answer checked against a float64 reference, then "
            f"{rounds[0]} with the implementations interleaved; median ns per element. "
            "Per task a table with the two ratios that count, each marked against its "
            "target: peer/ca = time of the fastest peer / time of cactivations, both "
            "allocating (> 1: cactivations is faster), and out/floor = time of "
            "cactivations with out= / time of the floor."),
        epilog=("Exit status 1 if an answer of cactivations disagrees with the reference; "
                "a missed target is reported, not an error. Progress goes to stderr."))
    parser.add_argument(
        "--tasks", nargs="+", metavar="TASK",
        help=("tasks by name or family (softmax = softmax/10 and softmax/1000), "
              f"space- or comma-separated, of: {', '.join(_peers.TASKS)} (default: all)"))
    parser.add_argument(
        "--sizes", default=BENCH_SIZES, metavar="N,N,...",
        help=("elements per task, e.g. 1,1e3,1e5,1e7 (default: %(default)s); row tasks "
              "skip sizes below one row"))
    parser.add_argument(
        "--dtype", choices=("float32", "float64", "both"), default="both",
        help="dtype of the inputs (default: %(default)s)")
    parser.add_argument(
        "--threads", type=int, metavar="N",
        help=("threads of the cactivations kernels, if this build has "
              "cactivations.set_num_threads (default: 1); the peers run on one thread"))
    parser.add_argument(
        "--quick", action="store_true", help=f"{rounds[1]} instead of {rounds[0]}")
    parser.add_argument(
        "--out", metavar="FILE.json", help="write all measurements to FILE.json")
    return parser


def _select_tasks(items):
    """The tasks named (or all, for None), in table order."""
    if not items:
        return list(_peers.TASKS.values())
    wanted = set()
    for item in (i.strip() for text in items for i in text.split(",")):
        if not item:
            continue
        matches = [t for t in _peers.TASKS if item in ("all", t, t.split("/")[0])]
        if not matches:
            raise ValueError(f"unknown task {item!r}; the tasks are {', '.join(_peers.TASKS)}")
        wanted.update(matches)
    if not wanted:
        raise ValueError("no task given")
    return [t for name, t in _peers.TASKS.items() if name in wanted]


class Target(NamedTuple):
    """One target of TARGETS.md on one ratio."""

    #: e.g. ">=2x"
    text: str
    bound: float
    #: True: the value must be at least ``bound``; False: at most
    at_least: bool
    #: the value is the time of cactivations / the time of this peer instead
    #: of the fastest peer's time / the time of cactivations
    against: Optional[str] = None

    def met(self, value):
        return value >= self.bound if self.at_least else value <= self.bound


#: what TARGETS.md asks, per category of task (printed above each table)
TARGET_TEXT = {
    "compute": "peer/ca >= 2x at 1e3-1e5, >= 1.25x at 1e7",
    "tanh": "peer/ca >= 1.2x at 1e3-1e7; out/floor <= 2.5x for float32 at 1e5",
    "backward": "peer/ca >= 1x (never slower) at every size; out/floor <= 1.3x from 1e3 on",
    "piecewise": "out/floor <= 1.5x at 1e5 (forward and backward)",
    "family": "peer/ca >= 1.5x (forward and backward)",
}


def _category(task):
    if task.function == "tanh":
        return "tanh"
    act = ACTIVATIONS.get(task.function.removesuffix("_backward"))
    if act is not None and task.function.removesuffix("_backward") in _peers.FAMILY:
        return "piecewise" if act.piecewise else "family"
    return "backward" if task.kind == "backward" else "compute"


def targets(task, dtype, n):
    """(target of peer/ca, target of out/floor) for ``task`` at n elements of
    ``dtype``, as TARGETS.md sets them; None where it sets none."""
    category = _category(task)
    if category == "piecewise":
        return None, (Target("<=1.5x", 1.5, False) if n == 10**5 else None)
    if category == "family":
        return Target(">=1.5x", 1.5, True), None
    if category == "tanh":
        return (Target(">=1.2x", 1.2, True) if n >= 10**3 else None,
                Target("<=2.5x", 2.5, False) if dtype == "float32" and n == 10**5 else None)
    if category == "backward":
        return Target(">=1x", 1.0, True), (Target("<=1.3x", 1.3, False) if n >= 10**3 else None)
    if task.function == "sigmoid" and n == 1:  # the one-element call
        return Target("<=1.2x scipy", 1.2, False, against="scipy"), None
    if 10**3 <= n <= 10**5:
        return Target(">=2x", 2.0, True), None
    return (Target(">=1.25x", 1.25, True) if n >= 10**7 else None), None


def _judge(target, value):
    """JSON of a target and the value held against it."""
    if target is None:
        return None
    return {"target": target.text, "value": value,
            "met": None if value is None else target.met(value)}


def _mark(judged):
    if judged is None:
        return "-"
    if judged["met"] is None:
        return f"{judged['target']}: n/a"
    value = f" ({judged['value']:.2f}x)" if " " in judged["target"] else ""
    return f"{judged['target']}{value}: {'ok' if judged['met'] else 'MISS'}"


def _finite(x):
    return x if x is None or np.isfinite(x) else None


def _raiser(exc):
    def run():
        raise exc
    return run


def _time_task(task, dtype, inputs, peers, broken, rounds, min_round):
    """One comparison: cactivations, its out= call, the peers and the floor."""
    impls = dict(_peers.task_calls(task, *inputs))
    for peer in peers:
        if not _peers.offers(peer, task.function):
            continue
        if peer not in broken:
            try:
                _peers.module(peer)
            except Exception as exc:  # reported as the peer's error, once per run
                broken[peer] = exc
        try:
            fn = (_raiser(broken[peer]) if peer in broken else
                  _peers.build(peer, task.function, *inputs, activation=task.activation))
        except Exception as exc:
            fn = _raiser(exc)
        if fn is not None:
            impls[peer] = fn
    reference = _peers.task_reference(task, *inputs)
    return _bench.compare(f"{task.name} {dtype}", impls, reference, inputs[0].size,
                          floor=list(inputs), rounds=rounds, min_round_seconds=min_round)


def _record(task, dtype, shape, c):
    """The JSON record of one comparison, with its ratios and targets."""
    entries = c.entries
    floor = next(name for name, e in entries.items() if e.status == "floor")
    timed = [p for p in _peers.PEERS if p in entries and entries[p].seconds is not None]
    fastest = min(timed, key=lambda p: entries[p].seconds, default=None)
    peer_ratio = None if fastest is None else c.ratio(fastest)
    out_s, floor_s = entries["cactivations out="].seconds, entries[floor].seconds
    out_ratio = out_s / floor_s if out_s and floor_s else None
    peer_target, out_target = targets(task, dtype, c.n_elements)
    peer_value = peer_ratio
    if peer_target is not None and peer_target.against:
        r = c.ratio(peer_target.against) if peer_target.against in entries else None
        peer_value = 1.0 / r if r else None
    roles = {"cactivations": "cactivations", "cactivations out=": "cactivations", floor: "floor"}
    return {
        "task": task.name, "function": task.function, "kind": task.kind,
        "row": task.row, "activation": task.activation,
        "dtype": dtype, "n": c.n_elements, "shape": list(shape),
        "implementations": {
            name: {"role": roles.get(name, "peer"), "seconds": e.seconds,
                   "ns_per_element": c.ns_per_element(name), "status": e.status,
                   "max_error": _finite(e.error), "loops": e.loops,
                   "samples": list(e.samples)}
            for name, e in entries.items()},
        "fastest_peer": fastest,
        "peer_over_cactivations": peer_ratio,
        "peer_target": _judge(peer_target, peer_value),
        "out_over_floor": out_ratio,
        "out_target": _judge(out_target, out_ratio),
    }


def _cell(impl):
    if impl is None:
        return "-"
    if impl["seconds"] is not None:
        return _bench.format_ns(impl["ns_per_element"])
    return "wrong" if impl["status"].startswith("wrong") else "err"


def _task_table(task, records, skipped):
    """The table of one task: ns/element per implementation, the two ratios
    and their marks; notes on failed answers below it."""
    what = {"forward": "forward", "backward": "backward from the saved output",
            "loss": f"loss, delta and output with {task.activation}"}[task.kind]
    where = "1-d" if task.row is None else f"rows of {task.row}"
    floor = "np.copyto(dst, x)" if task.kind == "forward" else "np.add(a, b, out=dst)"
    lines = [f"== {task.name}: {task.function} {what}, {where}; ns/element; "
             f"floor = {floor}",
             f"   targets: {TARGET_TEXT[_category(task)]}"
             + ("; n=1: cactivations <= 1.2x scipy.special.expit"
                if task.function == "sigmoid" else "")]
    peers = [p for p in _peers.PEERS if any(p in r["implementations"] for r in records)]
    rows, notes = [], []
    for r in records:
        impls = r["implementations"]
        floor_name = next(k for k, v in impls.items() if v["role"] == "floor")
        names = ["cactivations", "cactivations out=", *peers, floor_name]
        rows.append(
            [r["dtype"], _bench.format_size(r["n"])] + [_cell(impls.get(k)) for k in names]
            + [r["fastest_peer"] or "-",
               "-" if r["peer_over_cactivations"] is None else f"{r['peer_over_cactivations']:.2f}",
               _mark(r["peer_target"]),
               "-" if r["out_over_floor"] is None else f"{r['out_over_floor']:.2f}",
               _mark(r["out_target"])])
        for name, v in impls.items():
            if v["status"] not in ("ok", "floor"):
                status = v["status"].splitlines()[0] if v["status"] else ""
                notes.append(f"   {r['dtype']} n={_bench.format_size(r['n'])}: {name}: "
                             f"{status[:160]}")
    headers = (["dtype", "n", "cactivations", "ca out=", *peers, "floor", "fastest peer",
                "peer/ca", "target", "out/floor", "target"])
    lines.append(_bench.text_table(headers, rows, right=tuple(range(1, len(peers) + 5))
                                   + (len(peers) + 6, len(peers) + 8)))
    if skipped:
        lines.append(f"   skipped (less than one row of {task.row}): n = "
                     + ", ".join(_bench.format_size(n) for n in skipped))
    return "\n".join(lines + notes) + "\n"


def bench(args):
    """``python -m cactivations bench``: see ``_bench_parser``."""
    _peers.one_thread_environment()  # before any peer is imported
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    rounds, min_round = ((_bench.QUICK_ROUNDS, _bench.QUICK_MIN_ROUND_SECONDS) if args.quick
                         else (_bench.ROUNDS, _bench.MIN_ROUND_SECONDS))
    peers = _peers.installed()
    missing = [p for p in _peers.PEERS if p not in peers]
    plan = [(task, dtype, n) for task in args.tasks for dtype in dtypes for n in args.sizes
            if task.row is None or n >= task.row]
    set_threads = getattr(ca, "set_num_threads", None)
    get_threads = getattr(ca, "get_num_threads", None)
    threads = 1 if args.threads is None else args.threads
    if set_threads:
        threads_text = f"cactivations {threads} (set_num_threads); peers 1"
    else:
        threads_text = ("not available in this build (no cactivations.set_num_threads)"
                        + (f": --threads {args.threads} ignored" if args.threads is not None
                           else "") + "; peers 1")

    print(f"cactivations {getattr(ca, '__version__', '')} bench: {len(args.tasks)} task(s) x "
          f"{', '.join(dtypes)} x n = {', '.join(map(_bench.format_size, args.sizes))} "
          f"({len(plan)} comparisons)")
    print("  peers: " + ", ".join(f"{p} {_peers.version(p) or '?'}" for p in peers)
          + (f"; not installed: {', '.join(missing)}" if missing else ""))
    print(f"  threads: {threads_text}")
    print(f"  method: the same inputs (3 N(0, 1), seed {_peers.SEED}) for all; answers checked "
          f"against float64 NumPy; {rounds} rounds of >= {min_round * 1e3:g} ms, "
          "implementations interleaved; median ns/element")
    print("  peer/ca = time of the fastest peer / time of cactivations, both allocating "
          "(> 1: cactivations is faster); out/floor = time of cactivations with out= / "
          "time of the floor\n", flush=True)

    records, failed = [], []
    broken = {}
    start = time.perf_counter()
    threads_before = get_threads() if set_threads and get_threads else None
    try:
        if set_threads:
            set_threads(threads)
        step = 0
        for task in args.tasks:
            task_records = []
            for dtype in dtypes:
                for n in args.sizes:
                    inputs = _peers.task_inputs(task, dtype, n)
                    if inputs is None:
                        continue
                    step += 1
                    print(f"bench [{step}/{len(plan)}] {task.name} {dtype} "
                          f"n={_bench.format_size(n)}  ({time.perf_counter() - start:.0f} s)",
                          file=sys.stderr, flush=True)
                    c = _time_task(task, dtype, inputs, peers, broken, rounds, min_round)
                    task_records.append(_record(task, dtype, inputs[0].shape, c))
                    for name in ("cactivations", "cactivations out="):
                        if c.entries[name].seconds is None:
                            failed.append(f"{task.name} {dtype} n={n}: {name} "
                                          f"{c.entries[name].status}")
            skipped = [n for n in args.sizes if task.row is not None and n < task.row]
            print(_task_table(task, task_records, skipped), flush=True)
            records += task_records
    finally:
        if threads_before is not None:
            set_threads(threads_before)
    elapsed = time.perf_counter() - start
    print(f"bench: done in {elapsed:.0f} s", file=sys.stderr, flush=True)

    def met(task, key):
        judged = [r[key]["met"] for r in records if r["task"] == task.name and r[key]]
        if not judged:
            return "-"
        text = f"{sum(m is True for m in judged)} of {len(judged)}"
        return text + (f" ({sum(m is None for m in judged)} n/a)" if None in judged else "")

    judged = [r[key]["met"] for r in records for key in ("peer_target", "out_target") if r[key]]
    print(_bench.text_table(
        ["targets met", "peer/ca", "out/floor"],
        [[task.name, met(task, "peer_target"), met(task, "out_target")] for task in args.tasks],
        right=(1, 2)))
    print(f"all: {judged.count(True)} met, {judged.count(False)} missed"
          + (f", {judged.count(None)} n/a" if None in judged else "")
          + f", of {len(judged)} targets in {len(records)} rows; {elapsed:.0f} s")

    if args.out:
        meta = {
            "command": "python -m cactivations bench",
            "cactivations": getattr(ca, "__version__", None),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "peers": {p: _peers.version(p) for p in peers},
            "peers_not_installed": missing,
            "threads": threads if set_threads else None,
            "environment": {k: os.environ.get(k) for k in (
                "OMP_NUM_THREADS", "XLA_FLAGS", "JAX_PLATFORMS", "CACTIVATIONS_NUM_THREADS")},
            "rounds": rounds, "min_round_seconds": min_round, "seed": _peers.SEED,
            "sizes": args.sizes, "dtypes": dtypes, "tasks": [t.name for t in args.tasks],
            "seconds_total": elapsed,
        }
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({"meta": meta, "results": records}, f, indent=1)
            f.write("\n")
        print(f"measurements written to {args.out}")

    if failed:
        print("FAILED:\n  " + "\n  ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
