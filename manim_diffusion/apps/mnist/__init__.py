"""apps.mnist: see the layout in README.md."""
