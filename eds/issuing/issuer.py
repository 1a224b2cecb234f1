"""Issue results of state services: validate, render, sign (PDF and XML), register — atomically.

A document states only what is proven. Before anything is signed, the official's key is checked twice: the
registry must list its certificate as an authorised signer of that provider for the service (now), and the
provider must provide that service; the signer check must pass with the provider's BIN and the role the
service asks for (first head for a service whose result the head signs, and then the registry must mark the
signer as head too; otherwise first head or right to sign). A refusal follows the service it refuses. The
provider block (names, BIN, place, a licence's licensor row) comes from the registry and the signer block from
the signing certificate (name) and the signer's registry record (position): request data that says otherwise
is refused (PROVIDER_MISMATCH, SIGNER_NOT_FROM_DATA). Dates must be possible on the day of issue.

The PDF gets a PAdES signature with a timestamp (B-T) and the chain and revocation answers embedded (B-LT),
so an auditor can verify it offline years later; the XML twin gets an NCALayer-profile XMLDSig. Rendering
and signing run inside the registry's transaction: a failure leaves no number without a document and no
document without a record.
"""

from __future__ import annotations

import datetime as _dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eds.errors import CodedError
from eds.issuing import documents
from eds.issuing.documents import SignerRole, wording
from eds.issuing.keystore import KeyStore
from eds.issuing.registry import Provider, Registry, RegistryError, Signer
from eds.issuing.registry.records import Document, Draft, SignedFiles
from eds.pki.certificates import SIGNING_AUTHORITY_ROLES, Certificate
from eds.pki.keys import SigningKey
from eds.signatures import pades as pdf, tsp, xmldsig
from eds.validation.report import SignatureReport
from eds.validation.signer_check import SignerChecker

HEAD_ROLES = frozenset({"FIRST_HEAD"})


def local_date(moment: _dt.datetime) -> _dt.date:
    """The date of issue as printed: Kazakhstan's date (Asia/Almaty), not UTC's (they differ after 19:00 UTC)."""
    return wording.kazakhstan_time(moment).date()


def verification_link(public_url: str, number: str) -> tuple[str, str]:
    """The QR code's link to the public page of ``number`` and the new unguessable token in it (``?t=``, 128
    bits): whoever holds the document may see its whole record; anyone else who walks numbers sees a masked one."""
    token = secrets.token_urlsafe(16)
    return f"{public_url}/verify/{number}?t={token}", token


class IssuingError(CodedError, ValueError):
    """Issuing refused before anything was registered; ``code`` and ``details`` say why."""


@dataclass(frozen=True)
class Authority:
    """Who may sign this document for whom, as proven: the provider and the signer's record in the registry,
    and the signer check of the certificate."""

    provider: Provider
    signer: Signer
    report: SignatureReport


def signer_name(certificate: Certificate) -> str:
    """The signer's name as the certificate gives it: CN (surname and first name) and the patronymic."""
    return " ".join(part for part in (certificate.common_name, certificate.patronymic) if part)


def check_signing_authority(registry: Registry, signers: SignerChecker, provider_id: str, doc_type: str, data: Any,
                            certificate: Certificate, extra_certs: Iterable[Certificate | bytes] = (), *,
                            refusal: type[IssuingError] = IssuingError) -> Authority:
    """Refuse (``refusal``) unless ``certificate`` may sign a ``doc_type`` document with ``data`` for the provider
    right now, by the rule of its service (a refusal's: the service it refuses): the provider provides it
    (SERVICE_NOT_PROVIDED), the certificate is an authorised signer of it (SIGNER_NOT_AUTHORISED), a head's
    service is signed by a signer the registry marks as head whose certificate is the first head's
    (SIGNER_NOT_HEAD), and the signer check passes with the provider's BIN (SIGNER_CHECK_FAILED). A held key
    and an official's own device are checked alike."""
    service = documents.service_type_id(doc_type, data)
    try:
        provider, signer = registry.signing_authority(provider_id, service, certificate.sha256,
                                                      _dt.datetime.now(_dt.timezone.utc))
    except RegistryError as exc:
        if exc.code not in ("SIGNER_NOT_AUTHORISED", "SERVICE_NOT_PROVIDED"):
            raise
        raise refusal(str(exc.code), exc.message, {"cause": exc.code, "service": service}) from None
    head = documents.get_type(service).signer is SignerRole.HEAD
    if head and not signer.head:
        raise refusal("SIGNER_NOT_HEAD", f"the result of {service} is signed by the head of the provider; the "
                                         "registry does not record this signer as its head",
                      {"service": service, "cause": "REGISTRY_NOT_HEAD"})
    report = signers.check(certificate, expect_bin=provider.bin, roles=HEAD_ROLES if head else SIGNING_AUTHORITY_ROLES,
                           extra_certs=tuple(extra_certs))
    if not report.passed:
        reasons = [r.code for r in report.reasons]
        if head and reasons == ["ROLE_NOT_ALLOWED"]:
            raise refusal("SIGNER_NOT_HEAD", f"the result of {service} is signed by the head of the provider; the "
                                             "certificate does not carry the first head's role",
                          {"service": service, "cause": "ROLE_NOT_ALLOWED", "reasons": reasons})
        raise refusal("SIGNER_CHECK_FAILED", "the official's certificate does not pass the signer check",
                      {"reasons": reasons, "indication": report.indication.value})
    return Authority(provider, signer, report)


