"""wrappers of lamina (see DESIGN.md)."""
