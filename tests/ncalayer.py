"""A stand-in for the official's device (NCALayer's createCAdESFromBase64Hash), shared by the two-step tests."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from asn1crypto import cms as asn1_cms
from asn1crypto import core
from asn1crypto import x509 as asn1_x509

from eds.pki import algorithms
from eds.pki.keys import SigningKey


def _attribute(name: str, value: object) -> asn1_cms.CMSAttribute:
    return asn1_cms.CMSAttribute({"type": name, "values": [value]})


def device_cms(digest_b64: str, key: SigningKey) -> bytes:
    """What NCALayer's createCAdESFromBase64Hash makes of a digest: detached CAdES-BES, the signer's certificate in."""
    certificate = asn1_x509.Certificate.load(key.certificate.der)
    ess = {"certs": [{"cert_hash": hashlib.sha256(key.certificate.der).digest(),
                      "issuer_serial": {"issuer": [asn1_x509.GeneralName({"directory_name": certificate.issuer})],
                                        "serial_number": certificate.serial_number}}]}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    attributes = asn1_cms.CMSAttributes([
        _attribute("content_type", "data"),
        _attribute("signing_time", asn1_cms.Time({"utc_time": core.UTCTime(now)})),
        _attribute("message_digest", base64.b64decode(digest_b64)),
        _attribute("signing_certificate_v2", ess),
    ])
    algorithm = key.signature_algorithm  # the key's own algorithm names its hash, as the digest given must be made
    value, digest = key.sign(attributes.dump(), algorithm), algorithms.signature(algorithm).digest_oid
    signer_info = asn1_cms.SignerInfo({
        "version": "v1",
        "sid": {"issuer_and_serial_number": {"issuer": certificate.issuer, "serial_number": certificate.serial_number}},
        "digest_algorithm": {"algorithm": digest}, "signed_attrs": attributes,
        "signature_algorithm": {"algorithm": algorithm}, "signature": value})
    signed_data = asn1_cms.SignedData({
        "version": "v1", "digest_algorithms": [{"algorithm": digest}], "encap_content_info": {"content_type": "data"},
        "certificates": [certificate], "signer_infos": [signer_info]})
    return asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
