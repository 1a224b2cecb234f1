"""Issuing and verifying licences, each beside pyHanko on the same PDF in the same run.

Run: .venv/bin/python bench/documents.py

1. Issuing a licence (render + PAdES B-B signature + registry write) vs pyHanko's SimpleSigner + sign_pdf
   signing the same already-rendered PDF (the issue's reference path).
2. Offline verification of an issued B-LT licence (coverage, differences, CMS, timestamp, chain,
   embedded revocation) vs pyHanko's validate_pdf_signature alone on the same file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import tempfile
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from eds.issuing import documents
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.issuer import Issuer, IssuingOptions, with_proven_blocks
from eds.issuing.keystore import load_keys
from eds.issuing.registry import Registry
from eds.issuing.registry.records import SignedFiles
from eds.pki.revocation import Policy
from eds.pki.trust import load_profile
from eds.signatures import pades as pdf
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from test_pki import demo, services
from timing import alternating, per_call


def main() -> None:
    with services.temporary() as (pki, _server), tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        registry = Registry.open(f"sqlite:///{home / 'registry.db'}")
        demo.bootstrap(home, pki, registry)
        keys = load_keys(home / "keys.json")
        profile = load_profile(pki)
        checker = SignerChecker(profile)
        issuer = Issuer(registry, checker, keys, IssuingOptions(timestamp_url=profile.tsa_url))
        data = EXAMPLES["tv_radio_licence"]
        key = keys.get("official_ministry")
        authority = issuer.authorise("MCI", "tv_radio_licence", data, key)  # as issuing does; warms the cache
        validated = documents.validate("tv_radio_licence", with_proven_blocks(
            authority, key.certificate, "tv_radio_licence", data, from_request=True))
        holder_name, holder_id = validated.holder

        def render_and_sign_b_b(draft) -> SignedFiles:
            unsigned = documents.render_pdf(validated, number=draft.printed_number, issued_at=dt.date.today(),
                                            verify_url=f"http://127.0.0.1:8000/verify/{draft.number}")
            return SignedFiles(key.certificate.sha256, dt.datetime.now(dt.timezone.utc),
                               pdf=pdf.sign_pdf(unsigned, key))

        def eds_issue() -> None:
            issuer.authorise("MCI", "tv_radio_licence", data, key)
            registry.issue(doc_type="tv_radio_licence", provider_id="MCI", holder_name=holder_name,
                           holder_id=str(holder_id),
                           data=validated.as_json(), actor="bench", render_and_sign=render_and_sign_b_b)

        reference_pdf = documents.render_pdf(validated, number="X", issued_at=dt.date.today(),
                                             verify_url="http://127.0.0.1:8000/verify/X")
        simple = signers.SimpleSigner.load_pkcs12(str(pki / "users/official_ministry.p12"), passphrase=b"Qwerty12")

        def pyhanko_sign() -> None:
            writer = IncrementalPdfFileWriter(io.BytesIO(reference_pdf))
            signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="Signature1"), signer=simple)

        eds_s, pyhanko_s = alternating(eds_issue, pyhanko_sign)
        print(f"issue a licence (render + PAdES B-B + registry write): {eds_s * 1e3:7.1f} ms")
        print(f"pyHanko SimpleSigner + sign_pdf (signing only):        {pyhanko_s * 1e3:7.1f} ms")
        print(f"ratio pyHanko/eds: {pyhanko_s / eds_s:.2f}x (target >= 4x)")

        document = issuer.issue("tv_radio_licence", data, provider_id="MCI", key_id="official_ministry",
                                actor="bench")
        issued = registry.file(document.number, "pdf")
        offline = DocumentVerifier(SignerChecker(profile, policy=Policy.OFFLINE))
        assert offline.verify(issued).passed
        roots = [asn1_x509.Certificate.load(pem.unarmor(p.read_bytes())[2]) for p in (pki / "anchors").glob("*.pem")]

        def pyhanko_validate() -> None:
            signature = PdfFileReader(io.BytesIO(issued)).embedded_signatures[0]
            context = ValidationContext(trust_roots=roots, allow_fetching=False)
            asyncio.run(async_validate_pdf_signature(signature, context))

        eds_v = per_call(lambda: offline.verify(issued))
        pyhanko_v = per_call(pyhanko_validate)
        print(f"offline verification of an issued B-LT licence (eds, full report): {eds_v * 1e3:7.1f} ms")
        print(f"pyHanko validate_pdf_signature alone:                              {pyhanko_v * 1e3:7.1f} ms")
        print(f"ratio pyHanko/eds: {pyhanko_v / eds_v:.2f}x (target >= 1x)")


if __name__ == "__main__":
    main()
