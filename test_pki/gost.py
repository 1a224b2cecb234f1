"""The GOST-2015-512 hierarchy of the test PKI (the NCA's 2022 generation), built with asn1crypto and eds.pki.gost.

``cryptography`` can neither hold a GOST key nor sign with one, so the certificates, CRLs and OCSP responses
of this branch are assembled with asn1crypto and signed with :class:`eds.pki.gost.keys.GostPrivateKey`. Names,
service URLs, EKU roles and the manifest follow the RSA and EC hierarchies (:mod:`test_pki.model`);
what is GOST-2015-specific is taken from NCA_PROFILE.md §2: all three KeyUsage bits on user certificates,
policy 1.2.398.3.3.2 and the private extension 1.2.398.3.3.5.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from pathlib import Path

from asn1crypto import core, ocsp, pem
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from eds.pki.certificates import OID_EKU_AUTH, OID_EKU_SIGN, ROLE_TO_OID
from eds.pki.gost import OID_KZ_GOST2015_512_SIGNATURE
from eds.pki.gost.curves import TC26_512_A
from eds.pki.gost.keys import GostPrivateKey
from eds.pki.gost.pkcs12 import write_pkcs12
from test_pki.model import (
    COMPANY,
    OID_NCA_KEY_STORAGE,
    PASSWORD,
    Authority,
    Identity,
    ca_urls,
    identity_entry,
    make_iin,
    name_attribute,
    serial_for,
    status_extensions,
    subject_name,
    write_private,
)

ROOT_GOST_CN = "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022"
CA_GOST_CN = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022"
POLICY_GOST2015 = "1.2.398.3.3.2"
KEY_IN_PKCS12 = "1.2.398.3.3.5.1.1"  # the value NCA puts in 1.2.398.3.3.5 (probably "key kept in a file")
SIGNATURE = OID_KZ_GOST2015_512_SIGNATURE

AUTHORITIES: tuple[Authority, ...] = (
    Authority("root_gost", ROOT_GOST_CN, "gost", None, "root_gost_test_2022.crl", None, path_len=1),
    Authority("ca_gost", CA_GOST_CN, "gost", "root_gost", "nca_gost_test_2022.crl", "nca_d_gost_test_2022.crl",
              path_len=0),
)
IDENTITIES: tuple[Identity, ...] = (
    Identity("gost_individual_sign", "ca_gost", "ГОСТОВ ТЕСТ", "ГОСТОВ", "ТЕСТОВИЧ", make_iin("840615", "3", "0158"),
             "SIGN", ("INDIVIDUAL",), description="individual, GOST-2015-512 signing key"),
    Identity("gost_company_head", "ca_gost", "ГОСТОВА ӘСЕЛ", "ГОСТОВА", "ТЕСТОВНА", make_iin("800220", "4", "0166"),
             "SIGN", ("LEGAL_ENTITY", "FIRST_HEAD"), COMPANY, description="first head, GOST-2015-512 signing key"),
    Identity("gost_revoked", "ca_gost", "ГОСТ ҚАЙТАРЫЛҒАН", "ГОСТ", "ТЕСТОВИЧ", make_iin("830917", "3", "0174"),
             "SIGN", ("INDIVIDUAL",), expected="REVOKED", revocation=("key_compromise", 7, "full"),
             description="GOST-2015-512 key, revoked (in the GOST CA's full CRL)"),
    Identity("gost_on_hold", "ca_gost", "ГОСТ ТОҚТАТЫЛҒАН", "ГОСТ", "ТЕСТОВНА", make_iin("870110", "4", "0182"),
             "SIGN", ("INDIVIDUAL",), expected="HOLD", revocation=("certificate_hold", 1, "delta"),
             description="GOST-2015-512 key, suspended (only in the GOST CA's delta CRL)"),
)
# Not among the manifest's identities: every identity there is expected to pass or fail as a document signer.
RESPONDERS: tuple[Identity, ...] = (
    Identity("ocsp_gost", "ca_gost", "OCSP RESPONDER (GOST) TEST 2022", None, None, None, "OCSP",
             description="delegated OCSP responder of the GOST CA"),
)


def new_key() -> GostPrivateKey:
    return GostPrivateKey.generate(TC26_512_A, SIGNATURE)


class _Spki(core.Sequence):
    _fields = [("algorithm", core.Any), ("public_key", core.BitString)]


def key_identifier(spki_der: bytes) -> bytes:
    """SHA-1 of the subjectPublicKey BIT STRING's content (RFC 5280 §4.2.1.2 method 1), as for the RSA keys."""
    return hashlib.sha1(_Spki.load(spki_der)["public_key"].contents[1:]).digest()


