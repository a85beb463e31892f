"""OpInfo rows: shape."""

from tests.ops.opinfo import OpInfo

ROWS: list[OpInfo] = []
