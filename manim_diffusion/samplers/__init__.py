"""samplers: see the layout in README.md."""