def _time(moment: _dt.datetime) -> asn1_x509.Time:
    moment = moment.astimezone(_dt.timezone.utc).replace(microsecond=0)
    if moment.year < 2050:
        return asn1_x509.Time(name="utc_time", value=moment)
    return asn1_x509.Time(name="general_time", value=moment)


def _algorithm(key: GostPrivateKey) -> dict:
    return {"algorithm": key.algorithm_oid}


class _Extension(core.Sequence):
    _fields = [("extn_id", core.ObjectIdentifier), ("critical", core.Boolean, {"default": False}),
               ("extn_value", core.OctetString)]


class _ExtensionList(core.SequenceOf):
    _child_spec = _Extension


class _ObjectIdentifiers(core.SequenceOf):
    _child_spec = core.ObjectIdentifier


class _Extensions:
    """Collects extensions through the same ``add_extension`` calls a cryptography CertificateBuilder takes,
    so that :func:`test_pki.model.status_extensions` serves this hierarchy too."""

    def __init__(self) -> None:
        self._items: list[_Extension] = []

    def add_extension(self, value: x509.ExtensionType, critical: bool) -> _Extensions:
        return self.add_der(value.oid.dotted_string, value.public_bytes(), critical)

    def add_der(self, oid: str, value: bytes, critical: bool = False) -> _Extensions:
        self._items.append(_Extension({"extn_id": oid, "critical": critical, "extn_value": value}))
        return self

    def asn1(self) -> asn1_x509.Extensions:
        return asn1_x509.Extensions.load(_ExtensionList(self._items).dump())


def _name(cn: str) -> asn1_x509.Name:
    return asn1_x509.Name.load(x509.Name([name_attribute(x509.NameOID.COMMON_NAME, cn),
                                          name_attribute(x509.NameOID.COUNTRY_NAME, "KZ")]).public_bytes())


def _certificate(key: GostPrivateKey, tbs: dict) -> bytes:
    tbs_certificate = asn1_x509.TbsCertificate({"version": "v3", "signature": _algorithm(key), **tbs})
    return asn1_x509.Certificate({
        "tbs_certificate": tbs_certificate,
        "signature_algorithm": _algorithm(key),
        "signature_value": key.sign(tbs_certificate.dump()),
    }).dump()


def _key_extensions(spki_der: bytes, issuer_spki_der: bytes) -> _Extensions:
    return _Extensions().add_extension(
        x509.SubjectKeyIdentifier(key_identifier(spki_der)), critical=False
    ).add_extension(
        x509.AuthorityKeyIdentifier(key_identifier(issuer_spki_der), None, None), critical=False
    )


def _purpose_extensions(extensions: _Extensions, identity: Identity) -> None:
    """EKU roles as on the RSA certificates; KeyUsage, policy and key storage as on NCA GOST-2015 ones."""
    if identity.purpose == "OCSP":
        extensions.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        extensions.add_extension(x509.OCSPNoCheck(), critical=False)
        extensions.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                                 critical=True)
        return
    roles = [x509.ObjectIdentifier(ROLE_TO_OID[role]) for role in identity.roles]
    purpose = OID_EKU_SIGN if identity.purpose == "SIGN" else OID_EKU_AUTH
    extensions.add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(purpose), *roles]), critical=False)
    extensions.add_extension(x509.KeyUsage(True, True, True, False, False, False, False, False, False),
                             critical=True)
    extensions.add_extension(
        x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(POLICY_GOST2015), None)]),
        critical=False)
    extensions.add_der(OID_NCA_KEY_STORAGE.dotted_string, _ObjectIdentifiers([KEY_IN_PKCS12]).dump())


