"""jigsaw.datasets (being built)."""
