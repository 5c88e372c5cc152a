"""The public names, their signatures, activation names and the result types."""

import inspect

import numpy as np
import pytest

import cactivations as ca
from _helpers import (
    ACTIVATIONS, CASES, LOSS_ACTIVATIONS, PUBLIC_ELEMENTWISE, PUBLIC_NAMES, PUBLIC_ROWWISE, case_params,
    func, sample,
)

_ = inspect.Parameter.empty


def _expected_signatures():
    """name -> (positional-only array arguments, {keyword-only option: default}), as API.md."""
    sigs = {}
    for a in PUBLIC_ELEMENTWISE:
        params = {p.name: p.default for p in ACTIVATIONS[a].params}
        saved = "output" if ACTIVATIONS[a].backward_from == "output" else "z"
        sigs[a] = (("z",), {**params, "out": None})
        sigs[a + "_derivative"] = (("z",), {**params, "out": None})
        sigs[a + "_backward"] = (("grad_output", saved), {**params, "out": None})
    for a in PUBLIC_ROWWISE:
        sigs[a] = (("z",), {"axis": -1, "out": None})
        sigs[a + "_backward"] = (("grad_output", "output"), {"axis": -1, "out": None})
    sigs.update({
        "sigmoid": (("z",), {"out": None}),
        "tanh": (("z",), {"out": None}),
        "softmax": (("z",), {"axis": -1, "out": None}),
        "log_softmax": (("z",), {"axis": -1, "out": None}),
        "logit": (("p",), {"out": None}),
        "sigmoid_derivative": (("z",), {"out": None}),
        "tanh_derivative": (("z",), {"out": None}),
        "sigmoid_backward": (("grad_output", "output"), {"out": None}),
        "tanh_backward": (("grad_output", "output"), {"out": None}),
        "softmax_backward": (("grad_output", "output"), {"axis": -1, "out": None}),
        "log_softmax_backward": (("grad_output", "output"), {"axis": -1, "out": None}),
        "softmax_jacobian": (("output",), {"axis": -1}),
        "squared_error": (("output", "target"), {}),
        "squared_error_delta": (("z", "target"), {"activation": "sigmoid", "axis": -1,
                                                  "out": None}),
        "output_layer_grad": (("x", "w", "target"), {"activation": "sigmoid",
                                                      "loss": "squared_error"}),
        "softmax_cross_entropy_delta": (("z", "target"), {"axis": -1, "out": None}),
        "sigmoid_binary_cross_entropy_delta": (("z", "target"), {"out": None}),
    })
    return sigs


SIGNATURES = _expected_signatures()
RESULT_TYPES = {
    "SquaredErrorDelta": ("loss", "delta", "output"),
    "CrossEntropyDelta": ("loss", "delta", "output"),
    "OutputLayerGrad": ("loss", "grad_w", "delta", "output"),
}
API_NAMES = sorted(SIGNATURES) + sorted(RESULT_TYPES)


def test_every_api_name_is_in___all__():
    missing = [n for n in API_NAMES if n not in ca.__all__]
    assert not missing, f"missing from cactivations.__all__: {missing}"
    for n in ca.__all__:
        assert hasattr(ca, n), f"__all__ names {n!r}, which does not exist"


def test_the_contract_table_covers_the_api():
    assert set(PUBLIC_NAMES) == set(SIGNATURES)


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature(name):
    f = getattr(ca, name)
    assert callable(f)
    params = list(inspect.signature(f).parameters.values())
    arrays, options = SIGNATURES[name]
    got_arrays = params[: len(arrays)]
    assert [p.name for p in got_arrays] == list(arrays), f"{name}: {params}"
    for p in got_arrays:
        assert p.kind is p.POSITIONAL_ONLY, f"{name}: {p.name} is {p.kind.description}"
        assert p.default is _, f"{name}: {p.name} has a default"
    rest = params[len(arrays):]
    for p in rest:
        assert p.kind is p.KEYWORD_ONLY, f"{name}: {p.name} is {p.kind.description}"
        assert p.default is not _, f"{name}: option {p.name} has no default"
    defaults = {p.name: p.default for p in rest}
    for k, d in options.items():
        assert k in defaults, f"{name} has no keyword {k!r}"
        assert defaults[k] == d and type(defaults[k]) is type(d), (
            f"{name}: default of {k} is {defaults[k]!r}, expected {d!r}")


@pytest.mark.parametrize("case", case_params())
def test_array_arguments_are_positional_only(case):
    args = sample(case)
    with pytest.raises(TypeError):
        case(*args[:-1], **{case.argnames[-1]: args[-1]})


@pytest.mark.parametrize("case", case_params([c for c in CASES if c.has_axis or c.opts]))
def test_options_are_keyword_only(case):
    args = sample(case)
    opt = -1 if case.has_axis else case.opts["activation"]
    f = func(case.name)
    with pytest.raises(TypeError):
        f(*args, opt)


@pytest.mark.parametrize("name", ["squared_error_delta", "output_layer_grad"])
def test_default_activation_is_sigmoid(name):
    case = next(c for c in CASES if c.name == name)
    args = sample(case)
    a = func(name)(*args)
    b = func(name)(*args, activation="sigmoid")
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("bad", ["swish2", "", "log_softmax", "gelu_tanh"])
@pytest.mark.parametrize("name", ["squared_error_delta", "output_layer_grad"])
def test_unknown_activation(name, bad):
    case = next(c for c in CASES if c.name == name)
    with pytest.raises(ValueError) as exc:
        func(name)(*sample(case), activation=bad)
    msg = str(exc.value)
    for known in LOSS_ACTIVATIONS:
        assert repr(known) in msg or known in msg, f"{known!r} not listed in {msg!r}"


@pytest.mark.parametrize("name", ["squared_error_delta", "output_layer_grad"])
def test_every_loss_activation_is_accepted(name):
    case = next(c for c in CASES if c.name == name)
    for act in LOSS_ACTIVATIONS:
        res = func(name)(*sample(case), activation=act)
        assert np.isfinite(res.loss)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64, np.bool_],
                         ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", case_params([c for c in CASES if c.result in ("sed", "olg")]))
def test_result_named_tuples(case, dtype):
    tname = ("OutputLayerGrad" if case.result == "olg" else
             "CrossEntropyDelta" if "cross_entropy" in case.name else "SquaredErrorDelta")
    fields = RESULT_TYPES[tname]
    args = [a.astype(dtype) for a in sample(case)]
    res = case(*args)
    rt = type(res)
    assert isinstance(res, tuple) and rt.__name__ == tname
    assert rt._fields == fields
    assert tuple(getattr(rt, "__annotations__", {})) == fields, "not a typing.NamedTuple"
    if hasattr(ca, tname):
        assert getattr(ca, tname) is rt
    assert len(res) == len(fields)
    unpacked = tuple(res)
    for k, f in enumerate(fields):
        assert unpacked[k] is getattr(res, f)
    loss, *_rest = res
    rdt = np.float64 if np.dtype(dtype).kind in "biu" else dtype
    assert isinstance(loss, np.ndarray) and loss.shape == () and loss.dtype == rdt
    for f in fields[1:]:
        assert isinstance(getattr(res, f), np.ndarray) and getattr(res, f).dtype == rdt


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.uint8],
                         ids=lambda d: np.dtype(d).name)
def test_squared_error_returns_0d_array(dtype):
    case = next(c for c in CASES if c.name == "squared_error")
    res = case(*[a.astype(dtype) for a in sample(case)])
    rdt = np.float64 if np.dtype(dtype).kind in "biu" else dtype
    assert type(res) is np.ndarray and res.shape == () and res.dtype == rdt
