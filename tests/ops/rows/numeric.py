"""OpInfo rows: numeric (issue 15)."""

from __future__ import annotations

from tests.ops.opinfo import OpInfo

ROWS: list[OpInfo] = []
# The public names this family adds, as users spell them after ``lnp.`` (test_coverage.py).
PUBLIC = ""
