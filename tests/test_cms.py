"""CMS SignedData and RFC 3161 timestamps: round trips, co-signing, the algorithm registry, OpenSSL and pyHanko
interoperability, and the TSP client against a local TSA."""

from __future__ import annotations

import base64
import hashlib
import http.server
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import cms as acms
from asn1crypto import core
from asn1crypto import keys as akeys
from asn1crypto import tsp as atsp
from asn1crypto import x509 as ax509
from cryptography.hazmat.primitives import serialization

from eds.pki import algorithms
from eds.signatures import cms, tsp
from hostile.cms.corpus import (
    CONTENT,
    attached_rsa,
    mutate_signer,
    resign,
    signature_of,
    unpack,
    with_timestamp_token,
)
from hostile.cms.pki import NOW, TSA_POLICY, Party, cms_pki, timestamp_token, timestamper
from test_pki.tsa import make_timestamp_response, make_timestamp_token

OPENSSL = shutil.which("openssl")
# The interop tests need the openssl command; scripts/setup's machines have it: fail loudly, never skip.
needs_openssl = pytest.mark.usefixtures("openssl_present")


@pytest.fixture
def openssl_present() -> None:
    assert OPENSSL is not None, "the openssl command is needed (Debian package openssl)"


def _signer(kind: str) -> Party:
    return cms_pki().rsa_signer if kind == "rsa" else cms_pki().ec_signer


