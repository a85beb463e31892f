"""``python -m lamina``: a short tour of what lamina does, printed as it runs.

Each section is a function; the transform issues add theirs to ``SECTIONS``.
"""

from __future__ import annotations

import time

import numpy as np

import lamina as lm
import lamina.numpy as lnp


def _title(text: str) -> None:
    print(f"\n== {text} " + "=" * max(0, 74 - len(text)))


def tensors_and_devices() -> None:
    _title("Tensors and devices")
    x = lm.asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    print("x = lm.asarray([[1., 2., 3.], [4., 5., 6.]])")
    print(repr(x))
    print(f"x.shape={x.shape} x.dtype={x.dtype} x.device={x.device!r}")
    print("float32 stays float32 with Python scalars (NumPy 2 rules):",
          (lm.asarray([1.0], dtype="float32") * 2.5).dtype)
    print("plain NumPy calls run on lamina tensors: np.sin(x).sum() =",
          round(float(np.sin(x).sum()), 6))
    try:
        lm.Device("cuda")
        print("CUDA device available: tensors can live on Device('cuda') (CuPy)")
    except lm.DeviceError as exc:
        print("CUDA:", str(exc).split(".")[0] + ". Everything else runs on the CPU.")


def views_alias() -> None:
    _title("Views alias their base, as in NumPy")
    x = lnp.zeros((2, 3))
    row = x[0]
    row += 1.0
    x.T[2, 1] = 7.0
    print("x = zeros((2, 3)); row = x[0]; row += 1; x.T[2, 1] = 7")
    print(repr(x))


def lazy_graph() -> None:
    _title("The lazy graph: built, compiled, cached, executed")
    lm.lazy.reset_metrics()
    rng = np.random.default_rng(0)
    w = lm.asarray(rng.standard_normal((64, 64)))
    v = lm.asarray(rng.standard_normal(64))

    def step(w, v):
        h = lnp.tanh(w @ v)
        return lnp.sum(h * h) / h.size

    out = step(w, v)
    print(f"step(w, v) built {lm.lazy.graph_size(out)} pending nodes; "
          f"nothing ran yet: executions={lm.lazy.metrics()['executions']}")
    print(f"reading it evaluates the graph: out = {out.item():.6f}")
    for _ in range(4):
        step(w, v).item()
    m = lm.lazy.metrics()
    print(f"5 calls of the same graph: compiles={m['compiles']} cache_hits={m['cache_hits']} "
          f"executions={m['executions']} codegens={m['codegens']}")

    x = lm.asarray(rng.standard_normal(1000))
    y = x
    for _ in range(3000):
        y = y * 0.999 + 0.001
    lm.eval(y)
    print(f"a 6000-op loop stays bounded: auto_evals={lm.lazy.metrics()['auto_evals']} "
          f"(max_graph_depth={lm.config.max_graph_depth})")
    with lm.config.override(eager=True):
        eager = step(w, v).item()
    print(f"eager mode gives the same value: {eager:.6f}")
    print()
    print(lm.lazy.metrics_report())


def speed() -> None:
    _title("Speed: a 10-op elementwise chain on 1e6 elements")
    rng = np.random.default_rng(0)
    a = rng.standard_normal(1_000_000)

    def chain(xp, x):
        y = xp.sin(x) * 2.0 + 1.0
        y = xp.exp(-y * y) - x / 3.0
        return xp.tanh(y) * y + 0.5

    t = lm.asarray(a)
    chain(lnp, t).numpy()
    chain(lnp, t).numpy()
    reps = 5
    start = time.perf_counter()
    for _ in range(reps):
        chain(np, a)
    t_np = (time.perf_counter() - start) / reps
    start = time.perf_counter()
    for _ in range(reps):
        lm.eval(chain(lnp, t))
    t_lm = (time.perf_counter() - start) / reps
    print(f"NumPy {t_np * 1e3:.2f} ms, lamina {t_lm * 1e3:.2f} ms "
          f"(ratio {t_lm / t_np:.2f}; lamina reuses dead buffers instead of allocating)")


