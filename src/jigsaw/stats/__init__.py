"""jigsaw.stats (being built)."""
