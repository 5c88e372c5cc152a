"""Derivatives against 4th-order central finite differences (float64).

derivative vs forward; backward functions as vector-Jacobian products;
softmax_jacobian; squared_error_delta's delta = dE/dz; output_layer_grad's
grad_w = dE/dw.  Optionally against torch autograd.
"""

import numpy as np
import pytest

from _helpers import (
    saved, away_from_breakpoints,
    ACTIVATIONS, LOSS_ACTIVATIONS, PUBLIC_ELEMENTWISE, PUBLIC_ROWWISE, assert_close,
    fd4_elementwise, fd4_grad, fd4_jacobian, func,
)

FD_RTOL = 1e-8

ROWWISE_FORWARDS = tuple(PUBLIC_ROWWISE) + ("log_softmax",)


@pytest.mark.parametrize("act", PUBLIC_ELEMENTWISE)
def test_derivative_is_fd_of_forward(act):
    rng = np.random.default_rng(1)
    z = np.concatenate([np.linspace(-8, 8, 321), rng.standard_normal(200) * 3])
    z = away_from_breakpoints(act, z[np.abs(z) > 1e-2], 1e-2)  # (and from 0, where
    # softsign and others are not twice differentiable)
    fwd, der = func(act), func(act + "_derivative")
    fd = fd4_elementwise(fwd, z)
    np.testing.assert_allclose(der(z), fd, rtol=FD_RTOL, atol=1e-11,
                               err_msg=f"{act}_derivative vs FD of {act}")


@pytest.mark.parametrize("act", PUBLIC_ELEMENTWISE)
def test_elementwise_backward_is_vjp(act):
    rng = np.random.default_rng(2)
    z = rng.standard_normal((3, 4)) * 2
    g = rng.standard_normal((3, 4))
    fwd, bwd = func(act), func(act + "_backward")
    fd = fd4_grad(lambda v: np.sum(g * fwd(v)), z)
    got = bwd(g, saved(act, z, fwd(z)))
    assert got.shape == z.shape
    assert_close(got, fd, FD_RTOL, err_msg=f"{act}_backward vs FD of <g, {act}(z)>")


@pytest.mark.parametrize("shape, axis", [((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1),
                                         ((6,), 0)])
@pytest.mark.parametrize("fname", ROWWISE_FORWARDS)
def test_rowwise_backward_is_vjp(fname, shape, axis):
    rng = np.random.default_rng(3)
    z = rng.standard_normal(shape) * 2
    g = rng.standard_normal(shape)
    fwd, bwd = func(fname), func(fname + "_backward")
    fd = fd4_grad(lambda v: np.sum(g * fwd(v, axis=axis)), z)
    got = bwd(g, fwd(z, axis=axis), axis=axis)
    assert got.shape == z.shape
    assert_close(got, fd, FD_RTOL, err_msg=f"{fname}_backward(axis={axis}) vs FD")


def test_softmax_jacobian_is_fd_jacobian():
    rng = np.random.default_rng(4)
    z = rng.standard_normal((3, 5)) * 2
    J = func("softmax_jacobian")(func("softmax")(z))
    assert J.shape == (3, 5, 5)
    for r in range(3):
        fd = fd4_jacobian(lambda v: func("softmax")(v), z[r])
        assert_close(J[r], fd, FD_RTOL, err_msg=f"softmax_jacobian row {r}")


def test_softmax_jacobian_is_fd_jacobian_along_axis():
    rng = np.random.default_rng(5)
    z = rng.standard_normal((2, 4, 3)) * 2
    J = func("softmax_jacobian")(func("softmax")(z, axis=1), axis=1)
    assert J.shape == (2, 3, 4, 4)
    for a in range(2):
        for c in range(3):
            fd = fd4_jacobian(lambda v: func("softmax")(v), z[a, :, c])
            assert_close(J[a, c], fd, FD_RTOL, err_msg=f"softmax_jacobian axis=1 [{a}, :, {c}]")


def _target(rng, shape):
    t = rng.uniform(0.1, 0.9, shape)
    # a target whose rows do not sum to 1 (so that the softmax Jacobian matters)
    assert np.all(np.abs(t.sum(axis=-1) - 1) > 0.05)
    return t


@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_squared_error_delta_is_dE_dz(activation):
    rng = np.random.default_rng(6)
    z = rng.standard_normal((3, 4)) * 1.5
    t = _target(rng, (3, 4))
    sed = func("squared_error_delta")
    fd = fd4_grad(lambda v: sed(v, t, activation=activation).loss, z)
    res = sed(z, t, activation=activation)
    assert_close(res.delta, fd, FD_RTOL, err_msg=f"delta[{activation}] vs FD of the loss")
    if ACTIVATIONS[activation].kind == "rowwise":
        # the full Jacobian form is not the elementwise y (1 - y) (y - t)
        y = res.output
        naive = y * (1 - y) * (y - t)
        diff = np.max(np.abs(res.delta - naive))
        assert diff > 1e-3 * np.max(np.abs(fd)), (
            f"delta[{activation}] equals the elementwise form y(1-y)(y-t)")


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_squared_error_delta_softmax_is_dE_dz_along_axis(axis):
    rng = np.random.default_rng(7)
    z = rng.standard_normal((3, 4)) * 1.5
    t = rng.uniform(0.1, 0.9, (3, 4))
    sed = func("squared_error_delta")
    fd = fd4_grad(lambda v: sed(v, t, activation="softmax", axis=axis).loss, z)
    res = sed(z, t, activation="softmax", axis=axis)
    assert_close(res.delta, fd, FD_RTOL, err_msg=f"softmax delta axis={axis} vs FD")


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "single"])
@pytest.mark.parametrize("activation", LOSS_ACTIVATIONS)
def test_output_layer_grad_is_dE_dw(activation, batch):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 3) if batch else (3,))
    w = rng.standard_normal((3, 5)) * 0.5
    t = _target(rng, (4, 5) if batch else (5,))
    olg = func("output_layer_grad")
    fd = fd4_grad(lambda v: olg(x, v, t, activation=activation).loss, w)
    res = olg(x, w, t, activation=activation)
    assert res.grad_w.shape == w.shape
    assert_close(res.grad_w, fd, FD_RTOL, err_msg=f"grad_w[{activation}] vs FD on w")