def training_with_grad() -> None:
    _title("Reverse mode: training a small MLP with lm.grad")
    rng = np.random.default_rng(0)
    x = lm.asarray(np.linspace(-3, 3, 128).reshape(-1, 1))
    y = lnp.sin(x)
    params = {
        "w1": lm.asarray(rng.standard_normal((1, 32)) * 0.5), "b1": lnp.zeros(32),
        "w2": lm.asarray(rng.standard_normal((32, 1)) * 0.2), "b2": lnp.zeros(1),
    }

    def loss(p, x, y):
        h = lnp.tanh(x @ p["w1"] + p["b1"])
        return lnp.mean((h @ p["w2"] + p["b2"] - y) ** 2)

    value_and_grad = lm.value_and_grad(loss)
    lm.lazy.reset_metrics()
    start = time.perf_counter()
    for step in range(301):
        value, grads = value_and_grad(params, x, y)
        for name in params:  # in-place SGD updates on the parameter tensors
            params[name] -= 0.1 * grads[name]
        lm.eval(value, params)  # one graph per step: forward, backward and update together
        if step % 100 == 0:
            print(f"  step {step:3d}  loss {value.item():.5f}")
    elapsed = time.perf_counter() - start
    m = lm.lazy.metrics()
    print(f"  301 steps in {elapsed:.2f} s ({elapsed / 301 * 1e3:.2f} ms/step); compiles="
          f"{m['compiles']}, cache_hits={m['cache_hits']}, executions={m['executions']}")
    g2 = lm.grad(lm.grad(lambda t: lnp.sin(t) * t))(1.0).item()
    print(f"  higher order: d2/dt2 [t sin t] at 1 = {g2:.6f} "
          f"(exact: {2 * np.cos(1.0) - np.sin(1.0):.6f})")


def per_sample_gradients() -> None:
    _title("vmap: per-sample gradients, vmap(grad(loss)) against a loop")
    rng = np.random.default_rng(0)
    params = [lm.asarray(rng.standard_normal((32, 16)) / 6.0), lnp.zeros(16),
              lm.asarray(rng.standard_normal(16) / 4.0)]
    xs = lm.asarray(rng.standard_normal((256, 32)))
    ys = lm.asarray(rng.standard_normal(256))

    def loss(p, x, y):
        w1, b1, w2 = p
        return (lnp.tanh(x @ w1 + b1) @ w2 - y) ** 2

    per_sample = lm.vmap(lm.grad(loss), in_dims=(None, 0, 0))
    lm.eval(per_sample(params, xs, ys))
    start = time.perf_counter()
    grads = per_sample(params, xs, ys)
    lm.eval(grads)
    t_vmap = time.perf_counter() - start
    single = lm.grad(loss)
    start = time.perf_counter()
    loop = [single(params, xs[i], ys[i]) for i in range(256)]
    lm.eval(loop)
    t_loop = time.perf_counter() - start
    err = max(float(lnp.max(lnp.abs(grads[0][i] - loop[i][0]))) for i in (0, 100, 255))
    print(f"  256 per-sample gradients: vmap {t_vmap * 1e3:.1f} ms, loop {t_loop * 1e3:.1f} ms "
          f"({t_loop / t_vmap:.1f}x faster with vmap); largest difference {err:.1e}")
    norms = lnp.sqrt(lnp.sum(grads[0] ** 2, axis=(1, 2)))
    print(f"  per-sample gradient norms of w1: min {float(norms.min()):.3f}, "
          f"max {float(norms.max()):.3f}")
    jac = lm.jacrev(lambda x: lnp.tanh(params[0].T @ x))(xs[0])
    print(f"  jacrev of tanh(w1.T @ x) at one sample: shape {jac.shape}")


def jacobians_and_hessians() -> None:
    _title("Forward mode: jvp, jacfwd, hessian, Hessian-vector products")
    rng = np.random.default_rng(1)
    a = lm.asarray(rng.standard_normal((4, 4)) / 2.0)

    def f(x):
        return lnp.tanh(a @ x)

    x = lm.asarray(rng.standard_normal(4))
    jf, jr = lm.jacfwd(f)(x), lm.jacrev(f)(x)
    print(f"  jacfwd(f) and jacrev(f) agree: max difference "
          f"{float(lnp.max(lnp.abs(jf - jr))):.1e} (shape {jf.shape})")

    def loss(x):
        return lnp.sum(f(x) ** 2)

    h = lm.hessian(loss)(x)
    v = lm.asarray(rng.standard_normal(4))
    hvp = lm.jvp(lm.grad(loss), (x,), (v,))[1]
    print(f"  hessian(loss) is symmetric: {float(lnp.max(lnp.abs(h - h.T))):.1e}; "
          f"jvp(grad(loss), (x,), (v,)) == hessian @ v: {float(lnp.max(lnp.abs(hvp - h @ v))):.1e}")
    out, jvp_fn = lm.linearize(f, x)
    print(f"  linearize: jvp_fn(v) == J @ v: {float(lnp.max(lnp.abs(jvp_fn(v) - jf @ v))):.1e}")


