"""Forged PAdES B-LTA licences: document timestamps that must never make a licence TOTAL_PASSED.

Made from this project's own licence, signed (B-T) by the test PKI's official and given its B-LT data by the
issuer's own code, in a PKI of its own (``make_material``: the test PKI and a second TSA, ``tsa_archive``, an EC
TSA under the EC CA, that makes the genuine document timestamps). Everything is built by script: pyHanko's
``PdfTimeStamper`` with a time-stamper that signs in process (a look-alike TSA, a genuine TSA key over the wrong
imprint), its DSS writer, and the edits of :mod:`hostile.pdf.forgeries`.

The families (``FAMILIES``):

* ``untrusted-tsa``: a document timestamp by a TSA the profile does not trust: under the look-alike CA with the
  genuine TSA's name, self-signed, or by an OCSP responder's key; with or without its chain in the DSS. Not
  time evidence: the licence is not TOTAL_PASSED, and judged after the genuine TSA expired nothing rescues it.
* ``imprint``: a document timestamp by the genuine archive TSA whose token time-stamps something else: zeros,
  the previous revision, the other licence, the right digest under another hash's name.
* ``after-timestamp``: the licence changed after its document timestamp (page content, pages swapped, an
  annotation over the number, a new signature field): a document timestamp covers only its own revision.
* ``no-signature``: document timestamps over revisions without any signature: the unsigned licence, another
  one, the signed licence with its signature revision cut off, a blank signature field, with DSS and with two.
* ``forged-evidence``: after a genuine document timestamp of the archive TSA, DSS revisions whose only evidence
  for that TSA is forged: a CRL of its CA signed by the look-alike key, a genuine CRL with its signature
  broken, a CRL signed by the TSA itself, an OCSP answer of a look-alike responder. Offline the TSA's status is
  then unknown: never TOTAL_PASSED.
* ``expired``: judged years later: B-LT alone, a document timestamp by the same (expired) TSA, an untrusted one
  on top of an expired one, a B-B signature with only a document timestamp.
* ``controls``: the genuine B-LTA licence, which must pass offline, and years later when renewed by the archive
  TSA before the first one expired.

``CASES`` maps a name to ``Material -> Case(data, at, offline_only, codes)``: ``at`` the moment to judge at (None:
now), ``offline_only`` for cases whose point is what the document carries (an online check may find the real
evidence), ``codes`` reason codes one of which must be among the report's (empty for a control, which must pass).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from asn1crypto import cms as acms
from asn1crypto import crl as acrl
from asn1crypto import ocsp as aocsp
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore

from eds.issuing import archive
from eds.issuing.issuer import long_term_data
from eds.pki.certificates import Certificate
from eds.pki.keys import SigningKey
from eds.signatures import pades as pdf
from eds.validation.signer_check import SignerChecker
from hostile.pdf.corpus import draw_over_page, incremental, replace_page_content
from hostile.pdf.forgeries import (
    FORGED_NUMBER, NUMBER, annotate, appearance, licence, load_key, name, reader_of, replace_pages_with, text,
)
from test_pki.model import TSA_POLICY, read_password

NOW = dt.datetime.now(dt.timezone.utc)
LATER = NOW + dt.timedelta(days=500)  # the PKI's own TSA (335 days) and the official's certificate have expired

MODIFIED = "MODIFIED_AFTER_SIGNING"
NO_SIGNATURE = "NO_SIGNATURE"
UNTRUSTED = "CHAIN_UNTRUSTED"
INVALID = "TIMESTAMP_INVALID"
EXPIRED = "TIMESTAMP_EXPIRED"
NO_POE = "OUT_OF_BOUNDS_NO_POE"
UNKNOWN = "REVOCATION_UNKNOWN"


class Case(NamedTuple):
    data: bytes
    at: dt.datetime | None
    offline_only: bool
    codes: frozenset[str]


@dataclass(frozen=True)
class Material:
    unsigned: bytes
    other_unsigned: bytes
    signed: bytes  # B-T by official_region, the PKI's TSA
    lt: bytes  # with the issuer's B-LT data
    lta: bytes  # then a document timestamp of the archive TSA and its evidence (as EDS_LONG_TERM=lta issues)
    signers: SignerChecker
    pki: Path
    manifest: dict
    archive_url: str
    tsa_url: str


def make_material(pki: Path, archive_url: str) -> Material:
    """The licences (the PKI's services must be running, with the archive TSA added by test_pki.archive)."""
    from eds.pki.trust import load_profile

    manifest = {**json.loads((pki / "manifest.json").read_text(encoding="utf-8")), "password": read_password(pki)}
    profile = load_profile(pki)
    checker = SignerChecker(profile)
    official = load_key(pki, manifest, "official_region")
    unsigned = licence(NUMBER)
    signed = pdf.sign_pdf(unsigned, official, timestamp_url=profile.tsa_url)
    lt = pdf.add_validation_data(signed, long_term_data(signed, checker, official.certificate, official.chain))
    lta = archive.add_archive_timestamp(lt, checker, archive_url)
    return Material(unsigned, licence(FORGED_NUMBER), signed, lt, lta, checker, pki, manifest, archive_url,
                    profile.tsa_url)


CASES: dict[str, Callable[[Material], Case]] = {}
FAMILIES: dict[str, str] = {}


def case(family: str, *codes: str, at: dt.datetime | None = None, offline_only: bool = False):
    def register(build: Callable[[Material], bytes]) -> Callable[[Material], bytes]:
        if build.__name__ in CASES:
            raise ValueError(f"duplicate case {build.__name__}")
        CASES[build.__name__] = lambda m: Case(build(m), at, offline_only, frozenset(codes))
        FAMILIES[build.__name__] = family
        return build
    return register


# --- time-stampers ---------------------------------------------------------------------------------------


class LocalTimeStamper(TimeStamper):
    """A TSA in process: ``key`` and ``certificate`` sign the tokens; ``imprint`` may replace the digest asked."""

    def __init__(self, key, certificate: bytes, chain: tuple[bytes, ...] = (),
                 imprint: Callable[[bytes], bytes] | None = None, hash_oid: str | None = None) -> None:
        super().__init__()
        self.key, self.certificate, self.chain = key, certificate, chain
        self.imprint, self.hash_oid = imprint, hash_oid

    async def async_timestamp(self, message_digest, md_algorithm) -> acms.ContentInfo:
        from eds.signatures import cms
        from test_pki.tsa import make_timestamp_token

        oid = self.hash_oid or {"sha256": cms.SHA256, "sha512": cms.SHA512}[md_algorithm]
        digest = self.imprint(message_digest) if self.imprint else message_digest
        token = make_timestamp_token(digest, oid, self.key, self.certificate, TSA_POLICY, None, NOW,
                                     secrets.randbits(63), self.chain)
        return acms.ContentInfo.load(token)


def stamp_with(data: bytes, stamper: TimeStamper) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    return signers.PdfTimeStamper(stamper).timestamp_pdf(writer, "sha256", bytes_reserved=12288).getvalue()


def genuine_stamp(m: Material, data: bytes, *, dss: bool = True) -> bytes:
    """A document timestamp of the archive TSA, with its evidence after it (``dss``), as the issuer adds one."""
    if dss:
        return archive.add_archive_timestamp(data, m.signers, m.archive_url)
    return pdf.add_document_timestamp(data, m.archive_url)


def key_of(m: Material, name_: str) -> SigningKey:
    return load_key(m.pki, m.manifest, name_)


def lookalike_tsa(m: Material, *, self_signed: bool = False) -> tuple[object, bytes, tuple[bytes, ...]]:
    """A TSA certificate with the genuine TSA's name and a critical timeStamping EKU, by the look-alike CA (or by
    itself): everything but a chain to the profile."""
    genuine = x509.load_pem_x509_certificate((m.pki / m.manifest["identities"]["tsa_archive"]["certificate"])
                                             .read_bytes())
    fake_ca = SigningKey.from_pkcs12((m.pki / m.manifest["authorities"]["fake_ca_rsa"]["pkcs12"]).read_bytes(),
                                     m.manifest["password"])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer_name = genuine.subject if self_signed else fake_ca.certificate.x509.subject
    builder = (x509.CertificateBuilder().subject_name(genuine.subject).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=3650))
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True))
    cert = builder.sign(key if self_signed else fake_ca.private_key, hashes.SHA256())
    chain = () if self_signed else (fake_ca.certificate.der,)
    return key, cert.public_bytes(serialization.Encoding.DER), chain