# --- sign and verify --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("detached", [False, True])
def test_round_trip(kind: str, detached: bool) -> None:
    pki = cms_pki()
    signer = _signer(kind)
    der = cms.sign_cms(CONTENT, signer.key, signer.cert_der, detached=detached, extra_certs=[pki.ca.cert_der])
    result = tsp.verify_cades(der, detached_content=CONTENT if detached else None)
    assert result.intact, result
    assert result.content == CONTENT and result.detached is detached
    assert result.content_type == cms.ID_DATA
    (one,) = result.signers
    assert one.certificate_der == signer.cert_der
    assert one.other_certificates == (pki.ca.cert_der,)
    assert one.digest_algorithm == cms.SHA256
    assert one.signature_algorithm == ("1.2.840.113549.1.1.11" if kind == "rsa" else "1.2.840.10045.4.3.2")
    assert abs(one.claimed_signing_time - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert one.timestamp is None
    assert set(result.certificates) == {signer.cert_der, pki.ca.cert_der}


def test_signed_structure_is_what_ncalayer_makes() -> None:
    """Version 1, id-data, and the four CAdES-BES signed attributes with an ESS hash over our certificate."""
    pki = cms_pki()
    signed_data = unpack(cms.sign_cms(CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der))
    assert signed_data["version"].native == "v1"
    assert signed_data["encap_content_info"]["content_type"].native == "data"
    signer_info = signed_data["signer_infos"][0]
    assert signer_info["version"].native == "v1"
    assert signer_info["sid"].name == "issuer_and_serial_number"
    names = [a["type"].native for a in signer_info["signed_attrs"]]
    assert sorted(names) == ["content_type", "message_digest", "signing_certificate_v2", "signing_time"]
    ess = next(a for a in signer_info["signed_attrs"] if a["type"].native == "signing_certificate_v2")
    cert_id = ess["values"][0]["certs"][0]
    assert cert_id["cert_hash"].native == hashlib.sha256(pki.rsa_signer.cert_der).digest()
    assert b"\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01" not in cert_id.dump()  # SHA-256 is the DEFAULT


def test_fixed_signing_time_is_reported() -> None:
    pki = cms_pki()
    moment = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
    der = cms.sign_cms(CONTENT, pki.ec_signer.key, pki.ec_signer.cert_der, signing_time=moment)
    assert tsp.verify_cades(der).signers[0].claimed_signing_time == moment


@pytest.mark.parametrize("encode", ["base64", "base64_str", "base64_wrapped", "pem"])
def test_base64_and_pem_input(encode: str) -> None:
    der = attached_rsa()
    text = base64.b64encode(der)
    data = {
        "base64": text,
        "base64_str": text.decode(),
        "base64_wrapped": b"\n".join(text[i : i + 64] for i in range(0, len(text), 64)) + b"\n",
        "pem": b"-----BEGIN CMS-----\n" + base64.encodebytes(der) + b"-----END CMS-----\n",
    }[encode]
    assert tsp.verify_cades(data).intact


def test_subject_key_identifier_sid() -> None:
    signer = cms_pki().rsa_signer
    key_id = ax509.Certificate.load(signer.cert_der).key_identifier

    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signer_info["version"] = "v3"
        signer_info["sid"] = {"subject_key_identifier": key_id}

    assert tsp.verify_cades(mutate_signer(attached_rsa(), change)).intact


def test_tampered_content_is_a_digest_mismatch() -> None:
    pki = cms_pki()
    der = cms.sign_cms(CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der)
    tampered = der.replace(CONTENT, CONTENT[:-1] + b"!")
    result = tsp.verify_cades(tampered)
    assert result.signers[0].failure == "DIGEST_MISMATCH" and result.content is None


def test_tampered_signed_attribute_is_an_invalid_signature() -> None:
    pki = cms_pki()
    der = cms.sign_cms(CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der)
    signing_time = unpack(der)["signer_infos"][0]["signed_attrs"][1]["values"][0].chosen.dump()
    assert signing_time[:1] == b"\x17"
    earlier = signing_time[:2] + b"19" + signing_time[4:]  # the same UTCTime, in 2019
    result = tsp.verify_cades(der.replace(signing_time, earlier))
    assert result.signers[0].failure == "SIGNATURE_INVALID"


def test_detached_without_content() -> None:
    pki = cms_pki()
    der = cms.sign_cms(CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der, detached=True)
    result = tsp.verify_cades(der)
    assert result.failure == "DETACHED_CONTENT_MISSING" and not result.intact


def test_private_key_must_match_certificate() -> None:
    pki = cms_pki()
    with pytest.raises(ValueError, match="does not belong"):
        cms.sign_cms(CONTENT, pki.ec_signer.key, pki.rsa_signer.cert_der)


def test_sign_rejects_unsupported_key_types() -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    with pytest.raises(TypeError):
        cms.sign_cms(CONTENT, ed25519.Ed25519PrivateKey.generate(), cms_pki().rsa_signer.cert_der)


# --- co-signing -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("detached", [False, True])
def test_add_signer_keeps_existing_signers_byte_identical(detached: bool) -> None:
    pki = cms_pki()
    first = cms.sign_cms(CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der, detached=detached)
    second = cms.add_signer(
        first, pki.ec_signer.key, pki.ec_signer.cert_der, detached_content=CONTENT if detached else None
    )
    third = cms.add_signer(
        second, pki.other_signer.key, pki.other_signer.cert_der, detached_content=CONTENT if detached else None
    )
    result = tsp.verify_cades(third, detached_content=CONTENT if detached else None)
    assert result.intact and result.content == CONTENT
    assert [s.certificate_der for s in result.signers] == [
        pki.rsa_signer.cert_der,
        pki.ec_signer.cert_der,
        pki.other_signer.cert_der,
    ]
    old = [si.dump() for si in unpack(second)["signer_infos"]]
    new = [si.dump() for si in unpack(third)["signer_infos"]]
    assert new[:2] == old
    assert unpack(third)["encap_content_info"].dump() == unpack(first)["encap_content_info"].dump()


def test_add_signer_with_timestamp_and_existing_certificate() -> None:
    pki = cms_pki()
    first = cms.sign_cms(CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der, extra_certs=[pki.ca.cert_der])
    both = cms.add_signer(
        first,
        pki.ec_signer.key,
        pki.ec_signer.cert_der,
        extra_certs=[pki.ca.cert_der],
        timestamp=tsp.signature_timestamper(timestamper=timestamper(pki.tsa, pki)),
    )
    result = tsp.verify_cades(both)
    assert result.intact
    assert result.signers[1].timestamp is not None and result.signers[1].timestamp.intact
    assert len(result.certificates) == 3  # the CA certificate is not duplicated


def test_add_signer_refuses_other_content() -> None:
    pki = cms_pki()
    detached = cms.sign_cms(CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der, detached=True)
    with pytest.raises(ValueError, match="DIGEST_MISMATCH"):
        cms.add_signer(detached, pki.ec_signer.key, pki.ec_signer.cert_der, detached_content=b"other content")
    with pytest.raises(ValueError, match="DETACHED_CONTENT_MISSING"):
        cms.add_signer(detached, pki.ec_signer.key, pki.ec_signer.cert_der)
    with pytest.raises(ValueError, match="CMS_MALFORMED"):
        cms.add_signer(b"\x30\x03garbage", pki.ec_signer.key, pki.ec_signer.cert_der)


# --- timestamps (CAdES-T) ---------------------------------------------------------------------------------


def test_timestamp_present_and_valid() -> None:
    pki = cms_pki()
    gen_time = datetime(2025, 6, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)
    der = cms.sign_cms(
        CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der, timestamp=tsp.signature_timestamper(timestamper=timestamper(pki.tsa, pki, gen_time))
    )
    result = tsp.verify_cades(der)
    assert result.intact
    stamp = result.signers[0].timestamp
    assert stamp is not None and stamp.intact and stamp.failure is None
    assert stamp.gen_time == gen_time
    assert stamp.policy == TSA_POLICY
    assert stamp.hash_algorithm == cms.SHA256
    assert isinstance(stamp.serial, int)
    assert stamp.tsa_certificate_der == pki.tsa.cert_der
    assert stamp.certificates == (pki.ca.cert_der,)


def test_timestamp_over_another_value() -> None:
    pki = cms_pki()
    token = timestamp_token(hashlib.sha256(b"another signature").digest(), pki.tsa, pki)
    result = tsp.verify_cades(with_timestamp_token(attached_rsa(), token))
    signer = result.signers[0]
    assert signer.failure == "TIMESTAMP_INVALID" and not result.intact
    assert signer.timestamp.failure == "IMPRINT_MISMATCH"
    assert signer.timestamp.gen_time == NOW


def test_sign_refuses_a_bad_token() -> None:
    pki = cms_pki()
    wrong = lambda imprint: timestamp_token(hashlib.sha256(imprint).digest(), pki.tsa, pki)  # noqa: E731
    with pytest.raises(tsp.TimestampError) as caught:
        cms.sign_cms(CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der, timestamp=tsp.signature_timestamper(timestamper=wrong))
    assert caught.value.code == "IMPRINT_MISMATCH"
    with pytest.raises(ValueError):
        tsp.signature_timestamper("http://x/", timestamper=wrong)


def test_earliest_of_several_timestamps_is_reported() -> None:
    pki = cms_pki()
    der = attached_rsa()
    imprint = hashlib.sha256(signature_of(der)).digest()
    early, late = (timestamp_token(imprint, pki.tsa, pki, gen_time=NOW + timedelta(hours=h)) for h in (1, 5))

    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        values = [acms.ContentInfo.load(late), acms.ContentInfo.load(early)]
        signer_info["unsigned_attrs"] = [{"type": "signature_time_stamp_token", "values": values}]

    stamp = tsp.verify_cades(mutate_signer(der, change)).signers[0].timestamp
    assert stamp.intact and stamp.gen_time == NOW + timedelta(hours=1)


def test_pyhanko_dummy_timestamper_token_verifies() -> None:
    """A token made by another implementation (ESS signingCertificate v1, SHA-1 cert hash) is accepted."""
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    pki = cms_pki()
    key_der = pki.rsa_tsa.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    stamper = DummyTimeStamper(
        tsa_cert=ax509.Certificate.load(pki.rsa_tsa.cert_der),
        tsa_key=akeys.PrivateKeyInfo.load(key_der),
        fixed_dt=NOW,
    )

    def via_pyhanko(imprint: bytes) -> bytes:
        request = atsp.TimeStampReq.load(tsp.build_request(imprint)[0])
        return stamper.request_tsa_response(request)["time_stamp_token"].dump()

    der = cms.sign_cms(CONTENT, pki.ec_signer.key, pki.ec_signer.cert_der, timestamp=tsp.signature_timestamper(timestamper=via_pyhanko))
    stamp = tsp.verify_cades(der).signers[0].timestamp
    assert stamp.intact and stamp.gen_time == NOW and stamp.tsa_certificate_der == pki.rsa_tsa.cert_der


# --- the algorithm registry -------------------------------------------------------------------------------


GOST_DIGEST = "1.2.398.3.10.1.3.3"
GOST_SIGNATURE = "1.2.398.3.10.1.1.2.3.2"


def _stand_in_gost_digest(data: bytes) -> bytes:
    return hashlib.sha512(b"streebog stand-in" + data).digest()


def _stand_in_gost_sign(certificate_der: bytes, signed: bytes) -> bytes:
    return hashlib.sha512(certificate_der + signed).digest() * 2


def _gost_labelled_cms() -> bytes:
    """attached_rsa re-labelled as GOST-2015-512 with a stand-in digest and signature scheme."""
    signer = cms_pki().rsa_signer

    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signer_info["digest_algorithm"] = {"algorithm": GOST_DIGEST}
        signer_info["signature_algorithm"] = {"algorithm": GOST_SIGNATURE}
        attrs = [a for a in signer_info["signed_attrs"] if a["type"].native != "message_digest"]
        attrs.append(acms.CMSAttribute({"type": "message_digest", "values": [_stand_in_gost_digest(CONTENT)]}))
        signed = acms.CMSAttributes(attrs)
        signer_info["signed_attrs"] = signed
        signer_info["signature"] = _stand_in_gost_sign(signer.cert_der, signed.dump())

    return mutate_signer(attached_rsa(), change)


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one algorithm registry as it is before eds.pki.gost.install() (the service calls it)."""
    monkeypatch.setattr(algorithms, "_SIGNATURES", {k: v for k, v in algorithms._SIGNATURES.items()
                                                    if not k.startswith(algorithms.GOST_ARC)})
    monkeypatch.setattr(algorithms, "_DIGESTS", {k: v for k, v in algorithms._DIGESTS.items()
                                                 if not k.startswith(algorithms.GOST_ARC)})
    monkeypatch.setattr(algorithms, "_BY_KEY", {k: v for k, v in algorithms._BY_KEY.items()
                                                if not k[0].startswith(algorithms.GOST_ARC)})


def _stand_in(verify) -> algorithms.SignatureAlgorithm:
    return algorithms.SignatureAlgorithm(GOST_SIGNATURE, "stand-in", "gost", GOST_DIGEST, verify)


def test_gost_is_unsupported_until_registered(clean_registry: None) -> None:
    der = _gost_labelled_cms()
    assert tsp.verify_cades(der).signers[0].failure == "UNSUPPORTED_ALGORITHM"
    algorithms.register_digest(algorithms.Digest(GOST_DIGEST, "stand-in", _stand_in_gost_digest))
    assert tsp.verify_cades(der).signers[0].failure == "UNSUPPORTED_ALGORITHM"

    seen: list[tuple[bytes, bytes]] = []

    def verifier(certificate_der: bytes, signed_bytes: bytes, signature: bytes) -> bool:
        seen.append((certificate_der, signed_bytes))
        return signature == _stand_in_gost_sign(certificate_der, signed_bytes)

    algorithms.register(_stand_in(verifier))
    result = tsp.verify_cades(der)
    assert result.intact, result.signers[0].message
    assert result.signers[0].digest_algorithm == GOST_DIGEST
    certificate_der, signed_bytes = seen[0]
    assert certificate_der == cms_pki().rsa_signer.cert_der
    assert signed_bytes[:1] == b"\x31"  # the signed attributes as a SET, as the signer hashed them


def test_registered_verifier_saying_no_is_an_invalid_signature(clean_registry: None) -> None:
    algorithms.register_digest(algorithms.Digest(GOST_DIGEST, "stand-in", _stand_in_gost_digest))
    algorithms.register(_stand_in(lambda cert, signed, signature: False))
    assert tsp.verify_cades(_gost_labelled_cms()).signers[0].failure == "SIGNATURE_INVALID"


def test_modules_import_in_either_order() -> None:
    for first in ("eds.signatures.tsp", "eds.signatures.cms"):
        subprocess.run([sys.executable, "-c", f"import {first}; import eds.signatures.cms, eds.signatures.tsp"], check=True)


# --- OpenSSL interoperability -----------------------------------------------------------------------------


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, check=False)


@pytest.fixture
def pki_files(tmp_path: Path) -> Path:
    pki = cms_pki()
    for name, party in {"ca": pki.ca, "rsa": pki.rsa_signer, "ec": pki.ec_signer, "tsa": pki.rsa_tsa}.items():
        (tmp_path / f"{name}.pem").write_bytes(party.cert_pem)
        (tmp_path / f"{name}.key").write_bytes(party.key_pem)
    (tmp_path / "content.bin").write_bytes(CONTENT)
    return tmp_path


@needs_openssl
@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("detached", [False, True])
def test_openssl_verifies_our_cms(pki_files: Path, kind: str, detached: bool) -> None:
    pki = cms_pki()
    signer = _signer(kind)
    der = cms.sign_cms(
        CONTENT, signer.key, signer.cert_der, detached=detached, timestamp=tsp.signature_timestamper(timestamper=timestamper(pki.tsa, pki))
    )
    (pki_files / "signed.der").write_bytes(der)
    args = ["cms", "-verify", "-binary", "-inform", "DER", "-in", "signed.der", "-CAfile", "ca.pem", "-out", "out.bin"]
    if detached:
        args += ["-content", "content.bin"]
    done = _openssl(*args, cwd=pki_files)
    assert done.returncode == 0, done.stderr.decode()
    assert (pki_files / "out.bin").read_bytes() == CONTENT


@needs_openssl
def test_openssl_verifies_our_co_signed_cms(pki_files: Path) -> None:
    pki = cms_pki()
    der = cms.add_signer(attached_rsa(), pki.ec_signer.key, pki.ec_signer.cert_der)
    (pki_files / "signed.der").write_bytes(der)
    done = _openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", "signed.der", "-CAfile", "ca.pem", "-out", "out.bin",
        cwd=pki_files,
    )
    assert done.returncode == 0, done.stderr.decode()


OPENSSL_SIGN_VARIANTS: dict[str, list[str]] = {
    "rsa_attached": ["-signer", "rsa.pem", "-inkey", "rsa.key", "-nodetach"],
    "rsa_detached": ["-signer", "rsa.pem", "-inkey", "rsa.key"],
    "ec_attached": ["-signer", "ec.pem", "-inkey", "ec.key", "-nodetach"],
    "ec_detached": ["-signer", "ec.pem", "-inkey", "ec.key"],
    "rsa_pss": ["-signer", "rsa.pem", "-inkey", "rsa.key", "-nodetach", "-keyopt", "rsa_padding_mode:pss"],
    "rsa_cades": ["-signer", "rsa.pem", "-inkey", "rsa.key", "-nodetach", "-cades"],
    "rsa_ber_stream": ["-signer", "rsa.pem", "-inkey", "rsa.key", "-nodetach", "-stream"],
    "two_signers": ["-signer", "rsa.pem", "-inkey", "rsa.key", "-signer", "ec.pem", "-inkey", "ec.key", "-nodetach"],
}


@needs_openssl
@pytest.mark.parametrize("variant", sorted(OPENSSL_SIGN_VARIANTS))
def test_we_verify_openssl_cms(pki_files: Path, variant: str) -> None:
    args = OPENSSL_SIGN_VARIANTS[variant]
    done = _openssl(
        "cms", "-sign", "-binary", "-md", "sha256", "-in", "content.bin", "-outform", "DER", "-out", "signed.der",
        *args, cwd=pki_files,
    )
    assert done.returncode == 0, done.stderr.decode()
    detached = "-nodetach" not in args
    der = (pki_files / "signed.der").read_bytes()
    result = tsp.verify_cades(der, detached_content=CONTENT if detached else None)
    assert result.intact, [(s.failure, s.message) for s in result.signers]
    assert result.content == CONTENT
    assert len(result.signers) == (2 if variant == "two_signers" else 1)
    if variant == "rsa_pss":
        assert result.signers[0].signature_algorithm == "1.2.840.113549.1.1.10"
    if variant == "rsa_ber_stream":
        assert der[1] == 0x80  # indefinite length: really BER
    tampered = tsp.verify_cades(der, detached_content=CONTENT + b" ") if detached else None
    if tampered is not None:
        assert tampered.signers[0].failure == "DIGEST_MISMATCH"


@needs_openssl
def test_openssl_verifies_our_timestamp_token(pki_files: Path) -> None:
    pki = cms_pki()
    (pki_files / "tsa-ec.pem").write_bytes(pki.tsa.cert_pem)
    data = b"signature value stand-in"
    (pki_files / "data.bin").write_bytes(data)
    token = timestamp_token(hashlib.sha256(data).digest(), pki.tsa, pki)
    (pki_files / "token.der").write_bytes(token)
    done = _openssl(
        "ts", "-verify", "-token_in", "-in", "token.der", "-data", "data.bin", "-CAfile", "ca.pem",
        "-untrusted", "tsa-ec.pem", cwd=pki_files,
    )
    assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()


@needs_openssl
def test_we_verify_an_openssl_tsa_token(pki_files: Path) -> None:
    (pki_files / "tsa.cnf").write_text(
        "[ tsa ]\ndefault_tsa = tsa_config\n[ tsa_config ]\nserial = serial.txt\nsigner_cert = tsa.pem\n"
        "certs = ca.pem\nsigner_key = tsa.key\nsigner_digest = sha256\n"
        f"default_policy = {TSA_POLICY}\ndigests = sha256\ness_cert_id_alg = sha256\n"
    )
    (pki_files / "serial.txt").write_text("01\n")
    der = attached_rsa()
    (pki_files / "sig.bin").write_bytes(signature_of(der))
    steps = [
        ["ts", "-query", "-data", "sig.bin", "-sha256", "-cert", "-out", "req.tsq"],
        ["ts", "-reply", "-queryfile", "req.tsq", "-config", "tsa.cnf", "-out", "resp.tsr"],
        ["ts", "-reply", "-in", "resp.tsr", "-token_out", "-out", "token.der"],
    ]
    for step in steps:
        done = _openssl(*step, cwd=pki_files)
        assert done.returncode == 0, done.stderr.decode()
    token = (pki_files / "token.der").read_bytes()
    stamp = tsp.verify_cades(with_timestamp_token(der, token)).signers[0].timestamp
    assert stamp.intact, stamp.message
    assert stamp.policy == TSA_POLICY and stamp.tsa_certificate_der == cms_pki().rsa_tsa.cert_der


# --- the TSP client against a local TSA -------------------------------------------------------------------


class _TsaServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    respond: Callable[[bytes], tuple[int, bytes]]
    requests: int = 0


class _TsaHandler(http.server.BaseHTTPRequestHandler):
    server: _TsaServer

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests += 1
        status, answer = self.server.respond(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        return


def _good_answer(request: bytes) -> tuple[int, bytes]:
    pki = cms_pki()
    return 200, make_timestamp_response(
        request, pki.tsa.key, pki.tsa.cert_der, TSA_POLICY, extra_certs=[pki.ca.cert_der]
    )


@pytest.fixture
def tsa_server() -> Iterator[_TsaServer]:
    server = _TsaServer(("127.0.0.1", 0), _TsaHandler)
    server.respond = _good_answer
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: _TsaServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/tsp/"


IMPRINT = hashlib.sha256(b"a signature value").digest()


def test_request_timestamp_from_local_tsa(tsa_server: _TsaServer) -> None:
    token = tsp.request_timestamp(_url(tsa_server), IMPRINT, policy_oid=TSA_POLICY)
    info = tsp.verify_timestamp_token(token, imprint=IMPRINT)
    assert info.intact and info.policy == TSA_POLICY and info.nonce is not None
    assert abs(info.gen_time - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_sign_cms_with_timestamp_url(tsa_server: _TsaServer) -> None:
    pki = cms_pki()
    der = cms.sign_cms(CONTENT, pki.ec_signer.key, pki.ec_signer.cert_der, timestamp=tsp.signature_timestamper(_url(tsa_server)))
    stamp = tsp.verify_cades(der).signers[0].timestamp
    assert stamp is not None and stamp.intact and stamp.tsa_certificate_der == pki.tsa.cert_der


def test_retries_after_server_errors(tsa_server: _TsaServer) -> None:
    failures = iter([(503, b"busy"), (502, b"bad gateway")])
    tsa_server.respond = lambda request: next(failures, None) or _good_answer(request)
    tsp.request_timestamp(_url(tsa_server), IMPRINT, retries=2, retry_delay=0.01)
    assert tsa_server.requests == 3


def test_gives_up_after_bounded_retries(tsa_server: _TsaServer) -> None:
    tsa_server.respond = lambda request: (503, b"busy")
    with pytest.raises(tsp.TimestampError) as caught:
        tsp.request_timestamp(_url(tsa_server), IMPRINT, retries=1, retry_delay=0.01)
    assert caught.value.code == "TSA_UNAVAILABLE" and tsa_server.requests == 2


def test_client_errors_are_not_retried(tsa_server: _TsaServer) -> None:
    tsa_server.respond = lambda request: (400, b"no")
    with pytest.raises(tsp.TimestampError) as caught:
        tsp.request_timestamp(_url(tsa_server), IMPRINT, retries=3, retry_delay=0.01)
    assert caught.value.code == "TSA_HTTP_ERROR" and tsa_server.requests == 1


def test_waiting_status_is_retried(tsa_server: _TsaServer) -> None:
    waiting = cms.TimeStampResp({"status": {"status": "waiting"}}).dump()
    answers = iter([(200, waiting)])
    tsa_server.respond = lambda request: next(answers, None) or _good_answer(request)
    tsp.request_timestamp(_url(tsa_server), IMPRINT, retries=1, retry_delay=0.01)
    assert tsa_server.requests == 2


def test_unreachable_tsa() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(tsp.TimestampError) as caught:
        tsp.request_timestamp(f"http://127.0.0.1:{port}/", IMPRINT, retries=1, retry_delay=0.01, timeout=2)
    assert caught.value.code == "TSA_UNAVAILABLE"


def test_only_http_urls() -> None:
    with pytest.raises(ValueError):
        tsp.request_timestamp("file:///etc/passwd", IMPRINT)


def test_nonce_must_be_echoed(tsa_server: _TsaServer) -> None:
    pki = cms_pki()

    def replayed(request: bytes) -> tuple[int, bytes]:
        token = timestamp_token(IMPRINT, pki.tsa, pki)  # a fresh nonce, not the request's
        answer = cms.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": acms.ContentInfo.load(token)})
        return 200, answer.dump()

    tsa_server.respond = replayed
    with pytest.raises(tsp.TimestampError) as caught:
        tsp.request_timestamp(_url(tsa_server), IMPRINT, retries=0)
    assert caught.value.code == "NONCE_MISMATCH"


def test_token_for_another_imprint_is_refused(tsa_server: _TsaServer) -> None:
    pki = cms_pki()

    def other(request: bytes) -> tuple[int, bytes]:
        nonce = atsp.TimeStampReq.load(request)["nonce"].native
        token = make_timestamp_token(
            hashlib.sha256(b"x").digest(), tsp.SHA256, pki.tsa.key, pki.tsa.cert_der, TSA_POLICY, nonce, NOW, 7
        )
        answer = cms.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": acms.ContentInfo.load(token)})
        return 200, answer.dump()

    tsa_server.respond = other
    with pytest.raises(tsp.TimestampError) as caught:
        tsp.request_timestamp(_url(tsa_server), IMPRINT, retries=0)
    assert caught.value.code == "IMPRINT_MISMATCH"


def test_rejected_policy(tsa_server: _TsaServer) -> None:
    with pytest.raises(tsp.TimestampError) as caught:
        tsp.request_timestamp(_url(tsa_server), IMPRINT, policy_oid="1.2.398.3.3.2.6.1", retries=0)
    assert caught.value.code == "TSA_REJECTED" and "unaccepted_policy" in caught.value.message


def test_malformed_answer(tsa_server: _TsaServer) -> None:
    tsa_server.respond = lambda request: (200, b"<html>not a TSA</html>")
    with pytest.raises(tsp.TimestampError) as caught:
        tsp.request_timestamp(_url(tsa_server), IMPRINT, retries=0)
    assert caught.value.code == "TSA_RESPONSE_MALFORMED"


def test_tsa_response_builder() -> None:
    pki = cms_pki()
    garbage = cms.TimeStampResp.load(make_timestamp_response(b"junk", pki.tsa.key, pki.tsa.cert_der, TSA_POLICY))
    assert garbage["status"]["status"].native == "rejection"
    assert garbage["status"]["fail_info"].native == {"bad_data_format"}

    request, nonce = tsp.build_request(IMPRINT, cert_req=False)
    answer = cms.TimeStampResp.load(make_timestamp_response(request, pki.tsa.key, pki.tsa.cert_der, TSA_POLICY))
    token = answer["time_stamp_token"]
    assert isinstance(token["content"]["certificates"], core.Void)
    info = tsp.verify_timestamp_token(token.dump(), imprint=IMPRINT)
    assert info.failure == "SIGNER_CERTIFICATE_NOT_FOUND" and info.nonce == nonce

    short, _ = tsp.build_request(b"\x01" * 20)
    answer = cms.TimeStampResp.load(make_timestamp_response(short, pki.tsa.key, pki.tsa.cert_der, TSA_POLICY))
    assert answer["status"]["fail_info"].native == {"bad_alg"}


def test_verify_timestamp_token_needs_one_subject() -> None:
    with pytest.raises(ValueError):
        tsp.verify_timestamp_token(b"", data=b"x", imprint=b"y")


def test_resign_helper_keeps_base_intact() -> None:
    """The corpus' re-signing helper produces a valid signature, so its failures are the injected ones."""
    key = cms_pki().rsa_signer.key
    der = mutate_signer(attached_rsa(), lambda _, si: resign(si, list(si["signed_attrs"]), key))
    assert tsp.verify_cades(der).intact


# --- against the project's live test PKI (tests/conftest.py) ----------------------------------------------


def test_live_test_pki_tsa(pki_server, manifest: dict, faults) -> None:
    """The TSP client and CAdES-T signing against test_pki's own TSA, and its faults."""
    pki = cms_pki()
    url = f"{manifest['base_url']}/tsp/"
    der = cms.sign_cms(CONTENT, pki.ec_signer.key, pki.ec_signer.cert_der, timestamp=tsp.signature_timestamper(url))
    stamp = tsp.verify_cades(der).signers[0].timestamp
    assert stamp is not None and stamp.intact and stamp.policy == TSA_POLICY

    faults(tsa="down")
    with pytest.raises(tsp.TimestampError) as caught:
        tsp.request_timestamp(url, IMPRINT, retries=1, retry_delay=0.01)
    assert caught.value.code == "TSA_UNAVAILABLE"
    faults(tsa="garbage")
    with pytest.raises(tsp.TimestampError) as caught:
        tsp.request_timestamp(url, IMPRINT, retries=0)
    assert caught.value.code == "TSA_RESPONSE_MALFORMED"


def _with_unreadable_timestamp_attribute(der: bytes) -> bytes:
    """``der``'s first SignerInfo with a signatureTimeStampToken attribute whose value is not a ContentInfo."""
    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        body = core.ObjectIdentifier(tsp.ID_SIGNATURE_TIMESTAMP_TOKEN).dump() + b"\x31\x03\x04\x01\x00"
        signer_info["unsigned_attrs"] = acms.CMSAttributes([acms.CMSAttribute.load(bytes([0x30, len(body)]) + body)])

    return mutate_signer(der, change)


def test_an_unreadable_timestamp_attribute_fails_a_signer_but_not_a_tsa_token() -> None:
    """A signer's CAdES-T attribute that cannot be read fails it (TIMESTAMP_INVALID); the same attribute inside a
    TSA's own token is nothing to the token, whose unsigned attributes prove nothing, as it always was."""
    pki = cms_pki()
    signer = tsp.verify_cades(_with_unreadable_timestamp_attribute(attached_rsa())).signers[0]
    assert not signer.intact and signer.failure == "TIMESTAMP_INVALID"
    assert signer.timestamp is not None and signer.timestamp.failure == "TOKEN_MALFORMED"
    assert cms.verify_cms(_with_unreadable_timestamp_attribute(attached_rsa())).intact  # CMS alone judges no time

    token = timestamp_token(hashlib.sha256(b"value").digest(), pki.tsa, pki)
    assert tsp.verify_timestamp_token(_with_unreadable_timestamp_attribute(token), data=b"value").intact
