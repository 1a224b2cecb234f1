"""/api/v1/documents (issue, look up, files, life events) and /api/v1/verify (any signed document)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from api.errors import ApiError
from api.metrics import count_verdict
from api.v1 import Body, _dependency, authorise, refuse_too_complex, services
from eds.issuing.access import AccessError
from eds.issuing.documents import DocumentDataError
from eds.issuing.issuer import IssuingError
from eds.issuing.keys import KeyStoreError
from eds.signatures.pades import PdfSigningError
from eds.issuing.registry import RegistryError
from eds.issuing.registry.records import Document
from eds.validation.request_check import Claims

documents = Blueprint("documents", __name__, url_prefix="/api/v1")

_REGISTRY_STATUS = {"NOT_FOUND": "NOT_FOUND", "CONFLICT": "CONFLICT", "INVALID_TRANSITION": "CONFLICT",
                    "DATABASE_UNAVAILABLE": "DEPENDENCY_UNAVAILABLE", "DATABASE_BUSY": "DEPENDENCY_UNAVAILABLE",
                    "INVALID_INPUT": "UNPROCESSABLE", "SIGNER_NOT_AUTHORISED": "UNPROCESSABLE", "EXPIRED": "CONFLICT"}


def _run(call):
    """Library errors as API errors: bad data 422, unknown 404, state conflicts 409, database down 503."""
    try:
        return _dependency(call)
    except DocumentDataError as exc:
        raise ApiError("UNPROCESSABLE", "the document data is not valid", details={"issues": exc.as_list()}) from None
    except IssuingError as exc:
        details = {k: v for k, v in exc.details.items() if k != "cause"}
        if "cause" in exc.details:
            details["detail"] = exc.details["cause"]
        # The official's status could not be established (OCSP and CRLs unreachable): try again, not a refusal.
        unknown = "REVOCATION_UNKNOWN" in exc.details.get("reasons", ())
        raise ApiError("DEPENDENCY_UNAVAILABLE" if unknown else "UNPROCESSABLE", str(exc),
                       details={"cause": exc.code, **details}) from None
    except RegistryError as exc:
        raise ApiError(_REGISTRY_STATUS.get(exc.code, "UNPROCESSABLE"), str(exc), details={"cause": exc.code}) from None
    except KeyStoreError as exc:
        code = "NOT_FOUND" if exc.code == "KEY_NOT_FOUND" else "DEPENDENCY_UNAVAILABLE"
        raise ApiError(code, str(exc), details={"cause": exc.code}) from None
    except PdfSigningError as exc:
        code = "DEPENDENCY_UNAVAILABLE" if exc.code == "TIMESTAMP_UNAVAILABLE" else "UNPROCESSABLE"
        raise ApiError(code, str(exc), details={"cause": exc.code}) from None


def record(document: Document) -> dict:
    base = f"/api/v1/documents/{document.number}"
    return {
        "number": document.number, "type": document.doc_type, "status": str(document.status),
        "providerId": document.provider_id, "holder": {"name": document.holder_name, "id": document.holder_id},
        "issuedAt": document.issued_at.isoformat(), "signedAt": document.signed_at.isoformat(),
        "signerCertificateSha256": document.signer_cert_sha256, "originalNumber": document.original_number,
        "supersedes": document.supersedes, "supersededBy": document.superseded_by, "data": document.data,
        "links": {"pdf": f"{base}/pdf", "xml": f"{base}/xml", "verify": f"/verify/{document.number}"},
    }


def _signing_key(body: Body) -> str:
    key_id = body.text("keyId", required=True)
    try:
        from flask import g

        g.client.require_signing_key(key_id)
    except AccessError as exc:
        raise ApiError(exc.code, str(exc)) from None
    return key_id


def _object(body: Body, name: str, required: bool = True) -> dict | None:
    value = body.fields.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise ApiError("FIELD_MISSING" if value is None else "FIELD_INVALID", f"{name} must be a JSON object",
                       details={"field": name})
    return value


@documents.post("/documents")
def issue():
    client = authorise("issue")
    body = Body()
    doc_type = body.text("type", required=True, max_length=64)
    provider = body.text("providerId", required=True, max_length=16)
    key_id = _signing_key(body)
    data = _object(body, "data")
    idempotency = request.headers.get("Idempotency-Key")
    if idempotency is not None and not 1 <= len(idempotency) <= 200:
        raise ApiError("FIELD_INVALID", "Idempotency-Key must be 1-200 characters", details={"field": "Idempotency-Key"})
    document = _run(lambda: services().issuer.issue(doc_type, data, provider_id=provider, key_id=key_id,
                                                    actor=f"api:{client.name}", idempotency_key=idempotency))
    return jsonify(record(document)), 201


@documents.get("/documents/<number>")
def show(number: str):
    authorise("verify")
    registry = _run(lambda: services().registry)
    document = _run(lambda: registry.document(number))
    events = _run(lambda: registry.events(number))
    return jsonify({**record(document), "events": [
        {"kind": str(e.kind), "actor": e.actor, "at": e.at.isoformat(), "reason": e.reason,
         "relatedNumber": e.related_number} for e in events]})


@documents.get("/documents/<number>/<any(pdf, xml):kind>")
def file(number: str, kind: str):
    authorise("verify")
    data = _run(lambda: services().registry.file(number, kind))
    mimetype = "application/pdf" if kind == "pdf" else "application/xml"
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{number}.{kind}"'})


@documents.post("/documents/<number>/events")
def event(number: str):
    client = authorise("issue")
    body = Body()
    kind = body.text("event", required=True, max_length=16)
    reason = body.text("reason", required=True, max_length=1000)
    actor = f"api:{client.name}"
    issuer = _run(lambda: services().issuer)
    idempotency = request.headers.get("Idempotency-Key")
    if kind == "reissue":
        key_id, data = _signing_key(body), _object(body, "data", required=False)
        document = _run(lambda: issuer.reissue(number, key_id=key_id, actor=actor, reason=reason, data=data,
                                               idempotency_key=idempotency))
        return jsonify(record(document)), 201
    if kind == "duplicate":
        key_id = _signing_key(body)
        document = _run(lambda: issuer.duplicate(number, key_id=key_id, actor=actor, reason=reason,
                                                 idempotency_key=idempotency))
        return jsonify(record(document)), 201
    actions = {"suspend": issuer.suspend, "resume": issuer.resume, "terminate": issuer.terminate}
    if kind not in actions:
        raise ApiError("FIELD_INVALID", "event must be reissue, duplicate, suspend, resume or terminate",
                       details={"field": "event"})
    document = _run(lambda: actions[kind](number, actor=actor, reason=reason))
    return jsonify(record(document))


@documents.post("/verify")
def verify():
    authorise("verify")
    body = Body()
    document = body.binary("document")
    detached = body.binary("detachedContent", required=False)
    claims = Claims(iin=body.text("expectIin"), bin=body.text("expectBin"), signers=body.expected_signers())
    report, registry = _dependency(lambda: services().verify_document(document, detached_content=detached,
                                                                      at=body.moment(), claims=claims))
    refuse_too_complex(report)
    count_verdict("document", report)
    out = report.to_dict()
    out["registry"] = registry
    return jsonify(out)
