"""Liveness: answers as long as the process can serve a request."""

from flask import Blueprint, jsonify

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    return jsonify(status="ok")
