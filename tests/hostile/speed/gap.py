"""The unsigned gap of a PDF signature (its ``/Contents``) rewritten, the signed bytes left as they are.

The ByteRange leaves out the ``<...>`` of the signature's ``/Contents``: whatever an attacker writes there is
not signed, and it is read by :mod:`eds.signatures.pdf_reading`'s fast readers (hex and literal strings) where
pyHanko's own read one character at a time. Each variant keeps the gap's length, so pyHanko's coverage test
(gap length = 2 x the bytes read + 2) is the only thing that tells a changed gap, and the readers decide what the
CMS is. ``VARIANTS`` maps a name to ``(signed PDF -> forged PDF)``; ``SAME_CMS`` names those whose gap still
reads as the very same CMS bytes (a different spelling of the same string).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CONTENTS = re.compile(rb"/Contents\s*<([0-9A-Fa-f]+)>")


def gaps(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each signature's hex ``<...>`` in the file, the brackets included, from its ByteRange."""
    found = []
    for match in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data):
        _, length1, start2, _ = (int(v) for v in match.groups())
        found.append((length1, start2))
    return sorted(set(found))


def _hex_of(data: bytes, index: int) -> tuple[int, int, bytes]:
    start, end = gaps(data)[index]
    gap = data[start:end]
    assert gap[:1] == b"<" and gap[-1:] == b">", gap[:10]
    return start, end, gap[1:-1]


def _rewrite(data: bytes, index: int, make: Callable[[bytes], bytes]) -> bytes:
    start, end, digits = _hex_of(data, index)
    new = make(digits)
    assert len(new) == end - start, (len(new), end - start)
    return data[:start] + new + data[end:]


def _der_length(digits: bytes) -> int:
    """Hex digits of the CMS itself (its DER length), the rest being the zero padding of the reserved room."""
    raw = bytes.fromhex(digits.decode())
    if raw[1] & 0x80:
        count = raw[1] & 0x7F
        return 2 * (2 + count + int.from_bytes(raw[2:2 + count], "big"))
    return 2 * (2 + raw[1])


def upper(d: bytes) -> bytes:
    return b"<" + d.upper() + b">"


def lower(d: bytes) -> bytes:
    return b"<" + d.lower() + b">"


def odd_digits_and_one_space(d: bytes) -> bytes:
    """One padding zero fewer and a space: pyHanko adds a 0 to an odd count, so the bytes read are the same."""
    assert d.endswith(b"0")
    return b"< " + d[:-1] + b">"


def odd_digits_and_a_nul(d: bytes) -> bytes:
    return b"<" + d[:-1] + b"\x00>"


def whitespace_of_every_kind(d: bytes) -> bytes:
    """Six padding zeros become one of each PDF whitespace byte: the gap is then six longer than it reads."""
    n = _der_length(d)
    return b"<" + d[:n] + b" \n\r\t\f\x00" + d[n + 6:] + b">"


def two_padding_zeros_as_spaces(d: bytes) -> bytes:
    return b"<" + d[:-2] + b"  >"


def comment_in_the_padding(d: bytes) -> bytes:
    n = _der_length(d)
    comment = b"%forged > here\n"
    return b"<" + d[:n] + comment + d[n + len(comment):] + b">"


def comment_hiding_a_closing_bracket(d: bytes) -> bytes:
    """A comment with a ">" in it, odd-length so the count works out: pyHanko skips comments inside hex strings."""
    n = _der_length(d)
    comment = b"%>\n"
    return b"<" + d[:n] + comment + d[n + len(comment):] + b">"


def closed_early(d: bytes) -> bytes:
    """A ">" right after the CMS: the padding after it is no longer in the string."""
    n = _der_length(d)
    return b"<" + d[:n] + b">" + b"0" * (len(d) - n - 1) + b">"


def closed_early_then_a_number(d: bytes) -> bytes:
    n = _der_length(d)
    rest = len(d) - n - 1
    return b"<" + d[:n] + b">" + b" " * (rest - 1) + b"0" + b">"


def not_a_hex_digit(d: bytes) -> bytes:
    return b"<" + d[:-1] + b"g>"


def vertical_tab(d: bytes) -> bytes:
    return b"<" + d[:-1] + b"\x0b>"


def cms_changed_in_the_padding(d: bytes) -> bytes:
    """Bytes after the CMS's DER: the same signature to a DER reader, other /Contents bytes."""
    n = _der_length(d)
    return b"<" + d[:n] + b"DEADBEEF" + d[n + 8:] + b">"


def cms_bit_flipped(d: bytes) -> bytes:
    """One bit of the signature value (near the CMS's end) flipped."""
    n = _der_length(d)
    i = n - 10
    flipped = b"%X" % (int(d[i:i + 1], 16) ^ 1)
    return b"<" + d[:i] + flipped + d[i + 1:] + b">"


def _literal(raw: bytes, size: int) -> bytes:
    """``raw`` as a literal string of exactly ``size`` characters (brackets included): every byte as itself but
    the brackets and the backslash (escaped), padded with escaped line breaks (which read as nothing)."""
    parts = []
    for byte in raw:
        parts.append(b"\\" + bytes((byte,)) if byte in b"()\\" else bytes((byte,)))
    body = b"".join(parts)
    room = size - 2 - len(body)
    assert room >= 0, (size, len(body))
    pad = b"\\\r\n" if room % 2 else b""
    room -= len(pad)
    pad += b"\\\n" * (room // 2)
    return b"(" + body + pad + b")"


def literal_string(d: bytes) -> bytes:
    """The same bytes as a literal string, ``(...)``, of the gap's length: pyHanko reads /Contents either way."""
    return _literal(bytes.fromhex(d.decode()), len(d) + 2)


def literal_string_other_bytes(d: bytes) -> bytes:
    """A literal string of the gap's length holding the CMS and other padding."""
    raw = bytes.fromhex(d.decode())
    n = _der_length(d) // 2
    return _literal(raw[:n] + b"\x01" + raw[n + 1:], len(d) + 2)


VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    f.__name__: f for f in (upper, lower, odd_digits_and_one_space, odd_digits_and_a_nul, whitespace_of_every_kind,
                            two_padding_zeros_as_spaces, comment_in_the_padding, comment_hiding_a_closing_bracket,
                            closed_early, closed_early_then_a_number, not_a_hex_digit, vertical_tab,
                            cms_changed_in_the_padding, cms_bit_flipped, literal_string, literal_string_other_bytes)}
SAME_CMS = {"upper", "lower", "odd_digits_and_one_space", "odd_digits_and_a_nul", "literal_string"}


def forge(data: bytes, name: str, index: int = 0) -> bytes:
    """``data`` with the gap of its ``index``-th signature (in file order) rewritten by the variant ``name``."""
    return _rewrite(data, index, VARIANTS[name])
