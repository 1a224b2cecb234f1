"""A CRL indexed for lookups: a million entries load in a few tenths of a second into one compact sorted table.

Production NCA CRLs hold hundreds of thousands of entries; keeping one Python object per entry is what makes
other tools need half a gigabyte. Here ``cryptography`` parses (and so checks) the whole CRL in Rust and gives
the header (issuer, times, numbers, signature, the number of entries); the entries themselves are only
located in the DER, each as one 64-bit word of a sorted table: its serial's 32-bit key (:func:`serial_key`:
the low 64 bits of the two's complement serial, mixed down to 32) above the entry's offset. 8 bytes an entry.

A list of more than ``_WALK_AT_MOST`` entries is located by the vectorised scan of :mod:`crl_scan` (numpy, no
Python step per entry); a short one is walked element by element, which is quicker than importing numpy for it.
Either way the entries found must be as many as ``cryptography`` counted and end exactly where the list ends.
A long list gets its table at its third lookup (or :meth:`CrlIndex.build_table`): the first two look for the
serial's DER in the list's bytes (absent: not listed) and else ask ``cryptography``'s own search of the list
(Rust, no memory), a hit read from the entry it gives, so that a process checking one certificate against a
million entries (``eds cert X --crl big.crl``) builds no table and imports no numpy.

A lookup finds the key by binary search, compares the serial's DER with the entry's (so two serials with one
key are told apart), and parses that one entry (date, reason) with asn1crypto only on a hit; among entries
of the same serial the first in the list counts.

The signature is checked over the tbsCertList bytes as they are in the DER (``cryptography``'s
``tbs_certlist_bytes`` encodes them again: 0.6 s and a copy for 28 MB), once per issuer for the same bytes:
every CrlIndex of the same bytes in this process shares one parsed CRL with its table and the issuers it
verified with (kept while an index holds it, and the last few for a while after). Across processes, a CRL
store with a cache folder keeps both next to the cached CRL (``table_file``, :func:`read_table`,
:func:`write_table`): the table memory-mapped from there, trusted only when the file is this user's own and
neither it nor its folder is writable by others, and only for the CRL whose SHA-256 it names.
"""

from __future__ import annotations

import bisect
import collections
import datetime as _dt
import hashlib
import mmap
import os
import struct
import sys
import threading
import weakref
from array import array
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl as asn1_crl
from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from eds.pki import algorithms
from eds.pki.certificates import Certificate
from eds.pki.revocation.crl_der import CrlError, entry_word, header, integer_tlv, layout, serial_key
from eds.pki.revocation.evidence import CrlEvidence, EvidenceSource

__all__ = ["CrlEntry", "CrlError", "CrlIndex", "read_table", "serial_key", "write_table"]


@dataclass(frozen=True)
class CrlEntry:
    serial: int
    revoked_at: _dt.datetime
    reason: str  # e.g. key_compromise, certificate_hold, remove_from_crl, unspecified


_WALK_AT_MOST = 1024  # entries: a longer list is indexed by the vectorised scan (crl_scan, numpy), when needed
_QUICK_LOOKUPS = 2  # lookups in a long list answered by cryptography's search of it, before the table is made


def _walked_table(der: bytes, bounds: tuple[int, int] | None, count: int) -> array:
    """The table of a short list, read one entry at a time (for a few hundred entries that is quicker than
    importing numpy, which a process checking one small CRL may never need)."""
    words = array("Q")
    if bounds is not None:
        pos, end = bounds
        while pos < end:
            word, pos = entry_word(der, pos, end)
            words.append(word)
    if len(words) != count:
        raise CrlError("CRL_MALFORMED", "the revoked list does not match the CRL's entries")
    return array("Q", sorted(words))


