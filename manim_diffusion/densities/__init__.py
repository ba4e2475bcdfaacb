"""densities: see the layout in README.md."""
