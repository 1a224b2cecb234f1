"""Hostile HTTP requests for the API."""
