"""RFC 3161 time-stamping: ask a TSA for a token, check a token, and judge a CMS signer's timestamps (CAdES-T).

A signature timestamp (CAdES-T) proves the signature existed at ``genTime``, which is what lets a signature be
judged at signing time after its certificate has expired. The NCA TSA speaks plain RFC 3161 over HTTP.
A token is a CMS SignedData, checked with :mod:`eds.signatures.cms` (which never imports this module) and so
with the one algorithm registry: a GOST-signed token verifies once GOST is installed, and is refused until then.
"""

from __future__ import annotations

import hmac
import secrets
import time
import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from asn1crypto import cms as acms
from asn1crypto import core
from asn1crypto import tsp as atsp
from asn1crypto import x509 as ax509

from eds import limits
from eds.errors import CodedError
from eds.pki import network
from eds.signatures import cms

SHA256 = cms.SHA256
ID_CT_TST_INFO = cms.ID_CT_TST_INFO
ID_SIGNATURE_TIMESTAMP_TOKEN = cms.ID_SIGNATURE_TIMESTAMP_TOKEN
ID_KP_TIME_STAMPING = "1.3.6.1.5.5.7.3.8"

_RETRYABLE_STATUS = 3  # PKIStatus waiting


class TimestampError(CodedError):
    """No usable token could be had; ``code`` is stable (TSA_UNAVAILABLE, TSA_REJECTED, NONCE_MISMATCH, ...)."""

    code_in_message = True


@dataclass(frozen=True)
class TimestampInfo:
    """What a TimeStampToken attests. ``intact`` covers the token's signature, ESS binding, EKU and imprint."""

    intact: bool
    failure: str | None
    message: str
    gen_time: datetime | None = None
    policy: str | None = None
    serial: int | None = None
    hash_algorithm: str | None = None
    nonce: int | None = None
    tsa_certificate_der: bytes | None = field(default=None, repr=False)
    certificates: tuple[bytes, ...] = field(default=(), repr=False)


def malformed_token(message: str) -> TimestampInfo:
    """The verdict on a token that does not even parse."""
    return TimestampInfo(intact=False, failure="TOKEN_MALFORMED", message=message)


