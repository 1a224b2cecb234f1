"""The characters a result document can print: what the embedded fonts cover, declared once.

The PDF embeds DejaVu Sans cut down to these characters (``scripts/subset-fonts`` makes the files from
this declaration), and validation refuses text outside them, so a name never prints as empty boxes. It
covers every Kazakh and Russian letter (Ә Ғ Қ Ң Ө Ұ Ү Һ І), Latin with its diacritics (the Kazakh Latin
alphabet, foreign names), Greek, the combining accents, and the punctuation and signs documents use.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["RANGES", "printable", "unprintable"]

RANGES: tuple[tuple[int, int], ...] = (
    (0x0009, 0x000A),  # tab, newline
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B
    (0x0300, 0x034F),  # combining accents
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x0525),  # Cyrillic and Cyrillic Supplement
    (0x1E00, 0x1EFB),  # Latin Extended Additional
    (0x2010, 0x2027),  # dashes, quotation marks, bullet, ellipsis
    (0x2030, 0x203A),  # per mille, primes, single guillemets
    (0x20A0, 0x20B5),  # currency signs ...
    (0x20B8, 0x20BA),  # ... the tenge ₸ ...
    (0x20BD, 0x20BD),  # ... and the rouble ₽
    (0x2116, 0x2116),  # №
    (0x2122, 0x2122),  # ™
    (0x2212, 0x2212),  # minus
    (0x2264, 0x2265),  # ≤ ≥
)


def _assigned_runs() -> list[tuple[int, int]]:
    """The ranges without the code points Unicode assigns no character (nine in the Greek block): the fonts
    have no glyph for them, and a name holding one would print without it."""
    runs: list[tuple[int, int]] = []
    for low, high in RANGES:
        for point in range(low, high + 1):
            if unicodedata.category(chr(point)) == "Cn":
                continue
            if runs and runs[-1][1] == point - 1:
                runs[-1] = (runs[-1][0], point)
            else:
                runs.append((point, point))
    return runs


_OUTSIDE = re.compile("[^" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _assigned_runs()) + "]")


def printable(character: str) -> bool:
    return _OUTSIDE.match(character) is None


def unprintable(text: str) -> list[str]:
    """The distinct characters of ``text`` the document fonts have no glyph for, in order of appearance."""
    return list(dict.fromkeys(_OUTSIDE.findall(text)))
