"""``lamina.numpy.fft``: NumPy's discrete Fourier transforms, with derivatives (issue 15).
"""

from __future__ import annotations

__all__: list[str] = []
