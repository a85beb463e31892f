"""transforms of lamina (see DESIGN.md)."""
