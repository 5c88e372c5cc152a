"""Two threads against one, interleaved in one process (python tools/bench_threads.py).

At 1e7 elements (where the kernels split the work) and at 1e3 (where they must
not slow down); the answers are checked against float64 NumPy before timing.
"""
import numpy as np, cactivations as ca, cactivations._reference as R
from cactivations import _bench as B
rng = np.random.default_rng(1234)
def with_threads(n, f):
    def g():
        ca.set_num_threads(n)
        return f()
    return g
print(f"{'task':28s} {'dtype':8s} {'n':>5s} {'1 thread':>9s} {'2 threads':>9s} {'speed-up':>8s}")
for dt in (np.float32, np.float64):
    for n in (1000, 10_000_000):
        z = (3 * rng.standard_normal(n)).astype(dt); t = rng.uniform(size=n).astype(dt)
        z10, t10 = z.reshape(-1, 10), t.reshape(-1, 10)
        tasks = {
            "sigmoid": (lambda: ca.sigmoid(z), R.sigmoid(z.astype(float))),
            "tanh": (lambda: ca.tanh(z), np.tanh(z.astype(float))),
            "softmax rows of 10": (lambda: ca.softmax(z10), R.softmax(z10.astype(float))),
            "log_softmax rows of 10": (lambda: ca.log_softmax(z10), R.log_softmax(z10.astype(float))),
            "sq. error delta, sigmoid": (lambda: ca.squared_error_delta(z, t).delta,
                                         R.squared_error_delta(z.astype(float), t.astype(float))[1]),
            "sq. error delta, softmax": (lambda: ca.squared_error_delta(z10, t10, activation="softmax").delta,
                                         R.squared_error_delta(z10.astype(float), t10.astype(float), "softmax")[1]),
        }
        for name, (f, ref) in tasks.items():
            res = B.compare(name, {"1": with_threads(1, f), "2": with_threads(2, f)}, ref, n)
            s1, s2 = res.entries["1"].seconds, res.entries["2"].seconds
            print(f"{name:28s} {dt.__name__:8s} {n:5.0e} {s1 / n * 1e9:9.2f} {s2 / n * 1e9:9.2f} {s1 / s2:7.2f}x")
ca.set_num_threads(0)
