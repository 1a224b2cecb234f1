"""Hostile PDFs for the document verifier, made from a real signed licence."""
