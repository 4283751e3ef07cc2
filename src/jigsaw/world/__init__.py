"""jigsaw.world (being built)."""
