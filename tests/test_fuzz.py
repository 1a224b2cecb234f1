"""Property tests (hypothesis) over every parser that meets untrusted input, a short run of the atheris harnesses,
and a replay of every input the fuzzers ever crashed on (fuzz/crashes/).

The oracles are fuzz/targets.py's: only the documented error type may escape (IdentityError, CertificateError,
CrlError; the verifiers raise nothing), every result renders as JSON, and nothing passes unless what it vouches
for is exactly what the genuine seed signed. Inputs are random bytes and mutations of genuine signed seeds
(byte flips, insertions, deletions, cuts, splices), bounded in number and replayed the same way every run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eds.pki.identity import IdentityError, parse_bin, parse_iin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fuzz.targets import TARGETS, Oracles, make_seeds  # noqa: E402

CRASHES = ROOT / "fuzz" / "crashes"
BOUNDED = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.data_too_large, HealthCheck.large_base_example])


@pytest.fixture(scope="module")
def oracles(pki_dir) -> Oracles:
    return Oracles(pki_dir, make_seeds(pki_dir))


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with one to four edits: flip or set a byte, insert or delete a run, cut, or repeat a slice."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, max(0, len(data) - 1)))
        edit = draw(st.sampled_from(("flip", "set", "insert", "delete", "cut", "repeat")))
        if edit == "flip" and data:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif edit == "set" and data:
            data[position] = draw(st.sampled_from((0x00, 0x30, 0x80, 0xFF, ord("<"), ord("0"), ord(" "))))
        elif edit == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif edit == "delete":
            del data[position:position + draw(st.integers(1, 64))]
        elif edit == "cut":
            del data[position:]
        else:
            data[position:position] = data[position:position + draw(st.integers(1, 128))]
    return bytes(data)


def inputs(seed: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(seed), st.binary(max_size=4096), st.binary(max_size=64).map(lambda b: seed[:32] + b))


@BOUNDED
@given(st.one_of(st.text(max_size=40), st.from_regex(r"\s*[0-9０-９٠-٩]{10,14}\s*", fullmatch=True),
                 st.binary(max_size=20), st.integers(), st.floats(), st.none(), st.lists(st.text(max_size=3))))
def test_identity_parsers(value):
    for parse in (parse_iin, parse_bin):
        try:
            parsed = parse(value)
        except IdentityError as exc:
            assert exc.code in ("IDENTITY_MALFORMED", "IDENTITY_CHECKSUM")
        else:
            assert isinstance(value, str) and parsed.value == value.strip() and parsed.value.isascii()


@BOUNDED
@given(data=st.data())
def test_identity_oracle(oracles, data):
    oracles.identity(data.draw(st.one_of(st.binary(max_size=24), mutated(oracles.seeds.iin.encode()))))


@BOUNDED
@given(data=st.data())
def test_certificate_load_and_signer_check(oracles, data):
    oracles.certificate(data.draw(inputs(oracles.seeds.certificate)))


@BOUNDED
@given(data=st.data())
def test_crl_index(oracles, data):
    oracles.crl(data.draw(inputs(oracles.seeds.crl)))


@BOUNDED
@given(data=st.data())
def test_verify_xml(oracles, data):
    oracles.xml(data.draw(inputs(oracles.seeds.xml)))


@BOUNDED
@given(data=st.data())
def test_verify_cms(oracles, data):
    oracles.cms(data.draw(inputs(oracles.seeds.cms)))


@settings(BOUNDED, max_examples=100)
@given(data=st.data())
def test_document_verifier(oracles, data):
    oracles.pdf(data.draw(st.one_of(mutated(oracles.seeds.pdf), st.binary(max_size=2048).map(b"%PDF-1.7\n".__add__))))


@BOUNDED
@given(data=st.data())
def test_request_check(oracles, data):
    seed = data.draw(st.sampled_from((oracles.seeds.xml, oracles.seeds.cms)))
    oracles.request(data.draw(inputs(seed)))


def test_genuine_seeds_pass_the_oracles(oracles):
    """The oracles are not vacuous: the genuine seeds pass, so any refusal above is the mutation's doing."""
    for target, seed in (("xml", oracles.seeds.xml), ("cms", oracles.seeds.cms), ("pdf", oracles.seeds.pdf),
                         ("request", oracles.seeds.xml), ("request", oracles.seeds.cms)):
        getattr(oracles, target)(seed)
    assert oracles.documents.verify(oracles.seeds.pdf).passed
    assert oracles.requests.check(oracles.seeds.xml).passed and oracles.requests.check(oracles.seeds.cms).passed
    assert oracles.signers.check(oracles.seeds.certificate).passed


@pytest.mark.parametrize("path", sorted(CRASHES.glob("*/*")), ids=lambda p: f"{p.parent.name}/{p.name[:14]}")
def test_inputs_that_once_crashed_a_fuzzer(oracles, path):
    assert path.parent.name in TARGETS
    getattr(oracles, path.parent.name)(path.read_bytes())


def test_atheris_harnesses_run_briefly(pki_dir, tmp_path):
    """Every harness for 300 inputs (at most a second) in CI: they build, they run, and nothing crashes."""
    result = subprocess.run([sys.executable, str(ROOT / "fuzz" / "run.py"), "--seconds", "1", "--runs", "300",
                             "--pki", str(pki_dir), "--work", str(tmp_path / "work"),
                             "--crashes", str(tmp_path / "crashes")],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.split()}
    for target in TARGETS:
        assert int(lines[target][1]) > 0 and lines[target][2] == "0", lines[target]
