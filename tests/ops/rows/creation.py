"""OpInfo rows: creation."""

from tests.ops.opinfo import OpInfo

ROWS: list[OpInfo] = []
