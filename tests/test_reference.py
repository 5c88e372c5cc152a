"""Every public function against the plain NumPy float64 reference
(``cactivations._reference``) on random normal*3 inputs."""

import numpy as np
import pytest

from _helpers import (
    CASES, FLOATS, LOSS_ACTIVATIONS, assert_close, case_params, func, outputs, reference,
    sample,
)

RTOL = {np.float32: 1e-5, np.float64: 1e-12}

dtypes = pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)


def _check(case, args, dtype, **kw):
    args = tuple(np.asarray(a).astype(dtype) for a in args)
    res = case(*args, **kw)
    exp = reference(case, args, **kw)
    got = outputs(case, res)
    assert len(got) == len(exp)
    for k, (g, e) in enumerate(zip(got, exp)):
        g = np.asarray(g)
        assert isinstance(g, np.ndarray) or np.isscalar(g)
        assert g.dtype == dtype, f"{case.id} output {k}: dtype {g.dtype}"
        assert_close(g, e, RTOL[dtype], err_msg=f"{case.id} output {k}")


@dtypes
@pytest.mark.parametrize("case", case_params())
def test_against_reference(case, dtype):
    _check(case, sample(case, seed=1), dtype)


@dtypes
@pytest.mark.parametrize("case", case_params())
def test_against_reference_large(case, dtype):
    """Big enough for the SIMD bodies, their remainders and the threaded path."""
    rows = 6600 if case.shape_kind != "jacobian" else 301
    _check(case, sample(case, seed=2, rows=rows), dtype)


@dtypes
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 1000, 1001])
@pytest.mark.parametrize("case", case_params([c for c in CASES if c.shape_kind in
                                              ("elementwise", "loss", "sed")]))
def test_against_reference_1d_lengths(case, n, dtype):
    """1-D inputs of every length around the vector widths."""
    rng = np.random.default_rng(n)
    args = tuple(a.reshape(-1)[:n] for a in case.make(rng, n))
    _check(case, args, dtype)


@dtypes
@pytest.mark.parametrize("K", [1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 33, 64, 65, 96, 100, 128,
                               129, 1000])
@pytest.mark.parametrize("case", case_params([c for c in CASES if c.shape_kind == "rowwise"]))
def test_rowwise_against_reference_row_lengths(case, K, dtype):
    """Rows of every length around the chunks of 2 and 4 in which a block of
    short rows repeats each row's value over its elements (cact_rows_spread),
    around the vector widths, at the last block row (64) and the first long
    one (65), and at multiples of the 32 lanes of the long rows' dot products
    and maxima (96, 128: no remainder before their pairwise fold) and beside
    them."""
    rng = np.random.default_rng(K)
    z = rng.standard_normal((3, K)) * 3
    if case.name.endswith("_backward"):
        fwd = case.name[: -len("_backward")]
        args = (rng.standard_normal((3, K)), reference(_case(fwd), (z,))[0])
    else:
        args = (z,)
    _check(case, args, dtype)


def _case(cid):
    return next(c for c in CASES if c.id == cid)


@dtypes
@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_output_layer_grad_single_sample(activation, dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(3).astype(dtype)
    w = (rng.standard_normal((3, 5)) * 0.5).astype(dtype)
    t = rng.uniform(0, 1, 5).astype(dtype)
    res = func("output_layer_grad")(x, w, t, activation=activation)
    from cactivations import _reference as ref

    exp = ref.output_layer_grad(x.astype(np.float64), w.astype(np.float64),
                                t.astype(np.float64), activation=activation)
    shapes = [(), (3, 5), (5,), (5,)]
    for k, (g, e, s) in enumerate(zip(res, exp, shapes)):
        assert np.shape(g) == s, f"output {k}: shape {np.shape(g)} != {s}"
        assert np.asarray(g).dtype == dtype
        assert_close(g, e, RTOL[dtype], err_msg=f"output_layer_grad 1-D x, output {k}")


@dtypes
@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_squared_error_delta_against_reference(activation, dtype):
    """(loss, delta, output) against the reference, three-dimensional, axis=1."""
    rng = np.random.default_rng(6)
    z = (rng.standard_normal((2, 7, 3)) * 3).astype(dtype)
    t = rng.uniform(0, 1, (2, 7, 3)).astype(dtype)
    from cactivations import _reference as ref

    res = func("squared_error_delta")(z, t, activation=activation, axis=1)
    exp = ref.squared_error_delta(z.astype(np.float64), t.astype(np.float64),
                                  activation=activation, axis=1)
    for k, (g, e) in enumerate(zip(res, exp)):
        assert_close(g, e, RTOL[dtype], err_msg=f"squared_error_delta[{activation}] output {k}")
