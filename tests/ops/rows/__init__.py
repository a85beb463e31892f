"""OpInfo rows, one module per op family (kept apart so families can be edited side by side)."""

from tests.ops.rows import (
    creation,
    elementwise,
    indexing,
    linalg,
    nn,
    random,
    reductions,
    shape,
)

ROW_MODULES = (elementwise, creation, reductions, shape, indexing, linalg, random, nn)