# ---------------------------------------------------------------------------
# torch autograd (optional)
# ---------------------------------------------------------------------------


def test_against_torch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    z = rng.standard_normal((4, 6)) * 3
    g = rng.standard_normal((4, 6))
    t = rng.uniform(0, 1, (4, 6))
    tz = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    tg = torch.tensor(g, dtype=torch.float64)
    torch_fwd = {
        "sigmoid": torch.sigmoid, "tanh": torch.tanh,
        "softmax": lambda v: torch.softmax(v, dim=-1),
        "log_softmax": lambda v: torch.log_softmax(v, dim=-1),
    }
    for name, f in torch_fwd.items():
        y = f(tz)
        (grad,) = torch.autograd.grad(y, tz, tg)
        mine_y = func(name)(z)
        assert_close(mine_y, y.detach().numpy(), 1e-12, err_msg=f"{name} vs torch")
        assert_close(func(name + "_backward")(g, mine_y), grad.numpy(), 1e-12,
                     err_msg=f"{name}_backward vs torch autograd")
    F = torch.nn.functional
    for act in LOSS_ACTIVATIONS:
        f = {"identity": lambda v: v, "log_sigmoid": F.logsigmoid, **torch_fwd}.get(
            act, getattr(F, act, None))
        tz.grad = None
        loss = 0.5 * ((f(tz) - torch.tensor(t)) ** 2).sum()
        loss.backward()
        res = func("squared_error_delta")(z, t, activation=act)
        assert_close(res.loss, loss.item(), 1e-12, err_msg=f"loss[{act}] vs torch")
        rtol = 4e-8 if act == "hardsigmoid" else 1e-12  # see test_family_against_torch
        assert_close(res.delta, tz.grad.numpy(), rtol, err_msg=f"delta[{act}] vs torch")


# ---------------------------------------------------------------------------
# the activation family against torch.nn.functional + autograd (optional)
# ---------------------------------------------------------------------------

#: non-default parameters tried besides the defaults
OTHER_PARAMS = {
    "leaky_relu": {"negative_slope": 0.2},
    "elu": {"alpha": 0.5},
    "celu": {"alpha": 2.5},
    "gelu": {"approximate": "tanh"},
    "softplus": {"beta": 2.0, "threshold": 10.0},
    "hardtanh": {"min_val": -2.0, "max_val": 0.5},
}


def _edge_inputs(act):
    pts = [0.0, -0.0, 1e-300, -1e-300, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.0, 2.9, 3.0, -3.0, 5.9,
           6.0, 6.1, 19.0, -19.0, 40.0, -40.0, 700.0, -700.0]
    pts += list(ACTIVATIONS[act].breakpoints)
    return np.array(pts)


