"""Side-by-side timing of implementations of one task.

This is the method of the project's benchmarks, as a module:

* every implementation is a callable taking no arguments, closed over the same
  inputs; its answer is checked against a float64 reference before anything is
  timed, and an implementation that raises or answers wrongly is reported as
  such and not timed;
* per implementation a loop count is chosen so that one round takes at least
  ``min_round_seconds`` (5 ms);
* ``rounds`` (7) rounds are run, the implementations interleaved inside each
  round (A B C ... A B C ...), so that a drifting machine hurts all alike;
* the result is the median seconds per call, reported as ns per element;
* optionally a floor is timed in the same rounds: ``np.copyto(dst, x)`` for one
  input and one output, ``np.add(a, b, out=dst)`` for two inputs.

Ratios are ``other / baseline`` seconds (the baseline is the entry named
``"cactivations"``, else the first), so a ratio above 1 means the baseline is
faster.  Only the standard library and NumPy are used.
"""

import gc
import itertools
import math
import statistics
import time
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "ROUNDS", "MIN_ROUND_SECONDS", "QUICK_ROUNDS", "QUICK_MIN_ROUND_SECONDS",
    "Entry", "Comparison", "compare", "check", "max_error", "floor_call",
    "format_table", "text_table",
    "parse_sizes", "format_size", "format_ns",
]

ROUNDS = 7
MIN_ROUND_SECONDS = 5e-3
#: a quick mode: fewer, shorter rounds (noisier numbers)
QUICK_ROUNDS = 3
QUICK_MIN_ROUND_SECONDS = 1e-3

BASELINE = "cactivations"

#: default tolerance of the answer check: the largest error allowed, relative
#: to the largest magnitude in the reference, per dtype of the answer
_RTOL = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-4}
_RTOL_DEFAULT = 1e-9


class Entry(NamedTuple):
    """One implementation's outcome."""

    name: str
    #: median seconds per call, or None if it was not timed
    seconds: Optional[float]
    #: "ok", "floor", "wrong (...)" or "error (...)"
    status: str
    #: max |answer - reference| / max |reference| (None for floors and errors)
    error: Optional[float] = None
    loops: int = 0
    #: seconds per call of each round, in the order run
    samples: Tuple[float, ...] = ()


class Comparison(NamedTuple):
    """All implementations of one task, timed side by side."""

    task: str
    n_elements: int
    #: name -> Entry, in the order given (floor last)
    entries: Dict[str, Entry]
    baseline: str

    def ns_per_element(self, name: str) -> Optional[float]:
        s = self.entries[name].seconds
        return None if s is None else s * 1e9 / max(self.n_elements, 1)

    def ratio(self, name: str) -> Optional[float]:
        """Seconds of ``name`` / seconds of the baseline (> 1: baseline faster)."""
        s, b = self.entries[name].seconds, self.entries[self.baseline].seconds
        return None if s is None or not b else s / b


def _parts(x):
    """The arrays of an answer (a tuple/NamedTuple of arrays, or one array)."""
    if isinstance(x, (tuple, list)):
        return [p for item in x for p in _parts(item)]
    return [x]


def max_error(answer, reference) -> float:
    """Max |answer - reference| / max |reference| over all parts of an answer.

    Infinite if the shapes differ or NaN/inf do not match.  ``answer`` may hold
    objects with ``__array__`` (or ``.numpy()``, as torch tensors have).
    """
    a_parts, r_parts = _parts(answer), _parts(reference)
    if len(a_parts) != len(r_parts):
        return math.inf
    worst = 0.0
    for a, r in zip(a_parts, r_parts):
        if hasattr(a, "detach"):  # a torch tensor that requires grad
            a = a.detach()
        a = np.asarray(a, dtype=np.float64)
        r = np.asarray(r, dtype=np.float64)
        if a.shape != r.shape:
            return math.inf
        finite = np.isfinite(r)
        if not np.array_equal(np.isfinite(a), finite) or not np.array_equal(
                a[~finite], r[~finite], equal_nan=True):
            return math.inf
        if not finite.any():
            continue
        scale = float(np.max(np.abs(r[finite]))) or 1.0
        worst = max(worst, float(np.max(np.abs(a[finite] - r[finite]))) / scale)
    return worst


def check(answer, reference, rtol: Optional[float] = None):
    """(max_error, problem): problem is None if ``answer`` matches the float64
    ``reference``, else says what is wrong.

    The error allowed, relative to max |reference|, is ``rtol``; by default
    1e-4 for a float32 answer, 1e-2 for float16 and 1e-9 otherwise.
    """
    err = max_error(answer, reference)
    tol = rtol if rtol is not None else _RTOL.get(_dtype_of(answer), _RTOL_DEFAULT)
    return err, (None if err <= tol else f"wrong (max error {err:.2g} > {tol:.0e})")


def _dtype_of(answer):
    for p in _parts(answer):
        dt = getattr(p, "dtype", None)
        if dt is not None:
            try:
                return np.dtype(dt)
            except TypeError:  # e.g. a torch dtype
                return np.dtype(str(dt).rsplit(".", 1)[-1])
    return np.dtype(np.float64)


