"""The parsers under fuzzing, each wrapped in an oracle; shared by the atheris harnesses and tests/test_fuzz.py.

An oracle takes any bytes and raises AssertionError (or lets an undocumented exception escape) when the code
under test misbehaves:

- only the documented error type may be raised (IdentityError, CertificateError, CrlError), and the
  verifiers (verify_xml, verify_cms, DocumentVerifier, RequestChecker) raise nothing at all;
- whatever they return renders as JSON, as the API renders it;
- nothing passes unless what it vouches for is what the genuine seed signed: a mutation may only touch bytes
  no signature covers (whitespace, a comment, the padding of a PDF's /Contents).

Verification is offline against the test PKI's CRL files, so a genuine seed passes with no network and any
pass is the oracle's business.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from eds.issuing.documents import render_pdf, validate
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES  # whole documents, as issued
from eds.issuing.issuer import long_term_data
from eds.pki.certificates import Certificate, CertificateError
from eds.pki.identity import IdentityError, check_digit, parse_bin, parse_iin
from eds.pki.keys import SigningKey
from eds.pki.revocation import CrlError, CrlIndex, Policy
from eds.pki.trust import load_profile
from eds.signatures import cms, pades as pdf, xmldsig
from eds.validation.request_check import Claims, RequestChecker
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from test_pki.model import read_password

TARGETS = ("identity", "certificate", "crl", "xml", "cms", "pdf", "request")
CMS_CONTENT = "Өтініш: лицензия беру туралы / Заявление о выдаче лицензии".encode()


@dataclass(frozen=True)
class Seeds:
    """Genuine inputs the fuzzers start from (and the oracles compare against)."""

    xml: bytes
    cms: bytes
    pdf: bytes
    certificate: bytes
    crl: bytes
    iin: str

    def save(self, directory: Path) -> None:
        """One folder per target, as libFuzzer wants its seed corpus."""
        files = {"identity": [self.iin.encode(), b"150340001117", b"000000000000"], "certificate": [self.certificate],
                 "crl": [self.crl], "xml": [self.xml], "cms": [self.cms], "pdf": [self.pdf],
                 "request": [self.xml, self.cms]}
        for target, contents in files.items():
            (directory / target).mkdir(parents=True, exist_ok=True)
            for number, content in enumerate(contents):
                (directory / target / f"seed-{number}").write_bytes(content)
        (directory / "seeds.json").write_text(json.dumps({"iin": self.iin}), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "Seeds":
        def read(target: str, number: int = 0) -> bytes:
            return (directory / target / f"seed-{number}").read_bytes()

        iin = json.loads((directory / "seeds.json").read_text(encoding="utf-8"))["iin"]
        return cls(read("xml"), read("cms"), read("pdf"), read("certificate"), read("crl"), iin)


def offline_checker(pki_dir: Path) -> SignerChecker:
    """The signer check with no network: the test PKI's CRL files are all the revocation evidence there is."""
    crls = [path.read_bytes() for path in sorted((pki_dir / "crl").glob("*.crl"))]
    return SignerChecker(load_profile(pki_dir), policy=Policy.OFFLINE, crls=crls)


def make_seeds(pki_dir: Path) -> Seeds:
    """Sign the seeds with the test PKI's keys: an XML request, an attached CMS, and a B-LT licence PDF."""
    manifest = json.loads((pki_dir / "manifest.json").read_text(encoding="utf-8"))

    def key(name: str) -> SigningKey:
        info = manifest["identities"][name]
        return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), read_password(pki_dir), key_id=name)

    applicant, official = key("individual_sign"), key("official_region")
    iin = manifest["identities"]["individual_sign"]["iin"]
    request = (f'<request xmlns="urn:egov:request"><applicant><iin>{iin}</iin></applicant>'
               '<service code="001">лицензия</service></request>').encode()
    xml = xmldsig.sign_xml(request, applicant.private_key, applicant.certificate.der)
    signed_cms = cms.sign_cms(CMS_CONTENT, applicant.private_key, applicant.certificate.der,
                              extra_certs=[c.der for c in applicant.chain])
    document = validate("scrap_metal_licence", EXAMPLES["scrap_metal_licence"])
    unsigned = render_pdf(document, number="LIC-ZHM-2026-000001", issued_at=dt.date.today(),
                          verify_url="http://127.0.0.1/verify/LIC-ZHM-2026-000001")
    signed = pdf.sign_pdf(unsigned, official)
    evidence = long_term_data(signed, offline_checker(pki_dir), official.certificate, official.chain)
    licence = pdf.add_validation_data(signed, evidence)
    crl = (pki_dir / manifest["authorities"]["ca_rsa"]["crl"]).read_bytes()
    return Seeds(xml, signed_cms, licence, applicant.certificate.der, crl, iin)


