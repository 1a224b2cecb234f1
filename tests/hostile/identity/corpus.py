"""Hostile IIN/BIN values and the code each must be refused with (``IDENTITY_MALFORMED`` or ``IDENTITY_CHECKSUM``).

The same values go to ``parse_iin``, ``parse_bin`` and the signer check's ``expect_iin`` / ``expect_bin``: a
claim that is not a well-formed, checksum-valid number must never reach the comparison with the certificate.
``VALID`` are the genuine numbers they are made from (and spellings that normalise to them), which must pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

IIN = "850412300175"  # individual_sign of the test PKI: born 1985-04-12, male
BIN = "150340001117"  # the test company
MALFORMED = "IDENTITY_MALFORMED"
CHECKSUM = "IDENTITY_CHECKSUM"


@dataclass(frozen=True)
class Value:
    name: str
    value: object
    expected: str
    claim: bool = True  # also given to the signer check (which reads None as "no claim" and caches by the claim)


def _wrong_check_digits(number: str) -> list[Value]:
    return [Value(f"wrong_check_digit_{number}_{d}", number[:11] + str(d), CHECKSUM)
            for d in range(10) if str(d) != number[11]]


VALUES: list[Value] = [
    # length
    Value("empty", "", MALFORMED),
    Value("one_digit", "8", MALFORMED),
    Value("eleven_digits", IIN[:11], MALFORMED),
    Value("thirteen_digits", IIN + "5", MALFORMED),
    Value("twenty_four_digits", IIN + IIN, MALFORMED),
    Value("huge_digit_string", "8" * 10_000_000, MALFORMED),
    Value("huge_unicode_string", "٨" * 1_000_000, MALFORMED),
    Value("huge_whitespace", " " * 5_000_000, MALFORMED),
    # checksum
    *_wrong_check_digits(IIN),
    *_wrong_check_digits(BIN),
    Value("no_check_digit_exists_1", "850412000850", CHECKSUM),
    Value("no_check_digit_exists_2", "850412001661", CHECKSUM),
    Value("no_check_digit_exists_3", "850412002479", CHECKSUM),
    Value("digits_swapped", IIN[1] + IIN[0] + IIN[2:], CHECKSUM),
    Value("all_nines", "999999999999", CHECKSUM),
    # letters and signs
    Value("letter_at_end", IIN[:11] + "X", MALFORMED),
    Value("letter_o_for_zero", IIN.replace("0", "O"), MALFORMED),
    Value("prefixed_iin", "IIN" + IIN[:9], MALFORMED),
    Value("prefixed_full", "IIN" + IIN, MALFORMED),
    Value("hex", "0xC5F3A1B2C3", MALFORMED),
    Value("negative", "-" + IIN[:11], MALFORMED),
    Value("plus_sign", "+" + IIN[:11], MALFORMED),
    Value("decimal_point", IIN[:6] + "." + IIN[7:], MALFORMED),
    Value("scientific", "8.50412e+011", MALFORMED),
    Value("sql", "' OR '1'='1", MALFORMED),
    Value("cyrillic_letters", "ЖСН850412300", MALFORMED),
    # Unicode digits: str.isdigit() says yes to all of these
    Value("fullwidth_digits", "".join(chr(0xFF10 + int(c)) for c in IIN), MALFORMED),
    Value("arabic_indic_digits", "".join(chr(0x0660 + int(c)) for c in IIN), MALFORMED),
    Value("devanagari_digits", "".join(chr(0x0966 + int(c)) for c in IIN), MALFORMED),
    Value("mathematical_bold_digits", "".join(chr(0x1D7CE + int(c)) for c in IIN), MALFORMED),
    Value("superscript_digit", IIN[:11] + "\u00b9", MALFORMED),
    Value("one_fullwidth_digit", IIN[:11] + chr(0xFF10 + int(IIN[11])), MALFORMED),
    Value("combining_mark", IIN[:11] + "\u0301" + IIN[11], MALFORMED),
    # whitespace and invisible characters inside the number
    Value("space_inside", IIN[:6] + " " + IIN[6:], MALFORMED),
    Value("spaces_between_groups", f"{IIN[:4]} {IIN[4:8]} {IIN[8:]}", MALFORMED),
    Value("tab_inside", IIN[:6] + "\t" + IIN[7:], MALFORMED),
    Value("newline_inside", IIN[:6] + "\n" + IIN[7:], MALFORMED),
    Value("nul_inside", IIN[:6] + "\x00" + IIN[7:], MALFORMED),
    Value("nul_after", IIN + "\x00", MALFORMED),
    Value("zero_width_space_before", "\u200b" + IIN, MALFORMED),
    Value("zero_width_joiner_inside", IIN[:6] + "\u200d" + IIN[6:], MALFORMED),
    Value("bom_before", "\ufeff" + IIN, MALFORMED),
    Value("rtl_override", "\u202e" + IIN, MALFORMED),
    Value("whitespace_only", " \t\n ", MALFORMED),
    # not a string at all
    Value("none", None, MALFORMED, claim=False),
    Value("integer", int(IIN), MALFORMED),
    Value("integer_of_bin", int(BIN), MALFORMED),
    Value("float", float(IIN), MALFORMED),
    Value("decimal", Decimal(IIN), MALFORMED),
    Value("boolean", True, MALFORMED),
    Value("bytes", IIN.encode(), MALFORMED),
    Value("bytearray", bytearray(IIN.encode()), MALFORMED, claim=False),
    Value("list_of_digits", list(IIN), MALFORMED, claim=False),
    Value("tuple", (IIN,), MALFORMED),
    Value("dict", {"iin": IIN}, MALFORMED, claim=False),
    Value("huge_integer", 10 ** 5000, MALFORMED),
]

# Accepted spellings: surrounding whitespace is trimmed, nothing else is forgiven.
VALID: list[tuple[str, str, str]] = [
    ("iin", IIN, IIN),
    ("iin_with_surrounding_spaces", f"  {IIN}\n", IIN),
    ("iin_with_no_break_spaces", f"\u00a0{IIN}\u00a0", IIN),
    ("bin", BIN, BIN),
]
