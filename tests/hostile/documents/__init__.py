"""Hostile documents for the forgery families of issue 13: one file is one format, a claimed time proves
nothing, and who signed must match who was expected."""
