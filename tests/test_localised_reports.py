"""Reports read in Kazakh and Russian throughout: every line of the text and HTML renderings comes from the catalogue.

A representative set of real reports (passed, revoked, expired, untrusted chain, malformed, PDF modified after
signing, timestamp invalid, and a few refusals of the signer check) is rendered in en, kk and ru. No English word
of the English rendering may remain in the kk or ru one, apart from codes (upper case), names the certificates
and documents carry, numbers, times and URLs. Third-party exception texts (certvalidator, cryptography's parser,
pyHanko) never reach a rendering: they are ``details.cause`` and stay in the English JSON message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from eds.issuing.documents import render_pdf, validate
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES
from eds.pki.keys import SigningKey
from eds.pki.revocation import OcspClient
from eds.signatures import cms, tsp
from eds.signatures import pades as pdf
from eds.validation.rendering import render_html_fragment, render_text
from eds.validation.report import Check, DocumentReport, Phrase, SignatureReport, Status
from eds.validation.request_check import Claims, RequestChecker
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier

# Names of formats and structures that read the same in every language.
TERMS = {"ByteRange", "XObject", "TSTInfo", "SignerInfo", "SignedData", "X.509", "Base64", "NAME", "FOLDER",
         "soft-fail", "trust"}  # "--trust NAME or FOLDER" is the option to type
WORD = re.compile(r"[A-Za-z][A-Za-z_'.-]*[A-Za-z]|[A-Za-z]")


@pytest.fixture(scope="module")
def key_of(pki_dir, manifest):
    def load(name: str) -> SigningKey:
        info = manifest["identities"][name]
        return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id=name)

    return load


def _request(iin: str) -> bytes:
    return f"<request><applicant><iin>{iin}</iin></applicant></request>".encode()


@pytest.fixture(scope="module")
def reports(pki_server, profile, manifest, cert_of, key_of) -> dict[str, SignatureReport | DocumentReport]:
    online = SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0))
    verifier = DocumentVerifier(online)
    out: dict[str, SignatureReport | DocumentReport] = {}

    def identity(name: str) -> dict:
        info = manifest["identities"][name]
        return {"expect_iin": info["iin"], "expect_bin": info["bin"]}

    out["pass"] = online.check(cert_of("company_head"), **identity("company_head"))
    out["revoked"] = online.check(cert_of("revoked"), **identity("revoked"))
    out["on-hold"] = online.check(cert_of("on_hold"))
    out["expired"] = online.check(cert_of("expired"))
    out["not-yet-valid"] = online.check(cert_of("not_yet_valid"))
    out["untrusted"] = online.check(cert_of("impostor"))
    out["malformed"] = online.check(b"not a certificate")
    out["iin-mismatch"] = online.check(cert_of("individual_sign"), expect_iin=identity("expired")["expect_iin"])
    out["iin-malformed"] = online.check(cert_of("individual_sign"), expect_iin="12345")
    out["auth-key"] = online.check(cert_of("individual_auth"))
    out["no-right"] = online.check(cert_of("company_employee"), **identity("company_employee"))

    official = key_of("official_region")
    unsigned = render_pdf(validate("restoration_consent", EXAMPLES["restoration_consent"]),
                          number="CNS-ZHM-2026-000778", issued_at=dt.date(2026, 1, 15),
                          verify_url="https://eds.example.kz/verify/CNS-ZHM-2026-000778")
    signed = pdf.sign_pdf(unsigned, official, timestamp_url=profile.tsa_url)
    out["pdf-pass"] = verifier.verify(signed)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 400 Td (FORGED) Tj ET"))
    writer.update_container(page)
    changed = io.BytesIO()
    writer.write(changed)
    out["pdf-modified"] = verifier.verify(changed.getvalue())
    out["pdf-malformed"] = verifier.verify(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 9 0 R >>")
    out["pdf-unsigned"] = verifier.verify(unsigned)

    sign = key_of("individual_sign")
    content = _request(sign.certificate.iin)
    elsewhere = hashlib.sha256(b"another signature value").digest()
    stamped_wrongly = cms.sign_cms(content, sign.private_key, sign.certificate.der,
                                   timestamp=lambda _value: tsp.request_timestamp(profile.tsa_url, elsewhere))
    out["timestamp-invalid"] = verifier.verify(stamped_wrongly)
    expired = key_of("expired")
    out["expired-no-poe"] = verifier.verify(cms.sign_cms(_request(expired.certificate.iin), expired.private_key,
                                                         expired.certificate.der))
    plain = cms.sign_cms(content, sign.private_key, sign.certificate.der)
    out["cms-tampered"] = verifier.verify(plain.replace(b"<iin>", b"<iim>"))
    out["cms-garbage"] = RequestChecker(online).check(b"0\x82\x01\x00garbage", claims=Claims(iin=sign.certificate.iin))
    out["request-claims-missing"] = RequestChecker(online).check(plain, claims=Claims(bin_path="applicant/bin"))
    return out


def _text_of_html(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _names(report: SignatureReport | DocumentReport) -> set[str]:
    """Words the report's own data carries (certificate names, anchors, the TSA, URLs, file names)."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key not in ("message", "messages", "notice", "warnings"):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            found.update(WORD.findall(value))

    walk(report.to_dict())
    return found


