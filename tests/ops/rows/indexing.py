"""OpInfo rows: indexing."""

from tests.ops.opinfo import OpInfo

ROWS: list[OpInfo] = []