def _write(out: Path, relative: str, certificate: bytes, key: GostPrivateKey, chain: list[bytes]) -> None:
    (out / f"{relative}.pem").write_bytes(pem.armor("CERTIFICATE", certificate))
    alias = key_identifier(key.spki).hex()
    write_private(out / f"{relative}.p12", write_pkcs12(key.to_pkcs8(), certificate, chain, PASSWORD, alias=alias))


def generate(out: Path, base_url: str, now: _dt.datetime, manifest: dict) -> None:
    """Write the GOST hierarchy into ``out`` (laid out as generator.generate does) and add it to ``manifest``."""
    keys: dict[str, GostPrivateKey] = {}
    certificates: dict[str, bytes] = {}
    by_name = {a.name: a for a in AUTHORITIES}
    for authority in AUTHORITIES:
        key = keys[authority.name] = new_key()
        parent = authority.parent
        issuer_key = keys[parent] if parent else key
        extensions = _key_extensions(key.spki, issuer_key.spki)
        extensions.add_extension(x509.BasicConstraints(ca=True, path_length=authority.path_len), critical=True)
        extensions.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                 critical=True)
        if parent is not None:
            status_extensions(extensions, ca_urls(base_url, by_name[parent]))
        certificate = certificates[authority.name] = _certificate(issuer_key, {
            "serial_number": serial_for(authority.name),
            "issuer": _name(by_name[parent].cn if parent else authority.cn),
            "validity": {"not_before": _time(now - _dt.timedelta(days=365)),
                         "not_after": _time(now + _dt.timedelta(days=365 * (10 if parent else 20)))},
            "subject": _name(authority.cn),
            "subject_public_key_info": asn1_x509.PublicKeyInfo.load(key.spki),
            "extensions": extensions.asn1(),
        })
        _write(out, f"ca/{authority.name}", certificate, key, [certificates[parent]] if parent else [])
        if parent is None:
            (out / "anchors" / f"{authority.name}.pem").write_bytes(pem.armor("CERTIFICATE", certificate))
        manifest["authorities"][authority.name] = {
            "cn": authority.cn, "algorithm": authority.algorithm, "parent": parent, "trusted": authority.trusted,
            "certificate": f"ca/{authority.name}.pem", "pkcs12": f"ca/{authority.name}.p12",
            "serial": format(serial_for(authority.name), "x"), "crl": f"crl/{authority.crl_file}",
            "delta_crl": f"crl/{authority.delta_crl_file}" if authority.delta_crl_file else None,
        }

    manifest.setdefault("responders", {})
    for identity in (*IDENTITIES, *RESPONDERS):
        authority = by_name[identity.issuer]
        key, issuer_key = new_key(), keys[authority.name]
        extensions = _key_extensions(key.spki, issuer_key.spki)
        extensions.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        _purpose_extensions(extensions, identity)
        if identity.purpose != "OCSP":
            status_extensions(extensions, ca_urls(base_url, authority))
        certificate = _certificate(issuer_key, {
            "serial_number": serial_for(identity.name),
            "issuer": _name(authority.cn),
            "validity": {"not_before": _time(now + _dt.timedelta(days=identity.validity_days[0])),
                         "not_after": _time(now + _dt.timedelta(days=identity.validity_days[1]))},
            "subject": asn1_x509.Name.load(subject_name(identity).public_bytes()),
            "subject_public_key_info": asn1_x509.PublicKeyInfo.load(key.spki),
            "extensions": extensions.asn1(),
        })
        chain = [certificates[authority.name], certificates[authority.parent]]
        _write(out, f"users/{identity.name}", certificate, key, chain)
        section = "responders" if identity in RESPONDERS else "identities"
        manifest[section][identity.name] = identity_entry(identity, "users")


