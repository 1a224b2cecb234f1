"""The DER of a CRL read by hand, for its index: element headers, where tbsCertList and the revoked list lie,
one entry's table word, and the serial keys (see :mod:`eds.pki.revocation.crl`).

``cryptography`` has parsed and checked the whole CRL before any of this runs; these readers only locate.
"""

from __future__ import annotations

from eds.errors import CodedError


class CrlError(CodedError, ValueError):
    """A CRL that cannot be used; ``code`` is stable."""


M64 = (1 << 64) - 1
MIX = 0x9E3779B97F4A7C15  # odd: multiplying by it mod 2**64 is a bijection; its top half mixes all 64 bits


def serial_key(serial: int) -> int:
    """The 32-bit index key of a serial number: its low 64 bits (two's complement) mixed down to 32."""
    return (((serial & M64) * MIX) & M64) >> 32


def integer_tlv(value: int) -> bytes:
    """The DER INTEGER of ``value`` (minimal two's complement): what a CRL entry holding it starts with."""
    size = (value.bit_length() if value >= 0 else (~value).bit_length()) // 8 + 1
    content = value.to_bytes(size, "big", signed=True)
    if size < 0x80:
        return bytes((0x02, size)) + content
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0x02, 0x80 | len(raw))) + raw + content


def header(der: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at ``pos``."""
    if pos + 2 > len(der):
        raise CrlError("CRL_MALFORMED", "DER element runs past the end of the CRL")
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


def layout(der: bytes) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """((start, end) of tbsCertList's DER, content bounds of revokedCertificates or None when it is absent)."""
    _, pos, _ = header(der, 0)  # CertificateList
    tbs_start = pos
    tag, pos, tbs_end = header(der, pos)  # tbsCertList
    tag, start, end = header(der, pos)
    if tag == 0x02:  # version
        pos = end
    for _ in range(3):  # signature AlgorithmIdentifier, issuer Name, thisUpdate
        _, _, pos = header(der, pos)
    if pos < tbs_end and der[pos] in (0x17, 0x18):  # nextUpdate
        _, _, pos = header(der, pos)
    if pos < tbs_end and der[pos] == 0x30:
        _, start, end = header(der, pos)
        return (tbs_start, tbs_end), (start, end)
    return (tbs_start, tbs_end), None


def entry_word(der: bytes, pos: int, end: int) -> tuple[int, int]:
    """(table word, end) of the entry at ``pos``, read one element at a time (a layout the scan does not
    take for an entry; DER that ``cryptography`` accepted does not have one)."""
    _, start, entry_end = header(der, pos)
    tag, serial_start, serial_end = header(der, start)
    if tag != 0x02:
        raise CrlError("CRL_MALFORMED", "revoked entry without a serial number")
    if entry_end > end or serial_end <= serial_start:
        raise CrlError("CRL_MALFORMED", "revoked entry runs past the list")
    low = int.from_bytes(der[max(serial_start, serial_end - 8):serial_end], "big", signed=True)
    return serial_key(low) << 32 | pos, entry_end
