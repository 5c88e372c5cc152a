"""The command line: ``python -m cactivations`` / ``cactivations`` and its
subcommands demo (the default), plot, bench, check and info.

Quick runs only (``--quick``, one small size, few epochs) in process; the bare
command (the full demo) and the console script run once as subprocesses, from
the tests folder.  Nothing here asserts a time.
"""

import json
import re
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import cactivations as ca
from cactivations import _bench, _check, _plot
from cactivations.__main__ import COMMANDS, main
from cactivations._registry import ACTIVATIONS

HERE = os.path.dirname(os.path.abspath(__file__))

QUICK_SIGMOID = ["bench", "--quick", "--sizes", "1e3", "--tasks", "sigmoid", "--dtype", "float32"]


@pytest.fixture(autouse=True)
def environment():
    """bench sets the peers' one-thread variables; the other tests get theirs back."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _table_lines(out, task):
    """The lines of the table of ``task`` in bench's output."""
    lines = out[out.index(f"== {task}:"):].split("\n\n")[0].splitlines()
    return lines


def test_bench_quick_prints_the_table(capsys):
    assert main(QUICK_SIGMOID) == 0
    captured = capsys.readouterr()
    lines = _table_lines(captured.out, "sigmoid")
    header = next(line for line in lines if line.startswith("dtype"))
    for column in ("cactivations", "ca out=", "numpy", "floor", "peer/ca", "out/floor"):
        assert column in header, header
    rows = [line.split() for line in lines if line.startswith("float32")]
    assert len(rows) == 1 and rows[0][1] == "1e3"
    assert "floor = np.copyto(dst, x)" in lines[0]
    assert ">=2x: " in captured.out  # the row is marked against its target
    assert "bench [1/1] sigmoid float32 n=1e3" in captured.err  # progress on stderr


def test_bench_writes_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    argv = ["bench", "--quick", "--sizes", "1,1e3", "--tasks", "softmax_backward/10",
            "--dtype", "float64", "--out", str(path)]
    assert main(argv) == 0
    assert "skipped (less than one row of 10): n = 1" in capsys.readouterr().out
    data = json.loads(path.read_text())
    assert data["meta"]["rounds"] == _bench.QUICK_ROUNDS
    (record,) = data["results"]
    assert (record["task"], record["dtype"], record["n"], record["shape"]) == (
        "softmax_backward/10", "float64", 1000, [100, 10])
    impls = record["implementations"]
    for name in ("cactivations", "cactivations out=", "numpy", "floor (add)"):
        assert impls[name]["seconds"] > 0
        assert len(impls[name]["samples"]) == _bench.QUICK_ROUNDS
    assert impls["numpy"]["role"] == "peer" and impls["floor (add)"]["role"] == "floor"
    assert record["peer_target"]["target"] == ">=1x"
    assert record["out_target"]["target"] == "<=1.3x"


