"""cli: see the layout in README.md."""