def proven_blocks(authority: Authority, certificate: Certificate, doc_type: str) -> dict[str, Any]:
    """The place, provider block, licensor row and signer block of a ``doc_type`` document: from the registry
    and the signing certificate, never from the applicant."""
    provider, signer = authority.provider, authority.signer
    if not (provider.place_kk and provider.place_ru):
        raise IssuingError("PROVIDER_INCOMPLETE", f"provider {provider.id} has no place of issue in the registry "
                                                  "(eds registry provider --place-kk .. --place-ru ..)",
                           {"provider": provider.id})
    name = {"kk": provider.name_kk, "ru": provider.name_ru}
    blocks: dict[str, Any] = {
        "place": {"kk": provider.place_kk, "ru": provider.place_ru},
        "provider": {"name": name, "bin": provider.bin},
        "signer": {"name": signer_name(certificate), "position": {"kk": signer.position_kk, "ru": signer.position_ru}},
    }
    if any(spec.name == "licensor" for spec in documents.get_type(doc_type).fields):
        blocks["licensor"] = name
    return blocks


def with_proven_blocks(authority: Authority, certificate: Certificate, doc_type: str, data: Any, *,
                       from_request: bool) -> Any:
    """``data`` with the blocks of :func:`proven_blocks`. Request data may carry a block only exactly as proven
    (else PROVIDER_MISMATCH, or SIGNER_NOT_FROM_DATA for the signer); stored data (a re-issue or duplicate of
    an earlier document) gets the blocks of today's provider record and signer."""
    if not isinstance(data, dict):
        return data  # validation names the problem
    blocks = proven_blocks(authority, certificate, doc_type)
    if from_request:
        for name, value in blocks.items():
            if name in data and data[name] != value:
                code, source = (("SIGNER_NOT_FROM_DATA", "the signing certificate and the signer's registry record")
                                if name in documents.FROM_PROOF else ("PROVIDER_MISMATCH", "the provider's registry record"))
                raise IssuingError(code, f"{name} is taken from {source}; the data gives another",
                                   {"field": name, "expected": value})
    return {**data, **blocks}


def check_issue_dates(validated: documents.ValidatedDocument, moment: _dt.datetime) -> None:
    """DocumentDataError (DATE_NOT_TRUE) for a date that cannot be true when issued at ``moment``."""
    problems = documents.issue_date_problems(validated.type, validated.values, local_date(moment))
    if problems:
        raise documents.DocumentDataError(problems)


def external_number(doc_type: str, number: Any) -> str | None:
    """A number the state e-licensing system assigned, if it has that system's shape and the type takes one."""
    if number is None:
        return None
    declared = documents.get_type(doc_type)
    if declared.external_number is None:
        raise IssuingError("EXTERNAL_NUMBER_NOT_ALLOWED", f"{doc_type} documents are numbered by this registry",
                           {"field": "number"})
    if not isinstance(number, str) or not declared.external_number.fullmatch(number):
        raise IssuingError("EXTERNAL_NUMBER_INVALID", "not a licence number of the state e-licensing system "
                                                      "(e.g. KZ34VEG00012345)", {"field": "number"})
    return number


