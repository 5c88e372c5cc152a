"""Worst error in ULPs of cactivations and of each installed peer, float32.

Usage: python tools/peer_accuracy.py [TASK ...]   (default: every elementwise
task of the bench; CACTIVATIONS_CPU picks the variant)

The bench times the peers on 3 x standard normal inputs, where they agree with
the float64 reference to its tolerance; this script looks at the whole range.
For each elementwise task of ``python -m cactivations bench`` (forward, and
backward with grad_output 1, so the derivative) it evaluates cactivations and
every peer that offers the task (the calls the bench times, from
cactivations._peers) on float32 inputs spread log-uniformly over [1e-30, 100]
in magnitude, both signs (not 0, and random inputs do not fall on the kinks,
where the peers' conventions differ), and prints the worst error in ULPs of
float32 and the input where it occurs.  The reference is cactivations' float64
function on the same inputs (within 4 ULP of double against mpmath, checked by
the tests: exact to about 2^-50 at float32's scale).  A backward task from the
saved output takes cactivations' float32 output as that input, for every peer
alike.
"""

import sys
import warnings

import numpy as np

import cactivations as ca
from cactivations import _peers


def inputs(n=200_000, seed=0):
    rng = np.random.default_rng(seed)
    mag = np.exp(rng.uniform(np.log(1e-30), np.log(100.0), n))
    return (mag * rng.choice([-1.0, 1.0], n)).astype(np.float32)


def ulps(got, ref):
    """|got - ref| in units of the float32 spacing at ref (inf where got is NaN
    and ref is not)."""
    got = np.asarray(got, np.float64)
    spacing = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    spacing = np.maximum(spacing, float(np.finfo(np.float32).smallest_subnormal))
    err = np.abs(got - ref) / spacing
    err[np.isnan(got) & ~np.isnan(ref)] = np.inf
    err[np.isnan(ref) & np.isnan(got)] = 0.0
    return err


def task_inputs(task, z):
    """(inputs of the task in float32, the same in float64)."""
    if task.kind == "forward":
        return (z,), (z.astype(np.float64),)
    act = task.function[:-len("_backward")]
    g = np.ones_like(z)
    saved = z if _peers.backward_saves_input(act) else getattr(ca, act)(z)
    return (g, saved), (g.astype(np.float64), saved.astype(np.float64))


def main(names):
    z = inputs()
    tasks = [_peers.TASKS[n] for n in names] if names else [
        t for t in _peers.TASKS.values() if t.row is None and t.kind != "loss"]
    peers = _peers.installed()
    print(f"variant {ca._cpu.variant}; float32, {z.size} inputs, |z| in [1e-30, 100]")
    print(f"{'task':24s} {'library':14s} {'worst ULP':>12s}  at z")
    for task in tasks:
        args32, args64 = task_inputs(task, z)
        f = getattr(ca, task.function)
        ref = np.asarray(f(*args64), np.float64)
        results = {"cactivations": f(*args32)}
        for peer in peers:
            if not _peers.offers(peer, task.function):
                continue
            try:
                call = _peers.build(peer, task.function, *args32)
                results[peer] = np.asarray(call(), np.float64) if call else None
            except Exception as exc:  # a peer that cannot run this task here
                print(f"{task.name:24s} {peer:14s} {'-':>12s}  ({type(exc).__name__})")
                continue
        for name, got in results.items():
            if got is None:
                continue
            err = ulps(got, ref)
            i = int(np.argmax(err))
            print(f"{task.name:24s} {name:14s} {err[i]:12.3g}  {float(z[i])!r}")


if __name__ == "__main__":
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")   # the peers' overflow warnings in the tails
        main(sys.argv[1:])
