"""``python -m cactivations demo``: a small network learns handwritten digits.

The data are the 1797 digits of the UCI optdigits test set shipped with the
package (``data/optdigits.csv.gz``, CC BY 4.0; see ``data/README.md``): 8 x 8
images, pixels 0..16, scaled to [0, 1].  A seeded split keeps 450 for testing.

The network is x (64 + bias) -> hidden layer (tanh by default) -> 10 outputs
(sigmoid by default) under the squared error E = 1/2 sum (y - t)^2, trained by
mini-batch gradient descent.  Per batch cactivations computes

* the hidden layer ``h = g(x @ w1)``;
* the output layer, its loss and its weight gradient in one fused call,
  ``ca.output_layer_grad(h, w2, t)``: dE/dw2_jk = sum_n (g(z_nk) - t_nk) g'(z_nk) h_nj;
* the hidden error signal from the saved output, ``ca.<g>_backward(delta @ w2^T, h)``.

The same network, from the same weights on the same batches, is trained with
plain NumPy (``cactivations._reference``) alongside, epoch for epoch, so that
the two take the same path (their weights are compared at the end) and their
times can be compared.
"""

import gzip
import importlib.resources
import time

import numpy as np

import cactivations as ca
from cactivations import _reference as ref
from cactivations._registry import ACTIVATIONS, LOSS_ACTIVATIONS

N_TEST = 450
#: the accuracy on the held-out digits that the default run must reach
TARGET_ACCURACY = 0.95


def load_digits():
    """(images (1797, 64) float64 in [0, 1], labels (1797,) int)."""
    with importlib.resources.files("cactivations").joinpath("data/optdigits.csv.gz").open(
            "rb") as f:
        data = np.loadtxt(gzip.open(f), delimiter=",", dtype=np.int64)
    return data[:, :-1] / 16.0, data[:, -1]


def hidden_activations():
    """Elementwise activations with a forward and a backward here and in the reference."""
    names = []
    for a in ACTIVATIONS.values():
        if a.kind != "elementwise" or not a.public:
            continue
        if hasattr(ca, a.name + "_backward") and hasattr(ref, a.name + "_backward"):
            names.append(a.name)
    return names


def output_activations():
    return list(LOSS_ACTIVATIONS)


def _targets(labels, activation, k=10):
    """One-hot targets, scaled to the range of the output activation
    (tanh: -1 and 1)."""
    onehot = np.eye(k)[labels]
    lim = ACTIVATIONS[activation].limits[0]  # g(+inf), g(-inf)
    hi, lo = lim
    if ACTIVATIONS[activation].kind == "rowwise" or not (np.isfinite(hi) and np.isfinite(lo)):
        return onehot
    return lo + (hi - lo) * onehot


def _with_bias(a):
    return np.concatenate([a, np.ones((a.shape[0], 1), a.dtype)], axis=1)


class Net:
    """Weights and one training step, with cactivations or with plain NumPy."""

    def __init__(self, w1, w2, hidden, output, fused):
        self.w1, self.w2 = w1.copy(), w2.copy()
        self.hidden, self.output, self.fused = hidden, output, fused
        if fused:
            self.g, self.g_backward = getattr(ca, hidden), getattr(ca, hidden + "_backward")
        else:
            ref_forward = getattr(ref, "ACTIVATIONS", {}).get(hidden, (None,))[0]
            self.g = ref_forward or getattr(ref, hidden)
            self.g_backward = getattr(ref, hidden + "_backward")

    def step(self, x, t, rate):
        h = self.g(x @ self.w1)
        hb = _with_bias(h)
        if self.fused:
            loss, grad_w2, delta, _ = ca.output_layer_grad(hb, self.w2, t,
                                                           activation=self.output)
        else:
            loss, delta, _ = ref.squared_error_delta(hb @ self.w2, t, self.output)
            grad_w2 = hb.T @ delta
        grad_h = self.g_backward(delta @ self.w2[:-1].T, h)
        grad_w1 = x.T @ grad_h
        scale = rate / len(x)
        self.w2 -= scale * grad_w2
        self.w1 -= scale * grad_w1
        return float(loss)

    def predict(self, x):
        h = _with_bias(self.g(x @ self.w1))
        return np.argmax(h @ self.w2, axis=1)


