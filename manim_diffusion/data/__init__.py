"""data: see the layout in README.md."""