def floor_call(inputs):
    """(name, callable) of the floor for one or two inputs: ``np.copyto`` into,
    or ``np.add`` with ``out=``, a preallocated array."""
    inputs = [np.asarray(x) for x in inputs]
    dst = np.empty(np.broadcast_shapes(*(x.shape for x in inputs)),
                   dtype=np.result_type(*inputs))
    if len(inputs) == 1:
        x, = inputs
        return "floor (copy)", lambda: np.copyto(dst, x)
    if len(inputs) == 2:
        a, b = inputs
        return "floor (add)", lambda: np.add(a, b, out=dst)
    raise ValueError(f"a floor takes one or two inputs, not {len(inputs)}")


def _time(fn, loops):
    it = itertools.repeat(None, loops)
    t0 = time.perf_counter()
    for _ in it:
        fn()
    return time.perf_counter() - t0


def _calibrate(fn, min_round_seconds):
    """The smallest loop count (roughly) whose round takes >= min_round_seconds."""
    loops = 1
    while True:
        t = _time(fn, loops)
        if t >= min_round_seconds or loops >= 10**9:
            return loops
        if t <= 0.0:
            loops *= 10
        else:  # aim 20 % above, and at least double
            loops = max(2 * loops, math.ceil(loops * 1.2 * min_round_seconds / t))


def compare(task_name: str, impls: Dict[str, Callable[[], object]], reference,
            n_elements: int, floor: Optional[Sequence[np.ndarray]] = None, *,
            baseline: Optional[str] = None, rounds: int = ROUNDS,
            min_round_seconds: float = MIN_ROUND_SECONDS,
            rtol: Optional[float] = None) -> Comparison:
    """Check, then time side by side, implementations of one task.

    ``impls``: name -> callable with no arguments returning the answer (an array
    or a tuple of arrays), all on the same inputs.  ``reference``: the float64
    answer (same structure).  ``n_elements``: the size used for ns/element.
    ``floor``: one or two input arrays; adds a copy or add floor to the rounds.
    ``rtol``: the largest error allowed relative to max |reference| (by default
    1e-4 for float32 answers, 1e-2 for float16, 1e-9 otherwise).
    """
    if baseline is None:
        baseline = BASELINE if BASELINE in impls else next(iter(impls))
    entries, timed = {}, {}
    for name, fn in impls.items():
        try:
            answer = fn()
        except Exception as exc:  # reported, not raised: the others still run
            entries[name] = Entry(name, None, f"error ({type(exc).__name__}: {exc})")
            continue
        err, problem = check(answer, reference, rtol)
        entries[name] = Entry(name, None, problem or "ok", err)
        if problem is None:
            timed[name] = fn
    if floor is not None:
        name, timed[name] = floor_call([floor] if isinstance(floor, np.ndarray) else floor)
        entries[name] = Entry(name, None, "floor")

    loops = {name: _calibrate(fn, min_round_seconds) for name, fn in timed.items()}
    samples = {name: [] for name in timed}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in timed.items():
                samples[name].append(_time(fn, loops[name]) / loops[name])
    finally:
        if gc_was_enabled:
            gc.enable()
    for name in timed:
        entries[name] = entries[name]._replace(
            seconds=statistics.median(samples[name]), loops=loops[name],
            samples=tuple(samples[name]))
    return Comparison(task_name, int(n_elements), entries, baseline)


# ---------------------------------------------------------------- formatting

def format_size(n: int) -> str:
    """1000 -> '1e3', 2560 -> '2560'."""
    n = int(n)
    if n >= 1000:
        e = int(round(math.log10(n)))
        if 10**e == n:
            return f"1e{e}"
    return str(n)


def parse_sizes(text: str) -> List[int]:
    """'1e3,1e5,1e7' -> [1000, 100000, 10000000]."""
    sizes = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        value = float(item)
        if not (value >= 1 and value == int(value)):
            raise ValueError(f"not a positive whole number of elements: {item!r}")
        sizes.append(int(value))
    if not sizes:
        raise ValueError("no sizes given")
    return sizes


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]],
               right: Sequence[int] = ()) -> str:
    """A plain-text table; columns whose index is in ``right`` are right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    out = [line(cells[0]), line(["-" * w for w in widths])]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def format_ns(x: Optional[float]) -> str:
    """ns/element for a table: 3 significant digits, whole numbers from 1000."""
    if x is None:
        return "-"
    return f"{x:.0f}" if x >= 1000 else f"{x:.3g}"


def format_table(comparisons: Sequence[Comparison]) -> str:
    """One row per implementation: task, n, ns/element, ratio to the baseline."""
    rows = []
    for c in comparisons:
        for i, e in enumerate(c.entries.values()):
            rows.append([
                c.task if i == 0 else "",
                format_size(c.n_elements) if i == 0 else "",
                e.name,
                format_ns(c.ns_per_element(e.name)),
                "-" if c.ratio(e.name) is None else f"{c.ratio(e.name):.2f}",
                "" if e.status in ("ok", "floor") else e.status,
            ])
    baselines = sorted({c.baseline for c in comparisons})
    return "\n".join([
        text_table(["task", "n", "implementation", "ns/element", "ratio", "note"],
                   rows, right=(1, 3, 4)),
        f"ratio = time / time of {' or '.join(baselines)} (> 1: it is faster)",
    ])
