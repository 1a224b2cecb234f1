"""/api/v1/documents (issue, look up, files, life events) and /api/v1/verify (any signed document)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from api.errors import ApiError, refuse_too_complex
from api.metrics import count_verdict
from api.request import Body, acting_for, authorise, granted_key_id, idempotency_key, services
from eds.issuing.registry.records import Document
from eds.validation.request_check import Claims

documents = Blueprint("documents", __name__, url_prefix="/api/v1")


def record(document: Document) -> dict:
    """A registry record as the API shows it, with links to its signed files and its public page."""
    base = f"/api/v1/documents/{document.number}"
    token = services().registry.access_token(document.number)  # the caller acts for its provider: the full page
    verify = f"/verify/{document.number}" + (f"?t={token}" if token else "")
    return {
        "number": document.number, "type": document.doc_type, "status": str(document.status),
        "providerId": document.provider_id, "holder": {"name": document.holder_name, "id": document.holder_id},
        "issuedAt": document.issued_at.isoformat(), "signedAt": document.signed_at.isoformat(),
        "signerCertificateSha256": document.signer_cert_sha256, "originalNumber": document.original_number,
        "supersedes": document.supersedes, "supersededBy": document.superseded_by, "data": document.data,
        "links": {"pdf": f"{base}/pdf", "xml": f"{base}/xml", "verify": verify},
    }


def _for_its_provider(number: str) -> None:
    """Only a client acting for the document's provider may read its files or change it (PROVIDER_NOT_GRANTED)."""
    acting_for(services().registry.document(number).provider_id)


@documents.post("/documents")
def issue():
    client = authorise("issue")
    body = Body()
    doc_type = body.text("type", required=True, max_length=64)
    provider = acting_for(body.text("providerId", required=True, max_length=16))
    key_id = granted_key_id(body)
    data = body.object("data")
    number = body.text("number", max_length=64)  # a licence number from the state e-licensing system
    document = services().issuer.issue(doc_type, data, provider_id=provider, key_id=key_id,
                                       actor=f"api:{client.name}", idempotency_key=idempotency_key(client),
                                       number=number)
    return jsonify(record(document)), 201


@documents.get("/documents/<number>")
def show(number: str):
    authorise("verify")
    registry = services().registry
    document = registry.document(number)
    acting_for(document.provider_id)  # the record carries the holder's data: only its provider's clients read it
    events = registry.events(number)
    return jsonify({**record(document), "events": [
        {"kind": str(e.kind), "actor": e.actor, "at": e.at.isoformat(), "reason": e.reason,
         "relatedNumber": e.related_number} for e in events]})


@documents.get("/documents/<number>/<any(pdf, xml):kind>")
def file(number: str, kind: str):
    authorise("verify")
    _for_its_provider(number)
    data = services().registry.file(number, kind)
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
    issuer = services().issuer
    idempotency = idempotency_key(client)
    if kind == "reissue":
        key_id, data = granted_key_id(body), body.object("data", required=False)
        _for_its_provider(number)
        document = issuer.reissue(number, key_id=key_id, actor=actor, reason=reason, data=data,
                                  idempotency_key=idempotency)
        return jsonify(record(document)), 201
    if kind == "duplicate":
        key_id = granted_key_id(body)
        _for_its_provider(number)
        document = issuer.duplicate(number, key_id=key_id, actor=actor, reason=reason, idempotency_key=idempotency)
        return jsonify(record(document)), 201
    actions = {"suspend": issuer.suspend, "resume": issuer.resume, "terminate": issuer.terminate}
    if kind not in actions:
        raise ApiError("FIELD_INVALID", "event must be reissue, duplicate, suspend, resume or terminate",
                       details={"field": "event"})
    _for_its_provider(number)
    document = actions[kind](number, actor=actor, reason=reason)
    return jsonify(record(document))


@documents.post("/verify")
def verify():
    authorise("verify")
    body = Body()
    document = body.binary("document", raw=("XML", "PEM"))
    detached = body.binary("detachedContent", required=False)
    claims = Claims(iin=body.text("expectIin"), bin=body.text("expectBin"), signers=body.expected_signers())
    report, registry = services().verify_document(document, detached_content=detached, at=body.moment(),
                                                  claims=claims)
    refuse_too_complex(report)
    count_verdict("document", report)
    out = report.to_dict()
    out["registry"] = registry
    return jsonify(out)