def mutation_and_graphs() -> None:
    _title("functionalize and make_graph: mutation that composes with vmap")
    buffer = lnp.zeros(4)

    def fill(x):
        buffer[1:3] = x          # writes a captured tensor
        buffer[0] = x.sum()
        return buffer * 2

    xs = lm.asarray(np.arange(6.0).reshape(3, 2))
    out = lm.vmap(lm.functionalize(fill))(xs)
    print(f"  vmap(functionalize(fill)) -> shape {out.shape}; the captured buffer is still "
          f"{buffer.tolist()}")

    def f(x):
        y = x.T
        y[0] *= 2.0
        return lnp.sin(x).sum()

    print("  make_graph(functionalize(f, remove='mutations_and_views')):")
    graph = lm.make_graph(lm.functionalize(f, remove="mutations_and_views"))(lnp.ones((2, 3)))
    for line in str(graph).splitlines():
        print("    " + line)


def custom_rules() -> None:
    _title("lamina.Function: a custom backward under grad and vmap")

    class Clip(lm.Function):
        """Gradient clipping in the backward pass: a custom rule a formula cannot express."""

        generate_vmap_rule = True

        @staticmethod
        def forward(x):
            return x * 1.0

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return lnp.clip(g, -1.0, 1.0)

    x = lm.asarray([0.5, 2.0, -3.0])
    g = lm.grad(lambda x: (Clip.apply(x) ** 2).sum())(x)
    print(f"  grad through a Function with a clipping backward: {g.tolist()}")
    per_sample = lm.vmap(lm.grad(lambda x: (Clip.apply(x) ** 2).sum()))(x[:, None])
    print(f"  and per sample, under vmap: {per_sample.ravel().tolist()}")


def compiled_training() -> None:
    _title("lm.compile: the training step traced once, then replayed")
    x = lm.asarray(np.linspace(-3, 3, 128).reshape(-1, 1))
    y = lnp.sin(x)

    def init():
        rng = np.random.default_rng(0)
        return {"w1": lm.asarray(rng.standard_normal((1, 32)) * 0.5), "b1": lnp.zeros(32),
                "w2": lm.asarray(rng.standard_normal((32, 1)) * 0.2), "b2": lnp.zeros(1)}

    def loss(p, x, y):
        h = lnp.tanh(x @ p["w1"] + p["b1"])
        return lnp.mean((h @ p["w2"] + p["b2"] - y) ** 2)

    def step(p, x, y):
        value, grads = lm.value_and_grad(loss)(p, x, y)
        for name in p:  # in-place updates of the arguments: written back after each call
            p[name] -= 0.1 * grads[name]
        return value

    compiled_step = lm.compile(step)
    times = {}
    for name, run in (("eager", step), ("compiled", compiled_step)):
        params = init()
        run(params, x, y)  # the compiled step traces here
        start = time.perf_counter()
        for _ in range(300):
            value = run(params, x, y)
        times[name] = (time.perf_counter() - start) / 300
        print(f"  {name:8s} {times[name] * 1e3:6.3f} ms/step, loss after 301 steps "
              f"{value.item():.6f}")
    print(f"  compiled/eager: {times['compiled'] / times['eager']:.2f} "
          f"(traces: {compiled_step.traces}; no interpreter, rule or graph code runs per call)")


SECTIONS = [tensors_and_devices, views_alias, lazy_graph, training_with_grad,
            compiled_training, per_sample_gradients, jacobians_and_hessians,
            mutation_and_graphs, custom_rules, speed]


def main() -> None:
    print("lamina", lm.__version__, "- composable function transforms on NumPy/CuPy arrays")
    for section in SECTIONS:
        section()
    print("\nDone.")


if __name__ == "__main__":
    main()
