"""OpInfo rows: random."""

from tests.ops.opinfo import OpInfo

ROWS: list[OpInfo] = []
