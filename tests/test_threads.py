"""Results do not depend on the number of threads (once the threaded kernels exist)."""

import numpy as np
import pytest

import cactivations as ca
from _helpers import assert_same, case_params, outputs, sample


@pytest.fixture
def threads():
    if not hasattr(ca, "set_num_threads"):
        pytest.skip("cactivations.set_num_threads does not exist yet")
    before = ca.get_num_threads()
    yield
    ca.set_num_threads(before)


def test_set_get_num_threads(threads):
    ca.set_num_threads(1)
    assert ca.get_num_threads() == 1
    ca.set_num_threads(2)
    assert ca.get_num_threads() == 2


@pytest.mark.parametrize("case", case_params())
def test_results_do_not_depend_on_threads(case, threads):
    args = sample(case, seed=1, rows=20000)
    ca.set_num_threads(1)
    one = case(*args)
    ca.set_num_threads(2)
    two = case(*args)
    for k, (a, b) in enumerate(zip(outputs(case, two), outputs(case, one))):
        if np.ndim(b) == 0:  # a sum: partial sums per thread may round differently
            assert_same(a, b, err_msg=f"{case.id} output {k}: 1 vs 2 threads")
        else:
            np.testing.assert_array_equal(a, b, err_msg=f"{case.id} output {k}: 1 vs 2 threads")
