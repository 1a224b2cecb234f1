"""OCSP as the NCA answers it, checked properly.

Every answer is checked: its signature, that the responder is the CA itself or a delegated responder
certified by the same CA for OCSPSigning, that it speaks of the certificate asked about, that the nonce
we sent comes back, and that it is fresh. The NCA sends no nextUpdate, so freshness is producedAt /
thisUpdate against a configured maximum age. "Try later" is retried a bounded number of times and then
reported as an error, never as "good". Requests go through :mod:`eds.pki.network`: within the request's
budget, http(s) only, at most the OCSP size limit; an answer that took until the deadline is not asked again.
"""

from __future__ import annotations

import datetime as _dt
import functools
import secrets
import time
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from eds.pki import algorithms, network
from eds.pki.certificates import Certificate
from eds.pki.revocation.evidence import EvidenceSource, OcspEvidence, OcspStatus

CLOCK_SKEW = _dt.timedelta(minutes=5)


@dataclass(frozen=True)
class OcspAnswer:
    """A checked OCSP answer, or why none could be had (``status`` ERROR with a code)."""

    status: str  # GOOD, REVOKED, UNKNOWN, ERROR
    code: str | None = None
    message: str = ""
    revoked_at: _dt.datetime | None = None
    reason: str | None = None
    produced_at: _dt.datetime | None = None
    this_update: _dt.datetime | None = None
    responder: str | None = None
    source: str = "network"
    url: str | None = None
    der: bytes | None = None
    network_failure: bool = False
    cause: str | None = None  # the network's code when no answer came: DEADLINE, URL_REFUSED, ...

    def evidence(self, certificate: str) -> OcspEvidence:
        """This GOOD or REVOKED answer as the evidence that decided ``certificate`` (its DN)."""
        return OcspEvidence(certificate=certificate, source=EvidenceSource(self.source),
                            status=OcspStatus(self.status), produced_at=self.produced_at,
                            this_update=self.this_update, responder=self.responder, url=self.url)


def _error(code: str, message: str, *, url: str | None = None, network: bool = False,
           source: str = "network", cause: str | None = None) -> OcspAnswer:
    return OcspAnswer("ERROR", code, message, url=url, network_failure=network, source=source, cause=cause)


# What each network failure is as an OCSP answer: its code, whether it is silence (which soft-fail may excuse;
# an answer too large or a URL refused is not), and whether asking again could help.
_NETWORK_FAILURES = {
    "DEADLINE": ("OCSP_UNREACHABLE", True, False),
    "UNREACHABLE": ("OCSP_UNREACHABLE", True, True),
    "HTTP_ERROR": ("OCSP_UNREACHABLE", True, True),
    "URL_REFUSED": ("OCSP_URL_REFUSED", False, False),
    "RESPONSE_TOO_LARGE": ("OCSP_MALFORMED", False, False),
}


def build_request(cert: Certificate, issuer: Certificate, *, hash_algorithm: hashes.HashAlgorithm | None = None,
                  nonce: bytes | None = None) -> bytes:
    """A DER OCSP request with a SHA-256 CertID (as the NCA expects) and a nonce when given."""
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert.x509, issuer.x509, hash_algorithm or hashes.SHA256())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def _nonce_of(response: ocsp.OCSPResponse) -> bytes | None:
    for extension in response.extensions:
        if isinstance(extension.value, x509.OCSPNonce):
            return extension.value.nonce
    return None


def _responder(response: ocsp.OCSPResponse, issuer: Certificate) -> Certificate | None:
    """The certificate that signed the response: the issuer itself or one of the embedded ones."""
    candidates = [Certificate.from_x509(c) for c in response.certificates] + [issuer]
    for cert in candidates:
        if response.responder_name is not None and cert.x509.subject == response.responder_name:
            return cert
        if response.responder_key_hash is not None:
            digest = hashes.Hash(hashes.SHA1())
            digest.update(_public_key_bits(cert))
            if digest.finalize() == response.responder_key_hash:
                return cert
    return None


def _public_key_bits(cert: Certificate) -> bytes:
    return _key_bits_of(cert.der)


@functools.lru_cache(maxsize=1024)
def _key_bits_of(der: bytes) -> bytes:
    """The subjectPublicKey bits of a certificate, by its exact DER: the issuer's key hash is compared for every
    OCSP answer a document carries, for every certificate of its chains."""
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(der).public_key["public_key"].contents[1:]


