"""Dask arrays in, lazy Dask arrays out.

Every public function of cactivations accepts a ``dask.array.Array`` for any of
its array arguments and returns Dask arrays (a NamedTuple of them for the
fused losses) that nothing has computed yet.  Each block is computed by the
same compiled kernel as a NumPy call, so the results are those of NumPy input
up to the order in which a loss is summed over the blocks.

How each function splits the work is ``STRATEGY``, the one table of this
module (the names of the elementwise and rowwise activations come from the
registry, so a new row of ``_registry.ACTIVATIONS`` is covered):

``"blockwise"``
    elementwise: every block on its own (``map_blocks``); arguments broadcast
    and are rechunked like the first Dask argument.
``"rows"``
    softmax family: the ``axis`` is rechunked into one chunk (other axes keep
    their chunks), every block is a set of whole rows; ``softmax_jacobian``
    adds the (K, K) axes.
``"reduction"``
    ``squared_error``: one partial sum per block, then a sum (a lazy 0-d array).
``"fused"``
    the fused losses (``squared_error_delta`` and the cross-entropy deltas):
    blockwise (elementwise activation) or by rows (softmax), one kernel call per
    block gives the block's arrays and its partial loss; the loss is the lazy
    sum of the partial losses.
``"layer"``
    ``output_layer_grad``: the batch of ``x`` is split by rows (the columns of
    ``x`` and all of ``w`` in one chunk); per row block the fused call gives the
    loss and ``x_b^T delta_b``, which are summed, and the rows of ``delta`` and
    ``output``.

The hook costs nothing on the common call: the public functions reach this
module only from their slow path (``_dispatch.run`` before coercion, the top of
``output_layer_grad``), and only when ``dask.array`` is already in
``sys.modules`` -- cactivations never imports Dask itself.
"""

import sys

import numpy as np

from ._registry import ACTIVATIONS

_WEAK = (bool, int, float)


def _strategies():
    table = {}
    for a in ACTIVATIONS.values():
        if not a.public:
            continue
        if a.kind == "elementwise":
            for suffix in ("", "_derivative", "_backward"):
                table[a.name + suffix] = "blockwise"
        elif a.kind == "rowwise":
            for suffix in ("", "_backward"):
                table[a.name + suffix] = "rows"
    table.update({
        "logit": "blockwise",
        "log_softmax": "rows",
        "log_softmax_backward": "rows",
        "softmax_jacobian": "rows",
        "squared_error": "reduction",
        "squared_error_delta": "fused",
        "softmax_cross_entropy_delta": "fused",
        "sigmoid_binary_cross_entropy_delta": "fused",
        "output_layer_grad": "layer",
    })
    return table


#: public function name -> how its Dask version splits the work (see above)
STRATEGY = _strategies()


def _dask_array():
    return sys.modules.get("dask.array")


def is_lazy(args):
    """Is one of ``args`` a Dask array?"""
    da = _dask_array()
    return da is not None and any(isinstance(a, da.Array) for a in args)


def _strategy(fname, out=None):
    try:
        strategy = STRATEGY[fname]
    except KeyError:
        raise TypeError(
            f"{fname}: Dask arrays are not supported (no entry in cactivations._dask.STRATEGY)"
        ) from None
    if out is not None:
        raise TypeError(f"{fname}: out= cannot be used with Dask arrays (the result is lazy)")
    return strategy


def _as_dask(a):
    """A Dask array for an array argument; Python scalars stay (weak) scalars."""
    da = _dask_array()
    if isinstance(a, da.Array) or type(a) in _WEAK:
        return a
    return da.from_array(np.asarray(a), chunks=-1)


def _tiny(a, shape):
    """A small NumPy stand-in of ``a`` (for the result types; 0.5 is in every domain)."""
    if type(a) in _WEAK:
        return a
    return np.full(shape, 0.5, dtype=a.dtype)


def _f64(value):
    return np.asarray(value, dtype=np.float64)


def _sum_blocks(values, shape=()):
    """The lazy float64 sum of the Delayed ``values`` (arrays of ``shape``)."""
    import dask
    import dask.array as da

    parts = [da.from_delayed(dask.delayed(_f64, pure=True)(v), shape=shape, dtype=np.float64)
             for v in values]
    return da.stack(parts).sum(axis=0) if len(parts) > 1 else parts[0]


