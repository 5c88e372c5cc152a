"""The command line: ``python -m cactivations`` or ``cactivations``.

Subcommands (``--help`` on each):

``demo`` (the default: the bare command runs it)
    a small network learns the handwritten digits shipped with the package,
    squared-error backpropagation through the fused kernels, loss and accuracy
    per epoch, timed against the same network in plain NumPy;
``plot -o figure1.png``
    Figure 1: every activation and its derivative, one panel each (matplotlib);
``bench``
    every task of the speed targets against the installed peers;
``check``
    finite-difference checks of every derivative, backward and fused
    gradient, and accuracy identities; exit status 1 on a failure;
``info``
    version, CPU variant, threads and build flags.

Bad arguments give a one-line error and exit status 2.
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
from cactivations import _bench, _peers
from cactivations._registry import ACTIVATIONS

PROG = "cactivations"
COMMANDS = ("demo", "plot", "bench", "check", "info")


class _Parser(argparse.ArgumentParser):
    """argparse, with a one-line error (and exit status 2) on bad arguments."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _demo_parser(commands):
    from cactivations import _demo

    p = commands.add_parser(
        "demo", prog=f"{PROG} demo", help="train a small network on handwritten digits (default)",
        description=(
            "Train a network 64 -> hidden -> 10 on the 1797 handwritten digits (UCI optdigits) "
            "shipped with the package, by squared-error backpropagation through the fused "
            "kernels (output_layer_grad and the hidden activation's backward), printing loss "
            "and accuracy per epoch and the training time against the same network in plain "
            "NumPy (same weights, same batches)."),
        epilog=(f"Exit status 1 if the held-out accuracy ends below --target "
                f"(default {_demo.TARGET_ACCURACY:.0%})."))
    p.add_argument("--epochs", type=_positive_int, default=30, metavar="N",
                   help="passes over the training digits (default: %(default)s)")
    p.add_argument("--hidden", type=_positive_int, default=32, metavar="N",
                   help="neurons of the hidden layer (default: %(default)s)")
    p.add_argument("--hidden-activation", choices=_demo.hidden_activations(), default="tanh",
                   help="(default: %(default)s)")
    p.add_argument("--output-activation", choices=_demo.output_activations(),
                   default="sigmoid", help="(default: %(default)s)")
    p.add_argument("--batch-size", type=_positive_int, default=32, metavar="N",
                   help="(default: %(default)s)")
    p.add_argument("--learning-rate", type=_positive_float, default=2.0, metavar="RATE",
                   help="step per batch, on the batch's mean gradient (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="(default: %(default)s)")
    p.add_argument("--target", type=float, default=_demo.TARGET_ACCURACY, metavar="ACCURACY",
                   help="held-out accuracy to reach, e.g. 0.95 (default: %(default)s)")
    return p


def _plot_parser(commands):
    p = commands.add_parser(
        "plot", prog=f"{PROG} plot", help="Figure 1: every activation and its derivative (PNG)",
        description=(
            "Draw every public activation g of the registry and its derivative g' computed by "
            "cactivations, one labelled panel each (softmax as softmax([0, z])_1), and write "
            "the figure to a PNG. Needs matplotlib: pip install \"cactivations[plot]\"."))
    p.add_argument("-o", "--output", default="figure1.png", metavar="FILE.png",
                   help="where to write the figure (default: %(default)s)")
    p.add_argument("--range", dest="z_range", default="-6,6", metavar="LO,HI",
                   help="the z axis (default: %(default)s)")
    p.add_argument("--dpi", type=_positive_int, default=120, help="(default: %(default)s)")
    return p


def _check_parser(commands):
    p = commands.add_parser(
        "check", prog=f"{PROG} check", help="gradient and accuracy self-check",
        description=(
            "Check every derivative, backward, Jacobian and fused gradient of the public API "
            "against float64 finite differences, and the accuracy identities (sigmoid(-z) = "
            "1 - sigmoid(z), softmax([0, z])_1 = sigmoid(z), sigmoid(logit(p)) = p, tails "
            "against math.exp, ...) in float32 and float64."),
        epilog="Exit status 1 if a check fails.")
    p.add_argument("--only", nargs="+", metavar="TEXT",
                   help="run only the checks whose name contains one of these")
    return p


def _info_parser(commands):
    p = commands.add_parser(
        "info", prog=f"{PROG} info", help="version, CPU variant, threads and build flags",
        description=("Print the versions, the instruction-set variant of the kernels in use "
                     "and those built, the thread count, and the compiler flags of this build."))
    p.add_argument("--json", action="store_true", help="print it as JSON")
    return p


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _parser():
    parser = _Parser(
        prog=PROG,
        description=(
            "Neural-network activations, their derivatives and the squared-error output-layer "
            "gradient, compiled, on NumPy arrays. Without a subcommand, runs demo."),
        epilog=f"'{PROG} COMMAND --help' describes each; '{PROG}' is 'python -m cactivations'.")
    parser.add_argument("--version", action="version", version=f"cactivations {ca.__version__}")
    commands = parser.add_subparsers(title="subcommands", dest="command",
                                     metavar="{" + ",".join(COMMANDS) + "}",
                                     parser_class=_Parser)
    parsers = {"demo": _demo_parser(commands), "plot": _plot_parser(commands),
               "bench": _bench_parser(commands), "check": _check_parser(commands),
               "info": _info_parser(commands)}
    return parser, parsers


def _parse_args(argv):
    parser, parsers = _parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv or ["demo"])
    sub = parsers[args.command]
    if args.command == "bench":
        try:
            args.sizes = _bench.parse_sizes(args.sizes)
        except ValueError as exc:
            sub.error(f"--sizes: {exc}")
        if args.threads is not None and args.threads < 1:
            sub.error("--threads must be at least 1")
        try:
            args.tasks = _select_tasks(args.tasks)
        except ValueError as exc:
            sub.error(f"--tasks: {exc}")
    if args.command == "plot":
        try:
            lo, hi = (float(v) for v in args.z_range.split(","))
        except ValueError:
            sub.error(f"--range: expected LO,HI, got {args.z_range!r}")
        if not lo < hi:
            sub.error(f"--range: LO must be below HI, got {args.z_range!r}")
        args.z_range = (lo, hi)
    if args.command == "demo" and not 0.0 <= args.target <= 1.0:
        sub.error(f"--target: an accuracy in [0, 1], got {args.target}")
    return args, sub


