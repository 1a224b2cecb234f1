"""Every committed sample request gives its documented outcome, offline, with the CRLs shipped beside it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from eds.pki.revocation import Policy
from eds.pki.trust import load_profile
from eds.validation.request_check import Claims, RequestChecker
from eds.validation.signer_check import SignerChecker

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
INDEX = json.loads((SAMPLES / "requests/index.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def checker():
    crls = [p.read_bytes() for p in (SAMPLES / "pki/crl").glob("*.crl")]
    return RequestChecker(SignerChecker(load_profile(SAMPLES / "pki"), policy=Policy.OFFLINE, crls=crls))


@pytest.mark.parametrize("entry", INDEX, ids=[e["file"] for e in INDEX])
def test_sample_outcome(checker, entry):
    data = (SAMPLES / "requests" / entry["file"]).read_bytes()
    detached = (SAMPLES / "requests" / entry["detached"]).read_bytes() if "detached" in entry else None
    claims = Claims(iin_path=None if entry.get("bin_path") else "applicant/iin", bin_path=entry.get("bin_path"))
    if entry["file"].endswith((".cms", ".p7s")):
        claims = Claims()
    report = checker.check(data, claims=claims, detached_content=detached, at=dt.datetime.fromisoformat(entry["at"]))
    if entry["expected"] == "accepted":
        assert report.passed, report.to_dict()["reasons"]
    else:
        assert [r.code for r in report.reasons][0] == entry["expected"], report.to_dict()["reasons"]


DOCUMENTS = json.loads((SAMPLES / "documents/index.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", DOCUMENTS, ids=[e["number"] for e in DOCUMENTS])
def test_issued_sample_verifies_offline_years_later(entry):
    """Only what the PDF carries (B-LTA) and the pinned anchors: no network, no CRL files; now, and three years on,
    when the signing TSA's certificate and the official's have expired and the archive TSA's document timestamp
    carries the proof."""
    from eds.signatures import xmldsig
    from eds.validation.verify import DocumentVerifier

    verifier = DocumentVerifier(SignerChecker(load_profile(SAMPLES / "pki"), policy=Policy.OFFLINE))
    pdf = (SAMPLES / "documents" / f"{entry['number']}.pdf").read_bytes()
    report = verifier.verify(pdf)
    assert report.passed, report.to_dict()["reasons"]
    assert [s.extra["kind"] for s in report.signatures] == ["signature", "document-timestamp"]
    later = verifier.verify(pdf, at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3 * 365))
    assert later.passed, later.to_dict()["reasons"]
    assert report.signatures[0].time_source == "timestamp"
    assert report.signatures[0].signer.key_algorithm.startswith("GOST") == (entry.get("key") == "GOST")
    xml = xmldsig.verify_xml((SAMPLES / "documents" / f"{entry['number']}.xml").read_bytes())
    assert xml.intact


def test_samples_include_a_gost_signed_licence():
    assert [e["type"] for e in DOCUMENTS if e.get("key") == "GOST"] == ["scrap_metal_licence"]


def test_one_verifier_shared_by_threads_gives_every_thread_the_right_answer():
    """A portal verifies with one DocumentVerifier from many threads. With fresh caches (so every path is
    validated, not reused) and the interpreter switching threads very often, every issued sample still passes:
    nothing parsed lazily is shared half-parsed between threads."""
    import concurrent.futures
    import sys

    from eds.validation.verify import DocumentVerifier

    documents = [(SAMPLES / "documents" / f"{e['number']}.pdf").read_bytes() for e in DOCUMENTS] * 2
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        for _ in range(3):
            verifier = DocumentVerifier(SignerChecker(load_profile(SAMPLES / "pki"), policy=Policy.OFFLINE))
            with concurrent.futures.ThreadPoolExecutor(6) as pool:
                reports = list(pool.map(verifier.verify, documents))
            assert [[r.code for r in report.reasons] for report in reports if not report.passed] == []
    finally:
        sys.setswitchinterval(interval)


SERVICE_PROVIDERS = {"tv_radio_licence": {"MCI"}, "scrap_metal_licence": {"ZHM", "GST"},
                     "cultural_export_certificate": {"ZHC"}, "restoration_consent": {"ZHC"},
                     "periodicals_registration": {"SHQ"}, "refusal": {"MCI"}}


@pytest.mark.parametrize("entry", DOCUMENTS, ids=[e["number"] for e in DOCUMENTS])
def test_each_sample_is_its_own_providers_and_names_its_signer(entry):
    """Each service under its own provider, and the printed signer is the holder of the signing certificate."""
    from lxml import etree

    from eds.pki.certificates import Certificate
    from eds.signatures import xmldsig

    assert entry["provider"] in SERVICE_PROVIDERS[entry["type"]]
    assert entry["number"].split("-")[1] == entry["provider"]
    data = (SAMPLES / "documents" / f"{entry['number']}.xml").read_bytes()
    certificate = Certificate.load(xmldsig.verify_xml(data).signatures[0].certificate_der)
    printed = etree.fromstring(data).findtext("signer/name")
    assert printed == " ".join(p for p in (certificate.common_name, certificate.patronymic) if p)