def _assemble(pieces, chunks, dtype):
    """One Dask array from a grid (object ndarray) of Delayed blocks."""
    import dask.array as da

    def nested(idx):
        if len(idx) == len(chunks):
            shape = tuple(c[i] for c, i in zip(chunks, idx))
            return da.from_delayed(pieces[idx], shape=shape, dtype=dtype)
        return [nested(idx + (i,)) for i in range(len(chunks[len(idx)]))]

    return da.block(nested(()))


def _block_call(call, *blocks):
    outs, ret, _ = call(*blocks)
    return tuple(outs), (float(ret) if isinstance(ret, (float, np.floating)) else None)


def run(dispatch_run, fname, kernel, args, *, nout=1, out=None, axis=None,
        shape_of_first=False, check_axis=None):
    """``_dispatch.run`` for arguments of which one is a Dask array.

    Returns what ``_dispatch.run`` returns -- (outputs, the kernel's return
    value, result dtype) -- with Dask arrays in place of the arrays and of a
    loss, so that the public function's own finishing steps apply unchanged.
    Every block is computed by ``dispatch_run`` itself, on NumPy blocks.
    """
    import dask
    import dask.array as da

    from ._dispatch import coerce, normalize_axis, result_shape

    _strategy(fname, out)
    args = [_as_dask(a) for a in args]
    dask_at = [i for i, a in enumerate(args) if isinstance(a, da.Array)]
    _, _, result = coerce(fname, [_tiny(a, ()) for a in args])  # dtype checks
    shape = result_shape(fname, args, shape_of_first, check_axis)
    ndim = len(shape)
    ax = None if axis is None else normalize_axis(fname, axis, ndim)

    # every Dask argument of the full shape, chunked like the first one
    ref = next((args[i] for i in dask_at if args[i].shape == shape),
               da.broadcast_to(args[dask_at[0]], shape))
    for i, a in enumerate(args):
        if type(a) not in _WEAK:
            a = a if a.shape == shape else da.broadcast_to(a, shape)
            args[i] = a.rechunk(ref.chunks)
    if ax is not None:  # whole rows, the axis last
        if ndim == 0:
            args = [a if type(a) in _WEAK else a.reshape(1) for a in args]
        else:
            args = [a if type(a) in _WEAK else da.moveaxis(a, ax, -1) for a in args]
        args = [a if type(a) in _WEAK else a.rechunk({a.ndim - 1: -1}) for a in args]
    elif ndim == 0:
        args = [a if type(a) in _WEAK else a.reshape(1) for a in args]
    arrays = [a for a in args if type(a) not in _WEAK]
    nd = arrays[0].ndim
    chunks = arrays[0].chunks

    # the block function holds the scalars, never a Dask array (it is tokenized
    # and, on a cluster, shipped to the workers)
    scalars = {i: a for i, a in enumerate(args) if type(a) in _WEAK}
    n_args, row_axis = len(args), None if ax is None else -1

    def call(*blocks):
        it = iter(blocks)
        full = [scalars[i] if i in scalars else next(it) for i in range(n_args)]
        return dispatch_run(fname, kernel, full, nout=nout, axis=row_axis)

    def back(y):  # an output of the working shape, back to the result's layout
        if ax is None:
            return y.reshape(()) if ndim == 0 else y
        return y.reshape(()) if ndim == 0 else da.moveaxis(y, -1, ax)

    outs, ret, _ = call(*[_tiny(a, (1,) * nd) for a in arrays])
    meta = [np.empty((0,) * nd, o.dtype) for o in outs]
    if nout == 0 and isinstance(ret, np.ndarray):  # the Jacobian: one more axis
        J = da.map_blocks(lambda *b: call(*b)[1], *arrays, dtype=ret.dtype,
                          new_axis=nd, chunks=chunks + ((chunks[-1][0],),),
                          meta=np.empty((0,) * (nd + 1), ret.dtype))
        return [], J, result
    # the kernel's return value: a loss (a float, summed over the blocks), one
    # of the outputs (elementwise kernels return their output), or None
    loss = isinstance(ret, (float, np.floating))
    same = next((k for k, o in enumerate(outs) if ret is o), None)
    if not (loss or ret is None or same is not None):
        raise TypeError(f"{fname}: cannot split this kernel's result over Dask blocks")
    if nout == 1 and not loss:
        y = back(da.map_blocks(lambda *b: call(*b)[0][0], *arrays, dtype=outs[0].dtype,
                               meta=meta[0]))
        return [y], (None if same is None else y), result

    grid = np.empty(arrays[0].numblocks, dtype=object)
    delayed_blocks = [a.to_delayed() for a in arrays]
    for idx in np.ndindex(grid.shape):
        grid[idx] = dask.delayed(_block_call, pure=True)(call, *[b[idx] for b in delayed_blocks])
    ys = []
    for k, m in enumerate(meta):
        pieces = np.empty(grid.shape, dtype=object)
        for idx in np.ndindex(grid.shape):
            pieces[idx] = grid[idx][0][k]
        ys.append(back(_assemble(pieces, chunks, m.dtype)))
    if loss:
        return ys, _sum_blocks([g[1] for g in grid.flat]), result
    return ys, (None if same is None else ys[same]), result


