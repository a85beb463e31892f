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
  than ``MIN_INSTRUCTIONS`` ops are not captured (a 24-op program took longer replayed);
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

__all__ = ["CapturedProgram", "capture", "WARM_RUNS", "MAX_BYTES", "MIN_INSTRUCTIONS"]

WARM_RUNS = 2  # plain runs before a capture: fused kernels compiled, the pool warm
MIN_INSTRUCTIONS = 48
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
    keep = tuple(range(program.n_leaves, program.n_slots))
    try:
        program.compile(xp, keep)
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
