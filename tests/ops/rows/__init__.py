"""OpInfo rows, one module per op family (kept apart so families can be edited side by side)."""

from tests.ops.rows import (
    creation,
    elementwise,
    fft,
    indexing,
    linalg,
    nn,
    numeric,
    random,
    reductions,
    sets,
    shape,
)

ROW_MODULES = (elementwise, creation, reductions, shape, indexing, linalg, random, nn, fft, sets,
               numeric)