def _render(value: object) -> None:
    json.dumps(value, ensure_ascii=False)


def _byte_range(data: bytes) -> list[int]:
    return [int(v) for v in re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)[0]]


class Oracles:
    """One method per target; each takes arbitrary bytes."""

    def __init__(self, pki_dir: Path, seeds: Seeds) -> None:
        self.seeds = seeds
        self.signers = offline_checker(pki_dir)
        self.documents = DocumentVerifier(self.signers)
        self.requests = RequestChecker(self.signers)
        self.genuine_certificate = Certificate.load(seeds.certificate).der
        self.genuine_serial = Certificate.load(seeds.certificate).x509.serial_number
        self.genuine_subject = Certificate.load(seeds.certificate).subject_dn
        self.genuine_crl = CrlIndex(seeds.crl)
        self.signed_xml = xmldsig.verify_xml(seeds.xml).signed_document
        start1, length1, start2, length2 = _byte_range(seeds.pdf)
        self.pdf_covered = (seeds.pdf[start1:start1 + length1], seeds.pdf[start2:start2 + length2])
        self.pdf_range = (start1, length1, start2, length2)
        self.issuer = next(c for c in (Certificate.load(p.read_bytes()) for p in (pki_dir / "ca").glob("*.pem"))
                           if self.genuine_crl.issued_by(c))
        assert self.signed_xml is not None and self.documents.verify(seeds.pdf).passed, "the seeds must verify"

    def identity(self, data: bytes) -> None:
        for value in (data, data.decode("utf-8", "replace"), data.decode("latin-1")):
            for parse in (parse_iin, parse_bin):
                try:
                    parsed = parse(value)
                except IdentityError as exc:
                    assert exc.code in ("IDENTITY_MALFORMED", "IDENTITY_CHECKSUM"), exc.code
                    continue
                text = value.strip()
                assert isinstance(value, str) and parsed.value == text and text.isascii() and text.isdigit()
                assert len(text) == 12 and check_digit(text[:11]) == int(text[11]), value

    def certificate(self, data: bytes) -> None:
        try:
            certificate = Certificate.load(data)
        except CertificateError as exc:
            assert exc.code == "CERT_MALFORMED", exc.code
            return
        _render(certificate.describe())
        report = self.signers.check(certificate, expect_iin=self.seeds.iin)
        _render(report.to_dict())
        assert not report.passed or certificate.der == self.genuine_certificate, "a changed certificate passed"

    def crl(self, data: bytes) -> None:
        try:
            index = CrlIndex(data, source="document")  # as a hostile document would embed it
        except CrlError as exc:
            assert exc.code.startswith("CRL_"), exc.code
            return
        _render(index.evidence(self.genuine_subject).to_dict())
        for serial in (1, 2 ** 64 + 1, self.genuine_serial):
            index.lookup(serial)
        try:
            index.verify_signature(self.issuer)
        except CrlError as exc:
            assert exc.code.startswith("CRL_"), exc.code
            return
        assert index.crl.tbs_certlist_bytes == self.genuine_crl.crl.tbs_certlist_bytes, "a changed CRL verified"

    def xml(self, data: bytes) -> None:
        result = xmldsig.verify_xml(data)
        if result.intact:
            assert result.signed_document == self.signed_xml, "a changed XML verified as intact"

    def cms(self, data: bytes) -> None:
        result = cms.verify_cms(data)
        if result.intact:
            assert result.content == CMS_CONTENT, "a changed CMS verified as intact"

    def pdf(self, data: bytes) -> None:
        report = self.documents.verify(data)
        _render(report.to_dict())
        if report.passed:
            start1, length1, start2, length2 = self.pdf_range
            covered = (data[start1:start1 + length1], data[start2:start2 + length2])
            assert covered == self.pdf_covered, "a PDF whose signed bytes changed passed"

    def request(self, data: bytes) -> None:
        report = self.requests.check(data, claims=Claims(iin=self.seeds.iin))
        _render(report.to_dict())
        if report.passed:
            same_xml = xmldsig.verify_xml(data).signed_document == self.signed_xml
            assert same_xml or cms.verify_cms(data).content == CMS_CONTENT, "a changed request was accepted"


def oracles_for(work: Path) -> Oracles:
    """The oracles over a work folder made by ``fuzz/run.py`` (the PKI in ``pki/``, seeds in ``seeds/``)."""
    return Oracles(work / "pki", Seeds.load(work / "seeds"))
