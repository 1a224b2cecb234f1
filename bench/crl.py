"""A one-million-entry CRL through the command line: `eds cert X --crl big.crl --offline` vs `openssl crl`.

Run: .venv/bin/python bench/crl.py [--entries N] [--rounds R] [--fresh]

Makes a test PKI (test_pki.generator) and a CRL of its RSA issuing CA (``ca_rsa``, the issuer of the signing
certificate X checked) with N entries (default 1,000,000; ~28 MB): random positive 64-bit serials (8 or 9
content bytes), in random order, the revocation time as UTCTime, one entry in 20 with a CRLReason; CRLNumber
and AuthorityKeyIdentifier as the CA's own CRLs carry them; signed with the CA's key (SHA-256 RSA). X is not in
the list. Both are cached under /tmp/eds-bench-crl (``--fresh`` makes them again), keyed by N.

X is not in the list; the test PKI's ``revoked`` certificate is, at a random place. Then, for R rounds
(default 5), alternating:

- ``eds cert X --trust PKI --offline --crl root_rsa_test.crl`` (without the big CRL: the CA's own status from
  the root's CRL, X's unknown: exit 3) and the same with ``--crl big.crl`` (X checked against the million
  entries: exit 0), each a subprocess, its wall time and peak RSS (``resource.getrusage(RUSAGE_CHILDREN)`` of
  a bare interpreter that runs only that command: ``HELPER``);
- the same two for the listed certificate (exit 3, then exit 1: REVOKED, its entry found and read);
- ``openssl crl -inform DER -noout -in big.crl`` on the same file.

Printed: the medians of each, the added wall time (with - without) against openssl's (goal <= 1.0x) and the
added peak RSS (goal <= 40 MB, the CRL's bytes included), for X and for the listed certificate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

EDS = Path(sys.executable).with_name("eds")  # the command of the environment running the bench (.venv/bin/eds)
CACHE = Path("/tmp/eds-bench-crl")
REASON_EXTENSIONS = bytes.fromhex("300c300a0603551d150403") + bytes.fromhex("0a0101")  # CRLReason keyCompromise


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def _utc(moment: dt.datetime) -> bytes:
    return _tlv(0x17, moment.strftime("%y%m%d%H%M%SZ").encode())


def big_crl(pki: Path, entries: int, *, seed: int = 18) -> bytes:
    """A CRL of the test PKI's ``ca_rsa`` with ``entries`` entries, built as DER directly (the builder would
    take minutes), signed with the CA's key."""
    import json

    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import Encoding

    from eds.pki.keys import SigningKey
    from test_pki.model import read_password

    manifest = json.loads((pki / "manifest.json").read_text(encoding="utf-8"))
    ca = SigningKey.from_pkcs12((pki / manifest["authorities"]["ca_rsa"]["pkcs12"]).read_bytes(), read_password(pki))
    subject = asn1_x509.Certificate.load(ca.certificate.x509.public_bytes(Encoding.DER))
    ski = subject.key_identifier
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    algorithm = bytes.fromhex("300d06092a864886f70d01010b0500")  # sha256WithRSAEncryption, NULL parameters
    rng = random.Random(seed)
    avoid = {int(info["serial"], 16) for info in manifest["identities"].values()}
    revoked_at = rng.randrange(entries)  # where the test PKI's ``revoked`` certificate is listed
    parts = []
    start = now - dt.timedelta(days=3 * 365)
    span = int((now - start).total_seconds())
    times: dict[int, bytes] = {}
    for number in range(entries):
        serial = rng.getrandbits(64) or 1
        if serial in avoid:
            continue
        second = rng.randrange(span) // 60 * 60
        when = times.get(second)
        if when is None:
            when = times.setdefault(second, _utc(start + dt.timedelta(seconds=second)))
        if number == revoked_at:
            serial = int(manifest["identities"]["revoked"]["serial"], 16)
        parts.append(_tlv(0x30, _integer(serial) + when + (REASON_EXTENSIONS if number % 20 == 0 else b"")))
    extensions = _tlv(0xA0, _tlv(0x30,
                                 _tlv(0x30, bytes.fromhex("0603551d14") + _tlv(0x04, _integer(int(now.timestamp()))))
                                 + _tlv(0x30, bytes.fromhex("0603551d23") + _tlv(0x04, _tlv(0x30, _tlv(0x80, ski))))))
    tbs = _tlv(0x30, _integer(1) + algorithm + subject.subject.dump() + _utc(now) + _utc(now + dt.timedelta(days=1))
               + _tlv(0x30, b"".join(parts)) + extensions)
    signature = ca.private_key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    return _tlv(0x30, tbs + algorithm + _tlv(0x03, b"\x00" + signature))


