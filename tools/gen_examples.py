"""Write cactivations/_examples.py: the doctest examples of the elementwise functions.

The expected values come from the plain NumPy references (cactivations._reference),
so the doctests check the compiled kernels against an independent implementation.
Usage: python tools/gen_examples.py
"""

from pathlib import Path

import numpy as np

from cactivations import _reference as ref
from cactivations._registry import ACTIVATIONS

HERE = Path(__file__).resolve().parent.parent
HAND_WRITTEN = {"sigmoid", "tanh"}  # their examples are in _api.py
Z = [-2.0, 0.0, 1.5]


def block(lines):
    return "\nExamples\n--------\n>>> import cactivations as ca\n" + "".join(
        f"{line}\n" for line in lines)


def main():
    out = {}
    for a in ACTIVATIONS.values():
        if a.kind != "elementwise" or not a.public or a.name in HAND_WRITTEN:
            continue
        n = a.name
        f, d = ref.ACTIVATIONS[n]
        z = np.array(Z)
        out[n] = block([f">>> ca.{n}({Z})", repr(f(z))])
        out[n + "_derivative"] = block([f">>> ca.{n}_derivative({Z})", repr(d(z))])
        g = [1.0, 2.0, -1.0]
        if a.backward_from == "output":
            lines = [f">>> y = ca.{n}({Z})", f">>> ca.{n}_backward({g}, y)"]
        else:
            lines = [f">>> ca.{n}_backward({g}, {Z})"]
        out[n + "_backward"] = block(lines + [repr(ref.BACKWARD[n](np.array(g), z if a.backward_from == "input" else f(z)))])
        for p in a.params:
            if p.name == "threshold":  # accepted for compatibility; changes no result
                continue
            if p.check == "choice":
                other = [v for v in p.choices if v != p.default][0]
                out[n] += f">>> ca.{n}({Z}, {p.name}={other!r})\n{f(z, **{p.name: other})!r}\n"
            else:
                v = {"negative_slope": 0.2, "alpha": 2.0, "beta": 2.0, "threshold": 1.0,
                     "min_val": -0.5, "max_val": 0.5}[p.name]
                out[n] += f">>> ca.{n}({Z}, {p.name}={v!r})\n{f(z, **{p.name: v})!r}\n"
    text = ['"""Doctest examples of the elementwise functions (written by tools/gen_examples.py)."""',
            "", "EXAMPLES = {"]
    for k, v in out.items():
        text.append(f"    {k!r}: {v!r},")
    text.append("}")
    (HERE / "cactivations" / "_examples.py").write_text("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
