"""The generated test PKI: reproducible, NCA-shaped, and accepted by OpenSSL (chain, CRL, OCSP, TSA)."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp

from eds.pki.revocation.ocsp import build_request
from test_pki import generator


def openssl(*args: str, cwd: Path | None = None, data: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], cwd=cwd, input=data, capture_output=True)


@pytest.fixture(scope="module")
def chain_file(pki_dir, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("chain") / "chain.pem"
    path.write_bytes((pki_dir / "anchors/root_rsa.pem").read_bytes() + (pki_dir / "ca/ca_rsa.pem").read_bytes())
    return path


def test_layout_and_manifest_are_reproducible(tmp_path, manifest):
    first, second = tmp_path / "a", tmp_path / "b"
    generator.generate(first, base_url=manifest["base_url"])
    generator.generate(second, base_url=manifest["base_url"])
    files = lambda root: sorted(str(p.relative_to(root)) for p in root.rglob("*"))  # noqa: E731
    assert files(first) == files(second)
    assert (first / "manifest.json").read_text() == (second / "manifest.json").read_text()
    assert (first / "users/individual_sign.pem").read_bytes() != (second / "users/individual_sign.pem").read_bytes()


def test_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "x").write_text("keep me")
    with pytest.raises(FileExistsError):
        generator.generate(tmp_path)
    assert (tmp_path / "x").read_text() == "keep me"


def test_manifest_lists_every_identity_with_checksum_valid_numbers(manifest):
    from eds.pki.identity import parse_bin, parse_iin

    expected = {"individual_sign", "individual_auth", "company_head", "company_signer", "company_employee",
                "official_ministry", "official_region", "revoked", "on_hold", "expired", "not_yet_valid",
                "wrong_cdp", "impostor", "ocsp_rsa", "tsa"}
    assert expected <= set(manifest["identities"])
    for info in manifest["identities"].values():
        if info["iin"]:
            parse_iin(info["iin"])
        if info["bin"]:
            parse_bin(info["bin"])


def test_pkcs12_files_open_with_the_password(pki_dir, manifest):
    for name, info in list(manifest["identities"].items())[:4]:
        key, cert, chain = pkcs12.load_key_and_certificates((pki_dir / info["pkcs12"]).read_bytes(),
                                                            manifest["password"].encode())
        assert key is not None and cert.serial_number == int(info["serial"], 16)
        assert len(chain) == 2
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates((pki_dir / "users/individual_sign.p12").read_bytes(), b"wrong")


def test_openssl_verifies_the_chain_and_refuses_the_impostor(pki_dir, chain_file):
    ok = openssl("verify", "-CAfile", "anchors/root_rsa.pem", "-untrusted", "ca/ca_rsa.pem",
                 "users/individual_sign.pem", cwd=pki_dir)
    assert ok.returncode == 0, ok.stderr
    ec = openssl("verify", "-CAfile", "anchors/root_ec.pem", "-untrusted", "ca/ca_ec.pem",
                 "users/ec_individual_sign.pem", cwd=pki_dir)
    assert ec.returncode == 0, ec.stderr
    fake = openssl("verify", "-CAfile", "anchors/root_rsa.pem", "-untrusted", "lookalike/fake_ca_rsa.pem",
                   "users/impostor.pem", cwd=pki_dir)
    assert fake.returncode != 0


def test_openssl_crl_check_rejects_the_revoked(pki_dir, tmp_path):
    bundle = tmp_path / "bundle.pem"
    parts = [(pki_dir / "anchors/root_rsa.pem").read_bytes(), (pki_dir / "ca/ca_rsa.pem").read_bytes()]
    for crl in ("nca_rsa_test.crl", "root_rsa_test.crl"):
        parts.append(openssl("crl", "-inform", "DER", "-in", str(pki_dir / "crl" / crl)).stdout)
    bundle.write_bytes(b"".join(parts))
    revoked = openssl("verify", "-crl_check_all", "-CAfile", str(bundle), str(pki_dir / "users/revoked.pem"))
    assert revoked.returncode != 0 and b"certificate revoked" in revoked.stdout + revoked.stderr
    good = openssl("verify", "-crl_check_all", "-CAfile", str(bundle), str(pki_dir / "users/individual_sign.pem"))
    assert good.returncode == 0, good.stdout + good.stderr


@pytest.mark.parametrize("name, status", [("individual_sign", "good"), ("revoked", "revoked"),
                                          ("on_hold", "revoked")])
def test_openssl_ocsp_accepts_the_answers(pki_server, pki_dir, chain_file, name, status):
    result = openssl("ocsp", "-issuer", "ca/ca_rsa.pem", "-sha256", "-cert", f"users/{name}.pem", "-url",
                     f"{pki_server.base_url}/ocsp/", "-CAfile", str(chain_file), cwd=pki_dir)
    output = (result.stdout + result.stderr).decode()
    assert "Response verify OK" in output, output
    assert f"users/{name}.pem: {status}" in output
    if name == "on_hold":
        assert "Reason: certificateHold" in output


def test_ocsp_like_the_nca_no_next_update_nonce_echoed_sha1_and_sha256(pki_server, cert_of):
    from cryptography.hazmat.primitives import hashes

    for algorithm in (hashes.SHA1(), hashes.SHA256()):
        nonce = b"0123456789abcdef"
        request = build_request(cert_of("individual_sign"), cert_of("ca_rsa"), hash_algorithm=algorithm,
                                nonce=nonce)
        reply = urllib.request.urlopen(urllib.request.Request(
            f"{pki_server.base_url}/ocsp/", data=request, headers={"Content-Type": "application/ocsp-request"}))
        response = ocsp.load_der_ocsp_response(reply.read())
        assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
        assert response.next_update_utc is None
        assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
        assert response.certificates[0].subject == cert_of("ocsp_rsa").x509.subject


def test_openssl_ts_verifies_a_timestamp(pki_server, pki_dir, chain_file, tmp_path):
    data = tmp_path / "data.txt"
    data.write_bytes("өтініш / заявление".encode())
    query = openssl("ts", "-query", "-data", str(data), "-sha256", "-cert")
    assert query.returncode == 0
    reply = urllib.request.urlopen(urllib.request.Request(
        f"{pki_server.base_url}/tsp/", data=query.stdout,
        headers={"Content-Type": "application/timestamp-query"})).read()
    (tmp_path / "reply.tsr").write_bytes(reply)
    text = openssl("ts", "-reply", "-in", str(tmp_path / "reply.tsr"), "-text").stdout.decode()
    assert "Policy OID: 1.2.398.3.3.2.6.4" in text
    verified = openssl("ts", "-verify", "-data", str(data), "-in", str(tmp_path / "reply.tsr"), "-CAfile",
                       str(chain_file))
    assert verified.returncode == 0 and b"Verification: OK" in verified.stdout, verified.stderr


def test_crls_full_and_delta(pki_server, pki_dir):
    full = x509.load_der_x509_crl(urllib.request.urlopen(f"{pki_server.base_url}/crl/nca_rsa_test.crl").read())
    delta = x509.load_der_x509_crl(urllib.request.urlopen(f"{pki_server.base_url}/crl/nca_d_rsa_test.crl").read())
    number = full.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    indicator = delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).value.crl_number
    assert indicator == number
    manifest = json.loads((pki_dir / "manifest.json").read_text())
    revoked = int(manifest["identities"]["revoked"]["serial"], 16)
    hold = int(manifest["identities"]["on_hold"]["serial"], 16)
    assert full.get_revoked_certificate_by_serial_number(revoked) is not None
    assert full.get_revoked_certificate_by_serial_number(hold) is None
    entry = delta.get_revoked_certificate_by_serial_number(hold)
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.certificate_hold
