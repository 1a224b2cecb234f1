"""An RFC 3161 time-stamping responder for the test PKI (policy 1.2.398.3.3.2.6.4 as the NCA's TSA)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

TSA_POLICY = "1.2.398.3.3.2.6.4"
_HASHES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def _failure(status: str, text: str) -> bytes:
    return tsp.TimeStampResp({
        "status": {"status": status, "status_string": [text]},
    }).dump()


def respond(request_der: bytes, key, cert: x509.Certificate, chain: list[x509.Certificate],
            now: _dt.datetime) -> bytes:
    """Answer a TimeStampReq with a granted TimeStampResp, or a rejection naming the problem."""
    try:
        request = tsp.TimeStampReq.load(request_der)
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native
        nonce = request["nonce"].native
        cert_req = bool(request["cert_req"].native)
    except Exception:
        return _failure("rejection", "bad request")
    if algorithm not in _HASHES or len(hashed) != _HASHES[algorithm]().digest_size:
        return _failure("rejection", "unsupported hash algorithm")
    policy = request["req_policy"].native or TSA_POLICY
    if policy != TSA_POLICY:
        return _failure("rejection", "unaccepted policy")
    return tsp.TimeStampResp({
        "status": {"status": "granted"},
        "time_stamp_token": token(imprint, key, cert, chain if cert_req else None, now, nonce),
    }).dump()


def token(imprint: tsp.MessageImprint, key, cert: x509.Certificate, chain: list[x509.Certificate] | None,
          now: _dt.datetime, nonce: int | None = None) -> cms.ContentInfo:
    """A TimeStampToken (CMS SignedData over TSTInfo) signed by the TSA key with SHA-256."""
    tst_info = {
        "version": "v1",
        "policy": TSA_POLICY,
        "message_imprint": imprint,
        "serial_number": secrets.randbits(63),
        "gen_time": now.astimezone(_dt.timezone.utc),
        "accuracy": {"seconds": 1},
        "ordering": False,
    }
    if nonce is not None:
        tst_info["nonce"] = nonce
    content = tsp.TSTInfo(tst_info).dump()
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    asn1_cert = asn1_x509.Certificate.load(cert_der)
    signed_attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": now})]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(content).digest()]}),
        cms.CMSAttribute({"type": "signing_certificate_v2", "values": [{
            "certs": [{"cert_hash": hashlib.sha256(cert_der).digest(),
                       "issuer_serial": {"issuer": [asn1_x509.GeneralName({"directory_name": asn1_cert.issuer})],
                                         "serial_number": asn1_cert.serial_number}}],
        }]}),
    ])
    to_sign = signed_attrs.dump()
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        signature_algorithm = "sha256_rsa"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        signature_algorithm = "sha256_ecdsa"
    else:
        raise TypeError("the TSA key must be RSA or EC")
    certificates = None
    if chain is not None:
        certificates = [asn1_cert] + [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                                      for c in chain]
    signed_data = {
        "version": "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(content)},
        "signer_infos": [{
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
                "issuer": asn1_cert.issuer, "serial_number": asn1_cert.serial_number}}),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": signature_algorithm},
            "signature": signature,
        }],
    }
    if certificates is not None:
        signed_data["certificates"] = certificates
    return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})
