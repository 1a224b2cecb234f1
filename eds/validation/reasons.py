"""The catalogue of reason codes: the verdict each one gives (indication, ETSI sub-indication).

Every refusal a caller must tell apart (../shared/domain/SERVICE.md) has its own code here; what a code means, in
Kazakh, Russian and English, is the message catalogue's (:mod:`eds.messages`, key ``reason.<CODE>``), from which
the API, the CLI and the web page all render, so a code always reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from eds import messages

# The notice the regulations prescribe when a request's signature check fails, and its counterpart.
NOTICE_NOT_CONFIRMED = messages.texts("notice.NOT_CONFIRMED")
NOTICE_ACCEPTED = messages.texts("notice.ACCEPTED")

LANGUAGES = messages.LANGUAGES


@dataclass(frozen=True)
class ReasonInfo:
    code: str
    indication: str  # TOTAL_FAILED or INDETERMINATE
    sub_indication: str

    def message(self, language: str = "en") -> str:
        """What the code means in ``language``; an unknown code reads as itself."""
        key = f"reason.{self.code}"
        return messages.text(key, language) if key in messages.CATALOGUE else self.code


_F, _I = "TOTAL_FAILED", "INDETERMINATE"

_TABLE = [
    ReasonInfo("CERT_MALFORMED", _F, "FORMAT_FAILURE"),
    ReasonInfo("SIGNATURE_INVALID", _F, "SIG_CRYPTO_FAILURE"),
    ReasonInfo("DOCUMENT_MALFORMED", _F, "FORMAT_FAILURE"),
    ReasonInfo("NO_SIGNATURE", _F, "SIGNED_DATA_NOT_FOUND"),
    ReasonInfo("CERT_NOT_YET_VALID", _F, "NOT_YET_VALID"),
    ReasonInfo("CERT_EXPIRED", _F, "EXPIRED"),
    ReasonInfo("CERT_REVOKED", _F, "REVOKED"),
    ReasonInfo("REVOKED_NO_POE", _I, "REVOKED_NO_POE"),
    ReasonInfo("REVOCATION_UNKNOWN", _I, "TRY_LATER"),
    ReasonInfo("CHAIN_UNTRUSTED", _F, "NO_CERTIFICATE_CHAIN_FOUND"),
    ReasonInfo("CHAIN_NOT_CHECKED", _I, "NO_CERTIFICATE_CHAIN_FOUND"),
    ReasonInfo("CHAIN_INVALID", _F, "CHAIN_CONSTRAINTS_FAILURE"),
    ReasonInfo("CHAIN_EXPIRED", _F, "OUT_OF_BOUNDS_NO_POE"),
    ReasonInfo("CHAIN_NOT_YET_VALID", _F, "NOT_YET_VALID"),
    ReasonInfo("ALGORITHM_NOT_ALLOWED", _F, "CRYPTO_CONSTRAINTS_FAILURE"),
    ReasonInfo("ALGORITHM_UNSUPPORTED", _I, "SIGNATURE_ALGORITHM_NOT_SUPPORTED"),
    ReasonInfo("CERT_UNKNOWN_CRITICAL_EXTENSION", _F, "CHAIN_CONSTRAINTS_FAILURE"),
    ReasonInfo("NOT_SIGNING_KEY", _F, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("CA_CERTIFICATE", _F, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("IIN_MISMATCH", _F, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("BIN_MISMATCH", _F, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("IDENTITY_MALFORMED", _F, "FORMAT_FAILURE"),
    ReasonInfo("IDENTITY_CHECKSUM", _F, "FORMAT_FAILURE"),
    ReasonInfo("ROLE_NOT_ALLOWED", _F, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("MODIFIED_AFTER_SIGNING", _F, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("FORM_FILLED_AFTER_SIGNING", _I, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("AMBIGUOUS_FORMAT", _F, "FORMAT_FAILURE"),
    ReasonInfo("TOO_COMPLEX", _F, "FORMAT_FAILURE"),
    ReasonInfo("OUT_OF_BOUNDS_NO_POE", _I, "OUT_OF_BOUNDS_NO_POE"),
    ReasonInfo("SIGNING_TIME_IN_FUTURE", _I, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("SIGNERS_MISMATCH", _F, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("HOLDER_MISMATCH", _F, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("HOLDER_UNCONFIRMED", _F, "SIG_CONSTRAINTS_FAILURE"),
    ReasonInfo("BYTE_RANGE_INVALID", _F, "FORMAT_FAILURE"),
    ReasonInfo("TIMESTAMP_INVALID", _F, "TIMESTAMP_FAILURE"),
    ReasonInfo("TIMESTAMP_EXPIRED", _I, "OUT_OF_BOUNDS_NO_POE"),
]

REASONS: dict[str, ReasonInfo] = {r.code: r for r in _TABLE}


def info(code: str) -> ReasonInfo:
    """The catalogue entry for ``code``; unknown codes read as a generic failure, never as success."""
    return REASONS.get(code) or ReasonInfo(code, _F, "GENERIC")