def main(argv=None):
    args, sub = _parse_args(argv)
    if args.command == "bench":
        return bench(args)
    if args.command == "demo":
        from cactivations import _demo

        return _demo.run(args, sys.stdout)
    if args.command == "check":
        from cactivations import _check

        try:
            return _check.run(args, sys.stdout)
        except ValueError as exc:
            sub.error(str(exc))
    if args.command == "plot":
        from cactivations import _plot

        try:
            titles = _plot.figure(args.output, args.z_range, args.dpi)
        except (ImportError, OSError) as exc:
            print(f"{PROG} plot: error: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {args.output}: {len(titles)} panels ({', '.join(titles)}), "
              "each g(z) and g'(z)")
        return 0
    if args.command == "info":
        return info(args)
    raise AssertionError(args.command)  # pragma: no cover


def build_config():
    """How this installation's kernels were compiled (written by setup.py), or None."""
    import importlib.resources

    try:
        text = importlib.resources.files("cactivations").joinpath(
            "_build_config.json").read_text()
    except (FileNotFoundError, OSError):
        return None
    return json.loads(text)


def info(args):
    import io

    config = ca.show_config(file=io.StringIO() if args.json else sys.stdout)
    build = build_config()
    extra = {"python": platform.python_version(), "platform": platform.platform(),
             "location": os.path.dirname(ca.__file__), "build": build}
    if args.json:
        print(json.dumps({**config, **extra}, indent=1))
        return 0
    print(f"{'python':24s} {extra['python']}")
    print(f"{'platform':24s} {extra['platform']}")
    print(f"{'location':24s} {extra['location']}")
    if build is None:
        print(f"{'build flags':24s} not recorded in this installation")
        return 0
    print(f"{'compiler':24s} {build.get('compiler')}")
    print(f"{'cflags':24s} {' '.join(build.get('cflags', []))}")
    print(f"{'openmp flags':24s} {' '.join(build.get('openmp_flags', [])) or '(none)'}")
    for name, flags in build.get("variants", {}).items():
        print(f"{'variant ' + name:24s} {' '.join(flags) or '(the compiler default target)'}")
    print(f"{'built with':24s} Cython {build.get('cython')}, NumPy {build.get('numpy_build')}, "
          f"{build.get('platform')}")
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
        "bench", prog=f"{PROG} bench",
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
        help=("tasks by name or family (softmax = softmax/10, softmax/64 and softmax/1000), "
              f"space- or comma-separated, of: {', '.join(_peers.TASKS)} (default: all); "
              "a row task on rows of any length K as NAME/K, e.g. softmax_backward/200"))
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


