"""Issue results of state services: validate, render, sign (PDF and XML), register — atomically.

Before anything is signed, the official's key is checked twice: the registry must list its certificate
as an authorised signer of that provider for that document type (now), and the signer check must pass
with the provider's BIN and the role of first head or right to sign. The PDF gets a PAdES signature with
a timestamp (B-T) and the chain and revocation answers embedded (B-LT), so an auditor can verify it
offline years later; the XML twin gets an NCALayer-profile XMLDSig. Rendering and signing run inside the
registry's transaction: a failure leaves no number without a document and no document without a record.
"""

from __future__ import annotations

import datetime as _dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from eds.errors import CodedError
from eds.issuing import documents
from eds.issuing.keystore import KeyStore
from eds.issuing.registry import Registry, RegistryError
from eds.issuing.registry.records import Document, Draft, SignedFiles
from eds.pki.certificates import SIGNING_AUTHORITY_ROLES, Certificate
from eds.pki.keys import SigningKey
from eds.signatures import pades as pdf, tsp, xmldsig
from eds.validation.report import SignatureReport
from eds.validation.signer_check import SignerChecker

KAZAKHSTAN = _dt.timezone(_dt.timedelta(hours=5))  # the date printed on a document, as numbers take their year


def local_date(moment: _dt.datetime) -> _dt.date:
    """The date of issue as printed: Kazakhstan's date, not UTC's (they differ after 19:00 UTC)."""
    return moment.astimezone(KAZAKHSTAN).date()


def with_provider(registry: Registry, provider_id: str, data: dict) -> dict:
    """The provider block comes from the registry when absent; a given one must carry the provider's BIN."""
    provider = registry.provider(provider_id)
    if not isinstance(data, dict):
        return data  # validation names the problem
    given = data.get("provider")
    if given is None:
        return {**data, "provider": {"name": {"kk": provider.name_kk, "ru": provider.name_ru}, "bin": provider.bin}}
    if isinstance(given, dict) and given.get("bin") != provider.bin:
        raise IssuingError("PROVIDER_MISMATCH", f"provider.bin {given.get('bin')!r} is not the BIN of provider "
                                                f"{provider_id} ({provider.bin})", {"field": "provider.bin"})
    return data


def verification_link(public_url: str, number: str) -> tuple[str, str]:
    """The QR code's link to the public page of ``number`` and the new unguessable token in it (``?t=``, 128
    bits): whoever holds the document may see its whole record; anyone else who walks numbers sees a masked one."""
    token = secrets.token_urlsafe(16)
    return f"{public_url}/verify/{number}?t={token}", token


class IssuingError(CodedError, ValueError):
    """Issuing refused before anything was registered; ``code`` and ``details`` say why."""


def check_signing_authority(registry: Registry, signers: SignerChecker, provider_id: str, doc_type: str,
                            certificate: Certificate, extra_certs: Iterable[Certificate | bytes] = (), *,
                            refusal: type[IssuingError] = IssuingError) -> SignatureReport:
    """Refuse (``refusal``) unless ``certificate`` may sign ``doc_type`` for the provider right now: an
    authorised signer of it in the registry, and the signer check passed with the provider's BIN and the role
    of first head or right to sign. A held key and an official's own device are checked alike."""
    try:
        provider, _signer = registry.signing_authority(provider_id, doc_type, certificate.sha256,
                                                       _dt.datetime.now(_dt.timezone.utc))
    except RegistryError as exc:
        if exc.code != "SIGNER_NOT_AUTHORISED":
            raise
        raise refusal("SIGNER_NOT_AUTHORISED", exc.message, {"cause": exc.code}) from None
    report = signers.check(certificate, expect_bin=provider.bin, roles=SIGNING_AUTHORITY_ROLES,
                           extra_certs=tuple(extra_certs))
    if not report.passed:
        raise refusal("SIGNER_CHECK_FAILED", "the official's certificate does not pass the signer check",
                      {"reasons": [r.code for r in report.reasons], "indication": report.indication.value})
    return report


@dataclass(frozen=True)
class IssuingOptions:
    public_url: str = "http://127.0.0.1:8000"  # base of the verification link in the QR code
    timestamp_url: str | None = None  # B-T when set (the default profile TSA), B-B otherwise
    long_term: bool = True  # embed chain and revocation data (B-LT)
    visible_stamp: bool = False


