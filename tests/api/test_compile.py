"""``lm.compile`` from the user's side: values equal the uncompiled function's, traces are
reused, and each rule of NOTE [compile] (lamina/transforms/compile.py) holds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina import core
from lamina.lazy.graph import tracing


@pytest.fixture(autouse=True)
def _clean_stack():
    yield
    assert not core.current_interpreters()
    assert tracing.active == 0


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)
    if a.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b))  # -0.0 is not 0.0


def loss(w, x, y):
    return lnp.mean((lnp.tanh(x @ w) - y) ** 2)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return (lnp.asarray(rng.normal(size=3)), lnp.asarray(rng.normal(size=(5, 3))),
            lnp.asarray(rng.normal(size=5)))


@pytest.mark.parametrize("transform", [
    lambda f: f,
    lm.grad,
    lambda f: lm.value_and_grad(f, argnums=(0, 1)),
    lm.jacrev,
    lm.jacfwd,
    lm.hessian,
    lambda f: lm.vmap(lm.grad(f), in_dims=(None, 0, 0)),
])
def test_transforms_inside_compile_equal_uncompiled(transform, data):
    plain = transform(loss)
    compiled = lm.compile(plain)
    for _ in range(3):  # the trace, then replays
        got = compiled(*data)
        want = plain(*data)
        for g, w in zip(_leaves(got), _leaves(want), strict=True):
            np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-13, atol=1e-15)
    assert compiled.traces == 1


def _leaves(tree):
    if isinstance(tree, (tuple, list)):
        return [x for t in tree for x in _leaves(t)]
    return [tree]


@pytest.mark.parametrize("outer", ["grad", "vmap", "jvp", "jacrev"])
def test_transforms_of_a_compiled_function_equal_uncompiled(outer):
    def f(x):
        return (lnp.sin(x) * x).sum()

    cf = lm.compile(f)
    x = lnp.asarray([0.5, -1.0, 2.0])
    if outer == "grad":
        _same(lm.grad(cf)(x), lm.grad(f)(x))
    elif outer == "vmap":
        xs = lnp.stack([x, 2 * x])
        _same(lm.vmap(cf)(xs), lm.vmap(f)(xs))
    elif outer == "jvp":
        got = lm.jvp(cf, (x,), (lnp.ones(3),))
        want = lm.jvp(f, (x,), (lnp.ones(3),))
        _same(got[0], want[0])
        _same(got[1], want[1])
    else:
        _same(lm.jacrev(cf)(x), lm.jacrev(f)(x))


def test_a_training_loop_compiled_matches_the_loop_uncompiled(data):
    w0, x, y = data

    def step(w, lr):
        return w - lr * lm.grad(loss)(w, x, y)

    compiled = lm.compile(step, static_argnums=1)
    w_plain = w_compiled = w0
    for _ in range(20):
        w_plain = step(w_plain, 0.1)
        w_compiled = compiled(w_compiled, 0.1)
    np.testing.assert_allclose(np.asarray(w_compiled), np.asarray(w_plain), rtol=1e-14)
    assert compiled.traces == 1


def test_replays_count_in_metrics_and_run_no_rules():
    calls = []

    def f(x):
        calls.append(1)  # a Python side effect: runs while tracing only
        return lm.grad(lambda v: (v ** 3).sum())(x)

    cf = lm.compile(f)
    lm.lazy.reset_metrics()
    for _ in range(4):
        cf(lnp.ones(3))
    m = lm.lazy.metrics()
    assert len(calls) == 1
    assert m["traces"] == 1 and m["compiled_calls"] == 3


def test_a_new_signature_traces_again_and_the_cache_is_bounded():
    cf = lm.compile(lambda x: x * 2, cache_size=2)
    cf(lnp.ones(3))
    cf(lnp.ones(3))
    assert cf.traces == 1
    cf(lnp.ones(4))  # new shape
    cf(lnp.ones(3, dtype=np.float32))  # new dtype
    assert cf.traces == 3
    assert len(cf._cache) == 2
    cf(lnp.ones(3))  # evicted: traced again
    assert cf.traces == 4


def test_a_function_that_retraces_on_every_call_warns_once_naming_the_argument():
    cf = lm.compile(lambda x: x.sum())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 15):
            cf(lnp.ones(n))
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(messages) == 1
    assert "traced again" in messages[0] and "shape (8,)" in messages[0]


@pytest.mark.parametrize("read", [
    lambda x: float(x.sum()),
    lambda x: int(x[0]),
    lambda x: bool(x[0] > 0),
    lambda x: x.sum().item(),
    lambda x: x.tolist(),
    lambda x: np.asarray(x),
    lambda x: print(x),
    lambda x: lm.eval(x * 2),
    lambda x: x[x > 0],  # a data-dependent shape
])
def test_reading_a_traced_value_raises_naming_compile_and_the_fix(read, capsys):
    def f(x):
        read(x)
        return x * 2

    cf = lm.compile(f)
    x = lnp.asarray([1.0, -2.0])
    with pytest.raises(lm.TracedValueError, match=r"lm\.compile\(f\).*static_argnums"):
        cf(x)
    with pytest.raises(TypeError):  # a TypeError, as JAX's ConcretizationTypeError
        cf(x)
    _same(x, np.array([1.0, -2.0]))  # the caller's tensor is untouched


def test_control_flow_on_a_static_argument_works_and_each_value_traces():
    def f(x, mode):
        return x * 2 if mode == "double" else x + 1

    cf = lm.compile(f, static_argnames="mode")
    x = lnp.ones(2)
    _same(cf(x, mode="double"), [2.0, 2.0])
    _same(cf(x, mode="inc"), [2.0, 2.0])
    _same(cf(x, "inc"), [2.0, 2.0])  # the same argument by position
    assert cf.traces == 3  # a name and a position are two signatures, as in JAX


def test_an_unhashable_static_argument_is_a_type_error():
    cf = lm.compile(lambda x, shape: x.reshape(shape), static_argnums=1)
    with pytest.raises(TypeError, match="hashable"):
        cf(lnp.ones(4), [2, 2])
    _same(cf(lnp.ones(4), (2, 2)), np.ones((2, 2)))


def test_captured_tensors_are_constants_of_the_trace():
    scale = lnp.asarray(2.0)
    cf = lm.compile(lambda x: x * scale)
    _same(cf(lnp.ones(2)), [2.0, 2.0])
    scale += 1  # not seen by the trace (as in JAX): pass it as an argument instead
    _same(cf(lnp.ones(2)), [2.0, 2.0])


def test_writes_into_arguments_are_written_back_on_every_call():
    def f(x, y):
        x += 1
        y[0] = 7.0
        return x.sum()

    cf = lm.compile(f)
    a, b = lnp.zeros(3), lnp.zeros(2)
    for step in (1, 2, 3):
        total = cf(a, b)
        _same(a, np.full(3, float(step)))
        _same(b, [7.0, 0.0])
        assert float(total) == 3.0 * step
    assert cf.traces == 1


def test_aliased_arguments_write_through_each_other_as_uncompiled():
    def f(x, tail):
        tail += 1
        return x.sum()

    a, b = lnp.zeros(4), lnp.zeros(4)
    got = lm.compile(f)(a, a[2:])
    want = f(b, b[2:])
    _same(a, b)
    _same(got, want)


def test_writes_into_a_view_argument_reach_its_base():
    base = lnp.zeros((2, 3))
    lm.compile(lambda row: row.__setitem__(1, 5.0))(base[1])
    _same(base, [[0.0, 0.0, 0.0], [0.0, 5.0, 0.0]])


def test_writing_a_captured_tensor_raises_and_leaves_it_unchanged():
    counter = lnp.zeros(1)

    def f(x):
        counter[0] += 1
        return x

    with pytest.raises(RuntimeError, match="captured.*Pass the tensor as an argument"):
        lm.compile(f)(lnp.ones(2))
    _same(counter, [0.0])


def test_outputs_keep_their_identity_and_aliasing():
    t = lnp.ones(3)
    assert lm.compile(lambda x: x)(t) is t
    tail = lm.compile(lambda x: x[1:])(t)
    tail[0] = 9.0  # a view of the caller's tensor, as without compile
    _same(t, [1.0, 9.0, 1.0])
    y, head = lm.compile(lambda x: (lambda y: (y, y[:1]))(x * 2))(lnp.ones(2))
    y[0] = 5.0
    _same(head, [5.0])
    out = lm.compile(lambda x: {"a": x.sum(), "b": None, "c": "text"})(lnp.ones(2))
    assert out["b"] is None and out["c"] == "text" and float(out["a"]) == 2.0


def test_outputs_are_new_tensors_each_call():
    cf = lm.compile(lambda x: x * 2)
    a = cf(lnp.ones(2))
    b = cf(lnp.ones(2))
    a += 1
    _same(b, [2.0, 2.0])


def test_random_draws_are_fresh_on_each_call_and_follow_the_seed():
    cf = lm.compile(lambda x: x + lnp.random.rand(3))
    zeros = lnp.zeros(3)
    lnp.random.seed(0)
    first, second = cf(zeros).numpy(), cf(zeros).numpy()
    assert not np.array_equal(first, second)
    lnp.random.seed(0)
    _same(lnp.random.rand(3), first)  # the stream of the uncompiled draws
    _same(lnp.random.rand(3), second)
    rng = lnp.random.default_rng(1)
    draw = lm.compile(lambda x: x * rng.normal(size=2))
    values = {tuple(draw(lnp.ones(2)).tolist()) for _ in range(3)}
    assert len(values) == 3


def test_numpy_arrays_and_scalars_as_arguments():
    cf = lm.compile(lambda x, s: x * s + 1)
    a = np.arange(3.0)
    _same(cf(a, 2.0), [1.0, 3.0, 5.0])
    a[0] = 10.0  # the caller's array stays writable, and a new value is read
    _same(cf(a, 2.0), [21.0, 3.0, 5.0])
    assert a.flags.writeable
    assert cf(lnp.ones(2, dtype=np.float32), 2.0).dtype == np.float32  # weak, as NumPy's
    _same(cf(np.float64(2.0), 3), np.float64(7.0))


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_special_values_zero_d_and_empty():
    cf = lm.compile(lambda x: lnp.sqrt(x) * -1.0)
    _same(cf(lnp.asarray([0.0, -0.0, np.inf, np.nan, -1.0])),
          np.sqrt(np.array([0.0, -0.0, np.inf, np.nan, -1.0])) * -1.0)
    _same(cf(lnp.asarray(4.0)), np.float64(-2.0))
    _same(cf(lnp.ones((0, 3))), np.ones((0, 3)))
    g = lm.compile(lm.grad(lambda x: lnp.sqrt(x).sum()))
    _same(g(lnp.asarray([1.0, 4.0])), [0.5, 0.25])


def test_pending_arguments_and_eager_mode():
    x = lnp.ones(3) * 2  # pending
    cf = lm.compile(lambda v: v + 1)
    _same(cf(x), [3.0, 3.0, 3.0])
    with _eager():
        _same(cf(lnp.ones(3)), [2.0, 2.0, 2.0])
        _same(lm.compile(lambda v: v - 1)(lnp.ones(3)), [0.0, 0.0, 0.0])


class _eager:
    def __enter__(self):
        self.old = lm.config.eager
        lm.config.eager = True

    def __exit__(self, *exc):
        lm.config.eager = self.old


def test_an_error_inside_the_function_leaves_everything_as_it_was():
    x = lnp.ones(3)

    def f(v):
        v += 1
        raise KeyError("boom")

    cf = lm.compile(f)
    with pytest.raises(KeyError):
        cf(x)
    _same(x, np.ones(3))
    assert cf.traces == 0


def test_a_tensor_escaping_the_trace_raises_when_read():
    leaked = []

    def f(x):
        y = x * 2
        leaked.append(y)
        return y

    lm.compile(f)(lnp.ones(2))
    with pytest.raises(lm.TracedValueError, match="escaped the trace"):
        leaked[0].numpy()


def test_nested_compiled_functions_inline():
    inner = lm.compile(lambda x: x * 3)
    outer = lm.compile(lambda x: inner(x) + 1)
    _same(outer(lnp.ones(2)), [4.0, 4.0])
    assert inner.traces == 0 and outer.traces == 1


def test_lower_shows_the_traced_graph():
    text = str(lm.compile(lm.grad(lambda x: lnp.sin(x).sum())).lower(lnp.ones(3)))
    assert "cos(a)" in text and text.startswith("graph")


def test_decorator_forms_and_methods():
    @lm.compile(static_argnums=(1,))
    def power(x, n):
        return x ** n

    _same(power(lnp.asarray(2.0), 3), np.float64(8.0))

    class Model:
        def __init__(self):
            self.scale = 3.0

        @lm.compile
        def __call__(self, x):
            return x * self.scale

    model = Model()
    _same(model(lnp.ones(2)), [3.0, 3.0])  # self is static (hashed by identity)
    _same(model(lnp.ones(2)), [3.0, 3.0])


def test_bad_arguments_to_compile():
    with pytest.raises(TypeError, match="expected a function"):
        lm.compile(3)
    with pytest.raises(TypeError, match="static_argnums"):
        lm.compile(lambda x: x, static_argnums="x")
    with pytest.raises(ValueError, match="both static and donated"):
        lm.compile(lambda x: x, static_argnums=0, donate_argnums=0)
    with pytest.raises(TypeError, match="neither an array nor hashable"):
        lm.compile(lambda x: x)([lnp.ones(1), {1: [np.ones(1)]}, set()])


def test_an_out_of_bounds_index_input_raises_at_the_call_and_writes_nothing():
    def f(x, i):
        x[i] = 1.0
        return x.sum()

    cf = lm.compile(f)
    x = lnp.zeros(3)
    _same(cf(x, lnp.asarray([0, 2])), np.float64(2.0))
    with pytest.raises(IndexError):
        cf(x, lnp.asarray([0, 5]))
    _same(x, [1.0, 0.0, 1.0])
    assert cf.traces == 1


def test_a_changing_python_float_is_an_input_not_a_new_trace():
    def step(w, lr):
        return w - lr * lm.grad(lambda v: (v ** 2).sum())(w)

    compiled = lm.compile(step)
    w_plain = w_compiled = lnp.ones(3)
    for lr in (0.1, 0.2, 0.3, 0.25):
        w_plain = step(w_plain, lr)
        w_compiled = compiled(w_compiled, lr)
        _same(w_compiled, w_plain)
    assert compiled.traces == 1
    # Weak, as the Python float it is: float32 stays float32; complex scalars too.
    half = lnp.ones(2, dtype=np.float32)
    assert compiled(half, 0.5).dtype == np.float32
    cz = lm.compile(lambda x, z: x * z)
    _same(cz(lnp.ones(2), 1 + 2j), [1 + 2j, 1 + 2j])
    _same(cz(lnp.ones(2), 3 - 1j), [3 - 1j, 3 - 1j])


@pytest.mark.parametrize("use", [
    lambda x, s: x * (s * 2),                      # Python arithmetic on the scalar
    lambda x, s: x + 1 if s > 0.5 else x - 1,      # control flow on it
    lambda x, s: x * float(s),                     # a conversion
    lambda x, s: x + lnp.asarray([s, 1.0]),        # read by NumPy at the C level
    lambda x, s: x * np.float64(s),
])
def test_a_float_used_as_a_python_number_becomes_static_and_stays_right(use):
    compiled = lm.compile(use)
    x = lnp.asarray([1.0, 2.0])
    for s in (0.25, 0.75, 0.25, 2.0):
        _same(compiled(x, s), use(x, s))
    assert compiled.traces == 3  # one per distinct value: the scalar is static


def test_python_ints_are_static_by_value():
    compiled = lm.compile(lambda x, n: x.reshape(n, -1))
    _same(compiled(lnp.ones(6), 2), np.ones((2, 3)))
    _same(compiled(lnp.ones(6), 3), np.ones((3, 2)))
    assert compiled.traces == 2


@pytest.mark.gpu
def test_compile_on_cuda():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(3)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    on = {d: tuple(lnp.asarray(a, device=d) for a in (w0, x, y)) for d in ("cpu", "cuda")}

    def step(w, x, y, lr):
        w -= lr * lm.grad(loss)(w, x, y)
        return loss(w, x, y)

    results = {}
    for device, (w, xd, yd) in on.items():
        compiled = lm.compile(step)
        losses = [float(compiled(w, xd, yd, lr)) for lr in (0.1, 0.2, 0.1)]
        assert compiled.traces == 1
        assert str(w.device).startswith(device)
        results[device] = (losses, w.numpy())
    np.testing.assert_allclose(results["cuda"][0], results["cpu"][0], rtol=1e-12)
    np.testing.assert_allclose(results["cuda"][1], results["cpu"][1], rtol=1e-12)
    draw = lm.compile(lambda t: t + lnp.random.rand(3, device="cuda"))
    a, b = draw(lnp.zeros(3, device="cuda")), draw(lnp.zeros(3, device="cuda"))
    assert str(a.device).startswith("cuda") and not np.array_equal(a.numpy(), b.numpy())


@pytest.mark.gpu
@pytest.mark.parametrize("with_matmul", [False, True])
def test_a_compiled_program_on_cuda_replays_as_a_cuda_graph_with_the_same_values(with_matmul):
    # NOTE [CUDA graphs]: CuPy cannot capture cuBLAS calls, so a captured program computes its
    # small matrix products with a kernel of its own (NOTE [products in CUDA graphs]). Both
    # kinds are captured and give the uncompiled values.
    rng = np.random.default_rng(0)
    x = lnp.asarray(rng.standard_normal((5, 3)), device="cuda")
    w = lnp.asarray(rng.standard_normal(3), device="cuda")

    def loss(v, x):
        z = x @ v if with_matmul else (x * v).sum(axis=1)
        for _ in range(8):  # enough ops to be worth a graph (MIN_INSTRUCTIONS)
            z = lnp.sin(z) * 1.1 + z
        return lnp.tanh(z).sum() + (v ** 2).sum()

    def plain(w, x, lr):
        return w - lr * lm.grad(loss)(w, x)

    step = lm.compile(plain)
    for i in range(6):  # the trace, warm runs, the capture, then graph replays
        lr = 0.1 * (i + 1)
        got, want = step(w, x, lr), plain(w, x, lr)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-13)
        w = got
    trace = next(iter(step._cache.values()))
    assert trace.graph not in (None, False)
    # Results are copies: the next replay does not change what an earlier call returned.
    a = step(w, x, 0.5)
    saved = a.numpy().copy()
    step(w + 1.0, x, 0.5)
    np.testing.assert_array_equal(a.numpy(), saved)


def _address(t):
    return t._storage.value.data.__array_interface__["data"][0]


def test_a_donated_argument_that_the_function_writes_keeps_its_buffer():
    def step(w, g):
        w -= 0.1 * g
        return (w * w).sum()

    # Buffers lamina owns (lnp.ones is a broadcast view of one value: not donatable).
    w, g = lm.asarray(np.ones(10000)), lnp.ones(10000)
    plain_w = lm.asarray(np.ones(10000))
    compiled = lm.compile(step, donate_argnums=0)
    lm.eval(w)
    before = _address(w)
    for _ in range(3):
        got, want = compiled(w, g), step(plain_w, g)
        _same(got, want)
        _same(w, plain_w)
    assert _address(w) == before  # the update was written into the donated buffer
    assert not w._storage.value.data.flags.writeable  # and it is read-only again


def test_a_donated_argument_is_not_readable_after_the_call():
    compiled = lm.compile(lambda x: lnp.sin(x) * 2.0, donate_argnums=0)
    x = lm.asarray(np.ones(100))
    y = compiled(x)
    view = x[:10]  # (a view taken before would hold x's value: x would not be donated)
    _same(y, np.sin(np.ones(100)) * 2.0)
    for read in (lambda: x.numpy(), lambda: float(x.sum()), lambda: view.numpy()):
        with pytest.raises(lm.TracedValueError, match="donated to lm.compile"):
            read()


def test_a_donation_that_something_else_can_see_is_not_used():
    compiled = lm.compile(lambda x: x * 2.0 + 1.0, donate_argnums=0)
    x = lm.asarray(np.ones(100))
    held = np.asarray(x)  # a read-only view the caller keeps
    _same(compiled(x), np.full(100, 3.0))
    _same(x, np.ones(100))
    _same(held, np.ones(100))
    z = lm.asarray(np.ones(100))
    pending = z * 3.0  # a graph that will read z later
    _same(compiled(z), np.full(100, 3.0))
    _same(pending, np.full(100, 3.0))
    _same(z, np.ones(100))


def test_a_donated_argument_of_a_failing_call_is_not_readable():
    compiled = lm.compile(lambda x, i: (x * 2.0)[i], donate_argnums=0)
    x = lm.asarray(np.ones(10))
    with pytest.raises(IndexError):
        compiled(x, lnp.asarray([20]))
    with pytest.raises(lm.TracedValueError, match="donated"):
        x.numpy()


@pytest.mark.gpu
def test_cuda_graph_replays_from_several_threads_give_each_its_own_result():
    import threading

    def f(x):
        for _ in range(20):  # enough ops to be captured (MIN_INSTRUCTIONS)
            x = lnp.sin(x) * 1.1 + x
        return x

    compiled = lm.compile(f)
    inputs = [lnp.asarray(np.full(64, i / 10.0), device="cuda") for i in range(8)]
    expected = [f(x).numpy() for x in inputs]
    for _ in range(3):
        compiled(inputs[0])  # warm runs and the capture
    assert next(iter(compiled._cache.values())).graph not in (None, False)
    errors = []

    def work(k):
        try:
            for _ in range(20):
                i = (k + _) % len(inputs)
                np.testing.assert_allclose(compiled(inputs[i]).numpy(), expected[i], rtol=1e-13)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_threads_calling_one_compiled_function_get_their_own_results():
    import threading

    def f(x, s):
        y = lnp.sin(x) * s
        x += 1.0  # a write back, per caller
        return y.sum()

    compiled = lm.compile(f)
    errors = []

    def work(k):
        try:
            for i in range(30):
                n = 3 + (k + i) % 3  # a few signatures, traced concurrently
                x = lnp.asarray(np.full(n, float(k)))
                got = compiled(x, 0.5 + k)
                want = np.sin(np.full(n, float(k))).sum() * (0.5 + k)
                np.testing.assert_allclose(float(got), want, rtol=1e-12)
                _same(x, np.full(n, k + 1.0))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert tracing.active == 0
