"""Replaying a compiled program on CUDA as one captured CUDA graph (for ``lm.compile``).

NOTE [CUDA graphs]: on the GPU a compiled program of small arrays spends its time launching
kernels from Python (microseconds each), not running them (the gradient of a 10-step
elementwise recurrence on 1000 elements, 127 kernels: 741 us per call launched one by one,
94 us as one graph, on an H200). After a program has run a few
times (its fused kernels are compiled and CuPy's memory pool holds blocks of the right
sizes), it is run once more while its stream is captured into a CUDA graph; later calls copy
their inputs into the captured input buffers, launch the graph (one launch for the whole
program) and copy the results out, so the host cost no longer grows with the number of ops.

What keeps this correct:
- every buffer the graph writes stays allocated as long as the graph: the captured run keeps
  all intermediates (no ``del``), so CuPy's pool never hands them to other arrays;
- results are copied out of the graph's buffers, which the next launch overwrites;
- the graph is launched on the caller's current stream, like every other kernel;
- a replay costs a copy per input, one launch and a copy per result, so programs of fewer
  than ``MIN_INSTRUCTIONS`` ops are not captured;
- a program that cannot be captured raises during capture: it is then run as before, never
  captured again. That is every program with a matrix product for now: CuPy refuses to call
  cuBLAS while a stream is captured ("calling cuBLAS API during stream capture is currently
  unsupported", a deliberate check in cupy_backends/cuda/libs/cublas.pyx), and programs that
  synchronize with the host. Capturing the runs between library calls as separate graphs is
  the next step.
  Programs whose intermediates would hold more than ``MAX_BYTES`` are not captured: large
  arrays are bound by the kernels, not the launches, and would double the memory held.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

__all__ = ["CapturedProgram", "capture", "WARM_RUNS", "MAX_BYTES", "MIN_INSTRUCTIONS"]

WARM_RUNS = 2  # plain runs before a capture: fused kernels compiled, the pool warm
MIN_INSTRUCTIONS = 16
MAX_BYTES = 256 * 2**20


class CapturedProgram:
    """A program's run captured as a CUDA graph, with its own input and output buffers."""

    def __init__(self, xp: Any, graph: Any, stream: Any, inputs: list, outputs: list,
                 bound: list) -> None:
        self.xp = xp
        self.graph = graph
        self.stream = stream
        self.inputs = inputs  # the captured input buffers
        self.outputs = outputs  # every buffer the graph writes (roots first)
        self.bound = bound  # the input positions that change between calls
        self.lock = threading.Lock()
        self.replay_stream: int | None = None  # the stream every replay runs on

    def run(self, arrays: list, n_roots: int) -> list | None:
        """The results, or None when this call must run the program as before: the graph's
        buffers are shared by every replay, so replays are serialized (a lock on the host,
        one stream on the device), and a call from another stream runs uncaptured."""
        # On the caller's current stream: ordered after what made the inputs and before what
        # reads the results, with no events (a graph is captured on a stream of its own, but
        # may be launched on any).
        stream = self.xp.cuda.get_current_stream()
        with self.lock:
            if self.replay_stream is None:
                self.replay_stream = stream.ptr
            elif stream.ptr != self.replay_stream:
                return None
            for i in self.bound:
                self.inputs[i][...] = arrays[i]
            self.graph.launch(stream)
            return [o.copy() for o in self.outputs[:n_roots]]


def capture(program: Any, xp: Any, arrays: list, bound: list) -> CapturedProgram | None:
    """Capture ``program`` (a ``Program`` of lamina/lazy/compile.py) run on copies of
    ``arrays``; None when it cannot be captured (NOTE [CUDA graphs])."""
    if not hasattr(xp.cuda, "Stream") or not hasattr(xp.cuda.Stream, "begin_capture"):
        return None
    if len(program.instrs) < MIN_INSTRUCTIONS:
        return None
    sizes = [math.prod(shape) * dtype.itemsize for shape, dtype in program.avals[
        program.n_leaves:]]
    if sum(sizes) > MAX_BYTES:
        return None
    kernels = _capturable_kernels(program, xp)
    if kernels is None:
        return None
    keep = tuple(range(program.n_leaves, program.n_slots))
    try:
        program.compile(xp, keep, kernels=kernels)
        run = program._variant(keep)[1]
        inputs = [a.copy() for a in arrays]
        stream = xp.cuda.Stream(non_blocking=True)
        with stream:
            run(xp, inputs)  # the variant's own kernels and pool blocks, before capture
            stream.synchronize()
            stream.begin_capture()
            try:
                outputs = run(xp, inputs)
            finally:
                graph = stream.end_capture()
        return CapturedProgram(xp, graph, stream, inputs, outputs, bound)
    except Exception:  # noqa: BLE001 - a program that cannot be captured runs as before
        return None