def _row_task(item):
    """The task ``NAME/K`` for a row task NAME (softmax, softmax_backward,
    log_softmax, softmax_cross_entropy_delta) on rows of any length K >= 1 not
    in the table, e.g. softmax_backward/200; None if ``item`` is not of that form."""
    name, sep, k = item.partition("/")
    family = [t for t in _peers.TASKS.values()
              if t.row is not None and t.activation is None and t.name.split("/")[0] == name]
    if not (sep and family and k.isdigit() and k.isascii()):
        return None
    if int(k) < 1:
        raise ValueError(f"rows of {k} in {item!r}: a row holds at least 1 element")
    return family[0]._replace(name=f"{name}/{int(k)}", row=int(k))


def _select_tasks(items):
    """The tasks named (or all, for None), in table order; then those on rows
    of other lengths (``_row_task``), in the order given."""
    if not items:
        return list(_peers.TASKS.values())
    wanted, extra = set(), {}
    for item in (i.strip() for text in items for i in text.split(",")):
        if not item:
            continue
        matches = [t for t in _peers.TASKS if item in ("all", t, t.split("/")[0])]
        if matches:
            wanted.update(matches)
            continue
        task = _row_task(item)
        if task is None:
            raise ValueError(f"unknown task {item!r}; the tasks are {', '.join(_peers.TASKS)}, "
                             "and NAME/K for a row task NAME on rows of K")
        if task.name not in _peers.TASKS:
            extra.setdefault(task.name, task)
        else:
            wanted.add(task.name)
    if not wanted and not extra:
        raise ValueError("no task given")
    return [t for name, t in _peers.TASKS.items() if name in wanted] + list(extra.values())


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
    name = task.function.removesuffix("_backward")
    if name in _peers.FAMILY:
        return "piecewise" if ACTIVATIONS[name].piecewise else "family"
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


def _record(task, dtype, size, shape, c):
    """The JSON record of one comparison, with its ratios and the targets of
    the size asked for (rows of K hold a multiple of K elements: 999 of 10^3
    for rows of 3)."""
    entries = c.entries
    floor = next(name for name, e in entries.items() if e.status == "floor")
    timed = [p for p in _peers.PEERS if p in entries and entries[p].seconds is not None]
    fastest = min(timed, key=lambda p: entries[p].seconds, default=None)
    peer_ratio = None if fastest is None else c.ratio(fastest)
    out_s, floor_s = entries["cactivations out="].seconds, entries[floor].seconds
    out_ratio = out_s / floor_s if out_s and floor_s else None
    peer_target, out_target = targets(task, dtype, size)
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
    act = ACTIVATIONS.get(task.function.removesuffix("_backward"))
    saved = "input" if act is not None and act.backward_from == "input" else "output"
    what = {"forward": "forward", "backward": f"backward from the saved {saved}",
            "loss": "loss, delta and output"
                    + (f" with {task.activation}" if task.activation else "")}[task.kind]
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
                    task_records.append(_record(task, dtype, n, inputs[0].shape, c))
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
                "OMP_NUM_THREADS", "XLA_FLAGS", "JAX_PLATFORMS", "CACTIVATIONS_NUM_THREADS",
                "CACTIVATIONS_CACHE_BYTES")},
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
