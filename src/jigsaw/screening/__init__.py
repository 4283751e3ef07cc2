"""jigsaw.screening (being built)."""