def check_response(der: bytes, cert: Certificate, issuer: Certificate, *, now: _dt.datetime,
                   at: _dt.datetime, max_age: _dt.timedelta, nonce: bytes | None = None,
                   source: str = "network", url: str | None = None) -> OcspAnswer:
    """Check an OCSP response about ``cert`` completely; return its status or an ERROR answer."""
    try:
        response = ocsp.load_der_ocsp_response(der)
    except Exception as exc:
        return _error("OCSP_MALFORMED", f"the OCSP answer is not an OCSP response: {exc}", url=url, source=source)
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        code = "OCSP_TRY_LATER" if response.response_status == ocsp.OCSPResponseStatus.TRY_LATER else "OCSP_REFUSED"
        return _error(code, f"the OCSP responder answered {response.response_status.name}", url=url,
                      network=code == "OCSP_TRY_LATER", source=source)
    try:
        serial = response.serial_number
        single_status = response.certificate_status
        produced_at, this_update = response.produced_at_utc, response.this_update_utc
        next_update = response.next_update_utc
        key_hash, algorithm = response.issuer_key_hash, response.hash_algorithm
        tbs, signature = response.tbs_response_bytes, response.signature
        signature_oid = response.signature_algorithm_oid.dotted_string
        response_nonce = _nonce_of(response)
    except Exception as exc:  # cryptography refuses responses with several SingleResponses, bad extensions...
        return _error("OCSP_MALFORMED", f"the OCSP response cannot be read: {exc}", url=url, source=source)
    if serial != cert.x509.serial_number:
        return _error("OCSP_WRONG_CERTIFICATE", "the OCSP response speaks of another certificate", url=url,
                      source=source)
    digest = hashes.Hash(algorithm)
    digest.update(_public_key_bits(issuer))
    if digest.finalize() != key_hash:
        return _error("OCSP_WRONG_CERTIFICATE", "the OCSP response names another issuer", url=url, source=source)
    if nonce is not None and response_nonce != nonce:
        return _error("OCSP_NONCE_MISMATCH", "the OCSP response does not echo our nonce (possible replay)",
                      url=url, source=source)
    responder = _responder(response, issuer)
    if responder is None:
        return _error("OCSP_RESPONDER_UNKNOWN", "the OCSP response's signer is not included or not known",
                      url=url, source=source)
    if responder.der != issuer.der:
        problem = _delegation_problem(responder, issuer, produced_at)
        if problem:
            return _error("OCSP_RESPONDER_NOT_AUTHORISED", problem, url=url, source=source)
    try:
        valid = algorithms.verify(responder, tbs, signature, signature_oid)
    except algorithms.UnsupportedSignatureAlgorithm as exc:
        return _error("OCSP_ALGORITHM_UNSUPPORTED", str(exc), url=url, source=source)
    if not valid:
        return _error("OCSP_SIGNATURE_INVALID", "the OCSP response's signature does not verify", url=url,
                      source=source)
    if this_update > now + CLOCK_SKEW or produced_at > now + CLOCK_SKEW:
        return _error("OCSP_NOT_YET_VALID", "the OCSP response is dated in the future", url=url, source=source)
    if next_update is not None and next_update < now and this_update < at:
        return _error("OCSP_STALE", "the OCSP response is past its nextUpdate", url=url, source=source)
    # thisUpdate is when the status was last known to be right; producedAt only when it was signed.
    fresh = now - this_update <= max_age or this_update >= at
    if not fresh:
        return _error("OCSP_STALE", f"the OCSP response speaks of {this_update.isoformat()}, "
                                    f"older than the allowed {int(max_age.total_seconds())} s", url=url,
                      source=source)
    common = dict(produced_at=produced_at, this_update=this_update, responder=responder.subject_dn,
                  source=source, url=url, der=der)
    if single_status == ocsp.OCSPCertStatus.GOOD:
        return OcspAnswer("GOOD", **common)
    if single_status == ocsp.OCSPCertStatus.REVOKED:
        reason = response.revocation_reason
        return OcspAnswer("REVOKED", revoked_at=response.revocation_time_utc,
                          reason=reason.name if reason is not None else "unspecified", **common)
    return OcspAnswer("UNKNOWN", "OCSP_STATUS_UNKNOWN", "the OCSP responder does not know this certificate",
                      **common)


