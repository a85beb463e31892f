"""``lamina.numpy.random``: random numbers on lamina tensors."""

__all__: list[str] = []
