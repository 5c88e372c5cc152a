"""Types and docs: py.typed and the generated stubs, mypy --strict on the
example that calls the whole API, numpydoc docstrings, the generated API
reference.

The generated files are compared with a fresh generation from the live
package, so that a new public function fails here until
``python tools/gen_stubs.py`` and ``python tools/gen_docs.py`` are run.  The
generators live in the source tree's ``tools/``; the tests that need them skip
when the suite runs against an installed package from elsewhere.
"""

import importlib.resources
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cactivations as ca

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
EXAMPLE = ROOT / "examples" / "typed_usage.py"


def _tool(name):
    path = TOOLS / f"{name}.py"
    if not path.exists():
        pytest.skip(f"tools/{name}.py is not here (installed-package run)")
    spec = importlib.util.spec_from_file_location(f"_tool_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _package_file(name):
    return importlib.resources.files("cactivations").joinpath(name)


def test_py_typed_and_stub_ship_with_the_package():
    assert _package_file("py.typed").is_file()
    assert _package_file("__init__.pyi").is_file()


def test_stub_is_current():
    gen = _tool("gen_stubs")
    assert _package_file("__init__.pyi").read_text() == gen.stub_text(ca), (
        "cactivations/__init__.pyi is out of date: run python tools/gen_stubs.py")


def test_stub_names_every_public_name():
    text = _package_file("__init__.pyi").read_text()
    for name in ca.__all__:
        assert re.search(rf"^(def|class) {name}\b", text, flags=re.M), name


def test_example_is_current_and_calls_every_function():
    gen = _tool("gen_stubs")
    assert EXAMPLE.read_text() == gen.example_text(ca), (
        "examples/typed_usage.py is out of date: run python tools/gen_stubs.py")
    text = EXAMPLE.read_text()
    for name, obj in vars(ca).items():
        if name in ca.__all__ and callable(obj) and not isinstance(obj, type):
            assert f"ca.{name}(" in text, name


def test_example_runs():
    if not EXAMPLE.exists():
        pytest.skip("examples/ is not here (installed-package run)")
    proc = subprocess.run([sys.executable, str(EXAMPLE)], cwd=Path(__file__).parent,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_mypy_strict_on_the_example(tmp_path):
    pytest.importorskip("mypy")
    if not EXAMPLE.exists():
        pytest.skip("examples/ is not here (installed-package run)")
    env = dict(os.environ)
    package_root = Path(ca.__file__).resolve().parent.parent
    if "site-packages" not in package_root.parts:  # the source tree: point mypy at it
        env["MYPYPATH"] = str(package_root)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
         "--cache-dir", str(tmp_path / "mypy_cache"), "--python-executable", sys.executable,
         str(EXAMPLE)],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


FUNCTIONS = [n for n in ca.__all__
             if callable(getattr(ca, n)) and not isinstance(getattr(ca, n), type)]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_numpydoc_docstring(name):
    """A summary, the formula, and the numpydoc sections; array functions
    document their parameters and return value."""
    f = getattr(ca, name)
    doc = inspect.getdoc(f)
    assert doc, name
    assert "Examples\n--------" in doc, name
    params = [p for p in inspect.signature(f).parameters.values()
              if p.kind is p.POSITIONAL_ONLY]
    if params:
        assert "Returns\n-------" in doc, name
        assert "=" in doc.split("Examples")[0], f"{name}: no formula before the examples"
        if "Parameters\n----------" in doc:
            section = doc.split("Parameters\n----------")[1]
            for p in params:
                assert re.search(rf"^{p.name} :", section, flags=re.M), (name, p.name)


def test_api_reference_is_current():
    gen = _tool("gen_docs")
    assert (ROOT / "docs" / "api.md").read_text() == gen.api_text(), (
        "docs/api.md is out of date: run python tools/gen_docs.py")


def test_docs_pages_exist_and_link():
    docs = ROOT / "docs"
    if not docs.exists():
        pytest.skip("docs/ is not here (installed-package run)")
    for page in ("index.md", "api.md", "derivations.md", "dask.md", "figure1.png"):
        assert (docs / page).is_file(), page
    derivations = (docs / "derivations.md").read_text()
    for needle in ("σ(z) (1 − σ(z))", "1 − tanh² z", "y_i (δ_ij − y_j)",
                   "(g(z_k) − t_k) · g'(z_k) · x_j", "p_j − t_j", "figure1.png"):
        assert needle in derivations, needle
