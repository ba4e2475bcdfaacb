"""analysis: see the layout in README.md."""