@pytest.mark.parametrize("act", [a for a in PUBLIC_ELEMENTWISE if a not in ("sigmoid", "tanh")])
def test_family_against_torch(act):
    """Forward and backward match torch.nn.functional and autograd in float64."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    tf = getattr(F, {"log_sigmoid": "logsigmoid"}.get(act, act))
    rng = np.random.default_rng(11)
    z = np.concatenate([rng.standard_normal(200) * 4, _edge_inputs(act)])
    g = rng.standard_normal(z.size)
    for params in ({}, OTHER_PARAMS.get(act)):
        if params is None:
            continue
        zz = z
        if act == "softplus":
            # above its threshold PyTorch returns z, which is not the softplus there
            beta, thr = params.get("beta", 1.0), params.get("threshold", 20.0)
            zz = z[beta * z <= thr]
        tz = torch.tensor(zz, dtype=torch.float64, requires_grad=True)
        ty = tf(tz, **params)
        (tgrad,) = torch.autograd.grad(ty, tz, torch.tensor(g[:zz.size], dtype=torch.float64))
        y = func(act)(zz, **params)
        assert_close(y, ty.detach().numpy(), 1e-12, err_msg=f"{act}({params}) vs torch")
        if act != "tanhshrink":  # odd here: -0 at -0, where z - tanh(z) gives +0
            zero = zz == 0
            np.testing.assert_array_equal(np.signbit(y[zero]), np.signbit(ty.detach().numpy()[zero]),
                                          err_msg=f"{act}({params}) at +-0: the sign vs torch")
        s = saved(act, zz, y)
        # PyTorch's hardsigmoid backward multiplies by 1.0f / 6.0f, a float32
        # constant, also in float64 (relative error 3e-8); ours is 1/6 in the dtype
        rtol = 4e-8 if act == "hardsigmoid" else 1e-12
        assert_close(func(act + "_backward")(g[:zz.size], s, **params), tgrad.numpy(), rtol,
                     err_msg=f"{act}_backward({params}) vs torch autograd")
        assert_close(func(act + "_derivative")(zz, **params) * g[:zz.size], tgrad.numpy(), rtol,
                     err_msg=f"{act}_derivative({params}) vs torch autograd")


def test_cross_entropy_against_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(12)
    z = rng.standard_normal((6, 5)) * 3
    z[0] = [1e4, -1e4, 0.0, 5e3, -5e3]          # huge logits stay finite and exact
    idx = rng.integers(0, 5, 6)
    probs = rng.dirichlet(np.ones(5), 6)
    for target, ttarget in ((idx, torch.tensor(idx)), (probs, torch.tensor(probs))):
        tz = torch.tensor(z, requires_grad=True)
        loss = F.cross_entropy(tz, ttarget, reduction="sum")
        loss.backward()
        res = func("softmax_cross_entropy_delta")(z, target)
        assert np.isfinite(res.loss) and np.all(np.isfinite(res.delta))
        assert_close(res.loss, loss.item(), 1e-12, err_msg="softmax cross-entropy loss vs torch")
        assert_close(res.delta, tz.grad.numpy(), 1e-12, err_msg="softmax cross-entropy delta")
    t = rng.uniform(0, 1, z.shape)
    tz = torch.tensor(z, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(tz, torch.tensor(t), reduction="sum")
    loss.backward()
    res = func("sigmoid_binary_cross_entropy_delta")(z, t)
    assert_close(res.loss, loss.item(), 1e-12, err_msg="binary cross-entropy loss vs torch")
    assert_close(res.delta, tz.grad.numpy(), 1e-12, err_msg="binary cross-entropy delta")


@pytest.mark.parametrize("targets", ["indices", "probabilities"])
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_cross_entropy_delta_is_fd_gradient(targets, axis):
    rng = np.random.default_rng(13)
    z = rng.standard_normal((4, 5)) * 2
    if targets == "indices":
        t = rng.integers(0, z.shape[axis], z.shape[1 - (axis % 2)])
    else:
        t = np.moveaxis(rng.dirichlet(np.ones(z.shape[axis]), z.shape[1 - (axis % 2)]), -1, axis)
    f = func("softmax_cross_entropy_delta")
    fd = fd4_grad(lambda v: f(v, t, axis=axis).loss, z)
    assert_close(f(z, t, axis=axis).delta, fd, FD_RTOL, err_msg="softmax CE delta vs FD")


def test_sigmoid_binary_cross_entropy_delta_is_fd_gradient():
    rng = np.random.default_rng(14)
    z = rng.standard_normal((4, 5)) * 3
    t = rng.uniform(0, 1, (4, 5))
    f = func("sigmoid_binary_cross_entropy_delta")
    fd = fd4_grad(lambda v: f(v, t).loss, z)
    assert_close(f(z, t).delta, fd, FD_RTOL, err_msg="binary CE delta vs FD")


@pytest.mark.parametrize("activation", ["softmax", "sigmoid"])
def test_output_layer_grad_cross_entropy_is_fd(activation):
    rng = np.random.default_rng(15)
    x = rng.standard_normal((4, 3))
    w = rng.standard_normal((3, 5)) * 0.5
    t = rng.integers(0, 5, 4) if activation == "softmax" else rng.uniform(0, 1, (4, 5))
    olg = func("output_layer_grad")
    fd = fd4_grad(lambda v: olg(x, v, t, activation=activation, loss="cross_entropy").loss, w)
    res = olg(x, w, t, activation=activation, loss="cross_entropy")
    assert_close(res.grad_w, fd, FD_RTOL, err_msg=f"grad_w[{activation}, cross_entropy] vs FD")
