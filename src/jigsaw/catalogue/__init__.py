"""jigsaw.catalogue (being built)."""
