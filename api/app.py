"""The Flask application factory: configuration from the environment, blueprints, JSON errors."""

from __future__ import annotations

import os

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from api.health import health


def create_app(config: dict | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment (tests pass their own)."""
    app = Flask(__name__)
    app.config.update(
        EDS_HOME=os.environ.get("EDS_HOME", os.path.join(os.getcwd(), "var")),
        EDS_TRUST=os.environ.get("EDS_TRUST", "test"),
        MAX_CONTENT_LENGTH=int(os.environ.get("EDS_MAX_BODY", str(20 * 1024 * 1024))),
    )
    app.config.update(config or {})
    app.register_blueprint(health)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return jsonify(code=exc.name.upper().replace(" ", "_"), message=exc.description, details={}), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return jsonify(code="INTERNAL_ERROR", message="internal error; the request id is in the logs",
                       details={}), 500

    return app
