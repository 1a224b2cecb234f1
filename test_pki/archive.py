"""TSAs and CAs of chosen lives, added to a generated test PKI: the material of the proof that B-LTA lasts.

``add_tsa`` adds a time-stamping authority whose certificate lives ``days`` (from yesterday), issued by an
existing CA of the PKI or by a new CA of its own with a life of ``ca_days`` under the RSA root. The live
services (``eds pki serve``) answer for it at ``/tsp/<name>/``; the new CA publishes its CRL and answers OCSP
for its certificates itself. A short-lived TSA (and CA) stands for one whose certificate expires while the
documents it stamped must still verify; a long-lived one, with a key that no algorithm sunset ends
(:mod:`eds.pki.lifetimes`), stands for the TSA that renews their proof. Verifying "years later" is then
``eds verify --at``, with no clock moved.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from test_pki.authority import TestPki
from test_pki.generator import (
    _common_extensions, _purpose_extensions, _write_p12, _write_pem,
)
from test_pki.model import Authority, Identity, ca_urls, identity_entry, name_attribute, read_password, \
    serial_for, status_extensions, subject_name

KEYS = ("rsa", "rsa3072", "ec")


def _key(kind: str):
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=3072 if kind == "rsa3072" else 2048)


def _load(directory: Path, entry: dict):
    from eds.pki.keys import SigningKey

    key = SigningKey.from_pkcs12((directory / entry["pkcs12"]).read_bytes(), read_password(directory))
    return key.private_key, key.certificate.x509


def add_tsa(directory: str | Path, name: str, *, days: int, issuer: str = "ca_rsa", key: str = "rsa",
            ca_days: int | None = None, now: _dt.datetime | None = None) -> dict:
    """Add the TSA ``name`` to the PKI in ``directory`` and return its manifest entry (with ``url_path``).

    ``issuer`` names the CA that certifies it; with ``ca_days`` a new CA ``ca_<name>`` is made for it first,
    under ``root_rsa``, living ``ca_days``. ``key``: rsa (2048 bits, proof through 2030), rsa3072 or ec (P-256).
    """
    if key not in KEYS:
        raise ValueError(f"key must be one of {KEYS}")
    out = Path(directory)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    if name in manifest["identities"]:
        raise ValueError(f"the PKI already has {name}")
    now = (now or _dt.datetime.now(_dt.timezone.utc)).replace(microsecond=0)
    base_url = manifest["base_url"]
    if ca_days is not None:
        issuer = _add_ca(out, manifest, f"ca_{name}", ca_days, now)
    info = manifest["authorities"][issuer]
    ca_key, ca_cert = _load(out, info)
    authority = Authority(issuer, info["cn"], info["algorithm"], info["parent"], Path(info["crl"]).name,
                          Path(info["delta_crl"]).name if info.get("delta_crl") else None)
    identity = Identity(name, issuer, f"TSA {name.upper()} TEST", None, None, None, "TSA", validity_days=(-1, days),
                        description=f"timestamping authority living {days} days")
    private = _key(key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name(identity)).issuer_name(ca_cert.subject).public_key(private.public_key())
        .serial_number(serial_for(name))
        .not_valid_before(now - _dt.timedelta(days=1))
        .not_valid_after(now + _dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    builder = _common_extensions(builder, private.public_key(), ca_key)
    builder = _purpose_extensions(builder, identity)
    builder = status_extensions(builder, ca_urls(base_url, authority))
    cert = builder.sign(ca_key, hashes.SHA256())
    _write_pem(out / "users" / f"{name}.pem", cert)
    chain = [ca_cert]
    if info["parent"]:
        chain.append(_load(out, manifest["authorities"][info["parent"]])[1])
    _write_p12(out / "users" / f"{name}.p12", name, private, cert, chain)
    entry = {**identity_entry(identity, "users"), "url_path": f"/tsp/{name}/", "key": key}
    manifest["identities"][name] = entry
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    TestPki.load(out).write_crls(now)
    return entry


def _add_ca(out: Path, manifest: dict, name: str, days: int, now: _dt.datetime) -> str:
    """A CA under root_rsa living ``days`` (from a day ago), with a CRL of its own; its certificate goes where the
    profile looks for intermediates."""
    root = manifest["authorities"]["root_rsa"]
    root_key, root_cert = _load(out, root)
    authority = Authority(name, f"{name.upper()} (RSA) TEST", "rsa", "root_rsa", f"{name}.crl", None, path_len=0)
    key = _key("rsa")
    subject = x509.Name([name_attribute(NameOID.COMMON_NAME, authority.cn), name_attribute(NameOID.COUNTRY_NAME, "KZ")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(root_cert.subject).public_key(key.public_key())
        .serial_number(serial_for(name))
        .not_valid_before(now - _dt.timedelta(days=1))
        .not_valid_after(now + _dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
    )
    builder = _common_extensions(builder, key.public_key(), root_key)
    root_authority = Authority("root_rsa", root["cn"], "rsa", None, Path(root["crl"]).name, None)
    builder = status_extensions(builder, ca_urls(manifest["base_url"], root_authority))
    cert = builder.sign(root_key, hashes.SHA256())
    _write_pem(out / "ca" / f"{name}.pem", cert)
    _write_p12(out / "ca" / f"{name}.p12", name, key, cert, [root_cert])
    manifest["authorities"][name] = {
        "cn": authority.cn, "algorithm": "rsa", "parent": "root_rsa", "trusted": True,
        "certificate": f"ca/{name}.pem", "pkcs12": f"ca/{name}.p12", "serial": format(serial_for(name), "x"),
        "crl": f"crl/{authority.crl_file}", "delta_crl": None,
    }
    return name
