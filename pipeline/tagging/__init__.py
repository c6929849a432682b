"""Tagging: the taxonomy, the spaCy components built from it, and the rules they apply."""
