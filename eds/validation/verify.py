"""One verifier for any signed document: PDF (PAdES), XMLDSig or CMS -> a DocumentReport.

For PDFs pyHanko reads the file and judges its structure (ByteRange coverage, and difference analysis of
what was appended after each signature); this project checks each CMS, timestamp and signer. The signer
is judged at the trusted time of a valid signature timestamp when there is one, otherwise at the requested
moment or now: a claimed signing time (signingTime, /M) proves nothing and is reported only as claimed.
Validation data embedded in the document (the DSS of a B-LT PDF) is used first, so a document verifies
offline. A file is judged as what a viewer opens (``eds.signatures.formats``), under the limits of ``eds.limits``.
"""

from __future__ import annotations

import datetime as _dt
import io
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eds import limits, messages
from eds.limits import DEFAULT as DEFAULT_LIMITS, Limits
from eds.pki import algorithms
from eds.signatures.formats import detect_format
from eds.validation.report import Check, DocumentReport, Phrase, SignatureReport, Status, TimeSource
from eds.validation import archive
from eds.validation.request_check import (
    Claims, RequestChecker, failed, proof_life, settle, signature_check, too_complex,
)
from eds.validation.signer_check import SignerChecker

if TYPE_CHECKING:
    from eds.signatures import pdf_changes


@dataclass(frozen=True)
class EmbeddedEvidence:
    """Validation data carried by a PDF's DSS."""

    certificates: tuple[bytes, ...] = ()
    ocsp_responses: tuple[bytes, ...] = ()
    crls: tuple = ()  # CrlIndex


