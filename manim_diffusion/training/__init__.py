"""training: see the layout in README.md."""