class Issuer:
    """Issues and manages documents of one registry with keys the service holds."""

    def __init__(self, registry: Registry, signers: SignerChecker, keys: KeyStore,
                 options: IssuingOptions = IssuingOptions()) -> None:
        self.registry = registry
        self.signer_checker = signers
        self.keys = keys
        self.options = options

    # who may sign
    def authorise(self, provider_id: str, doc_type: str, key: SigningKey) -> SignatureReport:
        """Refuse (IssuingError) unless ``key`` may sign ``doc_type`` for the provider right now."""
        return check_signing_authority(self.registry, self.signer_checker, provider_id, doc_type, key.certificate,
                                       key.chain)

    # life events that make a document
    def issue(self, doc_type: str, data: dict, *, provider_id: str, key_id: str, actor: str,
              idempotency_key: str | None = None) -> Document:
        validated = documents.validate(doc_type, with_provider(self.registry, provider_id, data))
        key = self.keys.get(key_id)
        self.authorise(provider_id, doc_type, key)
        name, identity = validated.holder
        return self.registry.issue(
            doc_type=doc_type, provider_id=provider_id, holder_name=name, holder_id=str(identity),
            data=validated.as_json(), actor=actor, idempotency_key=idempotency_key,
            render_and_sign=lambda draft: self._render_and_sign(draft, validated, key, "issue"))

    def reissue(self, number: str, *, key_id: str, actor: str, reason: str, data: dict | None = None,
                idempotency_key: str | None = None) -> Document:
        old = self.registry.document(number)
        validated = documents.validate(old.doc_type, data if data is not None else old.data)
        key = self.keys.get(key_id)
        self.authorise(old.provider_id, old.doc_type, key)
        name, identity = validated.holder
        return self.registry.reissue(
            number, actor=actor, reason=reason, holder_name=name, holder_id=str(identity), data=validated.as_json(),
            idempotency_key=idempotency_key,
            render_and_sign=lambda draft: self._render_and_sign(draft, validated, key, "reissue"))

    def duplicate(self, number: str, *, key_id: str, actor: str, reason: str,
                  idempotency_key: str | None = None) -> Document:
        original = self.registry.document(number)
        validated = documents.validate(original.doc_type, original.data)
        key = self.keys.get(key_id)
        self.authorise(original.provider_id, original.doc_type, key)
        return self.registry.issue_duplicate(
            number, actor=actor, reason=reason, idempotency_key=idempotency_key,
            render_and_sign=lambda draft: self._render_and_sign(draft, validated, key, "duplicate"))

    # rendering and signing, inside the registry transaction
    def _original(self, draft: Draft, event: str) -> dict | None:
        if event == "duplicate":
            original = self.registry.document(draft.original_number)
            return {"number": original.number, "issued_at": local_date(original.issued_at)}
        if event == "reissue":
            previous = self.registry.document(draft.supersedes)
            return {"number": previous.number, "issued_at": local_date(previous.issued_at)}
        return None

    def _render_and_sign(self, draft: Draft, validated, key: SigningKey, event: str) -> SignedFiles:
        verify_url, token = verification_link(self.options.public_url, draft.number)
        original = self._original(draft, event)
        issued_on = local_date(draft.issued_at)
        unsigned = documents.render_pdf(validated, number=draft.printed_number, issued_at=issued_on,
                                        verify_url=verify_url, event=event, original=original)
        signed = pdf.sign_pdf(unsigned, key, timestamp_url=self.options.timestamp_url,
                              reason=f"{draft.doc_type} {draft.printed_number}",
                              stamp=(40, 40, 240, 90) if self.options.visible_stamp else None)
        if self.options.long_term:
            signed = pdf.add_validation_data(signed, self._validation_data(signed, key))
        xml = documents.render_xml(validated, number=draft.printed_number, issued_at=issued_on,
                                   verify_url=verify_url, event=event, original=original)
        signed_xml = xmldsig.sign_xml(xml, key.private_key, key.certificate.der)
        return SignedFiles(signer_cert_sha256=key.certificate.sha256, signed_at=_dt.datetime.now(_dt.timezone.utc),
                           pdf=signed, xml=signed_xml, access_token=token)

    def _validation_data(self, signed_pdf: bytes, key: SigningKey) -> pdf.ValidationData:
        return long_term_data(signed_pdf, self.signer_checker, key.certificate, key.chain)

    # life events that only change status
    def suspend(self, number: str, *, actor: str, reason: str) -> Document:
        return self.registry.suspend(number, actor=actor, reason=reason)

    def resume(self, number: str, *, actor: str, reason: str) -> Document:
        return self.registry.resume(number, actor=actor, reason=reason)

    def terminate(self, number: str, *, actor: str, reason: str) -> Document:
        return self.registry.terminate(number, actor=actor, reason=reason)


def long_term_data(signed_pdf: bytes, signers: SignerChecker, certificate: Certificate,
                   chain: tuple[Certificate, ...] = ()) -> pdf.ValidationData:
    """Chain and revocation answers for the signer and for the TSA that stamped the signature (PAdES B-LT)."""
    certs, ocsps, crls = signers.validation_data(certificate, extra_certs=chain)
    all_certs, all_ocsps, all_crls = list(certs), list(ocsps), list(crls)
    timestamp = _signature_timestamp(signed_pdf)
    if timestamp is not None and timestamp.tsa_certificate_der:
        tsa = Certificate.load(timestamp.tsa_certificate_der)
        more = signers.validation_data(tsa, timestamp.gen_time, extra_certs=timestamp.certificates)
        all_certs += more[0]
        all_ocsps += more[1]
        all_crls += more[2]
    return pdf.ValidationData(tuple(dict.fromkeys(all_certs)), tuple(dict.fromkeys(all_ocsps)),
                              tuple(dict.fromkeys(all_crls)))


def _signature_timestamp(signed_pdf: bytes) -> tsp.TimestampInfo | None:
    """The RFC 3161 token over the last PDF signature's value, checked, or None."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    signer_info = PdfFileReader(io.BytesIO(signed_pdf)).embedded_signatures[-1].signer_info
    for attribute in signer_info["unsigned_attrs"] or ():
        if attribute["type"].dotted == tsp.ID_SIGNATURE_TIMESTAMP_TOKEN:
            return tsp.verify_timestamp_token(attribute["values"][0].dump(), data=signer_info["signature"].native)
    return None