def verify_timestamp_token(
    token_der: bytes,
    *,
    data: bytes | None = None,
    imprint: bytes | None = None,
    hash_algorithm: str = SHA256,
) -> TimestampInfo:
    """Check a TimeStampToken covers ``data`` (hashed with the token's own algorithm) or equals ``imprint``.

    Checks: one SignerInfo whose CMS signature, signed attributes and ESS signingCertificate hold, and a TSA
    certificate whose only extended key usage is timeStamping, marked critical (RFC 3161 §2.3). Whether that
    certificate is trusted and was valid at ``gen_time`` is for the certificate checks to say.
    """
    if (data is None) == (imprint is None):
        raise ValueError("give exactly one of data and imprint")
    token_der = without_zero_padding(token_der)
    if token_der is None:
        return malformed_token("the token is followed by bytes that are not zero padding")
    try:
        info = acms.ContentInfo.load(token_der, strict=True)
        if info["content_type"].dotted != cms.ID_SIGNED_DATA:
            return malformed_token("the token is not a CMS SignedData")
        signed_data = info["content"]
        encap = signed_data["encap_content_info"]
        if encap["content_type"].dotted != ID_CT_TST_INFO or isinstance(encap["content"], core.Void):
            return TimestampInfo(False, "NOT_TST_INFO", "the token does not encapsulate a TSTInfo")
        tst_bytes = bytes(encap["content"])
        tst = atsp.TSTInfo.load(tst_bytes, strict=True)
        nonce = tst["nonce"]
        fields = {
            "gen_time": tst["gen_time"].native.astimezone(timezone.utc),
            "policy": tst["policy"].dotted,
            "serial": int(tst["serial_number"]),
            "hash_algorithm": tst["message_imprint"]["hash_algorithm"]["algorithm"].dotted,
            "nonce": None if isinstance(nonce, core.Void) else int(nonce),
        }
        hashed_message = tst["message_imprint"]["hashed_message"].native
        version = int(tst["version"])
        signer_count = len(signed_data["signer_infos"])
    except cms.ASN1_ERRORS as error:
        return malformed_token(f"the token does not parse: {error}")

    if version != 1 or signer_count != 1:
        return TimestampInfo(False, "TOKEN_MALFORMED", "a token has TSTInfo version 1 and one SignerInfo", **fields)
    if data is not None:
        digest = cms.digest_function(fields["hash_algorithm"])
        if digest is None:
            return TimestampInfo(
                False, "UNSUPPORTED_ALGORITHM", f"imprint hash {fields['hash_algorithm']} is not supported", **fields
            )
        imprint = digest(data)
    elif fields["hash_algorithm"] != hash_algorithm:
        return TimestampInfo(False, "IMPRINT_MISMATCH", "the token uses another imprint hash algorithm", **fields)
    if not hmac.compare_digest(hashed_message, imprint):
        return TimestampInfo(False, "IMPRINT_MISMATCH", "the token time-stamps another value", **fields)

    try:
        (signer,) = cms.verify_signed_data(signed_data, tst_bytes, require_signing_certificate=True)
    except cms.ASN1_ERRORS as error:
        return TimestampInfo(False, "TOKEN_MALFORMED", f"the token's certificates do not parse: {error}", **fields)
    fields.update(tsa_certificate_der=signer.certificate_der, certificates=signer.other_certificates)
    if not signer.intact:
        return TimestampInfo(False, signer.failure, f"token signature: {signer.message}", **fields)
    if not _is_timestamping_certificate(signer.certificate_der):
        return TimestampInfo(
            False, "TSA_NOT_TIMESTAMPING", "the TSA certificate lacks a critical, sole timeStamping EKU", **fields
        )
    return TimestampInfo(True, None, "intact", **fields)


def without_zero_padding(der: bytes) -> bytes | None:
    """The DER element at the start of ``der`` when only zero bytes follow it, as in a PDF's reserved /Contents
    (pyHanko pads a document timestamp so); None when anything else follows. Unparseable input is returned as
    it is, for the parser to refuse."""
    if len(der) < 2:
        return der
    first = der[1]
    if first < 0x80:
        header, length = 2, first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(der) < 2 + count:
            return der
        header, length = 2 + count, int.from_bytes(der[2:2 + count], "big")
    end = header + length
    if end >= len(der):
        return der
    return der[:end] if not der[end:].strip(b"\0") else None


def _is_timestamping_certificate(certificate_der: bytes) -> bool:
    try:
        extensions = ax509.Certificate.load(certificate_der)["tbs_certificate"]["extensions"]
        ekus = [e for e in extensions if e["extn_id"].dotted == "2.5.29.37"]
        if len(ekus) != 1 or not ekus[0]["critical"].native:
            return False
        return [p.dotted for p in ekus[0]["extn_value"].parsed] == [ID_KP_TIME_STAMPING]
    except cms.ASN1_ERRORS:
        return False


def build_request(
    imprint: bytes,
    *,
    hash_algorithm: str = SHA256,
    policy_oid: str | None = None,
    nonce: int | None = None,
    cert_req: bool = True,
) -> tuple[bytes, int]:
    """A DER TimeStampReq and its nonce; the nonce ties the answer to this request (no replayed tokens)."""
    nonce = secrets.randbits(64) if nonce is None else nonce
    fields: dict[str, object] = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": hash_algorithm}, "hashed_message": imprint},
        "nonce": nonce,
        "cert_req": cert_req,
    }
    if policy_oid is not None:
        fields["req_policy"] = policy_oid
    return atsp.TimeStampReq(fields).dump(), nonce


