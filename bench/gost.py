"""Throughput of eds.pki.gost against gostcrypto on the same inputs: GOST-512 verification and Streebog-512; and a
full request check of a GOST-signed XML over the test PKI (its live OCSP, answered with GOST).

Run as ``.venv/bin/python bench/gost.py``. gostcrypto (``pip install gostcrypto``) is the pure-Python reference;
without it only the eds figures are printed.
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Callable

from eds.pki.gost import (
    OID_KZ_GOST2015_512_SIGNATURE,
    encode_gost_spki,
    generate_private_key,
    public_key,
    sign,
    sign_nca,
    streebog512,
    verify,
    verify_nca,
)
from eds.pki.gost.curves import TC26_512_A
from eds.pki.gost.providers import XML_SIGNATURE_URIS
from eds.pki.keys import SigningKey
from eds.pki.trust import load_profile
from eds.signatures.xmldsig import sign_xml
from eds.validation.request_check import Claims, RequestChecker
from eds.validation.signer_check import SignerChecker
from test_pki import generator, services

try:
    from gostcrypto import gosthash, gostsignature
except ImportError:
    gosthash = gostsignature = None

CURVE = TC26_512_A
SIZE = CURVE.size
DATA = os.urandom(1 << 20)


def rate(function: Callable[[], object], min_seconds: float = 2.0) -> float:
    """Calls per second, repeating until at least ``min_seconds`` have passed."""
    calls = 0
    start = time.perf_counter()
    while True:
        function()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return calls / elapsed


def request_check_seconds() -> tuple[float, float]:
    """Seconds for the first and for a repeated check of a GOST-2015-512 XML request (test PKI, live GOST OCSP)."""
    with services.temporary() as (pki, _server):
        key = SigningKey.from_pkcs12((pki / "users/gost_individual_sign.p12").read_bytes(), generator.PASSWORD)
        document = (f"<request><applicant><iin>{key.certificate.iin}</iin></applicant>"
                    "<service>tv_radio_licence</service></request>").encode()
        signed = sign_xml(document, key.private_key, key.certificate.der,
                          signature_algorithm=XML_SIGNATURE_URIS[key.private_key.algorithm_oid])
        checker = RequestChecker(SignerChecker(load_profile(pki)))
        claims = Claims(iin=key.certificate.iin)
        start = time.perf_counter()
        assert checker.check(signed, claims=claims).passed
        first = time.perf_counter() - start
        repeated = 1 / rate(lambda: checker.check(signed, claims=claims))
    return first, repeated


def main() -> None:
    d = generate_private_key(CURVE)
    point = public_key(d, CURVE)
    digests = [os.urandom(SIZE) for _ in range(16)]
    cases = [(digest, sign(d, digest, CURVE)) for digest in digests]
    CURVE.precompute()  # the one-off generator table (public_key already built it): steady-state figures
    ours = itertools.cycle(cases)

    def eds_verify() -> None:
        digest, (r, s) = next(ours)
        assert verify(point, digest, r, s, CURVE)

    spki = encode_gost_spki(point, CURVE)
    message = os.urandom(1000)
    nca_signature = sign_nca(d, CURVE, message, OID_KZ_GOST2015_512_SIGNATURE)

    def eds_verify_nca() -> None:
        assert verify_nca(spki, message, nca_signature, OID_KZ_GOST2015_512_SIGNATURE)

    eds_verifies = rate(eds_verify)
    print(f"eds        GOST-512 verify             {eds_verifies:8.1f} /s  ({1000 / eds_verifies:.2f} ms each)")
    nca_verifies = rate(eds_verify_nca)
    print(f"eds        verify_nca (SPKI + 1 kB)    {nca_verifies:8.1f} /s  ({1000 / nca_verifies:.2f} ms each)")
    eds_mbs = rate(lambda: streebog512(DATA).digest()) * len(DATA) / 1e6
    print(f"eds        Streebog-512                {eds_mbs:8.2f} MB/s")
    first, repeated = request_check_seconds()
    print(f"eds        GOST XML request check      {1000 * repeated:8.2f} ms  (parse, Streebog, GOST verify, chain, "
          f"cached OCSP, IIN; first one with live GOST OCSP {1000 * first:.1f} ms)")

    if gostsignature is None:
        print("gostcrypto is not installed: no comparison")
        return
    reference = gostsignature.new(
        gostsignature.MODE_512, gostsignature.CURVES_R_1323565_1_024_2019["id-tc26-gost-3410-12-512-paramSetA"])
    their_key = bytearray(point[0].to_bytes(SIZE, "big") + point[1].to_bytes(SIZE, "big"))
    # The same digests and signatures in gostcrypto's conventions: big-endian digest integer, r ‖ s big-endian.
    theirs = itertools.cycle([
        (bytearray(digest[::-1]), bytearray(r.to_bytes(SIZE, "big") + s.to_bytes(SIZE, "big")))
        for digest, (r, s) in cases
    ])

    def gostcrypto_verify() -> None:
        digest, signature = next(theirs)
        assert reference.verify(their_key, digest, signature)

    their_verifies = rate(gostcrypto_verify, min_seconds=4.0)
    print(f"gostcrypto GOST-512 verify             {their_verifies:8.1f} /s  ({1000 / their_verifies:.2f} ms each)")
    their_mbs = rate(lambda: gosthash.new("streebog512", data=DATA).digest()) * len(DATA) / 1e6
    print(f"gostcrypto Streebog-512                {their_mbs:8.2f} MB/s")
    print(f"eds / gostcrypto: verify x{eds_verifies / their_verifies:.1f}, Streebog-512 x{eds_mbs / their_mbs:.1f}")


if __name__ == "__main__":
    main()
