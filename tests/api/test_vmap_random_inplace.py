"""vmap and random numbers (the three ``randomness`` modes), in-place ops on batched tensors
(and the refusal to write a batched value into an unbatched one), data-dependent indexing,
and nested vmap of shape and indexing ops against a double loop."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.interpreters.vmap import VmapFallbackWarning
from tests.ops.opinfo import OPS

B = 4


@pytest.fixture(autouse=True)
def _no_fallback():
    # Every op below has a batch rule: the slow loop would be a regression.
    with warnings.catch_warnings():
        warnings.simplefilter("error", VmapFallbackWarning)
        yield


def _rows(t) -> list:
    return [tuple(np.asarray(r).ravel().tolist()) for r in t.numpy()]


# -- randomness="error" | "different" | "same" -------------------------------------------------

_DRAWS = {
    "random": lambda rng: rng.random(5),
    "standard_normal": lambda rng: rng.standard_normal(5),
    "normal": lambda rng: rng.normal(1.0, 2.0, size=5),
    "uniform": lambda rng: rng.uniform(-1.0, 1.0, size=5),
    "integers": lambda rng: rng.integers(0, 1000, size=5),
    "permutation": lambda rng: rng.permutation(8),
    "choice": lambda rng: rng.choice(1000, size=5),
    "choice without replacement": lambda rng: rng.choice(8, size=5, replace=False),
    "choice with p": lambda rng: rng.choice(8, size=5, p=np.full(8, 0.125)),
    "choice with p, without replacement": lambda rng: rng.choice(8, size=5, replace=False,
                                                                  p=np.full(8, 0.125)),
}


def _draw_in_vmap(draw, randomness, seed=0):
    rng = lnp.random.default_rng(seed)
    x = lnp.zeros((B, 1))
    return lm.vmap(lambda x: draw(rng) + x, randomness=randomness)(x)


@pytest.mark.parametrize("name", list(_DRAWS))
def test_randomness_error_explains_the_choices(name):
    with pytest.raises(RuntimeError) as info:
        _draw_in_vmap(_DRAWS[name], "error")
    message = str(info.value)
    assert "randomness='error'" in message
    assert "randomness='different'" in message and "randomness='same'" in message
    assert "random_" in message  # names the random primitive


def test_randomness_error_is_the_default():
    x = lnp.zeros((B, 3))
    with pytest.raises(lm.LaminaRuntimeError, match="different"):
        lm.vmap(lambda x: x + lnp.random.random(3))(x)


@pytest.mark.parametrize("name", list(_DRAWS))
def test_randomness_different_gives_each_element_its_own_draw(name):
    out = _draw_in_vmap(_DRAWS[name], "different")
    assert out.shape[0] == B
    rows = _rows(out)
    assert len(set(rows)) == B, f"{name}: batch elements share draws: {rows}"
    if "permutation" in name:
        assert all(sorted(r) == list(range(8)) for r in rows)
    if "without replacement" in name:
        assert all(len(set(r)) == len(r) for r in rows)


@pytest.mark.parametrize("name", list(_DRAWS))
def test_randomness_same_gives_every_element_the_same_draw(name):
    out = _draw_in_vmap(_DRAWS[name], "same")
    rows = _rows(out)
    assert len(set(rows)) == 1, f"{name}: batch elements drew differently: {rows}"


def test_shuffle_of_a_batched_copy_under_randomness_different():
    rng = lnp.random.default_rng(10)

    def f(x):
        y = x * 1
        rng.shuffle(y)
        return y

    out = lm.vmap(f, randomness="different")(lnp.asarray(np.tile(np.arange(6.0), (B, 1))))
    rows = _rows(out)
    assert len(set(rows)) == B and all(sorted(r) == list(range(6)) for r in rows)


def test_randomness_different_draws_are_independent_uniforms():
    rng = lnp.random.default_rng(3)
    u = lm.vmap(lambda x: x + rng.random(200), randomness="different")(lnp.zeros((500, 1)))
    a = u.numpy()
    assert a.shape == (500, 200)
    assert abs(a.mean() - 0.5) < 0.005 and abs(a.std() - (1 / 12) ** 0.5) < 0.004
    # Element b's draws are not correlated with element b + 1's.
    assert abs(np.corrcoef(a[:-1].ravel(), a[1:].ravel())[0, 1]) < 0.01


def test_randomness_different_permutations_are_uniform():
    rng = lnp.random.default_rng(4)
    perms = lm.vmap(lambda x: x + rng.permutation(3), randomness="different")(
        lnp.zeros((6000, 1), dtype=np.int64))
    counts = {}
    for r in _rows(perms):
        counts[r] = counts.get(r, 0) + 1
    assert len(counts) == 6 and all(abs(c / 6000 - 1 / 6) < 0.03 for c in counts.values())


def test_randomness_with_a_batched_parameter():
    # The batched location shifts each element's draw; "same" shares the standard draw.
    loc = lnp.asarray(np.arange(B, dtype=np.float64) * 100)
    for randomness in ("same", "different"):
        rng = lnp.random.default_rng(5)
        out = lm.vmap(lambda m, rng=rng: rng.normal(m, 1.0, size=3),
                      randomness=randomness)(loc).numpy()
        assert out.shape == (B, 3)
        centred = out - loc.numpy()[:, None]
        assert (len({tuple(r) for r in centred.round(12)}) == 1) == (randomness == "same")


@pytest.mark.parametrize("replace", [True, False])
def test_choice_with_batched_p(replace):
    p = np.random.default_rng(6).random((3, 6))
    p /= p.sum(axis=1, keepdims=True)
    # "same": one set of uniforms for every row of p, so each element gets exactly what the
    # unbatched draw with the same seed gives.
    rng = lnp.random.default_rng(7)
    got = lm.vmap(lambda p: rng.choice(6, size=4, replace=replace, p=p), randomness="same")(
        lnp.asarray(p))
    for b in range(3):
        want = lnp.random.default_rng(7).choice(6, size=4, replace=replace, p=lnp.asarray(p[b]))
        np.testing.assert_array_equal(got.numpy()[b], want.numpy())
    # A row of p with a single nonzero weight always draws that index.
    one_hot = np.eye(6)[[1, 4, 2]]
    rng = lnp.random.default_rng(8)
    picks = lm.vmap(lambda p: rng.choice(6, size=1 if not replace else 5, replace=replace, p=p),
                    randomness="different")(lnp.asarray(one_hot)).numpy()
    assert all(set(row) == {k} for row, k in zip(picks, (1, 4, 2), strict=True))


def test_nested_vmap_randomness_different():
    rng = lnp.random.default_rng(9)
    inner = lm.vmap(lambda x: x + rng.random(2), randomness="different")
    out = lm.vmap(inner, randomness="different")(lnp.zeros((3, 4, 1)))
    assert out.shape == (3, 4, 2)
    assert len({tuple(r) for r in out.numpy().reshape(12, 2)}) == 12


# -- in-place ops whose target is batched ---------------------------------------------------------

def _loop(f, *xs):
    return np.stack([f(*(lnp.asarray(x[b]) for x in xs)).numpy() for b in range(len(xs[0]))])


def _inplace_sequence(x):
    y = x * 1
    y[0] = 5.0
    y += 1
    return y


def _mutate_views(x):
    y = x * 1
    tail = y[1:]  # a view: writes reach y
    tail += 10
    col = y.reshape(2, 3)[:, 0]  # a view of a view
    col[...] = -1.0
    y.T[2] = 7.0
    return y


def _mutate_fancy_and_copyto(x):
    y = x * 1
    y[[0, 2]] = y[[2, 0]]
    lnp.copyto(y[3:], 0.5)
    y[y > 100] = 0.0  # a mask over all of y: kept lazy as a where, fine when batched
    return y


@pytest.mark.parametrize("f", [_inplace_sequence, _mutate_views, _mutate_fancy_and_copyto])
@pytest.mark.parametrize("in_dim", [0, 1])
def test_inplace_on_batched_targets_matches_a_loop(f, in_dim):
    x = np.random.default_rng(10).normal(size=(B, 6)) * 50
    got = lm.vmap(f, in_dims=in_dim)(lnp.asarray(x if in_dim == 0 else x.T))
    np.testing.assert_allclose(got.numpy(), _loop(f, x))


def test_inplace_write_of_a_batched_value_into_a_batched_copy():
    def f(x, v):
        y = x * 1
        y[1:3] = v
        return y

    x = np.random.default_rng(11).normal(size=(B, 5))
    v = np.random.default_rng(12).normal(size=(B, 2))
    got = lm.vmap(f)(lnp.asarray(x), lnp.asarray(v))
    np.testing.assert_allclose(got.numpy(), _loop(f, x, v))
    # An unbatched value written into a batched target: broadcast to every element.
    got = lm.vmap(f, in_dims=(0, None))(lnp.asarray(x), lnp.asarray(v[0]))
    np.testing.assert_allclose(got.numpy(), _loop(f, x, np.stack([v[0]] * B)))


_CAPTURED_WRITES = {
    "setitem_": lambda c, x: c.__setitem__(0, x[0]),
    "add_": lambda c, x: c.__iadd__(x),
    "copyto_": lambda c, x: lnp.copyto(c, x),
}


@pytest.mark.parametrize("op", list(_CAPTURED_WRITES))
def test_writing_a_batched_value_into_a_captured_tensor_raises(op):
    captured = lnp.zeros(3)
    write = _CAPTURED_WRITES[op]

    def f(x):
        write(captured, x)
        return x

    with pytest.raises(RuntimeError) as info:
        lm.vmap(f)(lnp.ones((B, 3)))
    message = str(info.value)
    assert f"({op})" in message and "functionalize" in message
    np.testing.assert_array_equal(captured.numpy(), np.zeros(3))  # nothing was written


def test_writing_into_a_tensor_made_from_unbatched_values_raises():
    def f(x, v):
        y = x.copy()  # x is not batched here: neither is y
        y[0] = v
        return y

    with pytest.raises(RuntimeError, match="setitem_"):
        lm.vmap(f, in_dims=(None, 0))(lnp.zeros(3), lnp.ones(B))


_LIKE = {
    "zeros_like": lambda x: lnp.zeros_like(x),
    "ones_like": lambda x: lnp.ones_like(x, dtype=np.float32),
    "empty_like": lambda x: lnp.empty_like(x),
    "full_like": lambda x: lnp.full_like(x, 7.5),
}


@pytest.mark.parametrize("name", list(_LIKE))
def test_like_creation_of_a_batched_tensor_is_batched(name):
    # NOTE [creation under vmap]: as in torch.func, each element gets its own buffer, so
    # writing per-element values into it matches a loop.
    make = _LIKE[name]

    def f(x):
        y = make(x)
        y[1:3] = x[:2] * 2
        y += x[0]
        return y

    x = np.random.default_rng(13).normal(size=(B, 5))
    np.testing.assert_allclose(lm.vmap(f)(lnp.asarray(x)).numpy(), _loop(f, x))
    np.testing.assert_allclose(lm.vmap(f, in_dims=1)(lnp.asarray(x.T)).numpy(), _loop(f, x))
    assert lm.vmap(make)(lnp.asarray(x)).dtype == make(lnp.asarray(x[0])).dtype
    # Through grad and nested vmap: the buffer passes gradients of what was written only.
    g = lm.vmap(lm.grad(lambda x: (f(x) ** 2).sum()))(lnp.asarray(x))
    g_loop = [lm.grad(lambda x: (f(x) ** 2).sum())(lnp.asarray(r)).numpy() for r in x]
    np.testing.assert_allclose(g.numpy(), np.stack(g_loop))
    xx = np.random.default_rng(14).normal(size=(2, B, 5))
    np.testing.assert_allclose(lm.vmap(lm.vmap(f))(lnp.asarray(xx)).numpy(),
                               np.stack([_loop(f, r) for r in xx]))


def test_like_creation_stays_unbatched_where_nothing_batches_it():
    captured = lnp.ones(3)
    seen = []

    def f(x):
        for y in (lnp.zeros_like(captured), lnp.zeros_like(x, shape=(2,))):
            seen.append(repr(y))
        return x

    lm.vmap(f)(lnp.ones((B, 3)))
    assert all(text.startswith("Tensor(") for text in seen), seen  # plain, not BatchedTensor


# -- the in-place rows of the OpInfo table, with their target batched --------------------------
# NOTE [in-place rows under vmap] (tests/ops/rows/shape.py): test_vmap xfails these rows because
# one placement batches only the written value; here every placement that batches the target
# is compared with a loop, and the refused placements are checked to raise.

_INPLACE_ROWS = [info for info in OPS  # their target is the first argument
                 if info.name.startswith("setitem_") or info.name in ("copyto", "put_along_axis")]


def _to_lamina(a):
    if isinstance(a, np.ndarray):
        return lnp.asarray(a)
    if isinstance(a, tuple):
        return tuple(_to_lamina(e) for e in a)
    return a


@pytest.mark.parametrize("info", _INPLACE_ROWS, ids=lambda info: info.name)
def test_inplace_rows_with_a_batched_target(info):
    dtype = info.dtypes[0]
    rng = np.random.default_rng(13)
    checked = 0
    for sample in info.samples(rng, dtype):
        args, kwargs = sample.args, _to_lamina(sample.kwargs)

        def op(*a, kwargs=kwargs):
            return info.op(*a, **kwargs)

        # Boolean masks stay unbatched (a batched mask needs nonzero: tested below).
        arrays = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype != bool]
        target = 0
        others = [i for i in arrays if i != target]
        variants = {i: [np.asarray(args[i] * (1 + 0.5 * b)) if args[i].dtype.kind == "f"
                        else args[i] for b in range(B)] for i in arrays}
        for batched in ([target], arrays):
            for axis in (0, -1):
                in_dims = [None] * len(args)
                call = [_to_lamina(a) for a in args]
                for i in batched:
                    in_dims[i] = axis
                    call[i] = lnp.asarray(np.stack(variants[i], axis=axis))
                got = lm.vmap(op, in_dims=tuple(in_dims))(*call)
                want = []
                for b in range(B):
                    one = [_to_lamina(variants[i][b] if i in batched else a)
                           for i, a in enumerate(args)]
                    want.append(info.op(*one, **kwargs).numpy())
                np.testing.assert_allclose(got.numpy(), np.stack(want),
                                           err_msg=f"{info.name} {sample.name} {in_dims}")
                checked += 1
        for i in others:  # a batched value (or index) into an unbatched target: refused
            in_dims = [None] * len(args)
            in_dims[i] = 0
            call = [_to_lamina(a) for a in args]
            call[i] = lnp.asarray(np.stack(variants[i]))
            with pytest.raises(RuntimeError, match="functionalize"):
                lm.vmap(op, in_dims=tuple(in_dims))(*call)
    assert checked


# -- data-dependent indexing -----------------------------------------------------------------

def test_unbatched_mask_indexes_batched_tensors():
    mask = np.array([True, False, True, True])
    x = np.random.default_rng(14).normal(size=(B, 4))
    got = lm.vmap(lambda x: x[lnp.asarray(mask)] * 2)(lnp.asarray(x))
    np.testing.assert_allclose(got.numpy(), x[:, mask] * 2)


@pytest.mark.parametrize("f", [
    lambda x: x[x > 0],
    lambda x: lnp.nonzero(x)[0],
    lambda x: lnp.argwhere(x),
])
def test_batched_masks_and_nonzero_raise_and_suggest_where(f):
    x = lnp.asarray(np.random.default_rng(15).normal(size=(B, 5)))
    with pytest.raises(lm.LaminaRuntimeError) as info:
        lm.vmap(f)(x)
    message = str(info.value)
    assert "nonzero" in message and "where" in message and "vmap" in message


# -- vmap of grad through indexing: the vjp rules' scatters batched ----------------------------

@pytest.mark.parametrize("index", [
    lambda i: (i,),
    lambda i: (slice(None), i),
    lambda i: (i, slice(None), i),
    lambda i: (1, slice(None), i),
])
@pytest.mark.parametrize("in_dims", [(0, 0), (0, None), (None, 0)])
def test_vmap_of_grad_through_gather(index, in_dims):
    rng = np.random.default_rng(16)
    x = rng.normal(size=(B, 3, 3, 3))
    i = rng.integers(0, 3, size=(B, 4))

    def f(x, i):
        return lm.grad(lambda x: (x[index(i)] ** 2).sum())(x)

    def ref(x, i):
        g = np.zeros_like(x)
        np.add.at(g, index(i), 2 * x[index(i)])
        return g

    args = [x if in_dims[0] is not None else x[0], i if in_dims[1] is not None else i[0]]
    got = lm.vmap(f, in_dims=in_dims)(*(lnp.asarray(a) for a in args))
    want = np.stack([ref(x[b] if in_dims[0] is not None else x[0],
                         i[b] if in_dims[1] is not None else i[0]) for b in range(B)])
    np.testing.assert_allclose(got.numpy(), want)


# -- nested vmap of shape and indexing ops, against a double loop --------------------------------

_NESTED = {
    "reshape": (lambda x: lnp.reshape(x, (3, 2)), ((6,),)),
    "transpose": (lambda x: lnp.transpose(x, (2, 0, 1)), ((2, 3, 4),)),
    "broadcast_to": (lambda x: lnp.broadcast_to(x, (2, 3)), ((3,),)),
    "flip": (lambda x: lnp.flip(x, 1), ((3, 4),)),
    "diagonal": (lambda x: lnp.diagonal(x, 1), ((3, 4),)),
    "split": (lambda x: lnp.split(x, [1, 3], axis=1)[1], ((2, 5),)),
    "concatenate": (lambda x, y: lnp.concatenate([x, y], axis=0), ((2, 3), (1, 3))),
    "stack": (lambda x, y: lnp.stack([x, y], axis=-1), ((4,), (4,))),
    "getitem basic": (lambda x: x[None, 1:, ..., ::-1], ((3, 4),)),
    "getitem array": (lambda x, i: x[:, i], ((3, 4), "idx")),
    "getitem separated": (lambda x, i: x[i, :, i], ((3, 3, 3), "idx")),
    "take_along_axis": (lambda x, i: lnp.take_along_axis(x, i[None, :], 0), ((3, 4), "idx4")),
    "setitem": (lambda x, i: _set_copy(x, i), ((3, 4), "idx")),
    "sort": (lambda x: lnp.sort(x, axis=0), ((4, 3),)),
    "argsort": (lambda x: lnp.argsort(x), ((3, 4),)),
    "searchsorted": (lambda a, v: lnp.searchsorted(lnp.sort(a), v, side="right"),
                     ((5,), (3,))),
}


def _set_copy(x, i):
    y = x * 1
    y[i] = y[i] * 2 + 1
    return y


def _nested_arg(rng, spec, outer, inner):
    if spec == "idx":
        return rng.integers(0, 3, size=(outer, inner, 2))
    if spec == "idx4":
        return rng.integers(0, 3, size=(outer, inner, 4))
    return rng.normal(size=(outer, inner) + spec).round(1)  # ties for the sorts


@pytest.mark.parametrize("name", list(_NESTED))
def test_nested_vmap_matches_a_double_loop(name):
    f, specs = _NESTED[name]
    rng = np.random.default_rng(17)
    args = [_nested_arg(rng, s, 2, 3) for s in specs]
    want = np.stack([np.stack([f(*(lnp.asarray(a[i, j]) for a in args)).numpy()
                               for j in range(3)]) for i in range(2)])
    got = lm.vmap(lm.vmap(f))(*(lnp.asarray(a) for a in args))
    np.testing.assert_allclose(got.numpy(), want)
    # The inner batch at the last axis and the outer one at axis 1: the rules take the batch
    # wherever it is.
    moved = [np.moveaxis(np.moveaxis(a, 1, -1), 0, 1) for a in args]
    got = lm.vmap(lm.vmap(f, in_dims=-1), in_dims=1)(*(lnp.asarray(a) for a in moved))
    np.testing.assert_allclose(got.numpy(), want)
    # Only the first argument batched at the outer level.
    if len(args) > 1:
        want = np.stack([np.stack([f(lnp.asarray(args[0][i, j]),
                                     *(lnp.asarray(a[0, j]) for a in args[1:])).numpy()
                                   for j in range(3)]) for i in range(2)])
        got = lm.vmap(lm.vmap(f), in_dims=(0,) + (None,) * (len(args) - 1))(
            lnp.asarray(args[0]), *(lnp.asarray(a[0]) for a in args[1:]))
        np.testing.assert_allclose(got.numpy(), want)