def parse_response(
    response_der: bytes,
    *,
    imprint: bytes,
    nonce: int,
    hash_algorithm: str = SHA256,
    policy_oid: str | None = None,
) -> bytes:
    """The token of a TimeStampResp after checking status, token, imprint, nonce and (if asked) policy."""
    try:
        response = cms.TimeStampResp.load(response_der, strict=True)
        status_info = response["status"]
        status = int(status_info["status"])
        text = status_info["status_string"].native or []
        fail_info = status_info["fail_info"].native or set()
        token = response["time_stamp_token"]
        token_der = None if isinstance(token, core.Void) else token.dump()
    except cms.ASN1_ERRORS as error:
        raise TimestampError("TSA_RESPONSE_MALFORMED", f"the TSA answer does not parse: {error}") from None
    if status == _RETRYABLE_STATUS:
        raise TimestampError("TSA_WAITING", "the TSA asked to try again later")
    if status not in (0, 1):
        detail = "; ".join([*text, *sorted(fail_info)])
        raise TimestampError("TSA_REJECTED", f"PKIStatus {status}: {detail}")
    if token_der is None:
        raise TimestampError("TSA_RESPONSE_MALFORMED", "the TSA granted the request without a token")
    info = verify_timestamp_token(token_der, imprint=imprint, hash_algorithm=hash_algorithm)
    if not info.intact:
        raise TimestampError(info.failure or "TIMESTAMP_INVALID", info.message)
    if info.nonce != nonce:
        raise TimestampError("NONCE_MISMATCH", "the token does not echo the request's nonce")
    if policy_oid is not None and info.policy != policy_oid:
        raise TimestampError("POLICY_MISMATCH", f"the token has policy {info.policy}, not {policy_oid}")
    return token_der


def post_request(url: str, body: bytes, timeout: float) -> bytes:
    """POST one TimeStampReq and return the raw answer, within the request's network budget and at most
    ``timeout`` seconds (the TSA size limit; no redirect off the TSA's own origin); no retries, no checks.
    Raises TimestampError: TSA_UNAVAILABLE (``details.cause``: DEADLINE, UNREACHABLE...), TSA_HTTP_ERROR for a
    refusal below HTTP 500, TSA_RESPONSE_TOO_LARGE, TSA_URL_REFUSED."""
    try:
        return _post(url, body, timeout)
    except network.NetworkError as error:
        raise _timestamp_error(error) from None


def _post(url: str, body: bytes, timeout: float) -> bytes:
    return network.fetch(url, kind="tsa", policy=network.UrlPolicy.trusting([url]), body=body, timeout=timeout,
                         headers={"Content-Type": "application/timestamp-query",
                                  "Accept": "application/timestamp-reply"})


def _timestamp_error(error: network.NetworkError) -> TimestampError:
    details = {"cause": error.code, "url": error.url}
    if error.code == "HTTP_ERROR":
        status = int(error.details.get("status") or 0)
        if status < 500:
            return TimestampError("TSA_HTTP_ERROR", f"the TSA answered HTTP {status}", details)
    if error.code == "RESPONSE_TOO_LARGE":
        return TimestampError("TSA_RESPONSE_TOO_LARGE", f"the TSA answer exceeds {error.details.get('max')} bytes",
                              details)
    if error.code == "URL_REFUSED":
        return TimestampError("TSA_URL_REFUSED", error.message, details)
    return TimestampError("TSA_UNAVAILABLE", error.message, details)


