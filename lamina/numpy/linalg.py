"""``lamina.numpy.linalg``: NumPy's linear algebra on lamina tensors."""

__all__: list[str] = []
