"""Signing a given hash as NCALayer's createCAdESFromBase64Hash does: cms.sign_digest and ``eds sign hash``."""

from __future__ import annotations

import base64
import hashlib
import subprocess

import pytest

from eds.cli import main
from eds.pki import gost
from eds.pki.keys import SigningKey
from eds.signatures import cms

CONTENT = b"%PDF-1.7 the bytes of a /ByteRange\n"


def _key(pki_dir, manifest, name: str) -> SigningKey:
    return SigningKey.from_pkcs12((pki_dir / f"users/{name}.p12").read_bytes(), manifest["password"])


@pytest.mark.parametrize("name", ["individual_sign", "ec_individual_sign"])
def test_the_cms_over_a_hash_is_a_detached_cms_over_the_content(pki_dir, manifest, name):
    key = _key(pki_dir, manifest, name)
    signed = cms.sign_digest(hashlib.sha256(CONTENT).digest(), key.private_key, key.certificate.der)
    result = cms.verify_cms(signed, detached_content=CONTENT)
    assert result.intact and result.detached and result.content_type == cms.ID_DATA
    assert len(result.signers) == 1 and result.signers[0].certificate_der == key.certificate.der
    assert result.signers[0].digest_algorithm == cms.SHA256
    # another content is another digest
    other = cms.verify_cms(signed, detached_content=CONTENT + b"x")
    assert not other.intact and other.signers[0].failure == "DIGEST_MISMATCH"


def test_openssl_verifies_the_cms_over_a_hash(pki_dir, manifest, tmp_path):
    key = _key(pki_dir, manifest, "individual_sign")
    (tmp_path / "content").write_bytes(CONTENT)
    (tmp_path / "sig.der").write_bytes(
        cms.sign_digest(hashlib.sha256(CONTENT).digest(), key.private_key, key.certificate.der))
    result = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", tmp_path / "sig.der",
                             "-content", tmp_path / "content", "-noverify", "-out", "/dev/null"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_another_digest_algorithm_and_its_length(pki_dir, manifest):
    key = _key(pki_dir, manifest, "individual_sign")
    signed = cms.sign_digest(hashlib.sha384(CONTENT).digest(), key.private_key, key.certificate.der,
                             digest_oid=cms.SHA384)
    signer = cms.verify_cms(signed, detached_content=CONTENT).signers[0]
    assert signer.intact and signer.digest_algorithm == cms.SHA384
    with pytest.raises(cms.CmsError) as short:
        cms.sign_digest(b"\x01" * 20, key.private_key, key.certificate.der)
    assert short.value.code == "DIGEST_LENGTH"
    with pytest.raises(cms.CmsError) as gost_hash:
        cms.sign_digest(b"\x01" * 64, key.private_key, key.certificate.der, digest_oid=gost.OID_KZ_STREEBOG512_HASH)
    assert gost_hash.value.code == "UNSUPPORTED_ALGORITHM"


def test_a_gost_key_signs_a_streebog_hash(pki_dir, manifest):
    key = _key(pki_dir, manifest, "gost_company_head")
    digest = cms.digest_function(gost.OID_KZ_STREEBOG512_HASH)(CONTENT)
    signed = cms.sign_digest(digest, key.private_key, key.certificate.der)
    signer = cms.verify_cms(signed, detached_content=CONTENT).signers[0]
    assert signer.intact and signer.digest_algorithm == gost.OID_KZ_STREEBOG512_HASH
    # a GOST-2015 512 key does not sign over the hashes of the other GOST keys
    for other in (gost.OID_KZ_STREEBOG256_HASH, gost.OID_KZ_GOST34311_HASH):
        with pytest.raises(cms.CmsError) as refused:
            cms.sign_digest(b"\x01" * 32, key.private_key, key.certificate.der, digest_oid=other)
        assert refused.value.code == "UNSUPPORTED_ALGORITHM"


def test_eds_sign_hash_prints_the_cms_in_base64(pki_dir, manifest, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EDS_KEY_PASSWORD", manifest["password"])
    key = str(pki_dir / "users/individual_sign.p12")
    digest = base64.b64encode(hashlib.sha256(CONTENT).digest()).decode()
    assert main(["sign", "hash", digest, "--key", key, "--out", str(tmp_path / "sig.p7s")]) == 0
    printed = base64.b64decode(capsys.readouterr().out.strip())
    assert printed == (tmp_path / "sig.p7s").read_bytes()
    assert cms.verify_cms(printed, detached_content=CONTENT).intact
    sha512 = base64.b64encode(hashlib.sha512(CONTENT).digest()).decode()
    assert main(["sign", "hash", sha512, "--key", key, "--digest-alg", "sha512"]) == 0
    signer = cms.verify_cms(base64.b64decode(capsys.readouterr().out), detached_content=CONTENT).signers[0]
    assert signer.intact and signer.digest_algorithm == cms.SHA512


@pytest.mark.parametrize("argv, said", [
    (["not base64!"], "is not Base64"),
    ([base64.b64encode(b"short").decode()], "DIGEST_LENGTH"),
    ([base64.b64encode(b"x" * 64).decode(), "--digest-alg", "streebog512"], "UNSUPPORTED_ALGORITHM"),
])
def test_eds_sign_hash_refuses_in_one_line(pki_dir, manifest, monkeypatch, capsys, argv, said):
    monkeypatch.setenv("EDS_KEY_PASSWORD", manifest["password"])
    assert main(["sign", "hash", *argv, "--key", str(pki_dir / "users/individual_sign.p12")]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
