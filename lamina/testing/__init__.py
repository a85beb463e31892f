"""testing of lamina (see DESIGN.md)."""