def crl(key: GostPrivateKey, issuer_der: bytes, this_update: _dt.datetime, next_update: _dt.datetime,
        number: int, delta_base: int | None, entries: list[tuple[int, _dt.datetime, str]]) -> bytes:
    """A CRL signed with GOST: ``entries`` are (serial, revocation time, reason name as in x509.ReasonFlags)."""
    issuer = asn1_x509.Certificate.load(issuer_der)
    extensions = [
        {"extn_id": "crl_number", "critical": False, "extn_value": number},
        {"extn_id": "authority_key_identifier", "critical": False,
         "extn_value": {"key_identifier": key_identifier(issuer.public_key.dump())}},
    ]
    if delta_base is not None:
        extensions.append({"extn_id": "delta_crl_indicator", "critical": True, "extn_value": delta_base})
    tbs: dict = {
        "version": "v2",
        "signature": _algorithm(key),
        "issuer": issuer.subject,
        "this_update": _time(this_update),
        "next_update": _time(next_update),
        "crl_extensions": extensions,
    }
    if entries:
        tbs["revoked_certificates"] = [
            {"user_certificate": serial, "revocation_date": _time(when),
             "crl_entry_extensions": [{"extn_id": "crl_reason", "critical": False, "extn_value": reason}]}
            for serial, when, reason in entries
        ]
    tbs_cert_list = asn1_crl.TbsCertList(tbs)
    return asn1_crl.CertificateList({
        "tbs_cert_list": tbs_cert_list,
        "signature_algorithm": _algorithm(key),
        "signature": key.sign(tbs_cert_list.dump()),
    }).dump()


def ocsp_response(key: GostPrivateKey, responder_der: bytes, cert_id: dict, status: str,
                  revoked: tuple[_dt.datetime, str] | None, now: _dt.datetime, nonce: bytes | None) -> bytes:
    """A successful BasicOCSPResponse signed with GOST, as the NCA answers: no nextUpdate, the nonce echoed.

    ``cert_id`` holds the request's hash_algorithm name, issuer_name_hash, issuer_key_hash and serial_number;
    ``status`` is good, revoked or unknown; ``revoked`` the (time, reason name) of a revoked certificate.
    """
    responder = asn1_x509.Certificate.load(responder_der)
    if status == "revoked" and revoked is not None:
        cert_status = ocsp.CertStatus(name="revoked", value={"revocation_time": revoked[0].astimezone(
            _dt.timezone.utc).replace(microsecond=0), "revocation_reason": revoked[1]})
    else:
        cert_status = ocsp.CertStatus(name=status, value=core.Null())
    tbs: dict = {
        "version": "v1",
        "responder_id": ocsp.ResponderId(name="by_key", value=key_identifier(responder.public_key.dump())),
        "produced_at": now.astimezone(_dt.timezone.utc).replace(microsecond=0),
        "responses": [{
            "cert_id": {"hash_algorithm": {"algorithm": cert_id["hash_algorithm"]},
                        "issuer_name_hash": cert_id["issuer_name_hash"],
                        "issuer_key_hash": cert_id["issuer_key_hash"],
                        "serial_number": cert_id["serial_number"]},
            "cert_status": cert_status,
            "this_update": now.astimezone(_dt.timezone.utc).replace(microsecond=0),
        }],
    }
    if nonce is not None:
        tbs["response_extensions"] = [{"extn_id": "nonce", "critical": False, "extn_value": nonce}]
    response_data = ocsp.ResponseData(tbs)
    basic = ocsp.BasicOCSPResponse({
        "tbs_response_data": response_data,
        "signature_algorithm": _algorithm(key),
        "signature": key.sign(response_data.dump()),
        "certs": [responder],
    })
    return ocsp.OCSPResponse({
        "response_status": "successful",
        "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
    }).dump()