def request_timestamp(
    url: str,
    imprint: bytes,
    *,
    hash_algorithm: str = SHA256,
    policy_oid: str | None = None,
    timeout: float = 10.0,
    retries: int = 2,
    retry_delay: float = 0.5,
) -> bytes:
    """Get a checked TimeStampToken (DER) for ``imprint`` from the TSA at ``url``.

    Network errors, HTTP 5xx and PKIStatus "waiting" are retried ``retries`` times with doubling delays, while
    the request's network budget lasts; a TSA that let the deadline pass is not asked again. Anything else
    fails at once. Raises TimestampError (a URL that is not http(s) a ValueError), never returns an unchecked
    token.
    """
    network.UrlPolicy().check(url, "tsa")
    request, nonce = build_request(imprint, hash_algorithm=hash_algorithm, policy_oid=policy_oid)
    last_error = "no attempt made"
    for attempt in range(retries + 1):
        try:
            if attempt:
                with network.waiting(url, "tsa", retry_delay * 2 ** (attempt - 1)) as pause:
                    time.sleep(pause)
            payload = _post(url, request, timeout)
        except network.NetworkError as error:
            refusal = _timestamp_error(error)
            if refusal.code != "TSA_UNAVAILABLE" or error.code == "DEADLINE":
                raise refusal from None
            last_error = error.message
            continue
        try:
            return parse_response(
                payload, imprint=imprint, nonce=nonce, hash_algorithm=hash_algorithm, policy_oid=policy_oid
            )
        except TimestampError as error:
            if error.code != "TSA_WAITING":
                raise
            last_error = error.message
    raise TimestampError("TSA_UNAVAILABLE", f"no token after {retries + 1} attempts: {last_error}")



def signature_timestamper(url: str | None = None, *,
                          timestamper: Callable[[bytes], bytes] | None = None) -> cms.Timestamping:
    """What :func:`eds.signatures.cms.sign_cms` calls to make a signature CAdES-T: signature value -> token.

    The token comes from the TSA at ``url``, or from ``timestamper`` (SHA-256 imprint -> token; tests, a TSA
    in process). Either way it is checked to cover the signature before it is embedded, so that a broken token
    is refused at signing, not found later.
    """
    if (url is None) == (timestamper is None):
        raise ValueError("give timestamp_url or timestamper, not both" if url else "give a TSA URL or a timestamper")

    def timestamp(signature: bytes) -> bytes:
        imprint = hashlib.sha256(signature).digest()
        token = timestamper(imprint) if timestamper is not None else request_timestamp(url or "", imprint)
        info = verify_timestamp_token(token, data=signature)
        if not info.intact:
            raise TimestampError(info.failure or "TIMESTAMP_INVALID", info.message)
        return token

    return timestamp


def judge_timestamps(signer: cms.CmsSignerResult) -> cms.CmsSignerResult:
    """CAdES-T: every signatureTimeStampToken must cover the signature value; the earliest one is reported.

    Returns the signer with ``timestamp`` set; a broken token makes it not intact (TIMESTAMP_INVALID), the first
    broken one being reported.
    """
    if signer.intact and signer.timestamp_error is not None:
        return dataclasses.replace(signer, intact=False, failure="TIMESTAMP_INVALID",
                                   message="the signature timestamp attribute is malformed",
                                   timestamp=malformed_token(signer.timestamp_error))
    if not signer.intact or not signer.timestamp_tokens:
        return signer
    infos = []
    for token in signer.timestamp_tokens:
        limits.checkpoint()
        infos.append(verify_timestamp_token(token, data=signer.signature_value))
    broken = [info for info in infos if not info.intact]
    if broken:
        return dataclasses.replace(signer, intact=False, failure="TIMESTAMP_INVALID", timestamp=broken[0],
                                   message=f"signature timestamp: {broken[0].failure}: {broken[0].message}")
    return dataclasses.replace(signer, timestamp=min(infos, key=lambda info: info.gen_time))


def verify_cades(data: bytes | str, *, detached_content: bytes | None = None,
                 max_bytes: int = cms.DEFAULT_MAX_BYTES) -> cms.CmsVerification:
    """A CMS verified with its signature timestamps judged: what request checking calls for a CMS."""
    result = cms.verify_cms(data, detached_content=detached_content, max_bytes=max_bytes)
    if result.failure is not None:
        return result
    signers = tuple(judge_timestamps(signer) for signer in result.signers)
    intact = all(signer.intact for signer in signers)
    return dataclasses.replace(result, signers=signers, content=result.content if intact else None,
                               message=result.message if intact else "at least one signature is not intact")
