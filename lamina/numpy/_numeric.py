"""Numerical routines of ``lamina.numpy`` written from lamina ops (issue 15): differences,
polynomials, convolution, interpolation, statistics and the small helpers NumPy code reaches
for.
"""

from __future__ import annotations

__all__: list[str] = []