def _renderings(report, language: str) -> list[str]:
    return [render_text(report, language), _text_of_html(render_html_fragment(report, language))]


def _english_left(report, language: str) -> set[str]:
    english = {w for text in _renderings(report, "en") for w in WORD.findall(text)}
    allowed = _names(report) | TERMS
    left: set[str] = set()
    for text in _renderings(report, language):
        for word in WORD.findall(re.sub(r"https?://\S+", " ", text)):
            if word in english and word not in allowed and not re.fullmatch(r"[A-Z0-9_.-]+", word):
                left.add(word)
    return left


def _checks(report) -> list[Check]:
    checks = list(report.checks)
    for signature in getattr(report, "signatures", ()):
        checks.extend(signature.checks)
    return checks


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_no_english_word_is_left_in_kazakh_or_russian(reports, language):
    for name, report in reports.items():
        assert _english_left(report, language) == set(), (name, _renderings(report, language)[0])


def test_the_set_covers_what_it_says(reports):
    """The representative set really holds each verdict, so the test above reads each kind of line."""
    codes = {name: {r.code for r in report.reasons} for name, report in reports.items()}
    assert reports["pass"].passed and reports["pdf-pass"].passed
    assert codes["revoked"] == {"CERT_REVOKED"} and codes["expired"] == {"CERT_EXPIRED"}
    assert codes["untrusted"] == {"CHAIN_UNTRUSTED"} and codes["malformed"] == {"CERT_MALFORMED"}
    assert "MODIFIED_AFTER_SIGNING" in codes["pdf-modified"] and codes["pdf-malformed"] == {"DOCUMENT_MALFORMED"}
    assert "TIMESTAMP_INVALID" in codes["timestamp-invalid"] and "OUT_OF_BOUNDS_NO_POE" in codes["expired-no-poe"]
    assert "SIGNATURE_INVALID" in codes["cms-tampered"] and "IIN_MISMATCH" in codes["iin-mismatch"]
    assert "NOT_SIGNING_KEY" in codes["auth-key"] and "ROLE_NOT_ALLOWED" in codes["no-right"]


def test_every_line_is_the_catalogues(reports):
    for name, report in reports.items():
        for check in _checks(report):
            assert check.phrase is not None, (name, check)
            assert check.label("kk") != check.name or check.name in ("iin", "bin"), (name, check.name)
            assert check.text("kk") != check.text("en") and check.text("ru") != check.text("en"), (name, check)


def test_third_party_texts_are_the_cause_not_the_line(reports):
    """cryptography's Rust parser error stays in the JSON message and details.cause, never in what people read."""
    malformed = reports["malformed"].checks[0]
    assert "ParseError" in malformed.message and "ParseError" in malformed.details["cause"]
    for language in ("en", "kk", "ru"):
        assert all("ParseError" not in text for text in _renderings(reports["malformed"], language))
    assert reports["malformed"].to_dict()["checks"][0]["message"] == malformed.message  # the JSON as it was
    untrusted = next(c for c in reports["untrusted"].checks if c.name == "chain")
    assert untrusted.details["cause"] and untrusted.details["cause"] in untrusted.message
    assert untrusted.details["cause"] not in untrusted.text("en")
    pdf_check = reports["pdf-malformed"].checks[0]
    assert pdf_check.details["cause"] and pdf_check.details["cause"] not in render_text(reports["pdf-malformed"])