class DocumentVerifier:
    """Verifies documents against one signer checker (trust profile + revocation policy) under limits."""

    def __init__(self, signers: SignerChecker, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.signer_checker = signers
        self.limits = limits
        self.request_checker = RequestChecker(signers)

    def verify(self, data: bytes, *, at: _dt.datetime | None = None, detached_content: bytes | None = None,
               claims: Claims = Claims()) -> DocumentReport:
        """The report on ``data`` (PDF, XML or CMS, judged as a viewer opens it); never raises on bad input."""
        if not isinstance(data, (bytes, bytearray)) or not data:
            return DocumentReport("unknown", (), (Check.of("document", Status.FAILED, "check.document.empty",
                                                           code="DOCUMENT_MALFORMED"),))
        data = bytes(data)
        with limits.budget(self.limits):
            fmt = detect_format(data)
            if fmt == "pdf":
                try:
                    report = self._pdf(data, at, claims)
                except limits.TooComplex as exc:
                    return DocumentReport("pdf", (), (too_complex(exc),))
                return settle(report, claims)
            report = self.request_checker.evaluate_format(data, fmt, claims=claims,
                                                          detached_content=detached_content, at=at)
        return settle(report, claims)

    # PDF
    def _pdf(self, data: bytes, at: _dt.datetime | None, claims: Claims) -> DocumentReport:
        """Every signature and document timestamp of a PDF; limits are checked before pyHanko's costly steps,
        and a PDF whose only signatures are document timestamps has no signer (NO_SIGNATURE). pyHanko, and so
        the PDF stack, is imported here, by the first PDF: a verifier that meets only XML or CMS never loads it."""
        from pyhanko.pdf_utils.misc import PdfDecodeLimitError

        try:
            return self._pdf_checked(data, at, claims)
        except PdfDecodeLimitError:
            raise limits.refuse("pdf_stream_bytes", limits.current().pdf_stream_bytes) from None

    def _pdf_checked(self, data: bytes, at: _dt.datetime | None, claims: Claims) -> DocumentReport:
        from pyhanko.pdf_utils.misc import PdfDecodeLimitError
        from pyhanko.pdf_utils.reader import PdfFileReader

        from eds.signatures import pdf_changes

        if claims.iin_path or claims.bin_path:
            return DocumentReport("pdf", (), (Check.of("claims", Status.FAILED, "check.claims.pdf_path",
                                                       code="DOCUMENT_MALFORMED"),))
        pdf_changes.prescan_structure(data)
        pdf_changes.prescan_streams(data)
        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False, decode_limits=_decode_limits())
            limits.require("pdf_revisions", reader.xrefs.total_revisions)
            limits.require("pdf_objects", _object_count(reader))
            signatures = list(reader.embedded_signatures)
        except (limits.TooComplex, PdfDecodeLimitError):
            raise
        except Exception as exc:  # pyHanko raises many kinds on hostile PDFs
            return DocumentReport("pdf", (), (Check("document", Status.FAILED, f"the PDF cannot be read: {exc}",
                                                    "DOCUMENT_MALFORMED", {"cause": str(exc)},
                                                    Phrase("check.document.pdf_unreadable")),))
        if not signatures:
            if pdf_changes.trailing_bytes(data):
                # a complete earlier revision followed by a cut-off update: the signature may be what was cut
                return DocumentReport("pdf", (), (Check.of("document", Status.FAILED, "check.document.pdf_cut_off",
                                                           code="DOCUMENT_MALFORMED"),))
            return DocumentReport("pdf", (), (Check.of("document", Status.FAILED, "check.document.pdf_unsigned",
                                                       code="NO_SIGNATURE"),))
        embedded = read_dss(reader)
        analysis = pdf_changes.ChangeAnalysis(
            reader, data, signature_refs=(_value_ref(s) for s in signatures if not _is_timestamp(s)),
            timestamp_refs=(_value_ref(s) for s in signatures if _is_timestamp(s)))
        first = next((s for s in signatures if not _is_timestamp(s)), None)  # the claimed IIN/BIN is its signer's
        identity = {"expect_iin": claims.iin, "expect_bin": claims.bin}
        # Document timestamps first: whether each is still proof, and what it protects (B-LTA), sets the moment
        # at which the older timestamps must be proof (eds.validation.archive).
        stamps = {i: (s.signed_revision, self._pdf_signature(data, s, analysis, embedded, at, {}))
                  for i, s in enumerate(signatures) if _is_timestamp(s)}
        proofs = archive.Proofs(stamps, at or _dt.datetime.now(_dt.timezone.utc))
        reports = tuple(proofs.judged(i, stamps[i][1]) if i in stamps else
                        self._pdf_signature(data, signature, analysis, embedded, at,
                                            identity if signature is first else {},
                                            proof_at=proofs.protection(signature.signed_revision))
                        for i, signature in enumerate(signatures))
        checks: tuple[Check, ...] = ()
        if all(_is_timestamp(s) for s in signatures):
            checks = (Check.of("document", Status.FAILED, "check.document.timestamps_only", code="NO_SIGNATURE",
                               details={"documentTimestamps": len(signatures)}),)
        return DocumentReport("pdf", reports, checks, extra={"revisions": reader.xrefs.total_revisions})

    def _pdf_signature(self, data: bytes, signature, analysis: pdf_changes.ChangeAnalysis, embedded: EmbeddedEvidence,
                       at: _dt.datetime | None, identity: dict, proof_at: _dt.datetime | None = None
                       ) -> SignatureReport:
        from pyhanko.pdf_utils.misc import PdfDecodeLimitError
        from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY

        from eds.signatures import cms, tsp

        kind = "document-timestamp" if _is_timestamp(signature) else "signature"
        extra = {"kind": kind, "field": signature.field_name}
        try:
            # pyHanko's structure checks only; the digest is ours (cms), which also knows the GOST hashes.
            signature.coverage = signature.evaluate_signature_coverage()
            signature.diff_result = signature.evaluate_modifications(DEFAULT_DIFF_POLICY)
            changes = _changes_check(signature, analysis, kind)
        except (limits.TooComplex, PdfDecodeLimitError):
            raise
        except Exception as exc:
            return SignatureReport((Check("integrity", Status.FAILED, f"the signature cannot be checked: {exc}",
                                          "DOCUMENT_MALFORMED", {"cause": str(exc)},
                                          Phrase("check.integrity.unreadable")),), extra=extra)
        checks = [_coverage_check(signature), changes]
        content = _byte_range_content(data, signature.byte_range)
        if content is None:
            checks.append(Check.of("signature", Status.FAILED, "check.signature.byte_range_outside",
                                   code="BYTE_RANGE_INVALID"))
            return SignatureReport(tuple(checks), extra=extra)
        if kind == "document-timestamp":
            return self._document_timestamp(signature, content, checks, embedded, extra)
        if tsp.without_zero_padding(bytes(signature.pkcs7_content)) is None:
            # the reserved room after the CMS is unsigned: the signer leaves it zero, as a document timestamp's
            checks.append(failed("signature", Status.FAILED, "in /Contents the signature is followed by bytes that "
                                 "are not zero padding", "DOCUMENT_MALFORMED", "CONTENTS_NOT_ZERO_PADDED"))
            return SignatureReport(tuple(checks), extra=extra)
        results = tuple(tsp.judge_timestamps(result)
                        for result in cms.verify_signed_data(signature.signed_data, content))
        result = results[0]
        checks.append(signature_check(result.failure, result.message))
        moment, source, time_checks = self.request_checker.signing_time(result, at, embedded.certificates,
                                                                 embedded.ocsp_responses, embedded.crls,
                                                                 claimed=_claimed_time(signature), proof_at=proof_at)
        checks.extend(time_checks)
        signer = None
        if result.certificate_der is not None:
            signer = self.signer_checker.check(
                result.certificate_der, at=moment, time_source=source,
                extra_certs=(*result.other_certificates, *embedded.certificates),
                document_ocsp=embedded.ocsp_responses, document_crls=embedded.crls, **identity)
        claimed = result.claimed_signing_time or _claimed_time(signature)
        return SignatureReport(tuple(checks), signing_time=moment if source == TimeSource.TIMESTAMP else claimed,
                               extra=extra).with_signer(signer)

    def _document_timestamp(self, signature, content: bytes, checks: list[Check], embedded: EmbeddedEvidence,
                            extra: dict) -> SignatureReport:
        """A document timestamp is time evidence only: its token must cover its revision and its TSA chain to
        the profile; it names no signer of the document. ``extra.proof`` says until when it is proof (its TSA
        chain's validity, its algorithms' sunset), which eds.validation.archive weighs against the validation
        time and the later timestamps."""
        from eds.signatures import tsp

        info = tsp.verify_timestamp_token(signature.pkcs7_content, data=content,
                                          hash_algorithm=_oid_of(signature.external_md_algorithm))
        if not info.intact:
            checks.append(failed("timestamp", Status.FAILED, info.message, "TIMESTAMP_INVALID", info.failure))
            return SignatureReport(tuple(checks), extra=extra)
        checks.append(Check.of("timestamp", Status.PASSED, "check.timestamp.document",
                               {"at": info.gen_time.isoformat()}))
        tsa = self.signer_checker.check(info.tsa_certificate_der, at=info.gen_time, time_source=TimeSource.TIMESTAMP,
                                        purpose=None, extra_certs=(*info.certificates, *embedded.certificates),
                                        document_ocsp=embedded.ocsp_responses, document_crls=embedded.crls)
        life = proof_life(info, tsa) if tsa.passed else None
        if life is not None:
            extra = {**extra, "proof": life.to_dict()}
        return SignatureReport(tuple(checks), signing_time=info.gen_time, extra=extra).with_signer(tsa)


