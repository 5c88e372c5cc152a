#!/usr/bin/env bash
# Build cactivations with AddressSanitizer and UndefinedBehaviorSanitizer
# (CACTIVATIONS_SANITIZE=1, see setup.py) in a temporary copy of this tree and
# run a subset of the test suite under them.  Any report fails the run.
#
#   bash tools/sanitize.sh [pytest arguments]     (default: the subset below)
#
# libasan is preloaded (the python binary itself is not instrumented, and the
# ASan runtime must come first).  Leak detection is off (detect_leaks=0):
# CPython deliberately does not free its interned objects, static types and
# arenas at exit, so LeakSanitizer would report thousands of "leaks" that are
# not ours; tests/test_memory.py checks for leaks instead (tracemalloc, RSS).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the tracked files as they are in the working tree
(cd "$root" && git ls-files -z | xargs -0 tar -cf - --) | tar -xf - -C "$tmp"
cd "$tmp"
echo "== building with CACTIVATIONS_SANITIZE=1 in $tmp"
CACTIVATIONS_SANITIZE=1 python3 setup.py -q build_ext --inplace >build.log 2>&1 || {
    cat build.log
    exit 1
}
for so in cactivations/_kernels*.so; do   # really instrumented
    libs=$(ldd "$so")
    for lib in libasan libubsan; do
        case $libs in
            *"$lib"*) ;;
            *) echo "$so: not linked with $lib" >&2; exit 1 ;;
        esac
    done
done

if [ "$#" -eq 0 ]; then
    # (not the tests that compare the last bits of sums: the instrumented code
    # may contract or order floating-point operations differently)
    set -- tests/test_hostile.py tests/test_defects.py tests/test_concurrency.py \
        tests/test_faults.py tests/test_out.py tests/test_layouts.py tests/test_cache.py
fi
asan=$(gcc -print-file-name=libasan.so)
export LD_PRELOAD=$asan
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=0:strict_string_checks=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export PYTHONPATH=$tmp
python3 -c "import cactivations as ca, os; assert ca.__file__.startswith(os.environ['PYTHONPATH']); ca.show_config()"
echo "== pytest $* under ASan/UBSan"
python3 -m pytest -q -p no:cacheprovider -x "$@" 2>&1 | tee pytest.log
status=${PIPESTATUS[0]}
if grep -qE "runtime error:|^==[0-9]+==ERROR: |^SUMMARY: [A-Za-z]+Sanitizer" pytest.log; then
    echo "== sanitizer reports above" >&2
    exit 1
fi
exit "$status"
