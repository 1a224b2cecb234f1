"""Prometheus metrics: requests, latencies, verdicts; exposed at /metrics (per worker process).

/metrics is not public: with ``EDS_METRICS_BIND`` it is served only on that separate listener (which serves nothing
else), without it only to an API key with the admin scope.
"""

from __future__ import annotations

from flask import Blueprint, Request, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from api.request import authorise

registry = CollectorRegistry()
REQUESTS = Counter("eds_http_requests_total", "HTTP requests", ["endpoint", "status"], registry=registry)
LATENCY = Histogram("eds_http_request_seconds", "HTTP request latency", ["endpoint"], registry=registry,
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
VERDICTS = Counter("eds_verdicts_total", "Verification verdicts", ["kind", "indication"], registry=registry)
OCSP_ERRORS = Counter("eds_revocation_problems_total", "Revocation sources that failed", ["code"],
                      registry=registry)

metrics = Blueprint("metrics", __name__)


def observe(request: Request, response: Response, seconds: float) -> None:
    endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
    REQUESTS.labels(endpoint, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(seconds)


def count_verdict(kind: str, report) -> None:
    """Count a report's verdict and any revocation source problems it met."""
    VERDICTS.labels(kind, report.indication.value).inc()
    for signature in getattr(report, "signatures", None) or (report,):
        for check in signature.checks:
            if check.name == "revocation":
                for problem in check.details.get("problems", ()):
                    OCSP_ERRORS.labels(problem.split(":", 1)[0]).inc()


def on_metrics_listener() -> bool:
    """Whether this request came in on the ``EDS_METRICS_BIND`` listener (gunicorn names the socket's port)."""
    port = current_app.extensions["eds"].settings.metrics_port
    return port is not None and request.environ.get("SERVER_PORT") == str(port)


@metrics.get("/metrics")
def expose() -> Response:
    if not on_metrics_listener():
        authorise("admin")
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
