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
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from lamina.errors import LaminaTypeError, LaminaValueError

__all__ = ["Config", "config"]

AUTOGRAD_FALLBACKS = ("warn", "error", "nothing")


# -- checking a value ----------------------------------------------------------------------------
# NOTE [settings are checked when set]: a wrong setting fails where it is written (an attribute
# assignment, ``override``, or an environment variable read at import), naming the setting and
# what it takes, not later in the lazy backend with an error about something else. Each checker
# returns the value as it is stored (a NumPy bool becomes a bool, a Device its name).

def _kind(value: Any) -> str:
    return "None" if value is None else f"{type(value).__name__} {value!r}"


def _check_bool(value: Any, where: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise LaminaTypeError(
        f"{where}: eager takes True or False (whether every op runs at once), got "
        f"{_kind(value)}."
    )


def _check_positive_int(name: str, meaning: str) -> Callable[[Any, str], int]:
    def check(value: Any, where: str) -> int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            hint = ""
            if isinstance(value, str) and value.strip().lstrip("+").isdigit():
                hint = f"; write {int(value)} without quotes"
            elif isinstance(value, float) and value.is_integer() and value >= 1:
                hint = f"; write {int(value)}"
            raise LaminaTypeError(
                f"{where}: {name} takes a positive int ({meaning}), got {_kind(value)}{hint}."
            )
        if value < 1:
            raise LaminaValueError(
                f"{where}: {name} takes a positive int ({meaning}), got {int(value)}; use 1 or "
                "more."
            )
        return int(value)

    return check


def _check_device(value: Any, where: str) -> str:
    from lamina.lazy.devices import Device, _parse  # noqa: PLC0415 - devices import lazily

    if isinstance(value, Device):
        return str(value)
    try:
        kind, index = _parse(value)
    except TypeError:
        raise LaminaTypeError(
            f"{where}: default_device takes a device name such as 'cpu', 'cuda' or 'cuda:1' "
            f"(or a lamina.Device), got {_kind(value)}."
        ) from None
    except ValueError:
        raise LaminaValueError(
            f"{where}: unknown device {value!r}; default_device takes 'cpu' (NumPy), 'cuda' or "
            "'cuda:N' (CuPy on GPU N), or a lamina.Device."
        ) from None
    # Whether CuPy and a GPU are there is checked when a tensor is first made on the device
    # (its error says how to install CuPy), so that setting it costs no CuPy import.
    return "cpu" if kind == "cpu" else f"cuda:{index}"


def _check_fallback(value: Any, where: str) -> str:
    choices = ", ".join(repr(c) for c in AUTOGRAD_FALLBACKS)
    if not isinstance(value, str):
        raise LaminaTypeError(
            f"{where}: autograd_fallback takes one of the strings {choices}, got {_kind(value)}."
        )
    if value not in AUTOGRAD_FALLBACKS:
        raise LaminaValueError(
            f"{where}: autograd_fallback takes {choices} (what grad and jvp do with a custom op "
            f"that has no autograd rule), got {value!r}."
        )
    return value


_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "eager": _check_bool,
    "max_graph_depth": _check_positive_int(
        "max_graph_depth", "the depth at which a pending graph is evaluated as it is built"),
    "compile_after": _check_positive_int(
        "compile_after", "how many runs of a graph before it is compiled"),
    "default_device": _check_device,
    "autograd_fallback": _check_fallback,
}


# -- environment variables -----------------------------------------------------------------------
# NOTE [settings from the environment]: a malformed variable is an error at ``import lamina``
# naming the variable, its value and what it takes (as JAX does with its JAX_* variables), not a
# warning: a run that silently ignores LAMINA_MAX_GRAPH_DEPTH=1e5 is worse than one that stops.

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def _env_flag(name: str) -> bool:
    raw = os.environ.get(name, "")
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise LaminaValueError(
        f"environment variable {name}={raw!r}: use 1/true/yes/on to turn it on or "
        "0/false/no/off (or leave it unset) to turn it off."
    )


def _env_int(name: str, default: int, setting: str) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = None
    if value is None or value < 1:
        raise LaminaValueError(
            f"environment variable {name}={raw!r}: {setting} takes a positive integer such as "
            f"{default}; fix or unset the variable."
        )
    return value


