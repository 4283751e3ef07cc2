"""jigsaw.report (being built)."""
