"""Liveness (/healthz: the process answers) and readiness (/readyz: it can do its job)."""

from __future__ import annotations

import datetime as _dt

from flask import Blueprint, current_app, jsonify

from eds.pki.revocation import CrlIndex

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    return jsonify(status="ok")


@health.get("/readyz")
def readyz():
    """Ready when the trust anchors load, the registry answers, and no loaded CRL is past its nextUpdate."""
    services = current_app.extensions["eds"]
    checks: dict[str, dict] = {}
    try:
        profile = services.profile
        checks["trust"] = {"ok": bool(profile.anchors), "profile": profile.name, "anchors": len(profile.anchors)}
    except Exception as exc:  # any reason the profile cannot load makes the service not ready
        checks["trust"] = {"ok": False, "error": str(exc)}
    checks["registry"] = services.registry_status()
    now = _dt.datetime.now(_dt.timezone.utc)
    stale = [_described(c) for c in services.loaded_crls() if c.next_update and c.next_update < now]
    checks["crls"] = {"ok": not stale, "loaded": len(services.loaded_crls()), "stale": stale}
    ready = all(c["ok"] for c in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503


def _described(crl: CrlIndex) -> dict:
    """A loaded CRL as readiness lists a stale one: the list itself, about no certificate in particular."""
    return {"type": "CRL", "delta": crl.is_delta, "number": crl.number, "thisUpdate": crl.this_update.isoformat(),
            "nextUpdate": crl.next_update.isoformat() if crl.next_update else None, "entries": len(crl),
            "source": crl.source, "sha256": crl.sha256}