def untrusted_stamp(m: Material, data: bytes, *, self_signed: bool = False, dss: bool = False) -> bytes:
    key, cert, chain = lookalike_tsa(m, self_signed=self_signed)
    stamped = stamp_with(data, LocalTimeStamper(key, cert, chain))
    if not dss:
        return stamped
    return add_dss(stamped, certs=[cert, *chain])


def add_dss(data: bytes, *, certs=(), ocsps=(), crls=()) -> bytes:
    """A DSS revision (pyHanko's writer) with the given DER certificates, OCSP answers and CRLs."""
    token = reader_of(data).embedded_signatures[-1].pkcs7_content
    output = io.BytesIO(data)
    DocumentSecurityStore.add_dss(output, token, certs=[ax509.Certificate.load(c) for c in certs],
                                  ocsps=[aocsp.OCSPResponse.load(o) for o in ocsps],
                                  crls=[acrl.CertificateList.load(c) for c in crls])
    return output.getvalue()


def wrong_imprint(m: Material, data: bytes, imprint: Callable[[bytes], bytes], hash_oid: str | None = None) -> bytes:
    """A token from the genuine archive TSA's key over another imprint than the document's."""
    tsa = key_of(m, "tsa_archive")
    return stamp_with(data, LocalTimeStamper(tsa.private_key, tsa.certificate.der, tuple(c.der for c in tsa.chain),
                                             imprint=imprint, hash_oid=hash_oid))