@dataclass(frozen=True)
class IssuingOptions:
    public_url: str = "http://127.0.0.1:8000"  # base of the verification link in the QR code
    timestamp_url: str | None = None  # B-T when set (the default profile TSA), B-B otherwise
    long_term: bool = True  # embed chain and revocation data (B-LT)
    archive_timestamp_url: str | None = None  # with long_term: then a document timestamp from this TSA (B-LTA)
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
    def authorise(self, provider_id: str, doc_type: str, data: Any, key: SigningKey) -> Authority:
        """Refuse (IssuingError) unless ``key`` may sign this document for the provider right now."""
        return check_signing_authority(self.registry, self.signer_checker, provider_id, doc_type, data,
                                       key.certificate, key.chain)

    # life events that make a document
    def issue(self, doc_type: str, data: dict, *, provider_id: str, key_id: str, actor: str,
              idempotency_key: str | None = None, number: str | None = None) -> Document:
        """Issue a new document. ``number`` is a licence number the state e-licensing system assigned (its
        shape checked, NUMBER_TAKEN when already used); without it the registry numbers."""
        documents.get_type(doc_type)
        given_number = external_number(doc_type, number)
        key = self.keys.get(key_id)
        authority = self.authorise(provider_id, doc_type, data, key)
        validated = documents.validate(doc_type, with_proven_blocks(authority, key.certificate, doc_type, data,
                                                                    from_request=True))
        check_issue_dates(validated, _dt.datetime.now(_dt.timezone.utc))
        name, identity = validated.holder
        return self.registry.issue(
            doc_type=doc_type, provider_id=provider_id, holder_name=name, holder_id=str(identity),
            data=validated.as_json(), actor=actor, idempotency_key=idempotency_key, number=given_number,
            render_and_sign=lambda draft: self._render_and_sign(draft, validated, key, "issue"))

    def reissue(self, number: str, *, key_id: str, actor: str, reason: str, data: dict | None = None,
                idempotency_key: str | None = None) -> Document:
        """Re-issue ``number`` on a ground of its type (``reason``: a ground's code, or ``other: text``), which
        the new document prints; with ``data`` (the changed document), else the old data."""
        old = self.registry.document(number)
        ground = documents.reissue_ground(documents.get_type(old.doc_type), reason)
        key = self.keys.get(key_id)
        base = data if data is not None else old.data
        authority = self.authorise(old.provider_id, old.doc_type, base, key)
        validated = documents.validate(old.doc_type, with_proven_blocks(
            authority, key.certificate, old.doc_type, base, from_request=data is not None))
        check_issue_dates(validated, _dt.datetime.now(_dt.timezone.utc))
        name, identity = validated.holder
        return self.registry.reissue(
            number, actor=actor, reason=reason, holder_name=name, holder_id=str(identity), data=validated.as_json(),
            idempotency_key=idempotency_key,
            render_and_sign=lambda draft: self._render_and_sign(draft, validated, key, "reissue", ground))

    def duplicate(self, number: str, *, key_id: str, actor: str, reason: str,
                  idempotency_key: str | None = None) -> Document:
        """A duplicate of licence ``number``, signed (and its signer block printed) by ``key_id``'s official."""
        original = self.registry.document(number)
        key = self.keys.get(key_id)
        authority = self.authorise(original.provider_id, original.doc_type, original.data, key)
        validated = documents.validate(original.doc_type, with_proven_blocks(
            authority, key.certificate, original.doc_type, original.data, from_request=False))
        return self.registry.issue_duplicate(
            number, actor=actor, reason=reason, idempotency_key=idempotency_key,
            render_and_sign=lambda draft: self._render_and_sign(draft, validated, key, "duplicate"))

    # rendering and signing, inside the registry transaction
    def _original(self, draft: Draft, event: str, ground: documents.Bilingual | None = None) -> dict | None:
        if event == "duplicate":
            original = self.registry.document(draft.original_number)
            return {"number": original.number, "issued_at": local_date(original.issued_at)}
        if event == "reissue":
            previous = self.registry.document(draft.supersedes)
            found = {"number": previous.number, "issued_at": local_date(previous.issued_at)}
            return found if ground is None else {**found, "ground": {"kk": ground.kk, "ru": ground.ru}}
        return None

    def _render_and_sign(self, draft: Draft, validated, key: SigningKey, event: str,
                         ground: documents.Bilingual | None = None) -> SignedFiles:
        verify_url, token = verification_link(self.options.public_url, draft.number)
        original = self._original(draft, event, ground)
        issued_on = local_date(draft.issued_at)
        moment = _dt.datetime.now(_dt.timezone.utc)  # the signing time: the PDF's CreationDate and ModDate
        unsigned = documents.render_pdf(validated, number=draft.printed_number, issued_at=issued_on,
                                        verify_url=verify_url, event=event, original=original, moment=moment)
        signed = pdf.sign_pdf(unsigned, key, timestamp_url=self.options.timestamp_url,
                              reason=f"{draft.doc_type} {draft.printed_number}",
                              stamp=(40, 40, 240, 90) if self.options.visible_stamp else None)
        if self.options.long_term:
            signed = pdf.add_validation_data(signed, self._validation_data(signed, key))
            signed = self._archive_timestamp(signed)
        xml = documents.render_xml(validated, number=draft.printed_number, issued_at=issued_on,
                                   verify_url=verify_url, event=event, original=original)
        signed_xml = xmldsig.sign_xml(xml, key.private_key, key.certificate.der)
        return SignedFiles(signer_cert_sha256=key.certificate.sha256, signed_at=moment, pdf=signed, xml=signed_xml,
                           access_token=token)

    def _archive_timestamp(self, long_term_pdf: bytes) -> bytes:
        """B-LTA when asked: a document timestamp after the B-LT data, and its TSA's evidence after it."""
        if not self.options.archive_timestamp_url:
            return long_term_pdf
        from eds.issuing import archive

        try:
            return archive.add_archive_timestamp(long_term_pdf, self.signer_checker, self.options.archive_timestamp_url)
        except archive.ArchiveError as exc:
            raise IssuingError("TIMESTAMP_UNAVAILABLE" if exc.code != "TSA_UNTRUSTED" else exc.code,
                               f"the document timestamp could not be added: {exc.message}") from None

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
