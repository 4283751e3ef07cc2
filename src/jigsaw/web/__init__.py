"""jigsaw.web (being built)."""
