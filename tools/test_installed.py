"""Run the test suite against the installed cactivations, outside the source tree.

    python tools/test_installed.py PROJECT_DIR [pytest arguments...]

Copies PROJECT_DIR/tests and PROJECT_DIR/examples to a temporary directory
(so that nothing imports the unbuilt sources of the tree), checks that
``cactivations`` is imported from the installed package (``sys.prefix``, not
PROJECT_DIR), prints ``cactivations.show_config()`` and runs pytest there.
Used by tools/build_wheels.sh, by cibuildwheel's test-command and by the
workflow's sdist job, so that all three test the same way.
"""

import os
import shutil
import subprocess
import sys
import tempfile


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    project = os.path.realpath(argv[0])
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("tests", "examples"):
            src = os.path.join(project, name)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(tmp, name),
                                ignore=shutil.ignore_patterns("__pycache__"))
        check = ("import os, sys, cactivations as ca; p = os.path.realpath(ca.__file__); "
                 "print('testing', p); ca.show_config(); "
                 "sys.exit(0 if not p.startswith(sys.argv[1] + os.sep) else "
                 "'imported the source tree, not the installed package')")
        subprocess.run([sys.executable, "-c", check, project], cwd=tmp, check=True)
        cmd = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *argv[1:], "tests"]
        return subprocess.run(cmd, cwd=tmp).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
