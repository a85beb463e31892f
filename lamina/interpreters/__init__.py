"""interpreters of lamina (see DESIGN.md)."""
