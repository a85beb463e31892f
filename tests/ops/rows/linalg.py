"""OpInfo rows: linalg."""

from tests.ops.opinfo import OpInfo

ROWS: list[OpInfo] = []
