"""The vectorised scan that indexes a long CRL (numpy): the entries of revokedCertificates found without a
Python step per entry. See :mod:`eds.pki.revocation.crl` for what the table holds and how it is used.

- In chunks of the list, every byte that may open an entry (``30 len 02 len serial 17|18``, short or long form
  lengths) is a candidate, with the entry's end as its DER lengths give it.
- The true entries are the chain that starts at the list's first byte and goes from each entry to the one at
  its end: within a chunk where each candidate ends where the next begins (any real CRL) that is all of them,
  else the chain is followed by pointer doubling, so bytes inside an entry that look like one (a false start)
  cost no Python step either. An entry the scan does not take (16 MB or more) is read by ``crl_der.entry_word``.
- Each entry gives one word: its serial's 32-bit key (:func:`eds.pki.revocation.crl_der.serial_key`) above its
  offset; the words are sorted in place.

The chain is only trusted as far as ``cryptography`` already checked the DER: the number of entries must be the
number it counted and the chain must end exactly at the end of the list, else the CRL is refused.
"""

from __future__ import annotations

import numpy as np

from eds.pki.revocation.crl_der import MIX, CrlError, entry_word

_CHUNK = 1 << 18  # bytes of the list scanned at once: the scan's own arrays stay within a couple of MB
_SMALLEST_ENTRY = 20  # 30 12 | 02 01 xx | 17 0D + 13 bytes of UTCTime


def _long_lengths(a: np.ndarray, first: np.ndarray, length: np.ndarray, pos: np.ndarray) -> None:
    """Fill ``length`` with the long-form lengths (first byte 0x81-0x84) of the elements at ``pos``."""
    rows = np.flatnonzero(first > 0x80)
    for k in range(4):
        rows = rows[first[rows] - 0x80 > k]
        if not rows.size:
            return
        length[rows] = (length[rows] << 8) | a[np.minimum(pos[rows] + 2 + k, a.size - 1)]


def _general(a: np.ndarray, pos: np.ndarray, end: int) -> tuple[np.ndarray, ...]:
    """Of the positions ``pos``, those where an entry with any lengths (short or long form, up to four length
    bytes) may start: (positions, ends, serial content starts, serial lengths)."""
    size = a.size
    first = a[np.minimum(pos + 1, size - 1)].astype(np.int64)
    length = np.where(first < 0x80, first, 0)
    _long_lengths(a, first, length, pos)
    serial = pos + np.where(first < 0x80, 2, first - 0x7E)  # 0x81 -> 3 ... 0x84 -> 6
    nxt = serial + length
    ok = (first != 0x80) & (first <= 0x84) & (nxt <= end)
    serial = np.minimum(serial, size - 2)
    ok &= a[serial] == 0x02
    second = a[serial + 1].astype(np.int64)
    serial_length = np.where(second < 0x80, second, 0)
    _long_lengths(a, second, serial_length, serial)
    content = serial + np.where(second < 0x80, 2, second - 0x7E)
    time_at = content + serial_length
    ok &= (second != 0x80) & (second <= 0x84) & (serial_length >= 1) & (time_at + 2 <= nxt)
    time_tag = a[np.minimum(time_at, size - 1)]
    ok &= (time_tag == 0x17) | (time_tag == 0x18)
    return pos[ok], nxt[ok], content[ok], serial_length[ok]