_HASH_OIDS = {"sha256": algorithms.SHA256, "sha384": algorithms.SHA384, "sha512": algorithms.SHA512}


def _oid_of(name: str) -> str:
    return _HASH_OIDS.get(name, name)


def _is_timestamp(signature) -> bool:
    return signature.sig_object_type == "/DocTimeStamp"


def _value_ref(signature) -> tuple[int, int] | None:
    """The reference of a signature's dictionary (its field's /V), which names it across revisions."""
    value = signature.sig_field.raw_get("/V")
    return (value.idnum, value.generation) if hasattr(value, "idnum") else None


def _decode_limits():
    """pyHanko's own decoding bounded by the verification's stream limit (a backstop to the pre-scan)."""
    from pyhanko.pdf_utils.decode_limits import DecodeLimits, StreamDecodeLimits

    return DecodeLimits(per_stream=StreamDecodeLimits(max_output_size=limits.current().pdf_stream_bytes))


def _object_count(reader) -> int:
    """Objects in all cross-reference sections together, counted from the parsed tables (nothing is read)."""
    total = 0
    for revision in range(reader.xrefs.total_revisions):
        section = reader.xrefs.get_xref_data(revision)
        total += len(section.standard_xrefs) + len(section.xrefs_in_objstm) + len(section.freed)
        if section.hybrid is not None:
            hybrid = section.hybrid.xref_data
            total += len(hybrid.standard_xrefs) + len(hybrid.xrefs_in_objstm) + len(hybrid.freed)
    return total


def _claimed_time(signature) -> _dt.datetime | None:
    """The signing time the PDF claims (/M), or None when there is none or it cannot be read."""
    try:
        return signature.self_reported_timestamp
    except Exception:  # pyHanko raises PdfReadError, and others, for a malformed /M
        return None


def _byte_range_content(data: bytes, byte_range) -> bytes | None:
    try:
        start1, length1, start2, length2 = (int(v) for v in byte_range)
    except (TypeError, ValueError):
        return None
    if min(start1, length1, start2, length2) < 0 or start2 + length2 > len(data) or start1 + length1 > start2:
        return None
    return data[start1:start1 + length1] + data[start2:start2 + length2]


def _coverage_check(signature) -> Check:
    """The signed ByteRange must cover the whole file but the signature, or a whole revision (what follows is
    for the change check to judge)."""
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    coverage = signature.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Check.of("coverage", Status.PASSED, "check.coverage.file")
    if coverage == SignatureCoverageLevel.ENTIRE_REVISION and \
            signature.signed_revision == signature.reader.xrefs.total_revisions - 1:
        return Check.of("coverage", Status.FAILED, "check.coverage.trailing", code="BYTE_RANGE_INVALID",
                        details={"coverage": "TRAILING_BYTES"})
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return Check.of("coverage", Status.FAILED, "check.coverage.partial", code="BYTE_RANGE_INVALID",
                        details={"coverage": coverage.name})
    return Check.of("coverage", Status.PASSED, "check.coverage.revision")