def test_text_report_in_russian_and_kazakh(reports):
    text = render_text(reports["revoked"], "ru")
    assert "[не пройдена] отзыв: сертификат: отозван" in text and "причина: компрометация ключа" in text
    assert "подписант: ҚАЙТАРЫЛҒАН ТЕСТ (ИИН " in text and "назначение ключа: подписание" in text
    kazakh = render_text(reports["pdf-modified"], "kk")
    assert "құжат қол қойылғаннан кейін өзгертілген: бет мазмұны" in kazakh
    assert "қолтаңба 1: TOTAL_FAILED" in kazakh and "тексерілген сәт: " in kazakh
    assert "[өтпеді] кері қайтарып алу" in render_text(reports["revoked"], "kk")


def test_a_phrase_reads_its_values_in_the_language():
    phrase = Phrase("check.revocation.revoked", {"who": Phrase("check.revocation.who_ca", {"name": "CA X"}),
                                                  "reason": Phrase("crlreason.key_compromise"), "at": "2026-01-01"})
    assert phrase.text("ru") == "сертификат УЦ CA X: отозван 2026-01-01, причина: компрометация ключа"
    assert phrase.text("de") == phrase.text("en")
    check = Check.of("validity", Status.PASSED, "check.validity.valid", {"at": "2027-01-01"})
    assert check.message == "valid until 2027-01-01" and check.text("kk") == "2027-01-01 дейін жарамды"


def test_the_command_line_speaks_the_language_asked(pki_dir, capsys):
    """eds cert / eds verify --lang: the report, the offline hint and a folder's summary in kk and ru."""
    from eds.cli import main

    certificate = str(pki_dir / "users/revoked.pem")
    main(["cert", certificate, "--trust", str(pki_dir), "--offline", "--lang", "en"])
    english = capsys.readouterr()
    assert "hint: offline" in english.err
    for language, hint in (("kk", "кеңес: желісіз тексеру"), ("ru", "подсказка: проверка без сети")):
        main(["cert", certificate, "--trust", str(pki_dir), "--offline", "--lang", language])
        said = capsys.readouterr()
        assert said.err.startswith(hint), said.err
        left = set(WORD.findall(said.out)) & set(WORD.findall(english.out))
        assert {w for w in left if not re.fullmatch(r"[A-Z0-9_.-]+", w)} == set(), said.out
    main(["verify", certificate, str(pki_dir / "users/on_hold.pem"), "--trust", str(pki_dir), "--offline",
          "--lang", "ru"])
    assert capsys.readouterr().out.startswith("документов: 2; 0 TOTAL_PASSED")


def test_an_api_error_says_what_its_cause_means_in_the_language_asked():
    """details.detail stays the library's English text; details.causeText is its code's meaning in kk or ru."""
    from flask import Flask

    from api.errors import error_response

    app = Flask(__name__)
    text = "not a valid X.509 certificate: error parsing asn1 value: ParseError { kind: ShortData }"
    for language, meaning in (("kk", "Сертификат оқылмайды"), ("ru", "Сертификат не читается")):
        with app.test_request_context(f"/?lang={language}"):
            answer = error_response("UNPROCESSABLE", text, {"cause": "CERT_MALFORMED"})[0].get_json()
        assert answer["details"] == {"cause": "CERT_MALFORMED", "detail": text, "causeText": meaning}
        with app.test_request_context(f"/?lang={language}"):
            answer = error_response("UNPROCESSABLE", "digest", {"cause": "DIGEST_MISMATCH"})[0].get_json()
        assert "causeText" in answer["details"] and "digest" not in answer["details"]["causeText"]
    with app.test_request_context("/?lang=en"):
        assert error_response("UNPROCESSABLE", text, {"cause": "CERT_MALFORMED"})[0].get_json()["details"] == {
            "cause": "CERT_MALFORMED"}