def call(fname, args, kwargs):
    """A public function whose Dask version is not a single ``_dispatch.run``:
    ``output_layer_grad`` (the "layer" strategy)."""
    strategy = _strategy(fname)
    if strategy != "layer":  # pragma: no cover - the others go through run
        raise TypeError(f"{fname}: strategy {strategy!r} is not a whole-call strategy")
    return _layer(fname, args, kwargs)


def _layer(fname, args, kwargs):
    import dask
    import dask.array as da

    import cactivations

    f = getattr(cactivations, fname)
    x, w, t = (_as_dask(a) for a in args)
    if type(x) in _WEAK or type(w) in _WEAK:
        x, w = (np.asarray(a) if type(a) in _WEAK else a for a in (x, w))
    if x.ndim not in (1, 2) or w.ndim != 2 or x.shape[-1] != w.shape[0]:
        raise ValueError(
            f"{fname}: expected x of shape (N, M) or (M,) and w of shape (M, K); "
            f"got x {x.shape} and w {w.shape}")
    zshape = x.shape[:-1] + (w.shape[1],)
    tshape = np.shape(t)
    if np.broadcast_shapes(tshape, zshape) != zshape:
        raise ValueError(
            f"{fname}: target of shape {tshape} does not broadcast to the shape {zshape} of z")
    # the result type and which fields are summed over the row blocks
    tiny_rows = (1,) * (x.ndim - 1)
    meta = f(_tiny(x, tiny_rows + x.shape[-1:]), _tiny(w, w.shape),
             _tiny(t, tiny_rows + (w.shape[1],)) if type(t) not in _WEAK else t, **kwargs)

    def as_da(a):
        return a if isinstance(a, da.Array) else da.from_array(np.asarray(a), chunks=-1)

    x, w = as_da(x), as_da(w).rechunk(-1)
    if x.ndim == 1:
        x = x.rechunk(-1)
        row_chunks = ()
    else:
        x = x.rechunk({1: -1})
        row_chunks = (x.chunks[0],)
    if type(t) not in _WEAK:
        t = da.broadcast_to(as_da(t), zshape).rechunk(row_chunks + ((w.shape[1],),))
    xs = x.to_delayed().reshape(-1)
    ts = t.to_delayed().reshape(-1) if type(t) not in _WEAK else [t] * len(xs)
    wd = w.to_delayed().reshape(-1)[0]
    parts = [dask.delayed(f, pure=True)(xb, wd, tb, **kwargs) for xb, tb in zip(xs, ts)]

    fields = []
    for k, (name, value) in enumerate(zip(meta._fields, meta)):
        value = np.asarray(value)
        if value.ndim == 0:  # a loss
            total = _sum_blocks([p[k] for p in parts])
            fields.append(total.astype(value.dtype))
        elif name.startswith("grad") and value.shape == w.shape:  # x_b^T delta_b
            fields.append(_sum_blocks([p[k] for p in parts], w.shape).astype(value.dtype))
        else:  # rows of z
            pieces = np.empty((len(parts), 1), dtype=object)
            for i, p in enumerate(parts):
                pieces[i, 0] = p[k]
            if x.ndim == 1:
                fields.append(da.from_delayed(pieces[0, 0], shape=zshape, dtype=value.dtype))
            else:
                fields.append(_assemble(pieces, row_chunks + ((w.shape[1],),), value.dtype))
    return type(meta)(*fields)
