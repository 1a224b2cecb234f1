"""The XML request check through the command line, as a batch job runs it, vs signxml on the same files.

Run: .venv/bin/python bench/requests.py [--files N] [--rounds R]

Makes a test PKI (test_pki.generator) in a temporary folder and the project's own NCA-like request (the
``<request>`` of samples/make_samples.py, the applicant's IIN in it) signed in the NCALayer XMLDSig profile by
the test PKI's individual signing key (RSA-2048), written N times (default 2,000) into one folder and once
into another. Then:

1. ``eds verify DIR --jobs 1 --trust PKI --offline --crl nca_rsa_test.crl --crl root_rsa_test.crl`` as a
   subprocess over the N-file folder and over the 1-file folder (the CRLs of the signer's chain given as
   files; each file checked in full: parse, profile, signature, chain to the pinned anchor, revocation from
   the CRLs, the verdict). Per document: (N-file run - 1-file run) / (N - 1).
   Against it, signxml's bare ``XMLVerifier().verify(data, x509_cert=..., expect_config=...)`` in a loop over
   the same N files (each read, the certificate pinned: the signature only, no chain, no revocation), per
   document. Ratio: signxml's per-document time over eds's (goal >= 3x).
2. The same check in process: the verifier ``eds verify`` builds (eds.validation.batch) called on the file's
   bytes in a loop, per document; as a share of OpenSSL's raw RSA-2048 verify rate on this machine
   (``openssl speed -seconds 2 rsa2048``, run in each round beside the loop; cryptography's own verify loop,
   which pays Python's call on top, is shown too) (goal >= 10%).

The sides alternate for R rounds (default 5; the machine has two shared cores, so a busy moment falls on
both) and the figures are the medians; the ratio of each round (its three runs back to back) is shown too, and
the share is the median of the rounds' shares.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EDS = Path(sys.executable).with_name("eds")  # the command of the environment running the bench (.venv/bin/eds)
SERVICE_TITLE = "Мәдени құндылықтарды уақытша әкету куәлігі / Свидетельство на временный вывоз культурных ценностей"


def request_xml(iin: str, name: str) -> bytes:
    """The request of samples/make_samples.py: service, title, applicant (IIN, name), date submitted."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<request service="cultural_export_certificate">'
            f"<title>{SERVICE_TITLE}</title><applicant><iin>{iin}</iin><name>{name}</name></applicant>"
            f"<submitted>{dt.date.today().isoformat()}</submitted></request>").encode()


def make_corpus(folder: Path, files: int) -> dict:
    """The test PKI in ``folder``/pki, the signed request once in ``folder``/one and ``files`` times in
    ``folder``/many; returns the paths and the signer's certificate (PEM) for signxml."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from eds.pki.keys import SigningKey
    from eds.signatures import xmldsig
    from test_pki import generator
    from test_pki.model import read_password

    pki = folder / "pki"
    manifest = generator.generate(pki)
    identity = manifest["identities"]["individual_sign"]
    key = SigningKey.from_pkcs12((pki / identity["pkcs12"]).read_bytes(), read_password(pki))
    signed = xmldsig.sign_xml(request_xml(key.certificate.iin, key.certificate.common_name), key.private_key,
                              key.certificate.der)
    one, many = folder / "one", folder / "many"
    one.mkdir()
    many.mkdir()
    (one / "request.xml").write_bytes(signed)
    for number in range(files):
        (many / f"request-{number:05d}.xml").write_bytes(signed)
    return {"pki": pki, "one": one, "many": many, "document": signed,
            "crls": [pki / "crl" / "nca_rsa_test.crl", pki / "crl" / "root_rsa_test.crl"],
            "cert_pem": key.certificate.x509.public_bytes(Encoding.PEM)}


def verify_command(corpus: dict, target: Path) -> list[str]:
    command = [str(EDS), "verify", str(target), "--jobs", "1", "--trust", str(corpus["pki"]), "--offline"]
    for crl in corpus["crls"]:
        command += ["--crl", str(crl)]
    return command


def run_cli(command: list[str], expect: str) -> float:
    """Wall seconds of one ``eds`` process; it must pass (exit 0) and print ``expect``."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0 or expect not in done.stdout:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return seconds