def _table(der: bytes, bounds: tuple[int, int] | None, count: int):
    """The sorted table (key << 32 | offset) of the ``count`` entries of the list within ``bounds``: an
    ``array('Q')`` for a short list, a numpy ``uint64`` array from the vectorised scan for a long one."""
    if count <= _WALK_AT_MOST:
        return _walked_table(der, bounds, count)
    from eds.pki.revocation import crl_scan

    return crl_scan.table(der, bounds, count)


# --- tables kept next to a cached CRL ---------------------------------------------------------------------

_MAGIC = b"eds CRL table 1\n"
_HEAD = struct.Struct("<16s32sQI4x")  # magic, the CRL's SHA-256, entries, issuers verified with


def _own_and_private(stat: os.stat_result) -> bool:
    return stat.st_uid == os.geteuid() and not stat.st_mode & 0o022


def read_table(path: Path, sha256: str, count: int):
    """(the table, the SHA-256 of the issuers' certificates the CRL verified with) from ``path``, when it is a
    table file for the CRL of ``sha256`` with ``count`` entries, this user's own and neither it nor its folder
    writable by others; else None. A long table is memory-mapped, a short one read."""
    if sys.byteorder != "little":  # the words are kept as this machine has them
        return None
    try:
        if not _own_and_private(os.stat(path.parent)):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        stat = os.fstat(fd)
        if not _own_and_private(stat) or stat.st_size < _HEAD.size:
            return None
        magic, digest, entries, issuers = _HEAD.unpack(os.pread(fd, _HEAD.size, 0))
        offset = _HEAD.size + 32 * issuers
        if magic != _MAGIC or digest.hex() != sha256 or entries != count or stat.st_size != offset + 8 * count:
            return None
        raw = os.pread(fd, 32 * issuers, _HEAD.size)
        verified = {raw[i:i + 32].hex() for i in range(0, len(raw), 32)}
        if count <= _WALK_AT_MOST:
            table = array("Q")
            table.frombytes(os.pread(fd, 8 * count, offset))
            return (table, verified) if len(table) == count else None
        mapped = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
    except (OSError, ValueError, struct.error):
        return None
    finally:
        os.close(fd)
    return memoryview(mapped)[offset:offset + 8 * count].cast("Q"), verified  # no numpy needed to look up


def write_table(path: Path, sha256: str, table, verified: set[str]) -> None:
    """Write the table and the issuers verified with to ``path`` (0600, replaced at once); errors are ignored:
    the file only saves work."""
    if sys.byteorder != "little":
        return
    issuers = sorted(verified)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_HEAD.pack(_MAGIC, bytes.fromhex(sha256), len(table), len(issuers)))
            handle.write(b"".join(bytes.fromhex(i) for i in issuers))
            handle.write(memoryview(table).cast("B"))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


# --- the parsed CRL, shared by the indexes of the same bytes -------------------------------------------------

