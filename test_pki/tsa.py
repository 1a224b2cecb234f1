"""The test PKI's RFC 3161 time-stamping authority: make tokens and answer TimeStampReqs as a TSA does.

The product only asks a TSA for tokens and checks them (:mod:`eds.signatures.tsp`); making them is the TSA's
side, which only the test PKI's TSA service and the tests need.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timezone

from asn1crypto import cms as acms
from asn1crypto import core
from asn1crypto import tsp as atsp
from asn1crypto import x509 as ax509

from eds.signatures import cms
from eds.signatures.tsp import ID_CT_TST_INFO


def make_timestamp_token(
    imprint: bytes,
    hash_oid: str,
    tsa_key: object,
    tsa_cert_der: bytes,
    policy_oid: str,
    nonce: int | None,
    gen_time: datetime,
    serial: int,
    extra_certs: Iterable[bytes] = (),
    *,
    include_certificates: bool = True,
) -> bytes:
    """A TimeStampToken (DER) as a TSA makes it: the test PKI's TSA and the tests sign with this."""
    subject = ax509.Certificate.load(tsa_cert_der)["tbs_certificate"]["subject"]
    fields: dict[str, object] = {
        "version": "v1",
        "policy": policy_oid,
        "message_imprint": {"hash_algorithm": {"algorithm": hash_oid}, "hashed_message": imprint},
        "serial_number": serial,
        "gen_time": gen_time.astimezone(timezone.utc),
        "tsa": ax509.GeneralName({"directory_name": subject}),
    }
    if nonce is not None:
        fields["nonce"] = nonce
    token = cms.sign_cms(
        atsp.TSTInfo(fields).dump(),
        tsa_key,
        tsa_cert_der,
        extra_certs=extra_certs,
        content_type=ID_CT_TST_INFO,
        signing_time=gen_time,
    )
    if include_certificates:
        return token
    signed_data = acms.ContentInfo.load(token)["content"]
    signed_data["certificates"] = None
    return acms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def _rejection(failure: str, text: str) -> bytes:
    status = {"status": "rejection", "status_string": [text], "fail_info": {failure}}
    return cms.TimeStampResp({"status": status}).dump()


def make_timestamp_response(
    request_der: bytes,
    tsa_key: object,
    tsa_cert_der: bytes,
    policy_oid: str,
    *,
    gen_time: datetime | None = None,
    extra_certs: Iterable[bytes] = (),
) -> bytes:
    """Answer a TimeStampReq as a TSA does (DER TimeStampResp): the body of a test TSA's HTTP handler."""
    try:
        request = atsp.TimeStampReq.load(request_der, strict=True)
        version = int(request["version"])
        hash_oid = request["message_imprint"]["hash_algorithm"]["algorithm"].dotted
        imprint = request["message_imprint"]["hashed_message"].native
        requested_policy = request["req_policy"]
        nonce = request["nonce"]
        cert_req = bool(request["cert_req"].native)
    except cms.ASN1_ERRORS:
        return _rejection("bad_data_format", "the request does not parse")
    digest = cms.digest_function(hash_oid)
    if version != 1:
        return _rejection("bad_request", f"TimeStampReq version {version} is not 1")
    if digest is None or len(imprint) != len(digest(b"")):
        return _rejection("bad_alg", f"imprint hash {hash_oid} is not accepted")
    if not isinstance(requested_policy, core.Void) and requested_policy.dotted != policy_oid:
        return _rejection("unaccepted_policy", f"this TSA only issues policy {policy_oid}")
    token = make_timestamp_token(
        imprint,
        hash_oid,
        tsa_key,
        tsa_cert_der,
        policy_oid,
        None if isinstance(nonce, core.Void) else int(nonce),
        gen_time or datetime.now(timezone.utc),
        secrets.randbits(63),
        extra_certs,
        include_certificates=cert_req,
    )
    status = {"status": "granted"}
    return cms.TimeStampResp({"status": status, "time_stamp_token": acms.ContentInfo.load(token)}).dump()
