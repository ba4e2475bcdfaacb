"""apps: see the layout in README.md."""