def _issued_by(cert: Certificate, issuer: Certificate) -> bool:
    """The CA's signature on ``cert``: by cryptography, or by eds.pki.algorithms for what cryptography lacks (GOST)."""
    try:
        cert.x509.verify_directly_issued_by(issuer.x509)
        return True
    except UnsupportedAlgorithm:
        try:
            return algorithms.verify(issuer, cert.x509.tbs_certificate_bytes, cert.x509.signature,
                                     cert.signature_algorithm_oid)
        except algorithms.UnsupportedSignatureAlgorithm:
            return False
    except Exception:
        return False


def _delegation_problem(responder: Certificate, issuer: Certificate, at: _dt.datetime) -> str | None:
    """Why a delegated responder may not answer for ``issuer`` (RFC 6960 §4.2.2.2), or None."""
    if responder.x509.issuer != issuer.x509.subject:
        return "the OCSP responder certificate was not issued by the certificate's CA"
    if not _issued_by(responder, issuer):
        return "the OCSP responder certificate's signature does not verify with the CA's key"
    if ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string not in responder.eku_oids:
        return "the OCSP responder certificate lacks the OCSPSigning extended key usage"
    if not responder.not_before <= at <= responder.not_after:
        return "the OCSP responder certificate was not valid when the response was produced"
    return None


class OcspClient:
    """Asks an OCSP responder over HTTP: each attempt at most ``timeout`` seconds of the request's budget, bounded
    retries after a quick failure, answers of at most ``max_bytes`` (the OCSP limit by default)."""

    def __init__(self, *, timeout: float = 3.0, retries: int = 2, retry_delay: float = 0.2,
                 max_age: _dt.timedelta = _dt.timedelta(minutes=10), max_bytes: int | None = None) -> None:
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self.max_age = max_age
        self.max_bytes = max_bytes

    def query(self, url: str, cert: Certificate, issuer: Certificate, *, at: _dt.datetime,
              policy: network.UrlPolicy | None = None) -> OcspAnswer:
        """The checked answer of the responder at ``url``; ``policy`` says which non-public hosts it may be."""
        nonce = secrets.token_bytes(16)
        request = build_request(cert, issuer, nonce=nonce)
        answer = _error("OCSP_UNREACHABLE", "no OCSP attempt was made", url=url, network=True)
        for attempt in range(self.retries + 1):
            try:
                if attempt:
                    with network.waiting(url, "ocsp", self.retry_delay * attempt) as pause:
                        time.sleep(pause)
                der = network.fetch(url, kind="ocsp", policy=policy or network.UrlPolicy(), body=request,
                                    headers={"Content-Type": "application/ocsp-request"}, timeout=self.timeout,
                                    max_bytes=self.max_bytes)
            except network.NetworkError as exc:
                code, silence, again = _NETWORK_FAILURES.get(exc.code, ("OCSP_UNREACHABLE", True, True))
                answer = _error(code, f"OCSP responder {url} did not answer: {exc}", url=exc.url or url,
                                network=silence, cause=exc.code)
                if not again:
                    return answer
                continue
            now = _dt.datetime.now(_dt.timezone.utc)
            answer = check_response(der, cert, issuer, now=now, at=at, max_age=self.max_age, nonce=nonce,
                                    url=url)
            if answer.code != "OCSP_TRY_LATER":
                return answer
        return answer

    def ping(self, url: str, cert: Certificate, issuer: Certificate, *,
             policy: network.UrlPolicy | None = None) -> str | None:
        """Whether the responder at ``url`` answers OCSP at all (readiness): None, or what is wrong. Any signed
        status about ``cert`` will do; no retry, so a probe never waits longer than one attempt."""
        try:
            der = network.fetch(url, kind="ocsp", policy=policy or network.UrlPolicy(),
                                body=build_request(cert, issuer), timeout=self.timeout, max_bytes=self.max_bytes,
                                headers={"Content-Type": "application/ocsp-request"})
        except network.NetworkError as exc:
            return str(exc)
        try:
            status = ocsp.load_der_ocsp_response(der).response_status
        except Exception as exc:  # whatever cryptography says of bytes that are not an OCSP response
            return f"OCSP_MALFORMED: {url} answered something that is not an OCSP response ({exc})"
        if status in (ocsp.OCSPResponseStatus.TRY_LATER, ocsp.OCSPResponseStatus.INTERNAL_ERROR):
            return f"OCSP_TRY_LATER: {url} answered {status.name}"
        return None
