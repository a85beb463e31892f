"""ops of lamina (see DESIGN.md)."""
