"""Threads: OpenMP inside the kernels, and Python threads calling them at once."""

import io
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import cactivations as ca

N = 300_000  # several of the kernels' 65536-element blocks, above the 32768 grain


@pytest.fixture
def default_threads():
    yield
    ca.set_num_threads(0)


def _losses(z, t):
    return [
        ca.squared_error(z, t),
        ca.squared_error_delta(z, t, activation="sigmoid").loss,
        ca.squared_error_delta(z, t, activation="tanh").loss,
        ca.squared_error_delta(z, t, activation="identity").loss,
        ca.squared_error_delta(z.reshape(-1, 10), t.reshape(-1, 10), activation="softmax").loss,
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_are_bitwise_identical_for_any_thread_count(dtype, default_threads):
    rng = np.random.default_rng(3)
    z = (3 * rng.standard_normal(N)).astype(dtype)
    t = rng.uniform(size=N).astype(dtype)
    results = []
    for n in (1, 2, 3):
        ca.set_num_threads(n)
        results.append(_losses(z, t))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert a.tobytes() == b.tobytes(), (a, b)


def test_thread_count_controls(default_threads):
    ca.set_num_threads(3)
    assert ca.get_num_threads() == 3
    ca.set_num_threads(0)
    assert ca.get_num_threads() >= 1
    with pytest.raises(ValueError, match="set_num_threads"):
        ca.set_num_threads(-1)
    with pytest.raises(TypeError, match="set_num_threads"):
        ca.set_num_threads(1.5)


def _env_run(value, code="import cactivations as ca; print(ca.get_num_threads())"):
    env = dict(os.environ, CACTIVATIONS_NUM_THREADS=value)
    return subprocess.run([sys.executable, "-W", "default", "-c", code], env=env,
                          capture_output=True, text=True, check=True, cwd=os.path.dirname(__file__))


def test_environment_variable_sets_the_count():
    assert _env_run("1").stdout.strip() == "1"
    assert _env_run("3").stdout.strip() == "3"


def test_bad_environment_variable_warns_and_is_ignored():
    r = _env_run("many")
    assert "CACTIVATIONS_NUM_THREADS" in r.stderr
    assert int(r.stdout.strip()) >= 1


def test_threadpoolctl_sees_and_limits_the_kernels(default_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not ca.show_config(file=io.StringIO())["openmp"]:
        pytest.skip("built without OpenMP")
    ca.set_num_threads(0)
    apis = {info["user_api"] for info in threadpoolctl.threadpool_info()}
    assert "openmp" in apis
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert ca.get_num_threads() == 1


CALLS = {
    "sigmoid": lambda z, t: ca.sigmoid(z),
    "tanh_derivative": lambda z, t: ca.tanh_derivative(z),
    "tanh_backward": lambda z, t: ca.tanh_backward(t, z),
    "softmax": lambda z, t: ca.softmax(z.reshape(-1, 100)),
    "log_softmax": lambda z, t: ca.log_softmax(z.reshape(-1, 100)),
    "softmax_backward": lambda z, t: ca.softmax_backward(t.reshape(-1, 100), z.reshape(-1, 100)),
    "squared_error_delta": lambda z, t: ca.squared_error_delta(z, t, activation="tanh"),
    "squared_error_delta_softmax": lambda z, t: ca.squared_error_delta(
        z.reshape(-1, 10), t.reshape(-1, 10), activation="softmax"),
}


def _outputs(result):
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("name", list(CALLS))
def test_python_threads_calling_at_once_agree_with_serial_calls(name):
    """The GIL is released in the kernels: several Python threads on shared,
    read-only inputs, each with its own outputs, get the serial results."""
    rng = np.random.default_rng(5)
    z = 3 * rng.standard_normal(100_000)  # above the grain: OpenMP inside each call too
    t = rng.uniform(size=100_000)
    z.flags.writeable = t.flags.writeable = False
    call = CALLS[name]
    expected = call(z, t)
    errors = []
    barrier = threading.Barrier(4)

    def work():
        try:
            barrier.wait()
            for _ in range(5):
                got = call(z, t)
                for a, b in zip(_outputs(got), _outputs(expected)):
                    np.testing.assert_array_equal(a, b)
        except Exception as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[0]