# --------------------------------------------------------------------------------------------
# NOTE [products in CUDA graphs]: CuPy refuses every cuBLAS call while a stream is captured, so
# a captured program computes its matrix products with a kernel of its own: one thread per
# output element, for 2-D float products of at most ``SMALL_GEMM`` multiply-adds (where a
# launch costs more than the arithmetic, which is what graphs are for; measured on the H200:
# a 32x64 MLP gradient 0.89x -> 0.32x of hand-written CuPy, a 200x200 Jacobian 2.8x -> 1.4x,
# and a 256x512 MLP 0.90x -> 1.87x, beyond the limit). A program with larger
# or batched products is not captured. Sums run in a different order than cuBLAS's: results
# agree to rounding.

SMALL_GEMM = 2**24  # multiply-adds: 200x200x200 products gain, 256x512x512 ones lose
_GEMM_SOURCE = r"""
template <typename T>
__device__ void gemm(const T* a, const T* b, T* c, int m, int n, int k,
                     long long a0, long long a1, long long b0, long long b1) {
    int i = blockIdx.y * blockDim.y + threadIdx.y;
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < m && j < n) {
        T acc = 0;
        for (int p = 0; p < k; ++p) acc += a[i * a0 + p * a1] * b[p * b0 + j * b1];
        c[(long long)i * n + j] = acc;
    }
}
extern "C" __global__ void gemm_f64(const double* a, const double* b, double* c, int m, int n,
    int k, long long a0, long long a1, long long b0, long long b1) {
    gemm<double>(a, b, c, m, n, k, a0, a1, b0, b1);
}
extern "C" __global__ void gemm_f32(const float* a, const float* b, float* c, int m, int n,
    int k, long long a0, long long a1, long long b0, long long b1) {
    gemm<float>(a, b, c, m, n, k, a0, a1, b0, b1);
}
"""
_modules: dict = {}


def _capturable_kernels(program: Any, xp: Any) -> dict | None:
    """Kernels replacing the cuBLAS calls of ``program`` for its capture, or None when one
    cannot be replaced (NOTE [products in CUDA graphs])."""
    from lamina.ops.linalg import matmul_p  # noqa: PLC0415 - ops build on the backend

    kinds = {"float64": "gemm_f64", "float32": "gemm_f32"}
    for prim, _, ins, _ in program.instrs:
        if prim is not matmul_p:
            continue
        (sa, da), (sb, db) = program.avals[ins[0]], program.avals[ins[1]]
        if (len(sa) != 2 or len(sb) != 2 or da != db or da.name not in kinds
                or sa[0] * sa[1] * sb[1] > SMALL_GEMM):
            return None
    if not any(prim is matmul_p for prim, *_ in program.instrs):
        return {}
    module = _modules.get(id(xp))
    if module is None:
        module = _modules[id(xp)] = xp.RawModule(code=_GEMM_SOURCE, options=("-std=c++11",))

    def small_matmul(xp, a, b):
        m, k = a.shape
        n = b.shape[1]
        c = xp.empty((m, n), dtype=a.dtype)
        if m and n:
            size = a.dtype.itemsize
            kernel = module.get_function(kinds[a.dtype.name])
            kernel(((n + 15) // 16, (m + 15) // 16), (16, 16),
                   (a, b, c, np.int32(m), np.int32(n), np.int32(k),
                    np.int64(a.strides[0] // size), np.int64(a.strides[1] // size),
                    np.int64(b.strides[0] // size), np.int64(b.strides[1] // size)))
        return c

    return {matmul_p: small_matmul}
