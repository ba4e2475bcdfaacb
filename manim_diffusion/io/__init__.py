"""io: see the layout in README.md."""
