"""Hostile CMS inputs and the small test PKI they are made with."""