# --- untrusted TSA --------------------------------------------------------------------------------------------


@case("untrusted-tsa", UNTRUSTED, INVALID, "CHAIN_INVALID")
def lookalike_tsa_over_b_lt(m: Material) -> bytes:
    return untrusted_stamp(m, m.lt)


@case("untrusted-tsa", UNTRUSTED, INVALID, "CHAIN_INVALID")
def lookalike_tsa_over_b_lt_with_its_chain_in_dss(m: Material) -> bytes:
    return untrusted_stamp(m, m.lt, dss=True)


@case("untrusted-tsa", UNTRUSTED, INVALID, "CHAIN_INVALID")
def self_signed_tsa_over_b_lt(m: Material) -> bytes:
    return untrusted_stamp(m, m.lt, self_signed=True)


@case("untrusted-tsa", UNTRUSTED, INVALID, "CHAIN_INVALID", EXPIRED, NO_POE, at=LATER)
def lookalike_tsa_years_later(m: Material) -> bytes:
    """After the genuine TSA expired, an untrusted document timestamp must not be what keeps the licence valid."""
    return untrusted_stamp(m, m.lt, dss=True)


@case("untrusted-tsa", UNTRUSTED, INVALID, "CHAIN_INVALID", EXPIRED, NO_POE, at=LATER)
def lookalike_tsa_over_genuine_b_lta_years_later(m: Material) -> bytes:
    return untrusted_stamp(m, genuine_stamp(m, m.lt, dss=True), dss=True)


@case("untrusted-tsa", "NOT_SIGNING_KEY", "TSA_NOT_TIMESTAMPING", INVALID, "DOCUMENT_MALFORMED")
def ocsp_responder_key_as_tsa(m: Material) -> bytes:
    """The OCSP responder's genuine certificate (trusted chain, no timeStamping EKU) signs the token."""
    responder = key_of(m, "ocsp_rsa")
    return stamp_with(m.lt, LocalTimeStamper(responder.private_key, responder.certificate.der,
                                             tuple(c.der for c in responder.chain)))


# --- imprint ---------------------------------------------------------------------------------------------------


@case("imprint", INVALID)
def imprint_of_zeros(m: Material) -> bytes:
    return wrong_imprint(m, m.lt, lambda d: bytes(len(d)))


@case("imprint", INVALID)
def imprint_of_the_previous_revision(m: Material) -> bytes:
    return wrong_imprint(m, m.lt, lambda d: hashlib.sha256(m.lt).digest())


@case("imprint", INVALID)
def imprint_of_the_other_licence(m: Material) -> bytes:
    return wrong_imprint(m, m.lt, lambda d: hashlib.sha256(m.other_unsigned).digest())


@case("imprint", INVALID, "DOCUMENT_MALFORMED")
def imprint_under_another_hash_name(m: Material) -> bytes:
    """The right SHA-256 digest, labelled SHA-512 in the token."""
    from eds.signatures import cms

    return wrong_imprint(m, m.lt, lambda d: d, hash_oid=cms.SHA512)


@case("imprint", INVALID)
def imprint_with_a_flipped_bit(m: Material) -> bytes:
    return wrong_imprint(m, m.lt, lambda d: bytes([d[0] ^ 1]) + d[1:])


# --- changes after the document timestamp -------------------------------------------------------------------


@case("after-timestamp", MODIFIED)
def page_content_replaced_after_the_timestamp(m: Material) -> bytes:
    return incremental(m.lta, replace_page_content)


