"""IIN and BIN: the 12-digit identity numbers of Kazakh individuals and legal entities.

Format and checksum are separate checks (NCA_PROFILE.md §3): the NCA test certificates carry numbers
such as ``123456789011`` that are well-formed but fail the checksum, so test trust profiles switch the
checksum off while production keeps it on.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass

from eds.errors import CodedError

_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


class IdentityError(CodedError, ValueError):
    """An IIN/BIN that cannot be accepted; ``code`` is a stable machine-readable reason."""


class Kind(enum.Enum):
    IIN = "IIN"
    BIN = "BIN"


class Sex(enum.Enum):
    MALE = "male"
    FEMALE = "female"


class EntityType(enum.Enum):
    RESIDENT_LEGAL_ENTITY = "resident legal entity"
    NON_RESIDENT_LEGAL_ENTITY = "non-resident legal entity"
    INDIVIDUAL_ENTREPRENEUR_JOINT = "individual entrepreneur (joint venture)"
    UNKNOWN = "unknown"


_ENTITY_TYPES = {
    "4": EntityType.RESIDENT_LEGAL_ENTITY,
    "5": EntityType.NON_RESIDENT_LEGAL_ENTITY,
    "6": EntityType.INDIVIDUAL_ENTREPRENEUR_JOINT,
}


def check_digit(first11: str) -> int | None:
    """The 12th digit for the first eleven, or None when no valid check digit exists."""
    digits = [int(c) for c in first11]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS_1)) % 11
    if total == 10:
        total = sum(d * w for d, w in zip(digits, _WEIGHTS_2)) % 11
        if total == 10:
            return None
    return total


def _check_format(value: object, kind: Kind) -> str:
    if not isinstance(value, str):
        raise IdentityError("IDENTITY_MALFORMED", f"{kind.value} must be a string of 12 digits")
    text = value.strip()
    if len(text) != 12:
        raise IdentityError(
            "IDENTITY_MALFORMED", f"{kind.value} must have 12 digits, got {len(text)} characters"
        )
    if not (text.isascii() and text.isdigit()):
        raise IdentityError("IDENTITY_MALFORMED", f"{kind.value} must contain digits only")
    return text


def _check_checksum(text: str, kind: Kind) -> None:
    if check_digit(text[:11]) != int(text[11]):
        raise IdentityError(
            "IDENTITY_CHECKSUM", f"{kind.value} {text} has a wrong check digit (12th digit)"
        )


@dataclass(frozen=True)
class Iin:
    """An individual identification number; the first six digits are the birth date."""

    value: str

    @property
    def birth_date(self) -> _dt.date | None:
        century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}.get(self.value[6])
        if century is None:
            return None
        try:
            return _dt.date(century + int(self.value[0:2]), int(self.value[2:4]), int(self.value[4:6]))
        except ValueError:
            return None

    @property
    def sex(self) -> Sex | None:
        digit = self.value[6]
        if digit in "135":
            return Sex.MALE
        if digit in "246":
            return Sex.FEMALE
        return None

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Bin:
    """A business identification number; digits 1-4 are the registration year and month."""

    value: str

    @property
    def registered(self) -> tuple[int, int] | None:
        """(year, month) of registration, assuming the 2000s for the two-digit year."""
        month = int(self.value[2:4])
        if not 1 <= month <= 12:
            return None
        return 2000 + int(self.value[0:2]), month

    @property
    def entity_type(self) -> EntityType:
        return _ENTITY_TYPES.get(self.value[4], EntityType.UNKNOWN)

    def __str__(self) -> str:
        return self.value


def parse_iin(value: object, *, verify_checksum: bool = True) -> Iin:
    """Parse an IIN, raising IdentityError with code IDENTITY_MALFORMED or IDENTITY_CHECKSUM."""
    text = _check_format(value, Kind.IIN)
    if verify_checksum:
        _check_checksum(text, Kind.IIN)
    return Iin(text)


def parse_bin(value: object, *, verify_checksum: bool = True) -> Bin:
    """Parse a BIN, raising IdentityError with code IDENTITY_MALFORMED or IDENTITY_CHECKSUM."""
    text = _check_format(value, Kind.BIN)
    if verify_checksum:
        _check_checksum(text, Kind.BIN)
    return Bin(text)


def complete(first11: str) -> str:
    """Append the check digit to eleven digits; used to make checksum-valid test numbers."""
    digit = check_digit(first11)
    if digit is None:
        raise IdentityError("IDENTITY_CHECKSUM", f"no valid check digit exists for {first11}")
    return first11 + str(digit)
