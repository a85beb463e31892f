"""OpInfo rows: nn."""

from tests.ops.opinfo import OpInfo

ROWS: list[OpInfo] = []
