"""pyHanko's PDF reading, the same objects made faster where its tokenizer spends a signature's time.

pyHanko reads strings one character at a time. A PAdES signature's /Contents is a hexadecimal string
(``<...>``) of 20,000-50,000 digits (the CMS and the zero padding of the reserved room): reading one
signature dictionary took some 15 ms, half of a licence's verification, and as much again wherever a signed
PDF is read back while issuing. The document information reportlab writes (title and author in UTF-16,
every byte an octal escape, some 3 KB) is a literal string (``(...)``) read at every revision and at every
signing, a character and a ``BytesIO.write`` at a time: a tenth of a verification.

The readers below give the same object for the same bytes and leave the stream at the same place:

* hex: find the closing ``>``; when everything before it is hex digits and PDF whitespace, decode them at
  once (an odd count gets a trailing 0, as pyHanko's does);
* literal: find the ``)`` that closes the string (escaped bytes aside, nested parentheses counted) with one
  regular expression, then decode its escapes with ``codecs.escape_decode`` when each of them means there
  what it means to pyHanko (octal up to 377, \\n \\r \\t \\b \\f, the backslash), else from a table of
  pyHanko's escapes;
* name (every dictionary key): read to the next delimiter at once; printable ASCII without a ``#`` escape is
  the name itself;
* array of plain numbers only (a font's /Widths: hundreds of numbers, each read through a 20-byte peek for a
  reference and a regular expression): matched at once, each element made as pyHanko makes it.

Anything else (a comment in a hex string, a character that is no hex digit, an escape pyHanko refuses or an
octal escape it fails on, a name with an escape or a byte pyHanko refuses, an array holding anything but
numbers, the end of the data before a string's end, a stream that is no ``BytesIO``) is handed back to
pyHanko's own reader from the start, so errors are exactly pyHanko's. ``install()`` puts them in pyHanko's
module (the PDF modules of ``eds`` call it when they are imported); nothing else of pyHanko changes.
tests/test_pdf_reading.py compares them with pyHanko's readers on random and edge-case input and on whole
PDFs.
"""

from __future__ import annotations

import binascii
import codecs
import io
import os
import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_DELIMITERS, PDF_WHITESPACE

__all__ = ["install", "read_hex_string_from_stream", "read_string_literal_bytes", "read_name", "read_array",
           "pyhanko_read_hex_string", "pyhanko_read_string_literal", "pyhanko_read_name", "pyhanko_read_array"]

# pyHanko's own, for what these hand back
pyhanko_read_hex_string = generic.read_hex_string_from_stream
pyhanko_read_string_literal = generic._read_string_literal_bytes
pyhanko_read_name = generic.NameObject.read_from_stream
pyhanko_read_array = generic.ArrayObject.read_from_stream
_HEX_DIGITS = generic.HEX_DIGITS
_FIRST_CHUNK = 128
_FIRST_NAME_CHUNK = 32
_MAX_CHUNK = 1 << 16


def read_hex_string_from_stream(stream):
    """The hex string at the stream's position (its ``<``), as pyHanko reads it; the stream is left after ``>``."""
    start = stream.tell()
    stream.read(1)  # the "<", as pyHanko skips it
    parts: list[bytes] = []
    size = _FIRST_CHUNK
    while True:
        chunk = stream.read(size)
        if not chunk:  # no ">" before the end: pyHanko's reader says how it fails
            return _pyhanko(stream, start)
        end = chunk.find(b">")
        if end >= 0:
            parts.append(chunk[:end])
            break
        parts.append(chunk)
        size = min(size * 2, _MAX_CHUNK)
    body = b"".join(parts)
    digits = body.translate(None, PDF_WHITESPACE)
    if digits.translate(None, _HEX_DIGITS):  # a comment, or a character that is no hex digit
        return _pyhanko(stream, start)
    stream.seek(start + 1 + len(body) + 1, os.SEEK_SET)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def _pyhanko(stream, start: int):
    stream.seek(start, os.SEEK_SET)
    return pyhanko_read_hex_string(stream)


