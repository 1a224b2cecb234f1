"""pyHanko's own PDF readers put back for a while, to see whether a verdict depends on which readers read.

:mod:`eds.signatures.pdf_reading` replaces four of pyHanko's readers (hex and literal strings, names, arrays of
numbers) when a PDF module of ``eds`` is imported. ``pyhanko_readers()`` puts pyHanko's back and, on leaving,
``pdf_reading.install()`` again; ``chunk_edges()`` gives the lengths at which the fast readers read another
chunk, where an escape or a bracket split between two reads would show.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from pyhanko.pdf_utils import generic

from eds.signatures import pdf_reading


@contextlib.contextmanager
def pyhanko_readers() -> Iterator[None]:
    generic.read_hex_string_from_stream = pdf_reading.pyhanko_read_hex_string
    generic._read_string_literal_bytes = pdf_reading.pyhanko_read_string_literal
    generic.NameObject.read_from_stream = staticmethod(pdf_reading.pyhanko_read_name)
    generic.ArrayObject.read_from_stream = staticmethod(pdf_reading.pyhanko_read_array)
    try:
        yield
    finally:
        pdf_reading.install()


def chunk_edges(first: int, factor: int, limit: int, total: int) -> list[int]:
    """Where the chunks of a reader that reads ``first`` bytes, then ``factor`` times more up to ``limit``, end."""
    edges, position, size = [], 0, first
    while position < total:
        position += size
        edges.append(position)
        size = min(size * factor, limit)
    return edges