def _candidates(a: np.ndarray, lo: int, hi: int, end: int) -> tuple[np.ndarray, ...]:
    """Positions in [lo, hi) where an entry may start, with (its end, its serial's content start and length).

    A candidate is a SEQUENCE tag followed by an INTEGER tag where a short-form length, or a long-form one of
    one to three bytes, puts it (an entry of 16 MB or more is read
    by ``crl_der.entry_word``); then the INTEGER's length must leave room for a UTCTime or GeneralizedTime tag
    next, inside the SEQUENCE, and the SEQUENCE must end within the list. Entries whose two lengths are short (all
    but those over 127 bytes) are read in one pass; the others go through :func:`_general`."""
    window = a[lo:hi + 5]
    n = hi - lo
    maybe = window[:n] == 0x30
    maybe &= (window[2:n + 2] == 0x02) | (window[1:n + 1] - np.uint8(0x81) < 3)  # short, or 0x81-0x83
    pos = np.flatnonzero(maybe)
    pos += lo
    first = a[pos + 1]
    second = a[pos + 3]
    short = (first < 0x80) & (second < 0x80) & (second > 0)
    nxt = pos + 2 + first
    time_at = pos + 4 + second
    time_tag = a[np.minimum(time_at, a.size - 1)]
    short &= ((time_tag == 0x17) | (time_tag == 0x18)) & (time_at + 2 <= nxt) & (nxt <= end)
    quick = (pos[short], nxt[short], pos[short] + 4, second[short].astype(np.int64))
    others = pos[first > 0x80]  # long-form entry lengths (a short entry cannot hold a long serial) ...
    if others.size:  # ... with an INTEGER tag after them
        others = others[a[np.minimum(others + a[others + 1].astype(np.int64) - 0x7E, a.size - 1)] == 0x02]
    if not others.size:
        return quick
    slow = _general(a, others, end)
    if not slow[0].size:
        return quick
    merged = [np.concatenate((q, s)) for q, s in zip(quick, slow)]
    order = np.argsort(merged[0], kind="stable")
    return tuple(m[order] for m in merged)


def _chain(pos: np.ndarray, nxt: np.ndarray) -> np.ndarray:
    """Indices of the candidates on the chain from ``pos[0]``: each the one where the previous ends."""
    count = pos.size
    if np.array_equal(nxt[:-1], pos[1:]):
        return np.arange(count)
    found = np.searchsorted(pos, nxt)
    hit = pos[np.minimum(found, count - 1)] == nxt
    jump = np.append(np.where(hit, found, count), count)  # ``count`` stands for "no candidate there"
    path = np.zeros(1, dtype=np.int64)
    while path[-1] != count:  # after k rounds: the first 2**k steps of the chain
        path = np.concatenate((path, jump[path]))
        jump = jump[jump]
    return path[path < count]


def _keys(a: np.ndarray, content: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The 32-bit keys (as uint64) of serials whose content starts at ``content``, ``length`` bytes long."""
    # every 8 bytes of the DER as one big-endian int64 (a view with a stride of one byte: nothing is copied)
    words = np.ndarray(shape=(a.size - 7,), dtype=">i8", buffer=a, strides=(1,))
    low = words[content + length - 8].astype(np.int64)  # the serial's last 8 bytes
    shift = (8 - np.minimum(length, 8)) * 8  # a serial shorter than 8 bytes: sign-extend its own bytes
    low = (low << shift) >> shift
    return (low.view(np.uint64) * np.uint64(MIX)) >> np.uint64(32)


def table(der: bytes, bounds: tuple[int, int] | None, count: int) -> np.ndarray:
    """The sorted table (key << 32 | offset) of the ``count`` entries of the list within ``bounds``."""
    table = np.empty(count, dtype=np.uint64)
    start, end = bounds if bounds is not None else (0, 0)
    if count == 0:
        if start != end:
            raise CrlError("CRL_MALFORMED", "the revoked list holds bytes but no entry")
        return table
    if end >= 1 << 32:
        raise CrlError("CRL_MALFORMED", "CRL too large to index")
    a = np.frombuffer(der, dtype=np.uint8)
    written, expect = 0, start
    while expect < end:
        hi = min(expect + _CHUNK, end - _SMALLEST_ENTRY + 1)
        pos, nxt, content, length = _candidates(a, expect, hi, end) if hi > expect else ((), (), (), ())
        if not len(pos) or pos[0] != expect:
            word, expect = entry_word(der, expect, end)
            if written >= count:
                raise CrlError("CRL_MALFORMED", "the revoked list holds more entries than the CRL")
            table[written] = word
            written += 1
            continue
        path = _chain(pos, nxt)
        if written + path.size > count:
            raise CrlError("CRL_MALFORMED", "the revoked list holds more entries than the CRL")
        table[written:written + path.size] = (_keys(a, content[path], length[path]) << np.uint64(32)) | \
            pos[path].astype(np.uint64)
        written += path.size
        expect = int(nxt[path[-1]])
    if written != count or expect != end:
        raise CrlError("CRL_MALFORMED", "the revoked list does not match the CRL's entries")
    table.sort()
    return table