def material(entries: int, fresh: bool) -> dict:
    """The cached test PKI and big CRL (made when missing, stale or ``fresh``): paths of the PKI, X, the root's
    CRL and the big CRL."""
    from cryptography import x509

    from test_pki import generator

    folder = CACHE / f"{entries}-v2"
    pki, crl = folder / "pki", folder / "big.crl"
    usable = crl.exists() and (pki / "manifest.json").exists()
    if usable:  # the CA's CRLs last a day: make both again before the big CRL or the root's CRL expires
        expiry = min(x509.load_der_x509_crl(p.read_bytes()).next_update_utc
                     for p in (crl, pki / "crl" / "root_rsa_test.crl"))
        usable = expiry - dt.datetime.now(dt.timezone.utc) > dt.timedelta(hours=2)
    if fresh or not usable:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        generator.generate(pki)
        started = time.perf_counter()
        der = big_crl(pki, entries)
        crl.write_bytes(der)
        print(f"made {crl} ({entries:,} entries, {len(der) / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
    return {"pki": pki, "cert": pki / "users" / "individual_sign.pem", "revoked": pki / "users" / "revoked.pem",
            "root_crl": pki / "crl" / "root_rsa_test.crl", "crl": crl}


# Runs one command and reports its wall time and peak RSS. The peak is the ru_maxrss of the helper's children,
# which on Linux also counts what the process that exec'd held before exec: the helper is a bare interpreter
# (~9 MB), smaller than any command measured, not this bench with its PKI and CRL in memory.
HELPER = """import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
print(done.returncode, seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(done.stderr.decode(errors="replace")[-2000:])
"""


def measured(command: list[str], expect_code: int) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of ``command``, run by the helper; it must exit with ``expect_code``."""
    done = subprocess.run([sys.executable, "-I", "-S", "-c", HELPER, *command], capture_output=True, text=True,
                          check=True)
    head, _, rest = done.stdout.partition("\n")
    code, seconds, peak_kb = head.split()
    if int(code) != expect_code:
        raise SystemExit(f"{' '.join(command)} exited {code}, not {expect_code}:\n{rest}")
    return float(seconds), int(peak_kb) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="make the test PKI and the big CRL again")
    args = parser.parse_args()
    if shutil.which("openssl") is None:
        raise SystemExit("openssl is needed for the reference side")
    paths = material(args.entries, args.fresh)

    def cert(path: Path, *crls: Path) -> list[str]:
        command = [str(EDS), "cert", str(path), "--trust", str(paths["pki"]), "--offline"]
        for crl in (paths["root_crl"], *crls):
            command += ["--crl", str(crl)]
        return command

    commands = {  # name: (command, the exit code it must give)
        "without": (cert(paths["cert"]), 3),  # X's status unknown without its CA's CRL
        "with": (cert(paths["cert"], paths["crl"]), 0),  # X checked against the million entries: not listed
        "revoked without": (cert(paths["revoked"]), 3),
        "revoked with": (cert(paths["revoked"], paths["crl"]), 1),  # listed: the entry is found and read
        "openssl": (["openssl", "crl", "-inform", "DER", "-noout", "-in", str(paths["crl"])], 0),
    }
    for command, code in commands.values():  # the page cache and the bytecode, once for each
        measured(command, code)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, (command, code) in commands.items():
            runs[name].append(measured(command, code))
    seconds = {name: statistics.median(s for s, _ in values) for name, values in runs.items()}
    peak = {name: statistics.median(mb for _, mb in values) for name, values in runs.items()}
    size = paths["crl"].stat().st_size
    print(f"CRL: {args.entries:,} entries, {size / 1e6:.1f} MB ({paths['crl']}); medians of {args.rounds} rounds")
    print(f"  eds cert X --offline, without the big CRL: {seconds['without']:6.3f} s, peak RSS {peak['without']:6.1f} MB")
    print(f"  eds cert X --offline --crl big.crl:       {seconds['with']:6.3f} s, peak RSS {peak['with']:6.1f} MB")
    added = seconds["with"] - seconds["without"]
    print(f"  added by the CRL: {added:6.3f} s, peak RSS +{peak['with'] - peak['without']:.1f} MB (goal <= 40 MB)")
    print(f"  openssl crl -inform DER -noout:            {seconds['openssl']:6.3f} s, peak RSS {peak['openssl']:6.1f} MB")
    print(f"  ratio eds added / openssl: {added / seconds['openssl']:.2f}x (goal <= 1.0x)")
    revoked = seconds["revoked with"] - seconds["revoked without"]
    print(f"  a listed certificate instead (its entry found and read): added {revoked:6.3f} s "
          f"({revoked / seconds['openssl']:.2f}x openssl), peak RSS +{peak['revoked with'] - peak['revoked without']:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