# A literal string, ``(...)``: its end is the ")" that closes it, escaped characters aside; an escape is
# what pyHanko reads after a backslash (up to three digits, a line break with the CR or LF that goes with it,
# or any other byte).
_RUN = re.compile(rb"[^()\\]*(?:\\.[^()\\]*)*", re.S)
_ESCAPE = re.compile(rb"\\(?:[0-9]{1,3}|[\r\n][\r\n]?|.)", re.S)
# A body whose every escape ``codecs.escape_decode`` reads as pyHanko does: octal of up to three digits (three
# when the next byte is a digit, as pyHanko reads on to a third digit; at most 377), \n \r \t \b \f and
# the backslash.
_AS_PYTHON_READS = re.compile(
    rb"[^\\]*(?:\\(?:[0-3][0-7][0-7]|[0-7][0-7](?![0-9])|[0-7](?![0-9])|[nrtbf\\])[^\\]*)*", re.S)


def _escapes() -> dict[bytes, bytes]:
    """What each escape pyHanko accepts reads as. An escape missing here is pyHanko's to refuse (an unknown
    one) or to fail on (digits 8 or 9, or octal over 377: ``int(..., 8)``, ``bytes((n,))`` raise)."""
    found = {b"\\" + bytes((c,)): bytes((c,)) for c in b"() /%<>[]#_&$\\"}
    named = {b"\\n": b"\n", b"\\r": b"\r", b"\\t": b"\t", b"\\b": b"\b", b"\\f": b"\f"}
    found.update(named)
    for first in b"\r\n":
        found[b"\\" + bytes((first,))] = b""
        for second in b"\r\n":
            found[b"\\" + bytes((first, second))] = b""
    octal = {}
    for width in (1, 2, 3):
        for value in range(min(8 ** width, 256)):
            octal[b"\\" + format(value, "o").zfill(width).encode()] = bytes((value,))
    found.update(octal)
    return found


_ESCAPES = _escapes()


def read_string_literal_bytes(stream) -> bytes:
    """The bytes of the literal string at the stream's position (its ``(``), as pyHanko reads them; the stream
    is left after the closing ``)``. Only over a ``BytesIO`` (pyHanko's reader reads from one), where a short
    read is the end of the data."""
    if not isinstance(stream, io.BytesIO):
        return pyhanko_read_string_literal(stream)
    start = stream.tell()
    stream.read(1)  # the "(", as pyHanko skips it
    data = b""
    size = _FIRST_CHUNK
    depth, position = 1, 0  # how deep in parentheses at ``position``, where the scan goes on
    while True:
        chunk = stream.read(size)
        data += chunk
        depth, position = _literal_scan(data, depth, position)
        if depth == 0:
            break
        if len(chunk) < size:  # the data ends first: pyHanko's reader says how it fails
            return _pyhanko_literal(stream, start)
        size = min(size * 4, _MAX_CHUNK)
    end = position - 1  # the closing ")"
    body = data[:end]
    if b"\\" in body:
        if _AS_PYTHON_READS.fullmatch(body):
            body = codecs.escape_decode(body)[0]
        elif all(e in _ESCAPES for e in set(_ESCAPE.findall(body))):
            body = _ESCAPE.sub(lambda found: _ESCAPES[found.group()], body)
        else:
            return _pyhanko_literal(stream, start)
    stream.seek(start + 1 + end + 1, os.SEEK_SET)
    return body


def _literal_scan(data: bytes, depth: int, position: int) -> tuple[int, int]:
    """The scan of a string's bytes (``data``, from after its "(") on from ``position`` at ``depth``: (0, just
    after the ")" that closes it), or where the data ended first (a backslash at its very end is read again
    with more data)."""
    size = len(data)
    while True:
        position = _RUN.match(data, position).end()
        if position >= size or data[position] == 0x5C:  # the end, or a backslash the data ends after
            return depth, position
        depth += 1 if data[position] == 0x28 else -1  # "(" or ")"
        position += 1
        if depth == 0:
            return depth, position


