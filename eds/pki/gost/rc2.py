"""RC2-CBC (RFC 2268), only because NCA PKCS#12 files encrypt their certificate bags with RC2-40.

``cryptography`` 50 still has RC2 among its decrepit ciphers, but only with 128-bit keys and no effective
key length, so ``pbeWithSHAAnd40BitRC2-CBC`` cannot go through it. This is the cipher as RFC 2268 defines
it (key expansion with an effective key length, MIX/MASH rounds) plus CBC with PKCS#7 padding; it serves the
legacy PKCS#12 reader and the writer of the test PKI's files in the same format, nothing else.
"""

from __future__ import annotations

_PITABLE = bytes.fromhex(
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2"
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82"
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626"
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7"
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec"
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731"
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9"
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad"
)
_MASK = 0xFFFF
BLOCK_SIZE = 8


def _expand_key(key: bytes, effective_bits: int) -> list[int]:
    """The 64 16-bit round keys K[0..63] (RFC 2268 §2)."""
    if not 1 <= len(key) <= 128 or not 1 <= effective_bits <= 1024:
        raise ValueError("RC2 keys are 1..128 bytes with an effective length of 1..1024 bits")
    buffer = bytearray(128)
    buffer[:len(key)] = key
    for i in range(len(key), 128):
        buffer[i] = _PITABLE[(buffer[i - 1] + buffer[i - len(key)]) & 0xFF]
    length = (effective_bits + 7) // 8
    start = 128 - length
    buffer[start] = _PITABLE[buffer[start] & (0xFF >> (8 * length - effective_bits))]
    for i in range(start - 1, -1, -1):
        buffer[i] = _PITABLE[buffer[i + 1] ^ buffer[i + length]]
    return [buffer[2 * i] | buffer[2 * i + 1] << 8 for i in range(64)]


def _rotate_left(value: int, shift: int) -> int:
    return (value << shift | value >> (16 - shift)) & _MASK


def _rotate_right(value: int, shift: int) -> int:
    return (value >> shift | value << (16 - shift)) & _MASK


_SHIFTS = (1, 2, 3, 5)


def _encrypt_block(keys: list[int], block: bytes) -> bytes:
    r = [block[0] | block[1] << 8, block[2] | block[3] << 8, block[4] | block[5] << 8, block[6] | block[7] << 8]
    j = 0
    for round_number in range(16):
        for i in range(4):
            r[i] = _rotate_left((r[i] + keys[j] + (r[i - 1] & r[i - 2]) + (~r[i - 1] & r[i - 3])) & _MASK,
                                _SHIFTS[i])
            j += 1
        if round_number in (4, 10):  # MASH after the 5th and the 11th MIXING round
            for i in range(4):
                r[i] = (r[i] + keys[r[i - 1] & 63]) & _MASK
    return b"".join(word.to_bytes(2, "little") for word in r)


def _decrypt_block(keys: list[int], block: bytes) -> bytes:
    r = [block[0] | block[1] << 8, block[2] | block[3] << 8, block[4] | block[5] << 8, block[6] | block[7] << 8]
    j = 63
    for round_number in range(15, -1, -1):
        for i in range(3, -1, -1):
            r[i] = (_rotate_right(r[i], _SHIFTS[i]) - keys[j] - (r[i - 1] & r[i - 2])
                    - (~r[i - 1] & r[i - 3])) & _MASK
            j -= 1
        if round_number in (5, 11):  # R-MASH before the 11th and the 5th R-MIXING round, counting backwards
            for i in range(3, -1, -1):
                r[i] = (r[i] - keys[r[i - 1] & 63]) & _MASK
    return b"".join(word.to_bytes(2, "little") for word in r)


def encrypt_block(key: bytes, block: bytes, effective_bits: int) -> bytes:
    """One 8-byte block in ECB (the known-answer tests of RFC 2268 are given so)."""
    return _encrypt_block(_expand_key(key, effective_bits), block)


def encrypt_cbc(key: bytes, iv: bytes, plaintext: bytes, effective_bits: int) -> bytes:
    """RC2-CBC with PKCS#7 padding."""
    keys = _expand_key(key, effective_bits)
    pad = BLOCK_SIZE - len(plaintext) % BLOCK_SIZE
    data = plaintext + bytes([pad]) * pad
    previous, out = iv, bytearray()
    for offset in range(0, len(data), BLOCK_SIZE):
        block = bytes(a ^ b for a, b in zip(data[offset:offset + BLOCK_SIZE], previous, strict=True))
        previous = _encrypt_block(keys, block)
        out += previous
    return bytes(out)


def decrypt_cbc(key: bytes, iv: bytes, ciphertext: bytes, effective_bits: int) -> bytes:
    """Inverse of :func:`encrypt_cbc`; ValueError on a bad length or bad padding (a wrong key, usually)."""
    if not ciphertext or len(ciphertext) % BLOCK_SIZE:
        raise ValueError("RC2-CBC ciphertext is not a whole number of blocks")
    keys = _expand_key(key, effective_bits)
    previous, out = iv, bytearray()
    for offset in range(0, len(ciphertext), BLOCK_SIZE):
        block = ciphertext[offset:offset + BLOCK_SIZE]
        out += bytes(a ^ b for a, b in zip(_decrypt_block(keys, block), previous, strict=True))
        previous = block
    pad = out[-1]
    if not 1 <= pad <= BLOCK_SIZE or out[-pad:] != bytes([pad]) * pad:
        raise ValueError("bad RC2-CBC padding")
    return bytes(out[:-pad])