@case("after-timestamp", MODIFIED)
def pages_swapped_after_the_timestamp(m: Material) -> bytes:
    return incremental(m.lta, replace_pages_with(m.other_unsigned))


@case("after-timestamp", MODIFIED)
def overlay_after_the_timestamp(m: Material) -> bytes:
    return incremental(m.lta, draw_over_page)


@case("after-timestamp", MODIFIED)
def annotation_over_the_number_after_the_timestamp(m: Material) -> bytes:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        annotate(writer, {name("/Subtype"): name("/FreeText"), name("/Contents"): text(FORGED_NUMBER),
                          name("/AP"): appearance(writer)})
    return incremental(m.lta, edit)


@case("after-timestamp", MODIFIED, "FORM_FILLED_AFTER_SIGNING")
def painted_signature_field_after_the_timestamp(m: Material) -> bytes:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        annotate(writer, {name("/Subtype"): name("/Widget"), name("/FT"): name("/Sig"), name("/T"): text("Stamp9"),
                          name("/AP"): appearance(writer)}, field=True)
    return incremental(m.lta, edit)


@case("after-timestamp", MODIFIED)
def page_content_replaced_then_a_second_timestamp(m: Material) -> bytes:
    """The change is itself time-stamped by the genuine TSA: a timestamp over a changed licence is no signature."""
    return genuine_stamp(m, incremental(m.lta, replace_page_content))


# --- no signature ------------------------------------------------------------------------------------------


@case("no-signature", NO_SIGNATURE)
def timestamp_over_the_unsigned_licence(m: Material) -> bytes:
    return genuine_stamp(m, m.unsigned)


@case("no-signature", NO_SIGNATURE)
def timestamp_over_the_other_licence_with_dss(m: Material) -> bytes:
    return genuine_stamp(m, m.other_unsigned)


@case("no-signature", NO_SIGNATURE)
def two_timestamps_over_the_other_licence(m: Material) -> bytes:
    return genuine_stamp(m, genuine_stamp(m, m.other_unsigned))


@case("no-signature", NO_SIGNATURE, "DOCUMENT_MALFORMED")
def timestamp_over_the_signed_licence_cut_before_its_signature(m: Material) -> bytes:
    return genuine_stamp(m, m.signed[:len(m.unsigned)])


@case("no-signature", NO_SIGNATURE)
def timestamp_over_a_blank_signature_field(m: Material) -> bytes:
    named = incremental(m.other_unsigned, lambda w: fields.append_signature_field(w, fields.SigFieldSpec("Signature1")))
    return genuine_stamp(m, named)


@case("no-signature", NO_SIGNATURE, at=LATER)
def timestamp_over_the_other_licence_years_later(m: Material) -> bytes:
    return genuine_stamp(m, m.other_unsigned)


# --- forged evidence after the document timestamp --------------------------------------------------------------


def archive_ca(m: Material) -> tuple[SigningKey, x509.Certificate]:
    ca = SigningKey.from_pkcs12((m.pki / m.manifest["authorities"]["ca_ec"]["pkcs12"]).read_bytes(),
                                m.manifest["password"])
    return ca, ca.certificate.x509


def crl_of(issuer: x509.Certificate, key, *, revoked: tuple[int, ...] = ()) -> bytes:
    builder = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
               .last_update(NOW).next_update(NOW + dt.timedelta(days=3650))
               .add_extension(x509.CRLNumber(int(NOW.timestamp()) * 4 + 3), critical=False))
    for serial in revoked:
        builder = builder.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(serial)
                                                  .revocation_date(NOW - dt.timedelta(days=1)).build())
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def stamp_without_its_evidence(m: Material) -> bytes:
    """The B-LT licence with a genuine document timestamp of the archive TSA and no evidence for that TSA."""
    return genuine_stamp(m, m.lt, dss=False)


@case("forged-evidence", UNKNOWN, offline_only=True)
def crl_of_the_archive_ca_signed_by_the_lookalike_key(m: Material) -> bytes:
    _ca, ca_cert = archive_ca(m)
    fake = SigningKey.from_pkcs12((m.pki / m.manifest["authorities"]["fake_ca_rsa"]["pkcs12"]).read_bytes(),
                                  m.manifest["password"])
    tsa = key_of(m, "tsa_archive")
    return add_dss(stamp_without_its_evidence(m), certs=[tsa.certificate.der, ca_cert.public_bytes(
        serialization.Encoding.DER)], crls=[crl_of(ca_cert, fake.private_key)])


