"""What the public page may show of a record to someone who has only its number.

Numbers are sequential, so anyone can walk them: without the token of the document's QR code the page says
that the document exists and what it is (type, number, provider, issue date, status) and names its holder only
so that the holder can recognise it: the name shortened to initials, the IIN/BIN masked but for its last four
digits. The full record and the signed files need the token.
"""

from __future__ import annotations

import hmac
import re

_WORD = re.compile(r"[^\W_][\w-]*")


def shortened_name(name: str) -> str:
    """Every word as its initial: «ТӨЛЕГЕНОВА Айгүл Серікқызы» -> «Т. А. С.»; quotes and punctuation stay."""
    return _WORD.sub(lambda word: f"{word.group()[0]}.", name)


def masked_identity(identity: str) -> str:
    """An IIN/BIN with all but its last four digits hidden: 910202300853 -> ********0853."""
    return "*" * max(len(identity) - 4, 0) + identity[-4:]


def token_opens(given: str | None, stored: str | None) -> bool:
    """Whether ``given`` is the record's token (compared in constant time); a record without one opens to nobody."""
    return bool(given) and stored is not None and hmac.compare_digest(given.encode(), stored.encode())
