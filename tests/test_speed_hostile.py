"""What the speed work (issue 18) must not change: a verdict is the same whichever PDF readers read the file and
whatever the verifier checked before, and the CRL a certificate is judged by still says revoked or is refused.

* Readers: :mod:`eds.signatures.pdf_reading` against pyHanko's own on strings split at the fast readers' chunk
  edges, from an offset inside the data as in a real file.
* The signature's gap (tests/hostile/speed/gap.py): the unsigned ``/Contents`` of the B-LT licence respelled
  (case, odd digit counts, whitespace, comments, a ``>`` early or hidden in a comment, a literal string) or
  changed; each is judged the same with pyHanko's readers as with the fast ones, and none whose bytes read as
  another CMS is TOTAL_PASSED.
* The forgery corpus of issue 13 (tests/hostile/pdf/forgeries.py), every case judged offline at one moment by a
  verifier that has judged every case before it (its caches warm) with the fast readers, and by a new verifier
  with pyHanko's readers: the same report.
* One verifier asked in turn about the genuine licence, a changed copy, other moments and another trust profile:
  nothing decided for one is reused for another.
* CRLs (tests/hostile/speed/crls.py): serial encodings, duplicates, indirect and partitioned lists, deltas,
  other keys, stale and future lists, through the revocation check and ``eds cert --crl --offline``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from eds.pki.certificates import Certificate
from eds.pki.revocation import OcspClient, Policy, RevocationChecker
from eds.signatures import pdf_reading
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from hostile.pdf import forgeries
from hostile.speed import crls, gap
from hostile.speed.readers import chunk_edges, pyhanko_readers

EDS = Path(sys.executable).with_name("eds")


# --- the readers at their chunk edges -------------------------------------------------------------------------

def _outcome(reader, data: bytes, offset: int):
    stream = io.BytesIO(data)
    stream.seek(offset)
    try:
        value = reader(stream)
    except Exception as exc:
        return "error", type(exc).__name__, str(exc)
    shown = bytes(value.original_bytes) if hasattr(value, "original_bytes") else value
    return "value", type(value).__name__, shown, stream.tell()


LITERAL_ENDINGS = [b"\\", b"\\\\", b"\\)", b"\\(", b"\\1", b"\\12", b"\\123", b"\\1234", b"\\\r\n", b"\\\n\r", b"\\\r",
                   b"\\\n", b"\\8", b"\\400", b")", b"(", b"\\\\)", b"\\n", b"\\x", b"\\9)", b"\\\r)"]
HEX_ENDINGS = [b">", b"%c>\n", b"\x00>", b" >", b"g>", b"0"]


def _edges(factor: int) -> list[int]:
    """Every chunk edge of a reader growing its chunks by ``factor``, up to the end of its first chunk of the
    largest size: the edges after it are that same edge again (a largest chunk, then another)."""
    edges = chunk_edges(pdf_reading._FIRST_CHUNK, factor, pdf_reading._MAX_CHUNK, 1 << 24)
    first_largest = next(i for i in range(1, len(edges)) if edges[i] - edges[i - 1] == pdf_reading._MAX_CHUNK)
    return edges[:first_largest + 1]


def test_literal_strings_split_at_every_chunk_edge():
    prefix = b"12 0 obj\n<< /Title "
    for edge in _edges(4):
        for shift in range(-3, 3):
            for special in LITERAL_ENDINGS:
                for end in (b")", b"))", b""):
                    data = prefix + b"(" + b"a" * (edge + shift) + special + b"zz" + end
                    ours = _outcome(pdf_reading.read_string_literal_bytes, data, len(prefix))
                    assert ours == _outcome(pdf_reading.pyhanko_read_string_literal, data, len(prefix)), \
                        (edge, shift, special, end)


def test_hex_strings_split_at_every_chunk_edge():
    prefix = b"12 0 obj\n<< /Contents "
    edges = _edges(2)
    for edge in edges:
        # pyHanko reads hex a byte at a time: at the 128 KB edge each case costs it a third of a second, so
        # there only the byte before, at and after the edge (six shifts there took 10 s of this test's 23 s)
        for shift in range(-3, 3) if edge != edges[-1] else range(-1, 2):
            for special in HEX_ENDINGS:
                for end in (b">", b""):
                    data = prefix + b"<" + b"a" * (edge + shift) + special + b"0" + end
                    ours = _outcome(pdf_reading.read_hex_string_from_stream, data, len(prefix))
                    assert ours == _outcome(pdf_reading.pyhanko_read_hex_string, data, len(prefix)), \
                        (edge, shift, special, end)


def test_the_readers_are_back_after_pyhankos_were_put_in():
    from pyhanko.pdf_utils import generic

    with pyhanko_readers():
        assert generic.read_hex_string_from_stream is pdf_reading.pyhanko_read_hex_string
    assert generic.read_hex_string_from_stream is pdf_reading.read_hex_string_from_stream
    assert generic.ArrayObject.read_from_stream is pdf_reading.read_array


# --- PDFs -------------------------------------------------------------------------------------------------------



@pytest.fixture(scope="module")
def material(pki_dir, manifest, profile, pki_server) -> forgeries.Material:
    return forgeries.make_material(pki_dir, manifest, profile)


@pytest.fixture(scope="module")
def at(material) -> dt.datetime:
    """One moment for every report of the module, taken once its documents are signed (a moment taken at
    collection, minutes before a full suite reaches this module, would put their signing time in the future)."""
    return dt.datetime.now(dt.timezone.utc)


@pytest.fixture(scope="module")
def warm(profile) -> DocumentVerifier:
    """One offline verifier for every case of this module: whatever it keeps from one must not decide another."""
    return DocumentVerifier(SignerChecker(profile, policy=Policy.OFFLINE))


def _cold(profile) -> DocumentVerifier:
    return DocumentVerifier(SignerChecker(profile, policy=Policy.OFFLINE))


def _both(data: bytes, warm: DocumentVerifier, profile, at: dt.datetime) -> tuple[dict, dict]:
    """The report of the warm verifier with the fast readers, and a new verifier's with pyHanko's."""
    fast = warm.verify(data, at=at).to_dict()
    with pyhanko_readers():
        slow = _cold(profile).verify(data, at=at).to_dict()
    return fast, slow


def _short(report: dict) -> dict:
    return {"indication": report["indication"], "reasons": [r["code"] for r in report["reasons"]]}


@pytest.mark.parametrize("name", sorted(gap.VARIANTS))
def test_signature_gap_respelled_or_changed(name, material, warm, profile, at):
    genuine = warm.verify(material.lt, at=at)
    assert genuine.passed, _short(genuine.to_dict())
    forged = gap.forge(material.lt, name)
    fast, slow = _both(forged, warm, profile, at)
    assert fast == slow, (_short(fast), _short(slow))
    if name in gap.SAME_CMS:  # the very same CMS bytes, spelled otherwise in the unsigned gap
        assert fast["indication"] == "TOTAL_PASSED", _short(fast)
    else:
        assert fast["indication"] != "TOTAL_PASSED", ("FALSE PASS", _short(fast))


def test_a_gap_respelled_under_a_later_signature_breaks_it(material, warm, profile, at):
    """The gap of the first signature is signed by the next one: respelling it is a change the next one sees."""
    second = forgeries.CASES["genuine_b_lta"](material).data
    assert len(gap.gaps(second)) >= 2 and warm.verify(second, at=at).passed
    for name in sorted(gap.SAME_CMS - {"upper"}):
        forged = gap.forge(second, name, 0)
        fast, slow = _both(forged, warm, profile, at)
        assert fast == slow, (name, _short(fast), _short(slow))
        assert fast["indication"] != "TOTAL_PASSED", ("FALSE PASS", name, _short(fast))


@pytest.mark.parametrize("name", sorted(forgeries.CASES))
def test_forgery_judged_the_same_by_both_readers_and_a_warm_verifier(name, material, warm, profile, at):
    forgery = forgeries.CASES[name](material)
    fast, slow = _both(forgery.data, warm, profile, at)
    assert fast == slow, (_short(fast), _short(slow))
    if forgery.indication != forgeries.PASSED:
        assert fast["indication"] != "TOTAL_PASSED", ("FALSE PASS", _short(fast))


def test_one_verifier_in_turn_reuses_nothing_across_files_moments_and_profiles(material, warm, profile, at, pki_dir):
    flipped = gap.forge(material.lt, "cms_bit_flipped")
    official = material.base.key.certificate
    later = official.not_after + dt.timedelta(days=400)
    before = official.not_before - dt.timedelta(days=1)
    for _ in range(2):
        assert warm.verify(material.lt, at=at).passed
        assert not warm.verify(flipped, at=at).passed
        assert warm.verify(material.lt, at=at).passed
        assert not warm.verify(material.lt, at=before).passed
        assert not warm.verify(material.lt, at=later).passed
    # the profile without the root the official's chain ends in, in the same process, after the verdicts above
    root = warm.signer_checker.paths.validate(official, at).chain[-1]
    others = tuple(a for a in profile.anchors if a.sha256 != root.sha256)
    assert len(others) == len(profile.anchors) - 1
    stranger = DocumentVerifier(SignerChecker(dataclasses.replace(profile, anchors=others), policy=Policy.OFFLINE))
    report = stranger.verify(material.lt, at=at)
    assert not report.passed, _short(report.to_dict())
    assert "CHAIN_UNTRUSTED" in {r.code for r in report.reasons}, _short(report.to_dict())
    assert warm.verify(material.lt, at=at).passed


# --- CRLs -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def crl_world(pki_dir, manifest) -> crls.World:
    ca_entry = manifest["authorities"]["ca_rsa"]
    key, ca, _ = pkcs12.load_key_and_certificates((pki_dir / ca_entry["pkcs12"]).read_bytes(),
                                                  manifest["password"].encode())
    cert = x509.load_pem_x509_certificate((pki_dir / manifest["identities"]["individual_sign"]["certificate"])
                                          .read_bytes())
    other_ca = x509.load_pem_x509_certificate((pki_dir / manifest["authorities"]["ca_ec"]["certificate"]).read_bytes())
    return crls.World(cert, ca, key, rsa.generate_private_key(public_exponent=65537, key_size=2048), other_ca)


def _revocation(world: crls.World, profile, case: crls.Crl) -> str:
    try:
        checker = RevocationChecker(profile, policy=Policy.OFFLINE, methods=("CRL",), crls=case.ders)
    except Exception as exc:  # a CRL refused outright
        assert getattr(exc, "code", "").startswith("CRL_"), exc
        return "REFUSED"
    result = checker.check(Certificate.from_x509(world.certificate), Certificate.from_x509(world.ca),
                           case.at or dt.datetime.now(dt.timezone.utc))
    return result.status


@pytest.mark.parametrize("name", sorted(crls.CASES))
def test_crl(name, crl_world, profile):
    case = crls.CASES[name](crl_world)
    status = _revocation(crl_world, profile, case)
    if case.expect == "NOT_GOOD":
        assert status != "GOOD", status
    else:
        assert status == case.expect


@pytest.mark.parametrize("name", ["listed", "listed_in_a_delta_only", "forged_empty_crl_newer_than_the_genuine_one",
                                  "only_ca_certificates", "listed_in_a_crl_signed_by_another_key", "control_empty"])
def test_crl_through_the_command_line(name, crl_world, pki_dir, manifest, tmp_path):
    case = crls.CASES[name](crl_world)
    args = [str(EDS), "cert", str(pki_dir / manifest["identities"]["individual_sign"]["certificate"]),
            "--trust", str(pki_dir), "--offline", "--json",
            "--crl", str(pki_dir / manifest["authorities"]["root_rsa"]["crl"])]  # the CA's own status, genuine
    for number, der in enumerate(case.ders):
        path = tmp_path / f"{number}.crl"
        path.write_bytes(der)
        args += ["--crl", str(path)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    codes = {r["code"] for r in report["reasons"]}
    if case.expect == "GOOD":
        assert report["indication"] == "TOTAL_PASSED", report["reasons"]
    elif case.expect == "REVOKED":
        assert report["indication"] == "TOTAL_FAILED" and "CERT_REVOKED" in codes, report["reasons"]
    else:
        assert report["indication"] != "TOTAL_PASSED", report["reasons"]


def test_every_family_has_several_variants():
    assert len(gap.VARIANTS) >= 12 and len(gap.SAME_CMS) >= 4
    assert len(crls.CASES) >= 25
    assert len(forgeries.CASES) >= 150
