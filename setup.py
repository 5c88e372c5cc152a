"""Build of cactivations' compiled core.

``src/_kernels.pyx.tp`` is rendered with Tempita from the table in
``cactivations/_registry.py`` (loaded by path: the package is not built yet)
into ``src/_kernels.pyx``, which Cython compiles into ``cactivations._kernels``.

Environment:
  CACTIVATIONS_DEBUG=1   Cython bounds/wraparound/initialized checks on, -O0 -g.
"""

import os
import runpy
from pathlib import Path

import numpy
from Cython import Tempita
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent
DEBUG = os.environ.get("CACTIVATIONS_DEBUG", "") not in ("", "0")


def render_kernels():
    table = runpy.run_path(str(HERE / "cactivations" / "_registry.py"))
    acts = table["ACTIVATIONS"]
    template = (HERE / "src" / "_kernels.pyx.tp").read_text()
    text = Tempita.sub(
        template,
        elementwise=[a.name for a in acts.values() if a.kind == "elementwise"],
        public=[a.name for a in acts.values() if a.kind == "elementwise" and a.public],
    )
    target = HERE / "src" / "_kernels.pyx"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    return target


directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
}
# IEEE semantics are kept: no -ffast-math, no -march=native.
cflags = ["-O0", "-g"] if DEBUG else ["-O3"]
if os.name == "nt":
    cflags = ["/Od", "/Zi"] if DEBUG else ["/O2"]

extensions = [
    Extension(
        "cactivations._kernels",
        [str(render_kernels().relative_to(HERE))],
        include_dirs=[numpy.get_include(), "src"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
        extra_compile_args=cflags,
        depends=["src/cact_math.h", "src/_kernels.pyx.tp", "cactivations/_registry.py"],
    )
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives))