def test_bench_cross_entropy_tasks(tmp_path, capsys):
    """The cross-entropy tasks run, every answer agreeing with the reference."""
    path = tmp_path / "bench.json"
    argv = ["bench", "--quick", "--sizes", "1e3", "--dtype", "float64", "--out", str(path),
            "--tasks", "softmax_cross_entropy_delta/10,sigmoid_binary_cross_entropy_delta"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "== softmax_cross_entropy_delta/10: softmax_cross_entropy_delta loss, delta and " \
           "output, rows of 10" in out
    assert "== sigmoid_binary_cross_entropy_delta: " in out
    records = json.loads(path.read_text())["results"]
    assert [r["task"] for r in records] == ["softmax_cross_entropy_delta/10",
                                            "sigmoid_binary_cross_entropy_delta"]
    for record in records:
        for name in ("cactivations", "cactivations out=", "numpy"):
            assert record["implementations"][name]["status"] == "ok", (record["task"], name)
        assert record["peer_target"]["target"] == ">=2x"


def test_bench_rows_of_any_length(tmp_path, capsys):
    """NAME/K runs a row task on rows of K not in the table; its targets are
    those of the size asked for (142 rows of 7 hold 994 of the 10^3 elements:
    the out= target, from 10^3 on, applies all the same)."""
    path = tmp_path / "bench.json"
    argv = ["bench", "--quick", "--sizes", "1e3", "--dtype", "float64", "--out", str(path),
            "--tasks", "softmax_backward/7,softmax/64,softmax_backward/7"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "== softmax_backward/7: softmax_backward backward from the saved output, rows of 7" in out
    records = json.loads(path.read_text())["results"]
    assert [r["task"] for r in records] == ["softmax/64", "softmax_backward/7"]
    record = records[1]
    assert (record["row"], record["n"], record["shape"]) == (7, 994, [142, 7])
    for name in ("cactivations", "cactivations out=", "numpy"):
        assert record["implementations"][name]["status"] == "ok", name
    assert record["peer_target"]["target"] == ">=1x"
    assert record["out_target"]["target"] == "<=1.3x"


def test_bench_threads(capsys):
    assert main(QUICK_SIGMOID + ["--threads", "2"]) == 0
    out = capsys.readouterr().out
    if hasattr(ca, "set_num_threads"):
        assert "threads: cactivations 2" in out
    else:
        assert "threads: not available" in out and "--threads 2 ignored" in out


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_peers_start_on_one_cpu():
    """XLA sizes its CPU thread pool by the CPUs the process may run on when it
    starts: the bench starts it with the calling thread on one CPU, then gives
    the thread its CPUs back (cactivations' own threads need them)."""
    from cactivations._peers import _start_on_one_cpu
    before = os.sched_getaffinity(0)
    seen = _start_on_one_cpu(lambda: os.sched_getaffinity(0))
    assert len(seen) == 1 and seen <= before
    assert os.sched_getaffinity(0) == before
    with pytest.raises(ZeroDivisionError):
        _start_on_one_cpu(lambda: 1 / 0)
    assert os.sched_getaffinity(0) == before


@pytest.mark.parametrize("argv", [
    ["bench", "--bogus"],
    ["bench", "--tasks", "nonsense"],
    ["bench", "--tasks", "softmax/0"],
    ["bench", "--tasks", "sigmoid/5"],
    ["bench", "--sizes", "0"],
    ["bench", "--dtype", "float16"],
    ["bench", "--threads", "0"],
    ["--quick", "bench"],
    ["--bogus"],
    ["nonsense"],
    ["demo", "--epochs", "0"],
    ["demo", "--hidden-activation", "nonsense"],
    ["demo", "--learning-rate", "-1"],
    ["demo", "--target", "2"],
    ["plot", "--range", "3,1"],
    ["plot", "--range", "a,b"],
    ["check", "--only", "no-such-check"],
    ["info", "--bogus"],
])
def test_bad_arguments_exit_2_with_a_one_line_error(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "error:" in err, err


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"] if command is None else [command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: cactivations" in out
    if command is None:
        for c in COMMANDS:
            assert c in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert ca.__version__ in capsys.readouterr().out


# ------------------------------------------------------------------ demo

def test_demo_short(capsys):
    assert main(["demo", "--epochs", "2", "--target", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "UCI optdigits" in out and "1347 to train, 450 held out" in out
    lines = [line.split() for line in out.splitlines() if line[:5].strip().isdigit()]
    assert [int(line[0]) for line in lines] == [1, 2]
    assert all(line[2].endswith("%") and line[3].endswith("%") for line in lines)
    assert "largest weight difference between the two" in out
    assert "reached the target 50%" in out


def test_demo_below_target_exits_1(capsys):
    assert main(["demo", "--epochs", "1", "--hidden", "2", "--target", "1.0"]) == 1
    assert "BELOW the target 100%" in capsys.readouterr().out


def test_bare_command_runs_the_demo_to_its_stated_accuracy():
    """The main job: ``python -m cactivations`` trains to >= 95% held-out accuracy."""
    proc = subprocess.run([sys.executable, "-m", "cactivations"], cwd=HERE,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "reached the target 95%" in proc.stdout
    assert "   30  " in proc.stdout  # the 30th epoch


def test_console_script():
    exe = shutil.which("cactivations")
    if exe is None:
        pytest.skip("the cactivations console script is not on PATH")
    proc = subprocess.run([exe, "info"], cwd=HERE, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "cpu_variant" in proc.stdout


# ------------------------------------------------------------------ plot

def test_plot_has_a_panel_per_activation():
    titles = [p.title for p in _plot.panels()]
    for a in ACTIVATIONS.values():
        if a.public:
            assert any(t.startswith(a.name) for t in titles), (a.name, titles)
    z = np.linspace(-3, 3, 7) + 0.0625  # off the kinks (0, +-1, +-3, 6)
    for p in _plot.panels():  # the derivative drawn is the derivative of the curve drawn
        h = 1e-5
        fd = (p.forward(z + h) - p.forward(z - h)) / (2 * h)
        np.testing.assert_allclose(p.derivative(z), fd, atol=1e-6, err_msg=p.title)


def test_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "figure1.png"
    assert main(["plot", "-o", str(path)]) == 0
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    out = capsys.readouterr().out
    assert f"wrote {path}" in out and "softmax([0, z])[1]" in out


def test_plot_without_matplotlib(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    assert main(["plot", "-o", str(tmp_path / "f.png")]) == 1
    err = capsys.readouterr().err
    assert 'pip install "cactivations[plot]"' in err and len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------ check

def test_check_passes(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "check: all" in out and "FAIL" not in out
    assert re.search(r"\[ *1/[0-9]+\]", out)  # progress


def test_check_covers_every_public_function():
    functions = set(_check.array_functions())
    assert functions - _check.covered() == set()


def test_check_fails_on_a_wrong_derivative(monkeypatch, capsys):
    def wrong(z, /, *, out=None):
        return ca.sigmoid(z)

    monkeypatch.setattr(ca, "sigmoid_derivative", wrong)
    assert main(["check", "--only", "sigmoid_derivative"]) == 1
    assert "FAIL sigmoid_derivative" in capsys.readouterr().out


# ------------------------------------------------------------------ info

def test_info(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for key in ("cactivations", "cpu_variant", "num_threads", "openmp", "python"):
        assert key in out
    assert ("cflags" in out) or ("not recorded" in out)


def test_info_json(capsys):
    assert main(["info", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cactivations"] == ca.__version__
    assert data["cpu_variant"] in data["cpu_variants_built"]
    assert data["num_threads"] >= 1
