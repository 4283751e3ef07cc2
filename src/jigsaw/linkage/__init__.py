"""jigsaw.linkage (being built)."""
