"""OpInfo rows: reductions."""

from tests.ops.opinfo import OpInfo

ROWS: list[OpInfo] = []