class _Parsed:
    """One CRL's bytes parsed: header facts, the table and the issuers it verified with."""

    def __init__(self, der: bytes, sha256: str, table_file: Path | None) -> None:
        try:
            self.crl = x509.load_der_x509_crl(der)
            self.tbs_bounds, bounds = layout(der)
            self.issuer = self.crl.issuer  # cryptography parses names and times lazily: read them here
            self.this_update = self.crl.last_update_utc
            self.next_update = self.crl.next_update_utc
        except CrlError:
            raise
        except Exception as exc:
            raise CrlError("CRL_MALFORMED", f"not a valid CRL: {exc}") from None
        self.der = der
        self.sha256 = sha256
        self.number = self._extension_value(ExtensionOID.CRL_NUMBER, "crl_number")
        self.delta_base = self._extension_value(ExtensionOID.DELTA_CRL_INDICATOR, "crl_number")
        aki = self._extension(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
        self.authority_key_id = aki.key_identifier if aki is not None else None
        self.count = len(self.crl)
        self.bounds = bounds
        self.table_files: list[Path] = []
        self.lock = threading.Lock()
        self.quick_lookups = _QUICK_LOOKUPS  # left before a long list gets its table
        kept = read_table(table_file, sha256, self.count) if table_file is not None else None
        if kept is not None:
            (self._table, self.verified), self.read_from = kept, table_file
        else:
            self.verified, self.read_from = set(), None
            self._table = _walked_table(der, bounds, self.count) if self.count <= _WALK_AT_MOST else None

    @property
    def table(self):
        """The sorted table, made on first need for a long list."""
        if self._table is None:
            with self.lock:
                if self._table is None:
                    self._table = _table(self.der, self.bounds, self.count)
        return self._table

    def quick_lookup(self) -> bool:
        """Whether a lookup may be answered without the table (a search of the list's bytes, then
        cryptography's of its entries): the first ``_QUICK_LOOKUPS`` of a long list (a process checking one
        certificate never builds it)."""
        if self._table is not None:
            return False
        with self.lock:
            self.quick_lookups -= 1
            return self.quick_lookups >= 0

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

    def keep_table_at(self, path: Path) -> None:
        """Keep the table (and the issuers verified with) at ``path`` from now on, and now if any verified."""
        with self.lock:
            if path in self.table_files:
                return
            self.table_files.append(path)
            verified = set(self.verified)
        if verified and path != self.read_from:
            write_table(path, self.sha256, self.table, verified)

    def verified_with(self, issuer_sha256: str) -> None:
        with self.lock:
            self.verified.add(issuer_sha256)
            verified, files = set(self.verified), list(self.table_files)
        for path in files:
            write_table(path, self.sha256, self.table, verified)


_SHARED: weakref.WeakValueDictionary[str, _Parsed] = weakref.WeakValueDictionary()
_RECENT: collections.deque[_Parsed] = collections.deque(maxlen=4)  # the last few, kept a while after use
_RECENT_BYTES = 64 * 1024 * 1024  # ... when that many bytes of DER at most
_SHARED_LOCK = threading.Lock()


def _parsed(der: bytes, table_file: Path | None) -> _Parsed:
    sha256 = hashlib.sha256(der).hexdigest()
    with _SHARED_LOCK:
        found = _SHARED.get(sha256)
    if found is None:
        found = _Parsed(der, sha256, table_file)
        with _SHARED_LOCK:
            found = _SHARED.setdefault(sha256, found)
    with _SHARED_LOCK:
        if found not in _RECENT:
            _RECENT.append(found)
            while sum(len(p.der) for p in _RECENT) > _RECENT_BYTES and len(_RECENT) > 1:
                _RECENT.popleft()
    if table_file is not None:
        found.keep_table_at(table_file)
    return found


class CrlIndex:
    """One CRL (full or delta): its header facts and an index of its serials.

    ``table_file``: where the table and the issuers it verified with are kept for other processes (a CRL store's
    cache folder); read from there when that file is for these bytes and trusted (see :func:`read_table`)."""

    def __init__(self, der: bytes, *, source: str = "file", table_file: Path | None = None) -> None:
        if not isinstance(der, bytes):
            der = bytes(der)
        parsed = _parsed(der, table_file)
        self._parsed = parsed
        self.crl = parsed.crl
        self.der = parsed.der
        self.source = source
        self.sha256 = parsed.sha256
        self.issuer = parsed.issuer
        self.this_update = parsed.this_update
        self.next_update = parsed.next_update
        self.number = parsed.number
        self.delta_base = parsed.delta_base
        self.authority_key_id = parsed.authority_key_id

    @property
    def _table(self):
        return self._parsed.table

    @property
    def _verified_with(self) -> set[str]:
        return self._parsed.verified

    def build_table(self) -> None:
        """Make the lookup table now, not at the third lookup (a server about to answer many)."""
        self._parsed.table  # noqa: B018 (made on first access)

    def __len__(self) -> int:
        return self._parsed.count

    @property
    def is_delta(self) -> bool:
        return self.delta_base is not None

    def lookup(self, serial: int) -> CrlEntry | None:
        """The revocation entry for ``serial``, or None when this CRL does not list it."""
        parsed = self._parsed
        wanted = integer_tlv(serial)
        if parsed.quick_lookup():
            # An entry of this serial holds its DER INTEGER as is (cryptography took only minimal DER): where the
            # list's bytes do not, it is not listed (~7 ms for 28 MB). Where they do, cryptography compares the
            # serial with each entry's in Rust (~90 ns an entry, no memory) and gives the first entry that has
            # it; a negative serial (which it does not take) or an entry whose extensions it cannot read is
            # looked up in the table.
            start, end = parsed.bounds or (0, 0)
            if self.der.find(wanted, start, end) < 0:
                return None
            if serial >= 0:
                try:
                    found = self.crl.get_revoked_certificate_by_serial_number(serial)
                    if found is None:
                        return None
                    reason = next((e.value.reason.name for e in found.extensions
                                   if e.oid == ExtensionOID.CRL_REASON), "unspecified")
                    return CrlEntry(serial=serial, revoked_at=found.revocation_date_utc, reason=reason)
                except Exception:  # noqa: BLE001 (asn1crypto reads that entry below, as for any other lookup)
                    pass
        table = parsed.table
        key = serial_key(serial)
        i = bisect.bisect_left(table, key << 32)  # numpy's searchsorted is no quicker for one value
        der = self.der
        while i < len(table):
            word = int(table[i])
            if word >> 32 != key:
                return None
            offset = word & 0xFFFFFFFF
            length = der[offset + 1]  # the entry's length: the serial's INTEGER follows its length bytes
            if der.startswith(wanted, offset + 2 + (length & 0x7F if length & 0x80 else 0)):
                return self._entry_at(offset)
            i += 1
        return None

    def _entry_at(self, offset: int) -> CrlEntry:
        _, _, end = header(self.der, offset)
        try:
            entry = asn1_crl.RevokedCertificate.load(self.der[offset:end])
            reason = entry.crl_reason_value
            return CrlEntry(
                serial=entry["user_certificate"].native,
                revoked_at=entry["revocation_date"].native,
                reason=reason.native if reason is not None else "unspecified",
            )
        except (ValueError, KeyError, TypeError) as exc:  # an unassigned reason, a reason that is no ENUMERATED...
            raise CrlError("CRL_MALFORMED", f"the CRL's entry of this serial cannot be read: {exc}") from None

    def issued_by(self, issuer: Certificate) -> bool:
        """Whether this CRL claims ``issuer`` as its issuer (name, and key id when both carry one)."""
        if self.issuer != issuer.x509.subject:
            return False
        return not (self.authority_key_id and issuer.subject_key_id
                    and self.authority_key_id != issuer.subject_key_id)

    def verify_signature(self, issuer: Certificate) -> None:
        """Check the CRL's signature with the issuer's key (once for these bytes and this issuer, in this process
        and, through a table file, in others); raise CrlError if it fails."""
        if issuer.sha256 in self._parsed.verified:
            return
        if "crl_sign" not in issuer.key_usage and issuer.key_usage:
            raise CrlError("CRL_ISSUER_NOT_AUTHORISED", "the CRL issuer's key is not allowed to sign CRLs")
        start, end = self._parsed.tbs_bounds
        try:
            valid = algorithms.verify(issuer, memoryview(self.der)[start:end], self.crl.signature,
                                      self.crl.signature_algorithm_oid.dotted_string)
        except algorithms.UnsupportedSignatureAlgorithm as exc:
            raise CrlError("CRL_ALGORITHM_UNSUPPORTED", str(exc)) from None
        if not valid:
            raise CrlError("CRL_SIGNATURE_INVALID", "the CRL's signature does not verify with its issuer's key")
        self._parsed.verified_with(issuer.sha256)

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
