"""core: see the layout in README.md."""