@case("forged-evidence", UNKNOWN, offline_only=True)
def genuine_crl_of_the_archive_ca_with_its_signature_broken(m: Material) -> bytes:
    ca, ca_cert = archive_ca(m)
    der = bytearray(crl_of(ca_cert, ca.private_key))
    der[-3] ^= 0xFF
    return add_dss(stamp_without_its_evidence(m), certs=[key_of(m, "tsa_archive").certificate.der], crls=[bytes(der)])


@case("forged-evidence", UNKNOWN, offline_only=True)
def crl_of_the_archive_ca_signed_by_the_tsa(m: Material) -> bytes:
    _ca, ca_cert = archive_ca(m)
    tsa = key_of(m, "tsa_archive")
    return add_dss(stamp_without_its_evidence(m), certs=[tsa.certificate.der], crls=[crl_of(ca_cert, tsa.private_key)])


@case("forged-evidence", UNKNOWN, offline_only=True)
def ocsp_good_for_the_tsa_from_a_lookalike_responder(m: Material) -> bytes:
    from cryptography.x509 import ocsp

    ca, ca_cert = archive_ca(m)
    tsa = key_of(m, "tsa_archive")
    fake = SigningKey.from_pkcs12((m.pki / m.manifest["authorities"]["fake_ca_rsa"]["pkcs12"]).read_bytes(),
                                  m.manifest["password"])
    response = (ocsp.OCSPResponseBuilder()
                .add_response(tsa.certificate.x509, ca_cert, hashes.SHA256(), ocsp.OCSPCertStatus.GOOD, NOW, None,
                              None, None)
                .responder_id(ocsp.OCSPResponderEncoding.HASH, fake.certificate.x509)
                .certificates([fake.certificate.x509])
                .sign(fake.private_key, hashes.SHA256())).public_bytes(serialization.Encoding.DER)
    return add_dss(stamp_without_its_evidence(m), certs=[tsa.certificate.der], ocsps=[response])


@case("forged-evidence", UNKNOWN, EXPIRED, NO_POE, offline_only=True, at=LATER)
def forged_crl_years_later(m: Material) -> bytes:
    """Years later, the document timestamp is all that keeps the licence valid: its forged evidence must not."""
    _ca, ca_cert = archive_ca(m)
    fake = SigningKey.from_pkcs12((m.pki / m.manifest["authorities"]["fake_ca_rsa"]["pkcs12"]).read_bytes(),
                                  m.manifest["password"])
    return add_dss(stamp_without_its_evidence(m), crls=[crl_of(ca_cert, fake.private_key)])


# --- expired proof ---------------------------------------------------------------------------------------------


@case("expired", EXPIRED, NO_POE, at=LATER)
def b_lt_years_later(m: Material) -> bytes:
    return m.lt


@case("expired", EXPIRED, NO_POE, at=LATER)
def document_timestamp_by_the_same_tsa_years_later(m: Material) -> bytes:
    """A document timestamp by the TSA that stamped the signature expires with it: nothing is renewed."""
    stamped = pdf.add_document_timestamp(m.lt, m.tsa_url)
    tsa = Certificate.load((m.pki / m.manifest["identities"]["tsa"]["certificate"]).read_bytes())
    return pdf.add_validation_data(stamped, pdf.ValidationData(*m.signers.validation_data(tsa)))


@case("expired", NO_POE, "REVOCATION_UNKNOWN", at=LATER)
def b_b_signature_with_only_a_document_timestamp_years_later(m: Material) -> bytes:
    """No signature timestamp: the signer is judged at the requested moment, when the certificate has expired."""
    official = key_of(m, "official_region")
    signed = pdf.sign_pdf(m.unsigned, official)
    lt = pdf.add_validation_data(signed, pdf.ValidationData(*m.signers.validation_data(official.certificate,
                                                                                       extra_certs=official.chain)))
    return genuine_stamp(m, lt)


@case("expired", EXPIRED, at=NOW + dt.timedelta(days=10 * 365))
def genuine_b_lta_once_the_archive_tsa_expired_too(m: Material) -> bytes:
    return m.lta


# --- controls ------------------------------------------------------------------------------------------------


@case("controls")
def genuine_b_lta(m: Material) -> bytes:
    return m.lta


@case("controls", at=LATER)
def genuine_b_lta_years_later(m: Material) -> bytes:
    return m.lta


@case("controls", at=LATER)
def b_lt_renewed_by_the_archive_tsa_years_later(m: Material) -> bytes:
    return archive.renew(m.lt, m.signers, m.archive_url)[0]
