"""Benchmarks for the certificate core: a cached signer check, and a one-million-entry CRL.

Run: .venv/bin/python bench/certificates.py [--entries N]
Prints the figures beside `openssl crl -noout` on the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import subprocess
import sys
import tempfile
import time

from asn1crypto import algos, core
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def big_crl(entries: int) -> tuple[bytes, list[int]]:
    """A signed CRL with ``entries`` random 20-byte serials, built as DER directly (builders are too slow)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    issuer = asn1_x509.Name.build({"common_name": "BENCH CA", "country_name": "KZ"}).dump()
    algorithm = algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}).dump()
    when = core.UTCTime(now).dump()
    reason = bytes.fromhex("300c300a0603551d150403") + bytes.fromhex("0a0101")
    serials = [secrets.randbits(159) | (1 << 150) for _ in range(entries)]
    body = b"".join(_tlv(0x30, core.Integer(s).dump() + when + reason) for s in serials)
    tbs = _tlv(0x30, core.Integer(1).dump() + algorithm + issuer + when + core.UTCTime(now + dt.timedelta(days=1)).dump()
               + _tlv(0x30, body))
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    return _tlv(0x30, tbs + algorithm + core.BitString.load(b"\x03" + bytes([0x82]) + (len(signature) + 1).to_bytes(2, "big") + b"\x00" + signature).dump()), serials


def bench_crl(entries: int) -> None:
    der, serials = big_crl(entries)
    with tempfile.NamedTemporaryFile(suffix=".crl", delete=False) as handle:
        handle.write(der)
        path = handle.name
    print(f"CRL: {entries:,} entries, {len(der) / 1e6:.1f} MB")
    start = time.perf_counter()
    subprocess.run(["openssl", "crl", "-inform", "DER", "-noout", "-in", path], check=True)
    openssl_s = time.perf_counter() - start
    # Load in a child process so the memory figure is this CRL's alone.
    # ru_maxrss survives exec on Linux, so read the peak (VmHWM) of this process image instead.
    code = (
        "import re,sys,time;from eds.pki.revocation.crl import CrlIndex;"
        "hwm=lambda:int(re.search(r'VmHWM:\\s+(\\d+)',open('/proc/self/status').read()).group(1));"
        "r0=hwm();t=time.perf_counter();i=CrlIndex(open(sys.argv[1],'rb').read());i.build_table();"
        "t=time.perf_counter()-t;print(t,(hwm()-r0)/1024,len(i))"
    )
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True).stdout.split()
    load_s, extra_mb = float(out[0]), float(out[1])
    from eds.pki.revocation.crl import CrlIndex

    index = CrlIndex(der)
    index.build_table()  # the table a server answers from (a one-shot check's first lookups need none)
    probes = serials[:: max(1, entries // 2000)]
    start = time.perf_counter()
    for serial in probes:
        assert index.lookup(serial) is not None
    hit_us = (time.perf_counter() - start) / len(probes) * 1e6
    misses = [secrets.randbits(159) for _ in range(2000)]
    start = time.perf_counter()
    for serial in misses:
        index.lookup(serial)
    miss_us = (time.perf_counter() - start) / len(misses) * 1e6
    os.unlink(path)
    print(f"  eds load+index     {load_s:8.2f} s   (target < 5 s)   peak memory added {extra_mb:6.1f} MB, CRL bytes included (target < 150)")
    print(f"  openssl crl -noout {openssl_s:8.2f} s   ratio eds/openssl {load_s / openssl_s:5.2f}")
    print(f"  lookup: not revoked {miss_us:6.1f} us, revoked {hit_us:6.1f} us")


def bench_cached_check() -> None:
    from eds.pki.certificates import Certificate
    from eds.validation.signer_check import SignerChecker
    from eds.pki.trust import load_profile
    from test_pki import services

    with services.temporary() as (pki, _server):
        checker = SignerChecker(load_profile(pki))
        cert = Certificate.load((pki / "users/individual_sign.pem").read_bytes())
        iin = cert.iin
        start = time.perf_counter()
        first = checker.check(cert.der, expect_iin=iin)
        first_ms = (time.perf_counter() - start) * 1e3
        assert first.passed
        rounds = 2000
        start = time.perf_counter()
        for _ in range(rounds):
            report = checker.check(cert.der, expect_iin=iin)
        recent_us = (time.perf_counter() - start) / rounds * 1e6
        assert report.passed
        start = time.perf_counter()
        for _ in range(rounds):  # an explicit moment bypasses the short-lived result cache: every check runs
            report = checker.check(cert.der, at=dt.datetime.now(dt.timezone.utc), expect_iin=iin)
        full_us = (time.perf_counter() - start) / rounds * 1e6
        assert report.passed
    print(f"signer check, first time (chain + live OCSP): {first_ms:7.2f} ms")
    print(f"signer check, already seen, every check run (cached path and OCSP answer): {full_us:7.1f} us "
          "(target well under 1 ms)")
    print(f"signer check, same signer again within 15 s (result reused): {recent_us:7.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    bench_cached_check()
    bench_crl(args.entries)


if __name__ == "__main__":
    main()
