import datetime as dt

import pytest

from eds.pki.identity import EntityType, IdentityError, Sex, check_digit, complete, parse_bin, parse_iin


def test_check_digit_first_pass():
    # weights 1..11 over 85041230017 -> 5
    assert check_digit("85041230017") == 5
    assert parse_iin("850412300175").value == "850412300175"


def test_check_digit_second_pass_used_when_first_gives_ten():
    digits = next(f"{n:011d}" for n in range(10**10, 10**10 + 5000)
                  if sum(int(c) * w for c, w in zip(f"{n:011d}", range(1, 12))) % 11 == 10
                  and check_digit(f"{n:011d}") is not None)
    second = sum(int(c) * w for c, w in zip(digits, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))) % 11
    assert check_digit(digits) == second


def test_no_valid_check_digit():
    found = [f"{n:011d}" for n in range(10**10, 10**10 + 20000) if check_digit(f"{n:011d}") is None]
    assert found
    with pytest.raises(IdentityError) as exc:
        complete(found[0])
    assert exc.value.code == "IDENTITY_CHECKSUM"


@pytest.mark.parametrize("value", ["", "12345", "1234567890123", "85041230017X", " 8504123001 ", None, 850412300175,
                                   "８５０４１２３００１７５"])
def test_malformed(value):
    with pytest.raises(IdentityError) as exc:
        parse_iin(value)
    assert exc.value.code == "IDENTITY_MALFORMED"


def test_checksum_switch_for_test_numbers():
    with pytest.raises(IdentityError) as exc:
        parse_iin("123456789011")
    assert exc.value.code == "IDENTITY_CHECKSUM"
    assert parse_iin("123456789011", verify_checksum=False).value == "123456789011"


def test_birth_date_and_sex():
    iin = parse_iin(complete("85041230017"))
    assert iin.birth_date == dt.date(1985, 4, 12)
    assert iin.sex is Sex.MALE
    woman = parse_iin(complete("05030160012"))
    assert woman.birth_date == dt.date(2005, 3, 1) and woman.sex is Sex.FEMALE
    assert parse_iin(complete("85131230017"), verify_checksum=False).birth_date is None


def test_bin_entity_type_and_registration():
    bin_ = parse_bin(complete("15034000111"))
    assert bin_.entity_type is EntityType.RESIDENT_LEGAL_ENTITY
    assert bin_.registered == (2015, 3)
    assert parse_bin(complete("15035000111")).entity_type is EntityType.NON_RESIDENT_LEGAL_ENTITY
