"""The two namespaces the ports run on: what ``import autograd...`` gives an example, and what
swapping those imports for lamina's gives.

``lib.np`` (``autograd.numpy`` / ``lamina.numpy``), ``lib.grad``, ``lib.value_and_grad``,
``lib.optimizers`` (``autograd.misc.optimizers`` / ``lamina.misc.optimizers``), ``lib.flatten``,
``lib.logsumexp`` (``autograd.scipy.special``), ``lib.norm`` (``autograd.scipy.stats.norm``:
``logpdf``), ``lib.check_grads`` (``autograd.test_util``'s curried form) and ``lib.npr``.

Where lamina lacks the name, it is written here with lamina ops (NOTE [lamina stand-ins]):
- ``norm.logpdf``: lamina has no ``scipy.stats``; written as SciPy computes it,
  ``-((x - loc) / scale) ** 2 / 2 - log(sqrt(2 pi)) - log(scale)``;
- ``check_grads``: lamina's is ``check_grads(f, args, order=, modes=)``, not curried;
- ``npr``: both libraries get NumPy's ``numpy.random`` (what ``autograd.numpy.random`` is for
  ``RandomState``): lamina's ``random`` has no ``RandomState``, and its streams are its own, so
  the same seed would not give the same data. The draws are data, never differentiated.
"""

from __future__ import annotations

import math
import os
import resource
import time
import types
from dataclasses import dataclass, field

import numpy

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """The resident set size now, in MiB (``/proc/self/statm``; ``ru_maxrss`` elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except OSError:  # not Linux: the peak is the best the platform says
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


@dataclass
class Result:
    """What one run of a port gives back."""

    values: dict  # name -> float, list of floats or array: compared between libraries
    start: float = 0.0  # time.perf_counter() when the run began (after building the data)
    steps: list = field(default_factory=list)  # time.perf_counter() at the end of each step
    end: float = 0.0  # when the run's results were in hand
    rss: dict = field(default_factory=dict)  # step -> resident set size in MiB
    cpu: float = 0.0  # the process's CPU seconds (time.process_time) from start to end

    @property
    def total(self) -> float:
        return self.end - self.start

    @property
    def first_step(self) -> float:
        return (self.steps[0] if self.steps else self.end) - self.start


class Recorder:
    """Timestamps per step and RSS at chosen steps, for a port's loop."""

    def __init__(self, rss_at: tuple = ()):
        self.result = Result(values={})
        self.rss_at = set(rss_at)

    def begin(self) -> None:
        self._cpu = time.process_time()
        self.result.start = time.perf_counter()

    def step(self) -> None:
        self.result.steps.append(time.perf_counter())
        n = len(self.result.steps)
        if n in self.rss_at:
            self.result.rss[n] = rss_mb()

    def finish(self, **values) -> Result:
        self.result.values = {k: to_host(v) for k, v in values.items()}
        self.result.end = time.perf_counter()
        self.result.cpu = time.process_time() - self._cpu
        return self.result


def to_host(value):
    """A result as NumPy floats/arrays (pytrees of tensors flattened into one vector)."""
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, (int, float, numpy.floating)) for v in value):
        return numpy.asarray(value, dtype=float)
    if isinstance(value, (list, tuple, dict)):
        leaves = []
        _leaves(value, leaves)
        return numpy.concatenate([numpy.ravel(numpy.asarray(v, dtype=float)) for v in leaves])
    if isinstance(value, str):
        return value
    return numpy.asarray(value, dtype=float)


def _leaves(value, out: list) -> None:
    if isinstance(value, (list, tuple)):
        for v in value:
            _leaves(v, out)
    elif isinstance(value, dict):
        for k in sorted(value):
            _leaves(value[k], out)
    else:
        out.append(value)


def autograd_lib() -> types.SimpleNamespace:
    import autograd
    import autograd.misc.optimizers as optimizers
    import autograd.numpy as anp
    import autograd.scipy.stats.norm as norm
    from autograd.misc import flatten
    from autograd.scipy.special import logsumexp
    from autograd.test_util import check_grads

    return types.SimpleNamespace(
        name="autograd", np=anp, npr=numpy.random, grad=autograd.grad,
        value_and_grad=autograd.value_and_grad, optimizers=optimizers, flatten=flatten,
        logsumexp=logsumexp, norm=norm, check_grads=check_grads)


def lamina_lib() -> types.SimpleNamespace:
    import lamina as lm
    import lamina.misc.optimizers as optimizers
    import lamina.numpy as lnp
    from lamina.misc import flatten
    from lamina.special import logsumexp

    # NOTE [lamina stand-ins]: the names lamina does not have, in lamina ops.
    log_sqrt_2pi = math.log(math.sqrt(2 * math.pi))  # scipy.stats' _norm_pdf_logC

    def logpdf(x, loc=0.0, scale=1.0):
        y = (x - loc) / scale
        return -(y**2) / 2.0 - log_sqrt_2pi - lnp.log(scale)

    def check_grads(fun, argnum=0, modes=("fwd", "rev"), order=2):
        def check(*args):
            if argnum != 0:
                raise NotImplementedError("the ports check argument 0 only")
            rest = args[1:]
            lm.testing.check_grads(lambda x: fun(x, *rest), (args[0],), order=order,
                                   modes=tuple(modes))
        return check

    return types.SimpleNamespace(
        name="lamina", np=lnp, npr=numpy.random, grad=lm.grad,
        value_and_grad=lm.value_and_grad, optimizers=optimizers, flatten=flatten,
        logsumexp=logsumexp, norm=types.SimpleNamespace(logpdf=logpdf),
        check_grads=check_grads)


def get(name: str) -> types.SimpleNamespace:
    return {"autograd": autograd_lib, "lamina": lamina_lib}[name]()
