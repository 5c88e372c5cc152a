"""The command line: ``python -m cactivations`` (the main job) and its ``bench``.

Quick runs only (``--quick``, one small size); nothing here asserts a time.
"""

import json
import os

import pytest

import cactivations as ca
from cactivations import _bench
from cactivations.__main__ import main

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


def test_bench_threads(capsys):
    assert main(QUICK_SIGMOID + ["--threads", "2"]) == 0
    out = capsys.readouterr().out
    if hasattr(ca, "set_num_threads"):
        assert "threads: cactivations 2" in out
    else:
        assert "threads: not available" in out and "--threads 2 ignored" in out


@pytest.mark.parametrize("argv", [
    ["bench", "--bogus"],
    ["bench", "--tasks", "nonsense"],
    ["bench", "--sizes", "0"],
    ["bench", "--dtype", "float16"],
    ["bench", "--threads", "0"],
    ["--quick", "bench"],  # the main job's options do not reach bench
    ["--bogus"],
])
def test_bad_options_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_help_lists_bench(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "bench" in out and "subcommands" in out


def test_main_job_quick(capsys):
    assert main(["--quick", "--sizes", "1e3", "--dtype", "float64"]) == 0
    out = capsys.readouterr().out
    assert "all checks passed" in out
    for activation in ("sigmoid", "tanh", "softmax"):
        assert activation in out
