"""``python -m cactivations plot``: Figure 1, every activation and its derivative.

One labelled panel per public activation of the registry (so a new one gets
its panel without an edit here): the activation g(z) and its derivative g'(z),
both computed by cactivations.  An elementwise activation ``f`` is drawn with
``ca.f`` and ``ca.f_derivative``; a rowwise one (softmax) as the function of
one logit ``z`` that it is on the pair ``[0, z]``: ``softmax([0, z])_1`` (the
sigmoid) and its derivative, the Jacobian's diagonal entry ``J_11``.
Needs matplotlib (``pip install "cactivations[plot]"``).
"""

import math

import numpy as np

import cactivations as ca
from cactivations._registry import ACTIVATIONS


class Panel:
    def __init__(self, title, forward, derivative, formula):
        self.title, self.forward, self.derivative, self.formula = (
            title, forward, derivative, formula)


def panels():
    """The panels of Figure 1, in registry order."""
    out = []
    for a in ACTIVATIONS.values():
        if not a.public:
            continue
        if a.kind == "elementwise":
            out.append(Panel(a.name, getattr(ca, a.name), getattr(ca, a.name + "_derivative"),
                             a.formula))
        elif a.kind == "rowwise":
            f = getattr(ca, a.name)
            jacobian = getattr(ca, a.name + "_jacobian", None)

            def forward(z, f=f):
                return f(np.stack([np.zeros_like(z), z], axis=-1))[..., 1]

            def derivative(z, f=f, jacobian=jacobian):
                y = f(np.stack([np.zeros_like(z), z], axis=-1))
                if jacobian is not None:
                    return jacobian(y)[..., 1, 1]
                return y[..., 1] * (1.0 - y[..., 1])

            out.append(Panel(f"{a.name}([0, z])[1]", forward, derivative, a.formula))
        else:  # pragma: no cover - a new kind of activation
            raise ValueError(f"plot: no way to draw the {a.kind} activation {a.name}")
    return out


def figure(path, z_range=(-6.0, 6.0), dpi=120):
    """Write Figure 1 to ``path``; return the titles of its panels."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            'plot needs matplotlib: pip install "cactivations[plot]"') from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ps = panels()
    cols = min(4, len(ps))
    rows = math.ceil(len(ps) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.8 * rows), squeeze=False)
    z = np.linspace(z_range[0], z_range[1], 801)
    for ax, p in zip(axes.flat, ps):
        ax.axhline(0.0, color="0.8", lw=0.8)
        ax.axvline(0.0, color="0.8", lw=0.8)
        ax.plot(z, p.forward(z), color="C0", lw=2, label="g(z)")
        ax.plot(z, p.derivative(z), color="C1", lw=1.5, ls="--", label="g'(z)")
        ax.set_title(p.title)
        ax.set_xlabel("z")
        ax.set_xlim(z[0], z[-1])
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small", frameon=False)
    for ax in list(axes.flat)[len(ps):]:
        ax.set_visible(False)
    fig.suptitle(f"cactivations {ca.__version__}: activations g (solid) and their "
                 "derivatives g' (dashed)")
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return [p.title for p in ps]