def _pyhanko_literal(stream, start: int) -> bytes:
    stream.seek(start, os.SEEK_SET)
    return pyhanko_read_string_literal(stream)


# A name, ``/Name``: its bytes run to the next PDF delimiter or whitespace. A name of printable ASCII with no
# "#" escape is itself; anything else pyHanko decodes (and refuses) as it does.
_NAME_END = re.compile(b"[" + re.escape(PDF_WHITESPACE + PDF_DELIMITERS) + b"]")
_PLAIN_NAME = re.compile(rb"[!-~]*")  # printable ASCII; delimiters never reach here, "#" is checked apart


def read_name(stream):
    """The name at the stream's position (its ``/``), as pyHanko's ``NameObject.read_from_stream`` reads it;
    the stream is left at the delimiter after it (or at the end). Only over a ``BytesIO``."""
    if not isinstance(stream, io.BytesIO):
        return pyhanko_read_name(stream)
    start = stream.tell()
    if stream.read(1) != b"/":
        return _pyhanko_name(stream, start)
    parts: list[bytes] = []
    size = _FIRST_NAME_CHUNK
    while True:
        chunk = stream.read(size)
        found = _NAME_END.search(chunk)
        if found is not None:
            parts.append(chunk[:found.start()])
            break
        parts.append(chunk)
        if len(chunk) < size:  # the end of the data ends the name
            break
        size = min(size * 4, _MAX_CHUNK)
    name = b"".join(parts)
    if b"#" in name or _PLAIN_NAME.fullmatch(name) is None:
        return _pyhanko_name(stream, start)
    stream.seek(start + 1 + len(name), os.SEEK_SET)
    return generic.NameObject("/" + name.decode("ascii"))


def _pyhanko_name(stream, start: int):
    stream.seek(start, os.SEEK_SET)
    return pyhanko_read_name(stream)


# An array of plain numbers only (a font's /Widths, a /MediaBox, a /Rect): each a run that pyHanko reads as one
# number token, separated by PDF whitespace or ended by the "]".
_SPACE = b"[ \\t\\r\\n\\f\\x00]"
_NUMBER_ARRAY = re.compile(rb"\[" + _SPACE + rb"*(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:" + _SPACE
                           + rb"+|(?=\])))*\]")
_ARRAY_CHUNK = 4096


def read_array(stream, container_ref, in_content_stream=generic.ContentOpReading.NO):
    """The array at the stream's position (its ``[``), as pyHanko's ``ArrayObject.read_from_stream`` reads it:
    at once when it holds plain numbers only (within the first 4 KB), else by pyHanko."""
    if not isinstance(stream, io.BytesIO):
        return pyhanko_read_array(stream, container_ref, in_content_stream=in_content_stream)
    start = stream.tell()
    chunk = stream.read(_ARRAY_CHUNK)
    found = _NUMBER_ARRAY.match(chunk)
    if found is None:
        stream.seek(start, os.SEEK_SET)
        return pyhanko_read_array(stream, container_ref, in_content_stream=in_content_stream)
    array = generic.ArrayObject()
    for token in found.group()[1:-1].replace(b"\x00", b" ").split():
        number = generic.FloatObject(token.decode("ascii")) if b"." in token else \
            generic.NumberObject(token.decode("ascii"))
        number.container_ref = container_ref  # as pyHanko's read_object sets it on each element
        array.append(number)
    stream.seek(start + found.end(), os.SEEK_SET)
    return array


def install() -> None:
    """Make pyHanko's object reader use these readers (idempotent)."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    generic._read_string_literal_bytes = read_string_literal_bytes
    generic.NameObject.read_from_stream = staticmethod(read_name)
    generic.ArrayObject.read_from_stream = staticmethod(read_array)
