"""Global settings: ``lm.config``.

>>> import lamina as lm
>>> lm.config.eager
False
>>> with lm.config.override(eager=True):
...     lm.config.eager
True
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

__all__ = ["Config", "config"]


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class Config:
    """Settings read by the lazy backend; change them by attribute or with ``override``.

    - ``eager``: run every op at once instead of building a graph (``LAMINA_EAGER=1``). For
      debugging; results are identical to lazy mode.
    - ``max_graph_depth``: a pending graph deeper than this is evaluated as it is built, so
      a long loop never grows an unbounded graph (``LAMINA_MAX_GRAPH_DEPTH``).
    - ``compile_after``: a graph seen this many times is compiled to a straight-line function;
      before that it is interpreted (cold graphs are not worth compiling).
    - ``default_device``: where new tensors live when no device is given.
    - ``autograd_fallback``: what grad and jvp do with a custom op that has no autograd rule:
      ``"warn"`` (zero gradient, with a warning), ``"nothing"`` (zero gradient, silently) or
      ``"error"`` (NOTE [autograd fallback] in lamina/library.py).

    ``lm.config`` is the one instance:

    >>> import lamina as lm
    >>> lm.config  # doctest: +NORMALIZE_WHITESPACE
    lamina.config(eager=False, max_graph_depth=1000, compile_after=2, default_device='cpu',
                  autograd_fallback='warn')
    >>> lm.config.eagr = True
    Traceback (most recent call last):
    ...
    AttributeError: lamina.config has no setting 'eagr'; the settings are eager, ...
    """

    _fields = ("eager", "max_graph_depth", "compile_after", "default_device",
               "autograd_fallback")

    def __init__(self) -> None:
        self.eager: bool = _env_flag("LAMINA_EAGER")
        self.max_graph_depth: int = int(os.environ.get("LAMINA_MAX_GRAPH_DEPTH", "1000"))
        self.compile_after: int = 2
        self.default_device: str = os.environ.get("LAMINA_DEVICE", "cpu")
        self.autograd_fallback: str = "warn"

    def __setattr__(self, name: str, value: object) -> None:
        self._check_name(name)
        object.__setattr__(self, name, value)

    def _check_name(self, name: str) -> None:
        if name not in self._fields:
            known = ", ".join(self._fields)
            raise AttributeError(
                f"lamina.config has no setting {name!r}; the settings are {known}."
            )

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"lamina.config({body})"

    @contextlib.contextmanager
    def override(self, **settings: object) -> Iterator[Config]:
        """Change settings inside a ``with`` block, restoring them afterwards.

        The settings come back also when the block raises; an unknown name raises before
        anything changes.

        >>> import lamina as lm
        >>> with lm.config.override(autograd_fallback="error", compile_after=5):
        ...     lm.config.autograd_fallback, lm.config.compile_after
        ('error', 5)
        >>> lm.config.autograd_fallback, lm.config.compile_after
        ('warn', 2)
        """
        for name in settings:
            self._check_name(name)
        saved = {name: getattr(self, name) for name in settings}
        try:
            for name, value in settings.items():
                setattr(self, name, value)
            yield self
        finally:
            for name, value in saved.items():
                object.__setattr__(self, name, value)


config = Config()
