"""The Flask application factory: configuration from the environment, blueprints, JSON errors, request ids."""

from __future__ import annotations

import logging
import time
import uuid

from flask import Flask, g, request
from jinja2 import ChoiceLoader
from werkzeug.exceptions import NotFound

from api import deadlines, errors
from api.documents import documents
from api.health import health
from api.metrics import metrics, observe, on_metrics_listener
from api.ncanode import register as register_ncanode
from api.openapi import docs
from api.pages import pages
from api.request import FailedAttempts
from api.two_step import two_step
from api.v1 import v1
from eds.service import Settings
from eds.validation import rendering


access = logging.getLogger("eds.issuing.access")

# Sent with every answer (pages, /docs, JSON). Scripts only from this origin, never inline, so an injected <script>
# cannot run; styles may be inline: the pages and the report (also a self-contained HTML file) carry their CSS.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a page's address carries a document number
}


def create_app(config: dict | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment (tests pass their own)."""
    app = Flask(__name__)
    # The pages' templates (api/templates/) and the report's (eds.validation), read with the report's options.
    app.jinja_options = {**app.jinja_options, **rendering.TEMPLATE_OPTIONS}
    app.jinja_loader = ChoiceLoader([app.jinja_loader, rendering.TEMPLATES])
    settings = Settings.from_env(config or {})
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body, TESTING=bool((config or {}).get("TESTING")))
    app.extensions["eds"] = settings.services()
    app.extensions["eds.failed_attempts"] = FailedAttempts(settings.auth_failures_per_minute)
    errors.install(app)
    deadlines.install(app)  # one network budget per request (EDS_NETWORK_BUDGET)
    app.register_blueprint(health)
    app.register_blueprint(metrics)
    app.register_blueprint(docs)
    app.register_blueprint(v1)
    app.register_blueprint(documents)
    app.register_blueprint(two_step)
    app.register_blueprint(pages)
    register_ncanode(app, root=settings.ncanode_root)

    @app.before_request
    def start() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex[:16]
        g.started = time.perf_counter()
        if settings.metrics_port is not None and on_metrics_listener() != (request.path == "/metrics"):
            raise NotFound()  # the metrics listener serves /metrics alone, and the API's listener never serves it

    @app.after_request
    def finish(response):
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        response.headers["X-Request-Id"] = g.get("request_id", "")
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        observe(request, response, seconds)
        client = g.get("client")
        access.info("request", extra={"request_id": g.get("request_id"), "method": request.method,
                                      "path": request.path, "status": response.status_code,
                                      "duration_ms": round(seconds * 1000, 2),
                                      "client": client.key_id if client else None})
        return response

    return app
