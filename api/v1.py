"""/api/v1: JSON in and out, binary documents as Base64 fields or multipart uploads. A thin layer over eds."""

from __future__ import annotations

import base64

from flask import Blueprint, current_app, jsonify

from api.errors import ApiError, refuse_too_complex
from api.metrics import count_verdict
from api.request import Body, authorise, granted_key_id, services
from eds.pki.keys import KeyStoreError, SigningKey
from eds.signatures import cms, tsp, xmldsig
from eds.validation.request_check import Claims

v1 = Blueprint("v1", __name__, url_prefix="/api/v1")


@v1.post("/certificates/check")
def check_certificate():
    authorise("verify")
    body = Body()
    certificate = body.binary("certificate", raw=("PEM",))
    report = services().signer_checker.check(
        certificate, at=body.moment(), expect_iin=body.text("expectIin"), expect_bin=body.text("expectBin"),
        roles=body.roles())
    count_verdict("certificate", report)
    return jsonify(report.to_dict())


@v1.post("/requests/verify")
def verify_request():
    authorise("verify")
    body = Body()
    document = body.binary("document", raw=("XML", "PEM"))
    detached = body.binary("detachedContent", required=False)
    claims = Claims(iin=body.text("expectIin"), bin=body.text("expectBin"), iin_path=body.text("iinPath"),
                    bin_path=body.text("binPath"), signers=body.expected_signers())
    report = services().request_checker.check(document, claims=claims, detached_content=detached, at=body.moment())
    refuse_too_complex(report)
    count_verdict("request", report)
    return jsonify(report.to_dict())


def _held_key(body: Body) -> SigningKey:
    """The granted signing key ``keyId`` names; an unknown one is refused as the field that named it."""
    key_id = granted_key_id(body)
    try:
        return services().keys.get(key_id)
    except KeyStoreError as exc:
        if exc.code != "KEY_NOT_FOUND":
            raise
        raise ApiError("NOT_FOUND", str(exc), details={"field": "keyId"}) from None


@v1.post("/signatures/xml")
def sign_xml():
    client = authorise("sign")
    body = Body()
    document = body.binary("document", raw=("XML",))
    key = _held_key(body)
    signed = xmldsig.sign_xml(document, key.private_key, key.certificate.der)
    current_app.logger.info("signed xml", extra={"client": client.key_id, "key": key.key_id})
    return jsonify(document=base64.b64encode(signed).decode(), signer=key.certificate.describe()["subject"])


@v1.post("/signatures/cms")
def sign_cms():
    client = authorise("sign")
    body = Body()
    content = body.binary("content")
    existing = body.binary("addTo", required=False, raw=("PEM",))
    key = _held_key(body)
    tsa_url = services().profile.tsa_url if body.flag("timestamp") else None
    extra = [c.der for c in key.chain]
    stamp = tsp.signature_timestamper(tsa_url) if tsa_url else None
    if existing is not None:
        signed = cms.add_signer(existing, key.private_key, key.certificate.der, detached_content=content,
                                extra_certs=extra, timestamp=stamp)
    else:
        signed = cms.sign_cms(content, key.private_key, key.certificate.der, detached=body.flag("detached"),
                              extra_certs=extra, timestamp=stamp)
    current_app.logger.info("signed cms", extra={"client": client.key_id, "key": key.key_id})
    return jsonify(cms=base64.b64encode(signed).decode(), signer=key.certificate.describe()["subject"])
