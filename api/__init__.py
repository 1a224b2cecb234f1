"""The HTTP layer: a Flask app factory over the ``eds`` library (``create_app``)."""

from api.app import create_app

__all__ = ["create_app"]
