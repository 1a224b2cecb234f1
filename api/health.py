"""Liveness (/healthz: the process answers) and readiness (/readyz: it can do its job, and what is missing).

/healthz touches nothing, so it answers whatever the evidence servers do; under gunicorn each worker runs
threads (``api.serving``), so a probe is served beside a slow check instead of queueing behind it.

/readyz checks the trust anchors always, and the parts ``EDS_READY_REQUIRES`` names (default
``registry,revocation``): ``registry`` (the database answers), ``crl`` (every CRL the profile lists is held,
current, or fetched now), ``ocsp`` (a responder of the profile answers OCSP), ``tsa`` (the TSA gives a checked
token), ``revocation`` (``crl`` or ``ocsp``: a certificate's status can be learnt). Each network probe runs
under a short budget of its own (inside the request's), one probe at a time per app, and their answer is kept a few seconds, so a hung server makes
readiness neither slow nor a load on it; a CRL that failed is asked again only after the store's pause (30 s).
The trust profile and the registry are looked at every time.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import threading
import time

from flask import Blueprint, current_app, jsonify

from eds.pki import network
from eds.pki.revocation import CrlIndex
from eds.signatures import tsp

health = Blueprint("health", __name__)

PROBE_BUDGET = 1.5  # seconds of network waiting the probe of one part (CRLs, OCSP, TSA) may spend
KEEP_SECONDS = 5.0  # the network parts' answer is reused this long


@health.get("/healthz")
def healthz():
    return jsonify(status="ok")


@health.get("/readyz")
def readyz():
    """503 with ``missing`` naming each required part that is not there; the checks say why."""
    services = current_app.extensions["eds"]
    required = services.settings.ready_requires
    checks = _checks(services, required)
    missing = [name for name in ("trust", *required) if not checks[name]["ok"]]
    ready = not missing
    return jsonify(status="ready" if ready else "not ready", missing=missing, checks=checks), 200 if ready else 503


def _checks(services, required: tuple[str, ...]) -> dict[str, dict]:
    checks: dict[str, dict] = {}
    try:
        profile = services.profile
        checks["trust"] = {"ok": bool(profile.anchors), "profile": profile.name, "anchors": len(profile.anchors)}
    except Exception as exc:  # any reason the profile cannot load makes the service not ready
        checks["trust"] = {"ok": False, "error": str(exc)}
        profile = None
    if "registry" in required:
        checks["registry"] = services.registry_status()
    wanted = {p for p in required if p in ("crl", "ocsp", "tsa")}
    if "revocation" in required:
        wanted |= {"crl", "ocsp"}
    if wanted:
        checks.update(_network_parts(services, profile, tuple(sorted(wanted))))
    if "revocation" in required:
        checks["revocation"] = {"ok": checks["crl"]["ok"] or checks["ocsp"]["ok"],
                                "by": [p for p in ("crl", "ocsp") if checks[p]["ok"]]}
    return checks


def _network_parts(services, profile, wanted: tuple[str, ...]) -> dict[str, dict]:
    """The CRL, OCSP and TSA parts, probed at most once per KEEP_SECONDS and one probe at a time."""
    state = current_app.extensions.setdefault("eds.readiness", {"lock": threading.Lock(), "kept": None})
    lock: threading.Lock = state["lock"]
    kept = state["kept"]
    usable = kept is not None and kept[1] == wanted
    if usable and time.monotonic() - kept[0] < KEEP_SECONDS:
        return kept[2]
    if not lock.acquire(blocking=not usable):
        return kept[2]  # another thread is probing: the last answer rather than a wait for the next one
    try:
        kept = state["kept"]
        if kept is not None and kept[1] == wanted and time.monotonic() - kept[0] < KEEP_SECONDS:
            return kept[2]
        if profile is None:
            parts = {part: {"ok": False, "error": "no trust profile"} for part in wanted}
        else:
            probes = {"crl": _crls, "ocsp": _ocsp, "tsa": lambda _services, p: _tsa(p)}
            parts = {}
            for part in wanted:  # each its own budget, so that a hung CRL server does not fail the OCSP probe
                with network.budget(PROBE_BUDGET):
                    parts[part] = probes[part](services, profile)
        state["kept"] = (time.monotonic(), wanted, parts)
        return parts
    finally:
        lock.release()


def _crls(services, profile) -> dict:
    """Every CRL the profile names, held and current (fetched now when it is not); stale loaded ones listed."""
    store = services.signer_checker.revocation.store
    now = _dt.datetime.now(_dt.timezone.utc)
    urls = list(dict.fromkeys(profile.crl_urls))
    store.refresh(urls, now, policy=profile.url_policy())
    missing = []
    for url in urls:
        held = store.held(url)
        if held is None or held.next_update is None or held.next_update < now:
            missing.append({"url": url, "error": store.last_error(url) or "no current CRL held"})
    stale = [_described(c) for c in services.loaded_crls() if c.next_update and c.next_update < now]
    return {"ok": bool(urls) and not missing, "listed": len(urls), "current": len(urls) - len(missing),
            "missing": missing, "stale": stale}


def _ocsp(services, profile) -> dict:
    """A responder of the profile answers OCSP (any signed answer, about a CA certificate of the profile)."""
    urls = list(profile.ocsp_urls)
    subject = _probe_certificate(profile)
    if not urls or subject is None:
        return {"ok": False, "error": "the profile names no OCSP responder" if not urls else "no CA certificate"}
    client = services.signer_checker.revocation.ocsp
    errors = []
    for url in urls:
        problem = client.ping(url, *subject, policy=profile.url_policy())
        if problem is None:
            return {"ok": True, "url": url}
        errors.append({"url": url, "error": problem})
    return {"ok": False, "errors": errors}


def _probe_certificate(profile):
    """(certificate, issuer) to ask about: an intermediate and the anchor that issued it, else an anchor itself."""
    by_subject = {a.x509.subject: a for a in profile.anchors}
    for intermediate in profile.intermediates:
        issuer = by_subject.get(intermediate.x509.issuer)
        if issuer is not None:
            return intermediate, issuer
    return (profile.anchors[0], profile.anchors[0]) if profile.anchors else None


def _tsa(profile) -> dict:
    if not profile.tsa_url:
        return {"ok": False, "error": "the profile names no TSA"}
    try:
        tsp.request_timestamp(profile.tsa_url, hashlib.sha256(b"eds readiness").digest(), retries=0)
    except (tsp.TimestampError, ValueError) as exc:
        return {"ok": False, "url": profile.tsa_url, "error": str(exc)}
    return {"ok": True, "url": profile.tsa_url}


def _described(crl: CrlIndex) -> dict:
    """A loaded CRL as readiness lists a stale one: the list itself, about no certificate in particular."""
    return {"type": "CRL", "delta": crl.is_delta, "number": crl.number, "thisUpdate": crl.this_update.isoformat(),
            "nextUpdate": crl.next_update.isoformat() if crl.next_update else None, "entries": len(crl),
            "source": crl.source, "sha256": crl.sha256}