def run(args, out):
    """Train, print a line per epoch, return the exit status (1 if the held-out
    accuracy stays below ``args.target``)."""
    t0 = time.perf_counter()
    images, labels = load_digits()
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(labels))
    test, train = order[:N_TEST], order[N_TEST:]
    x_train, x_test = _with_bias(images[train]), _with_bias(images[test])
    y_train, y_test = labels[train], labels[test]
    t_train = _targets(y_train, args.output_activation)
    n_in, k = x_train.shape[1], 10
    w1 = rng.standard_normal((n_in, args.hidden)) / np.sqrt(n_in)
    w2 = rng.standard_normal((args.hidden + 1, k)) / np.sqrt(args.hidden + 1)
    nets = {"cactivations": Net(w1, w2, args.hidden_activation, args.output_activation, True),
            "numpy": Net(w1, w2, args.hidden_activation, args.output_activation, False)}
    seconds = {name: 0.0 for name in nets}

    print(f"cactivations {ca.__version__} demo: digits (UCI optdigits, {len(labels)} 8x8 "
          f"images shipped with the package; {len(train)} to train, {len(test)} held out)", file=out)
    print(f"  network {n_in - 1}+1 -> {args.hidden} {args.hidden_activation} -> {k} "
          f"{args.output_activation}, squared error, mini-batches of {args.batch_size}, "
          f"learning rate {args.learning_rate:g}, {args.epochs} epochs, seed {args.seed}", file=out)
    print("  cactivations: output_layer_grad (fused activation, loss, delta, grad_w) and "
          f"{args.hidden_activation}_backward; numpy: the same network in plain NumPy, "
          "from the same weights on the same batches\n", file=out)
    header = (f"{'epoch':>5}  {'loss':>9}  {'train acc':>9}  {'test acc':>8}  "
              f"{'cactivations':>12}  {'numpy':>9}  {'speed-up':>8}")
    print(header, file=out, flush=True)
    accuracy = 0.0
    for epoch in range(1, args.epochs + 1):
        batches = np.array_split(rng.permutation(len(train)),
                                 max(1, len(train) // args.batch_size))
        losses = {}
        for name, net in nets.items():  # interleaved: one epoch each
            start = time.perf_counter()
            total = 0.0
            for b in batches:
                total += net.step(x_train[b], t_train[b], args.learning_rate)
            seconds[name] += time.perf_counter() - start
            losses[name] = total / len(train)
        net = nets["cactivations"]
        train_acc = float(np.mean(net.predict(x_train) == y_train))
        accuracy = float(np.mean(net.predict(x_test) == y_test))
        print(f"{epoch:5d}  {losses['cactivations']:9.5f}  {train_acc:9.1%}  {accuracy:8.1%}  "
              f"{seconds['cactivations'] * 1e3:10.0f}ms  {seconds['numpy'] * 1e3:7.0f}ms  "
              f"{seconds['numpy'] / seconds['cactivations']:7.2f}x", file=out, flush=True)

    a, b = nets["cactivations"], nets["numpy"]
    drift = max(float(np.max(np.abs(a.w1 - b.w1))), float(np.max(np.abs(a.w2 - b.w2))))
    numpy_acc = float(np.mean(b.predict(x_test) == y_test))
    print(f"\ntraining time: cactivations {seconds['cactivations']:.3f} s, plain NumPy "
          f"{seconds['numpy']:.3f} s ({seconds['numpy'] / seconds['cactivations']:.2f}x); "
          f"largest weight difference between the two {drift:.1e}; "
          f"NumPy's held-out accuracy {numpy_acc:.1%}", file=out)
    reached = accuracy >= args.target
    print(f"held-out accuracy {accuracy:.1%} ({'reached' if reached else 'BELOW'} the target "
          f"{args.target:.0%}) in {time.perf_counter() - t0:.1f} s", file=out)
    return 0 if reached else 1
