"""A CRL indexed for lookups: large lists load in seconds into a few compact arrays.

Production NCA CRLs hold hundreds of thousands of entries; keeping one Python object per entry is what
makes other tools need half a gigabyte. Here the header (issuer, times, numbers, signature) comes from
``cryptography``; the revoked-certificate list is walked once as DER, and only the low 64 bits of each
serial and the entry's offset are kept, sorted. A hit is confirmed by parsing that one entry.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from array import array
from dataclasses import dataclass

import numpy as np
from asn1crypto import crl as asn1_crl
from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from eds.errors import CodedError
from eds.pki import algorithms
from eds.pki.certificates import Certificate
from eds.pki.revocation.evidence import CrlEvidence, EvidenceSource


class CrlError(CodedError, ValueError):
    """A CRL that cannot be used; ``code`` is stable."""


@dataclass(frozen=True)
class CrlEntry:
    serial: int
    revoked_at: _dt.datetime
    reason: str  # e.g. key_compromise, certificate_hold, remove_from_crl, unspecified


def _header(der: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at ``pos``."""
    tag = der[pos]
    length = der[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise CrlError("CRL_MALFORMED", "unsupported DER length")
        length = int.from_bytes(der[pos:pos + count], "big")
        pos += count
    end = pos + length
    if end > len(der):
        raise CrlError("CRL_MALFORMED", "DER element runs past the end of the CRL")
    return tag, pos, end


def _revoked_list_bounds(der: bytes) -> tuple[int, int] | None:
    """Content bounds of revokedCertificates inside tbsCertList, or None when the list is absent."""
    _, pos, _ = _header(der, 0)  # CertificateList
    tag, pos, tbs_end = _header(der, pos)  # tbsCertList
    tag, start, end = _header(der, pos)
    if tag == 0x02:  # version
        pos = end
    for _ in range(3):  # signature AlgorithmIdentifier, issuer Name, thisUpdate
        _, _, pos = _header(der, pos)
    if pos < tbs_end and der[pos] in (0x17, 0x18):  # nextUpdate
        _, _, pos = _header(der, pos)
    if pos < tbs_end and der[pos] == 0x30:
        _, start, end = _header(der, pos)
        return start, end
    return None


class CrlIndex:
    """One CRL (full or delta): its header facts and an index of its serials."""

    def __init__(self, der: bytes, *, source: str = "file") -> None:
        try:
            self.crl = x509.load_der_x509_crl(der)
            bounds = _revoked_list_bounds(der)
            self.issuer = self.crl.issuer  # cryptography parses names and times lazily: read them here
            self.this_update = self.crl.last_update_utc
            self.next_update = self.crl.next_update_utc
        except CrlError:
            raise
        except Exception as exc:
            raise CrlError("CRL_MALFORMED", f"not a valid CRL: {exc}") from None
        self.der = der
        self.source = source
        self.sha256 = hashlib.sha256(der).hexdigest()
        self.number = self._extension_value(ExtensionOID.CRL_NUMBER, "crl_number")
        self.delta_base = self._extension_value(ExtensionOID.DELTA_CRL_INDICATOR, "crl_number")
        aki = self._extension(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
        self.authority_key_id = aki.key_identifier if aki is not None else None
        self._verified_with: set[str] = set()
        self._keys, self._offsets = self._index(der, bounds)

    def _extension(self, oid):
        try:
            return self.crl.extensions.get_extension_for_oid(oid).value
        except x509.ExtensionNotFound:
            return None
        except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as exc:
            raise CrlError("CRL_MALFORMED", f"bad CRL extension: {exc}") from None

    def _extension_value(self, oid, attribute: str) -> int | None:
        value = self._extension(oid)
        return getattr(value, attribute) if value is not None else None

    @staticmethod
    def _index(der: bytes, bounds: tuple[int, int] | None) -> tuple[np.ndarray, np.ndarray]:
        keys, offsets = array("Q"), array("I")
        if bounds is not None:
            pos, end = bounds
            append_key, append_offset = keys.append, offsets.append
            from_bytes = int.from_bytes
            mask = (1 << 64) - 1
            while pos < end:
                _, entry_start, entry_end = _header(der, pos)
                tag, serial_start, serial_end = _header(der, entry_start)
                if tag != 0x02:
                    raise CrlError("CRL_MALFORMED", "revoked entry without a serial number")
                append_key(from_bytes(der[max(serial_start, serial_end - 8):serial_end], "big") & mask)
                append_offset(pos)
                pos = entry_end
        key_array = np.frombuffer(keys, dtype=np.uint64) if len(keys) else np.zeros(0, dtype=np.uint64)
        offset_array = np.frombuffer(offsets, dtype=np.uint32) if len(offsets) else np.zeros(0, np.uint32)
        order = np.argsort(key_array, kind="stable")
        return key_array[order], offset_array[order]

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def is_delta(self) -> bool:
        return self.delta_base is not None

    def lookup(self, serial: int) -> CrlEntry | None:
        """The revocation entry for ``serial``, or None when this CRL does not list it."""
        if not len(self._keys):
            return None
        key = np.uint64(serial & ((1 << 64) - 1))
        i = int(np.searchsorted(self._keys, key, side="left"))
        while i < len(self._keys) and self._keys[i] == key:
            entry = self._entry_at(int(self._offsets[i]))
            if entry.serial == serial:
                return entry
            i += 1
        return None

    def _entry_at(self, offset: int) -> CrlEntry:
        _, _, end = _header(self.der, offset)
        entry = asn1_crl.RevokedCertificate.load(self.der[offset:end])
        reason = entry.crl_reason_value
        return CrlEntry(
            serial=entry["user_certificate"].native,
            revoked_at=entry["revocation_date"].native,
            reason=reason.native if reason is not None else "unspecified",
        )

    def issued_by(self, issuer: Certificate) -> bool:
        """Whether this CRL claims ``issuer`` as its issuer (name, and key id when both carry one)."""
        if self.issuer != issuer.x509.subject:
            return False
        return not (self.authority_key_id and issuer.subject_key_id
                    and self.authority_key_id != issuer.subject_key_id)

    def verify_signature(self, issuer: Certificate) -> None:
        """Check the CRL's signature with the issuer's key (memoised); raise CrlError if it fails."""
        if issuer.sha256 in self._verified_with:
            return
        if "crl_sign" not in issuer.key_usage and issuer.key_usage:
            raise CrlError("CRL_ISSUER_NOT_AUTHORISED", "the CRL issuer's key is not allowed to sign CRLs")
        try:
            valid = algorithms.verify(issuer, self.crl.tbs_certlist_bytes, self.crl.signature,
                                      self.crl.signature_algorithm_oid.dotted_string)
        except algorithms.UnsupportedSignatureAlgorithm as exc:
            raise CrlError("CRL_ALGORITHM_UNSUPPORTED", str(exc)) from None
        if not valid:
            raise CrlError("CRL_SIGNATURE_INVALID", "the CRL's signature does not verify with its issuer's key")
        self._verified_with.add(issuer.sha256)

    def usable_for(self, at: _dt.datetime, now: _dt.datetime) -> bool:
        """Current (now before nextUpdate), or issued after ``at`` and so proof of status at ``at``."""
        if self.this_update > now + _dt.timedelta(minutes=5):
            return False
        current = self.next_update is not None and now <= self.next_update
        return current or self.this_update >= at

    def evidence(self, certificate: str) -> CrlEvidence:
        """This list as the evidence that decided ``certificate`` (its DN)."""
        return CrlEvidence(certificate=certificate, source=EvidenceSource(self.source), delta=self.is_delta,
                           number=self.number, this_update=self.this_update, next_update=self.next_update,
                           entries=len(self), sha256=self.sha256)
