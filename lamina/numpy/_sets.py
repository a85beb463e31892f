"""Set, searching and counting routines of ``lamina.numpy`` (issue 15): ``unique`` and the array-API
``unique_*`` family, ``isin``, ``partition``, ``argpartition``, ``select``, ``piecewise``,
``digitize``, ``bincount``, ``histogram``.
"""

from __future__ import annotations

__all__: list[str] = []
