"""Two-step signing over HTTP: the official's own device signs; the service prepares and completes.

POST /api/v1/documents/prepare            -> pendingId, number, digest (for createCAdESFromBase64Hash), xml
GET  /api/v1/documents/prepared/{id}/pdf  -> the prepared PDF, to show the official what they sign
POST /api/v1/documents/prepared/{id}/complete  {cms, signedXml} -> the registered document
DELETE /api/v1/documents/prepared/{id}    -> abandon
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from api.documents import record
from api.request import Body, acting_for, authorise, idempotency_key, services
from eds.issuing.registry import RegistryError
from eds.issuing.two_step import TwoStepError

two_step = Blueprint("two_step", __name__, url_prefix="/api/v1/documents")


@two_step.post("/prepare")
def prepare():
    client = authorise("issue")
    body = Body()
    doc_type = body.text("type", required=True, max_length=64)
    provider = acting_for(body.text("providerId", required=True, max_length=16))
    certificate = body.binary("signerCertificate", raw=("PEM",))
    data = body.object("data")
    number = body.text("number", max_length=64)  # a licence number from the state e-licensing system
    prepared = services().two_step.prepare(
        doc_type, data, provider_id=provider, signer_certificate_der=certificate, actor=f"api:{client.name}",
        idempotency_key=idempotency_key(client), number=number)
    return jsonify(pendingId=prepared.pending_id, number=prepared.number, digest=prepared.digest,
                   digestAlgorithm=prepared.digest_algorithm, xml=prepared.xml.decode("utf-8"),
                   expiresAt=prepared.expires_at.isoformat()), 201


def _for_its_provider(pending_id: str) -> None:
    """Only a client acting for the pending document's provider may see, complete or abandon it (an unknown id
    is left to the step itself, which names it PENDING_NOT_FOUND or NOT_FOUND)."""
    try:
        pending = services().registry.pending(pending_id, include_expired=True)
    except RegistryError:
        return
    acting_for(pending.provider_id)


@two_step.get("/prepared/<pending_id>/pdf")
def prepared_pdf(pending_id: str):
    authorise("issue")
    _for_its_provider(pending_id)
    data = services().registry.pending_file(pending_id, "pdf")
    return Response(data, mimetype="application/pdf")


@two_step.post("/prepared/<pending_id>/complete")
def complete(pending_id: str):
    client = authorise("issue")
    _for_its_provider(pending_id)
    body = Body()
    cms = body.binary("cms")
    signed_xml = body.binary("signedXml", raw=("XML",))
    issuer = services().two_step
    try:
        document = issuer.complete(pending_id, cms_signature=cms, signed_xml=signed_xml, actor=f"api:{client.name}")
    except TwoStepError as exc:
        if exc.code != "PENDING_NOT_FOUND":
            raise
        # A retry (the first answer was lost): the same document again, or 409 when signed otherwise.
        document = issuer.completed(pending_id, cms_signature=cms, signed_xml=signed_xml)
        acting_for(document.provider_id)
        return jsonify(record(document)), 200
    return jsonify(record(document)), 201


@two_step.delete("/prepared/<pending_id>")
def abandon(pending_id: str):
    client = authorise("issue")
    _for_its_provider(pending_id)
    reason = request.args.get("reason", "").strip()[:500] or "abandoned by the caller"  # a blank one says nothing
    pending = services().registry.abandon(pending_id, actor=f"api:{client.name}", reason=reason)
    return jsonify(pendingId=pending_id, number=pending.number, status="abandoned")