def _env_device(name: str) -> str:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return "cpu"
    return _check_device(raw, f"environment variable {name}={raw!r}")


class Config:
    """Settings read by the lazy backend; change them by attribute or with ``override``.

    - ``eager`` (bool): run every op at once instead of building a graph (``LAMINA_EAGER=1``).
      For debugging; results are identical to lazy mode.
    - ``max_graph_depth`` (positive int): a pending graph deeper than this is evaluated as it
      is built, so a long loop never grows an unbounded graph (``LAMINA_MAX_GRAPH_DEPTH``;
      10000 by default: a chain of 10000 pending nodes holds a few MB, and a simulation
      differentiated over its steps, autograd's fluidsim, runs as one graph per call).
    - ``compile_after`` (positive int): a graph seen this many times is compiled to a
      straight-line function; before that it is interpreted (cold graphs are not worth
      compiling).
    - ``default_device`` (``'cpu'``, ``'cuda'``, ``'cuda:N'`` or a ``lamina.Device``): where new
      tensors live when no device is given (``LAMINA_DEVICE``). Stored as the device's name.
    - ``autograd_fallback``: what grad and jvp do with a custom op that has no autograd rule:
      ``"warn"`` (zero gradient, with a warning), ``"nothing"`` (zero gradient, silently) or
      ``"error"`` (NOTE [autograd fallback] in lamina/library.py).

    Values are checked when set: a wrong type raises ``TypeError``, a wrong value
    ``ValueError``, both naming the setting and what it takes. A malformed environment
    variable raises ``ValueError`` at ``import lamina`` (NOTE [settings from the environment]).

    ``lm.config`` is the one instance:

    >>> import lamina as lm
    >>> lm.config  # doctest: +NORMALIZE_WHITESPACE
    lamina.config(eager=False, max_graph_depth=10000, compile_after=2, default_device='cpu',
                  autograd_fallback='warn')
    >>> lm.config.eagr = True
    Traceback (most recent call last):
    ...
    AttributeError: lamina.config has no setting 'eagr'; the settings are eager, ...
    >>> lm.config.max_graph_depth = "100"
    Traceback (most recent call last):
    ...
    lamina.errors.LaminaTypeError: lamina.config.max_graph_depth = '100': max_graph_depth ...
    """

    _fields = ("eager", "max_graph_depth", "compile_after", "default_device",
               "autograd_fallback")

    def __init__(self) -> None:
        self.eager: bool = _env_flag("LAMINA_EAGER")
        self.max_graph_depth: int = _env_int("LAMINA_MAX_GRAPH_DEPTH", 10000, "max_graph_depth")
        self.compile_after: int = 2
        self.default_device: str = _env_device("LAMINA_DEVICE")
        self.autograd_fallback: str = "warn"

    def __setattr__(self, name: str, value: object) -> None:
        self._check_name(name)
        object.__setattr__(self, name, self._checked(name, value, f"lamina.config.{name} = "
                                                                   f"{value!r}"))

    def _check_name(self, name: str) -> None:
        if name not in self._fields:
            known = ", ".join(self._fields)
            raise AttributeError(
                f"lamina.config has no setting {name!r}; the settings are {known}."
            )

    @staticmethod
    def _checked(name: str, value: Any, where: str) -> Any:
        return _CHECKS[name](value, where)

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"lamina.config({body})"

    @contextlib.contextmanager
    def override(self, **settings: object) -> Iterator[Config]:
        """Change settings inside a ``with`` block, restoring them afterwards.

        The settings come back also when the block raises; an unknown name or a wrong value
        raises before anything changes.

        >>> import lamina as lm
        >>> with lm.config.override(autograd_fallback="error", compile_after=5):
        ...     lm.config.autograd_fallback, lm.config.compile_after
        ('error', 5)
        >>> lm.config.autograd_fallback, lm.config.compile_after
        ('warn', 2)
        """
        for name in settings:
            self._check_name(name)
        new = {name: self._checked(name, value, f"lamina.config.override({name}={value!r})")
               for name, value in settings.items()}
        saved = {name: getattr(self, name) for name in settings}
        try:
            for name, value in new.items():
                object.__setattr__(self, name, value)
            yield self
        finally:
            for name, value in saved.items():
                object.__setattr__(self, name, value)


config = Config()