def signxml_loop(corpus: dict) -> float:
    """Seconds per document of signxml's bare verify over the N files (each file read)."""
    from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
    from signxml.algorithms import CanonicalizationMethod

    config = SignatureConfiguration(
        signature_methods=frozenset(SignatureMethod), digest_algorithms=frozenset(DigestAlgorithm),
        default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0_WITH_COMMENTS)
    paths = sorted(corpus["many"].iterdir())
    cert = corpus["cert_pem"]
    start = time.perf_counter()
    for path in paths:
        XMLVerifier().verify(path.read_bytes(), x509_cert=cert, expect_config=config)
    return (time.perf_counter() - start) / len(paths)


def in_process(corpus: dict, seconds: float) -> float:
    """Seconds per check of the verifier ``eds verify`` builds, on the document's bytes, warm."""
    from eds.validation import batch

    batch._init(batch.BatchOptions(trust=str(corpus["pki"]), offline=True,
                                   crls=tuple(str(c) for c in corpus["crls"])))
    verifier, data = batch._verifier, corpus["document"]
    assert verifier.verify(data).passed
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        verifier.verify(data)
        calls += 1
    return (time.perf_counter() - start) / calls


def openssl_rsa2048() -> float | None:
    """OpenSSL's RSA-2048 verifies per second (``openssl speed -seconds 2 rsa2048``), or None without openssl."""
    if shutil.which("openssl") is None:
        return None
    out = subprocess.run(["openssl", "speed", "-seconds", "2", "rsa2048"], capture_output=True, text=True).stdout
    row = re.search(r"^rsa\s+2048 bits\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", out, re.M)
    return float(row.group(2)) if row else None


def cryptography_rsa2048(seconds: float = 2.0) -> float:
    """cryptography's RSA-2048 PKCS#1 v1.5 SHA-256 verifies per second over a short message."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signature = key.sign(b"x" * 64, padding.PKCS1v15(), hashes.SHA256())
    public = key.public_key()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        public.verify(signature, b"x" * 64, padding.PKCS1v15(), hashes.SHA256())
        calls += 1
    return calls / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = make_corpus(Path(tmp), args.files)
        many, one = verify_command(corpus, corpus["many"]), verify_command(corpus, corpus["one"])
        expect_many = f"{args.files} documents: {args.files} TOTAL_PASSED"
        run_cli(one, "TOTAL_PASSED")  # a first run warms the page cache for both sides
        signxml_loop(corpus)
        eds_runs, one_runs, signxml_runs, process_runs, openssl_runs, cryptography_runs = [], [], [], [], [], []
        for _ in range(args.rounds):
            one_runs.append(run_cli(one, "TOTAL_PASSED"))
            eds_runs.append(run_cli(many, expect_many))
            signxml_runs.append(signxml_loop(corpus))
            process_runs.append(in_process(corpus, 1.0))
            openssl_runs.append(openssl_rsa2048())
            cryptography_runs.append(cryptography_rsa2048(1.0))
    t_one, t_many = statistics.median(one_runs), statistics.median(eds_runs)
    eds_doc = (t_many - t_one) / (args.files - 1)
    signxml_doc = statistics.median(signxml_runs)
    check = statistics.median(process_runs)
    with_openssl = None not in openssl_runs
    references = openssl_runs if with_openssl else cryptography_runs
    share = statistics.median(100 / c / r for c, r in zip(process_runs, references))
    print(f"`eds verify DIR --jobs 1 --offline --crl x2`: {args.files} files {t_many:.3f} s, 1 file {t_one:.3f} s "
          f"(medians of {args.rounds})")
    print(f"  eds per document ({args.files}-file run - 1-file run) / {args.files - 1}: {eds_doc * 1e6:8.1f} us")
    print(f"  signxml XMLVerifier().verify per document (loop over the same files): {signxml_doc * 1e6:8.1f} us")
    per_round = sorted(x / ((m - o) / (args.files - 1)) for m, o, x in zip(eds_runs, one_runs, signxml_runs))
    print(f"  ratio signxml/eds: {signxml_doc / eds_doc:.2f}x (medians; per round {per_round[0]:.2f}-"
          f"{per_round[-1]:.2f}x, median {statistics.median(per_round):.2f}x; goal >= 3x)")
    print(f"same check in process (warm verifier of `eds verify`): {check * 1e6:.1f} us = {1 / check:,.0f} checks/s")
    print(f"  RSA-2048 verify: openssl speed {statistics.median(openssl_runs) if with_openssl else float('nan'):,.0f}/s, "
          f"cryptography loop {statistics.median(cryptography_runs):,.0f}/s (medians)")
    name = "openssl speed" if with_openssl else "cryptography's loop"
    print(f"  share of the raw RSA-2048 verify rate ({name}): {share:.1f}% (goal >= 10%)")


if __name__ == "__main__":
    sys.exit(main())