def _changes_check(signature, analysis: pdf_changes.ChangeAnalysis, kind: str) -> Check:
    """What followed the signed revision, by the strict whitelist of eds.signatures.pdf_changes, with pyHanko's difference
    analysis as a first opinion: what pyHanko rates worse than form filling fails whatever the whitelist says.

    Form filling passes only where the signature's DocMDP allows it (none, /P 2 or 3) and then leaves the
    signature INDETERMINATE; a certification with /P 1 allows nothing but validation data and timestamps."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import MDPPerm

    docmdp = signature.docmdp_level if kind == "signature" else None
    review = analysis.review(signature.signed_revision, certified_no_changes=docmdp == MDPPerm.NO_CHANGES)
    diff = signature.diff_result
    level = getattr(diff, "modification_level", None)
    pyhanko_rejects = level is None or level > ModificationLevel.FORM_FILLING
    if review.forbidden or pyhanko_rejects:
        details = review.details()
        if not review.forbidden:
            details.update(kind="unexplained", kinds=["unexplained"])
        if pyhanko_rejects:
            details["pyhanko"] = (str(diff) if level is None else level.name)[:500]
        listed = ", ".join(f"{c.kind} (objects {', '.join(map(str, c.objects)) or '-'}, revision {c.revision})"
                           for c in review.forbidden[:5]) or "changes pyHanko's difference analysis rejects"
        said = tuple(Phrase("check.changes.change", {"kind": _change_kind(c.kind), "revision": c.revision,
                                                     "objects": ", ".join(map(str, c.objects)) or "-"})
                     for c in review.forbidden[:5]) or Phrase("check.changes.unexplained")
        return Check("changes", Status.FAILED, f"the document was changed after it was signed: {listed}",
                     "MODIFIED_AFTER_SIGNING", details, Phrase("check.changes.modified", {"changes": said}))
    if review.filled_fields:
        return Check.of("changes", Status.INDETERMINATE, "check.changes.form_filled",
                        {"fields": ", ".join(review.filled_fields)}, "FORM_FILLED_AFTER_SIGNING",
                        {"fields": list(review.filled_fields)})
    if review.cosigned:
        return Check.of("changes", Status.PASSED, "check.changes.cosigned")
    if signature.signed_revision < analysis.total - 1:
        return Check.of("changes", Status.PASSED, "check.changes.validation_data")
    return Check.of("changes", Status.PASSED, "check.changes.none")


def _change_kind(kind: str) -> Phrase | str:
    """A kind of change (``annotation``, ``page-content``...) in the catalogue's words; the kind for a new one."""
    key = f"change.{kind}"
    return Phrase(key) if key in messages.CATALOGUE else kind


def read_dss(reader: Any) -> EmbeddedEvidence:
    """The DSS's certificates, OCSP answers and CRLs (``reader``: a pyHanko reader of the PDF), each stream
    inflated only within the DSS byte limit; the verifier and the archive's maintenance read it alike."""
    from pyhanko.pdf_utils.misc import PdfDecodeLimitError

    from eds.pki.revocation import CrlError, CrlIndex

    try:
        dss = reader.root["/DSS"]
    except Exception:  # no DSS, or one that cannot be read: either way, no embedded evidence
        return EmbeddedEvidence()
    total = 0

    def streams(name: str) -> tuple[bytes, ...]:
        nonlocal total
        found = []
        try:
            entries = list(dss.get(name, ()))
        except Exception:
            return ()
        for ref in entries:
            limits.checkpoint()
            try:
                stream = ref.get_object()
                data = _bounded_data(stream, limits.current().pdf_dss_bytes - total)
            except (limits.TooComplex, PdfDecodeLimitError):
                raise
            except Exception:
                continue  # an unreadable entry is simply no evidence
            total += len(data)
            limits.require("pdf_dss_bytes", total)
            found.append(data)
        return tuple(found)

    certificates, responses, crl_ders = streams("/Certs"), streams("/OCSPs"), streams("/CRLs")
    crls: list = []
    for der in crl_ders:
        try:
            crls.append(CrlIndex(der, source="document"))
        except CrlError:
            continue  # a broken embedded CRL is simply no evidence
    return EmbeddedEvidence(certificates, responses, tuple(crls))


def _bounded_data(stream, room: int) -> bytes:
    """A DSS stream's data, never inflated past ``room`` bytes (the rest of the DSS budget) plus one."""
    filters = stream.get("/Filter")
    if filters in (None, "/FlateDecode") and "/DecodeParms" not in stream:
        raw = stream.encoded_data
        if filters is None:
            return raw
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, max(room, 0) + 1)
        if len(data) > room:
            limits.require("pdf_dss_bytes", limits.current().pdf_dss_bytes - room + len(data))
        return data
    return stream.data
