"""Loaders for the public data Jigsaw uses (no Django)."""
