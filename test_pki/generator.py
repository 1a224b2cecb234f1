"""Write an NCA-like test PKI to a folder: roots, issuing CAs, end entities, responders, CRLs, PKCS#12.

The layout and ``manifest.json`` are reproducible (serial numbers derive from the identity names);
keys and validity dates are not, since they depend on the moment of generation. Service URLs inside the
certificates point at ``base_url``, where ``eds pki serve`` answers.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eds.pki.certificates import OID_EKU_AUTH, OID_EKU_SIGN, ROLE_TO_OID
from eds.pki.identity import complete
from test_pki import gost
from test_pki.authority import TestPki
from test_pki.model import (
    COMPANY,
    DEFAULT_BASE_URL,
    CULTURE,
    EAST_KAZAKHSTAN,
    MINISTRY,
    PASSWORD,
    PASSWORD_FILE,
    POLICY_TEST,
    REGION,
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

ROOT_RSA_CN = "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST"
CA_RSA_CN = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST"
ROOT_EC_CN = "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (EC) TEST"
CA_EC_CN = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (EC) TEST"

AUTHORITIES: tuple[Authority, ...] = (
    Authority("root_rsa", ROOT_RSA_CN, "rsa", None, "root_rsa_test.crl", None, path_len=1),
    Authority("ca_rsa", CA_RSA_CN, "rsa", "root_rsa", "nca_rsa_test.crl", "nca_d_rsa_test.crl", path_len=0),
    Authority("root_ec", ROOT_EC_CN, "ec", None, "root_ec_test.crl", None, path_len=1),
    Authority("ca_ec", CA_EC_CN, "ec", "root_ec", "nca_ec_test.crl", "nca_d_ec_test.crl", path_len=0),
    # The impersonation attempt: same names, keys of its own, never pinned.
    Authority("fake_root_rsa", ROOT_RSA_CN, "rsa", None, "fake_root_rsa.crl", None, trusted=False, path_len=1),
    Authority("fake_ca_rsa", CA_RSA_CN, "rsa", "fake_root_rsa", "fake_nca_rsa.crl", None, trusted=False,
              path_len=0),
)

# The organisation that runs the service: its key signs the audit journal's checkpoints (demo key ``journal``).
OPERATOR = ("«ЭЦҚ ТЕКСЕРУ ҚЫЗМЕТІ» ТЕСТ ОПЕРАТОРЫ", complete("16044000444"))

IDENTITIES: tuple[Identity, ...] = (
    Identity("individual_sign", "ca_rsa", "ТЕСТОВ ТЕСТ", "ТЕСТОВ", "ТЕСТОВИЧ", make_iin("850412", "3", "0017"),
             "SIGN", ("INDIVIDUAL",), email="test@example.kz",
             description="individual, signing key"),
    Identity("individual_auth", "ca_rsa", "ТЕСТОВ ТЕСТ", "ТЕСТОВ", "ТЕСТОВИЧ", make_iin("850412", "3", "0017"),
             "AUTH", ("INDIVIDUAL",), description="individual, authentication key (must not sign)"),
    Identity("company_head", "ca_rsa", "ӘБІЛҚАСЫМОВА ҒАЛИЯ", "ӘБІЛҚАСЫМОВА", "ҚАЙРАТҚЫЗЫ",
             make_iin("790305", "4", "0025"), "SIGN", ("LEGAL_ENTITY", "FIRST_HEAD"), COMPANY,
             description="first head of a legal entity"),
    Identity("company_signer", "ca_rsa", "СЕРІКБАЕВ НҰРЛАН", "СЕРІКБАЕВ", "ӨМІРЗАҚҰЛЫ",
             make_iin("880721", "3", "0031"), "SIGN", ("LEGAL_ENTITY", "RIGHT_TO_SIGN"), COMPANY,
             description="employee with the right to sign"),
    Identity("company_employee", "ca_rsa", "ИВАНОВА МАРИЯ", "ИВАНОВА", "ПЕТРОВНА",
             make_iin("950130", "4", "0049"), "SIGN", ("LEGAL_ENTITY", "EMPLOYEE"), COMPANY,
             description="employee without the right to sign"),
    Identity("official_ministry", "ca_rsa", "ЖҰМАБЕКОВ ЕРЛАН", "ЖҰМАБЕКОВ", "ҚУАНЫШҰЛЫ",
             make_iin("700918", "3", "0053"), "SIGN", ("LEGAL_ENTITY", "FIRST_HEAD"), MINISTRY,
             description="head of the ministry's committee, signs results"),
    Identity("official_region", "ca_rsa", "ТӨЛЕГЕНОВА ӘЙГЕРІМ", "ТӨЛЕГЕНОВА", "СӘКЕНҚЫЗЫ",
             make_iin("820611", "4", "0061"), "SIGN", ("LEGAL_ENTITY", "RIGHT_TO_SIGN"), REGION,
             description="official of the regional department with the right to sign"),
    Identity("official_culture_head", "ca_rsa", "ҚҰДАЙБЕРГЕНОВА ӘСЕЛ", "ҚҰДАЙБЕРГЕНОВА", "ШАҺИЗАТҚЫЗЫ",
             make_iin("750304", "4", "0165"), "SIGN", ("LEGAL_ENTITY", "FIRST_HEAD"), CULTURE,
             description="head of the regional culture department: signs regulation 003's results"),
    Identity("official_culture_deputy", "ca_rsa", "ОМАРОВ ДАНИЯР", "ОМАРОВ", "БОЛАТҰЛЫ",
             make_iin("830917", "3", "0173"), "SIGN", ("LEGAL_ENTITY", "RIGHT_TO_SIGN"), CULTURE,
             description="deputy head of the culture department, right to sign only (not the head)"),
    Identity("official_east", "ca_rsa", "ЖАҚСЫЛЫҚОВ БАУЫРЖАН", "ЖАҚСЫЛЫҚОВ", "МӘШҺҮРҰЛЫ",
             make_iin("780522", "3", "0181"), "SIGN", ("LEGAL_ENTITY", "RIGHT_TO_SIGN"), EAST_KAZAKHSTAN,
             description="official of East Kazakhstan's internal policy department with the right to sign"),
    Identity("revoked", "ca_rsa", "ҚАЙТАРЫЛҒАН ТЕСТ", "ҚАЙТАРЫЛҒАН", "ТЕСТОВИЧ", make_iin("900101", "3", "0077"),
             "SIGN", ("INDIVIDUAL",), expected="REVOKED", revocation=("key_compromise", 10, "full"),
             description="revoked for key compromise (in the full CRL)"),
    Identity("on_hold", "ca_rsa", "ТОҚТАТЫЛҒАН ТЕСТ", "ТОҚТАТЫЛҒАН", "ТЕСТОВИЧ", make_iin("910202", "3", "0085"),
             "SIGN", ("INDIVIDUAL",), expected="HOLD", revocation=("certificate_hold", 1, "delta"),
             description="suspended (certificateHold), only in the delta CRL"),
    Identity("expired", "ca_rsa", "МЕРЗІМІ ӨТКЕН", "МЕРЗІМІ", "ТЕСТОВИЧ", make_iin("920303", "3", "0093"),
             "SIGN", ("INDIVIDUAL",), expected="EXPIRED", validity_days=(-400, -35),
             description="validity ended 35 days ago"),
    Identity("not_yet_valid", "ca_rsa", "БОЛАШАҚ ТЕСТ", "БОЛАШАҚ", "ТЕСТОВИЧ", make_iin("930404", "4", "0107"),
             "SIGN", ("INDIVIDUAL",), expected="NOT_YET_VALID", validity_days=(30, 395),
             description="validity starts in 30 days"),
    Identity("wrong_cdp", "ca_rsa", "БАСҚА CRL", "БАСҚА", "ТЕСТОВИЧ", make_iin("940505", "3", "0115"),
             "SIGN", ("INDIVIDUAL",), wrong_cdp=True,
             description="CRL distribution point names the EC CA's CRL: CRLs must be found by issuer"),
    Identity("ec_individual_sign", "ca_ec", "ЭЛЛИПТИКОВ ТЕСТ", "ЭЛЛИПТИКОВ", "ТЕСТОВИЧ",
             make_iin("860707", "3", "0123"), "SIGN", ("INDIVIDUAL",), description="individual, ECDSA signing key"),
    Identity("ec_company_head", "ca_ec", "ЭЛЛИПТИКОВА ТЕСТ", "ЭЛЛИПТИКОВА", "ТЕСТОВНА",
             make_iin("870808", "4", "0131"), "SIGN", ("LEGAL_ENTITY", "FIRST_HEAD"), COMPANY,
             description="first head, ECDSA signing key"),
    Identity("ec_revoked", "ca_ec", "ЭЛЛИПТИК ҚАЙТАРЫЛҒАН", "ЭЛЛИПТИК", "ТЕСТОВИЧ",
             make_iin("890909", "3", "0149"), "SIGN", ("INDIVIDUAL",), expected="REVOKED",
             revocation=("key_compromise", 5, "full"), description="ECDSA key, revoked"),
    Identity("impostor", "fake_ca_rsa", "ТЕСТОВ ТЕСТ", "ТЕСТОВ", "ТЕСТОВИЧ", make_iin("850412", "3", "0017"),
             "SIGN", ("INDIVIDUAL",), expected="UNTRUSTED", email="test@example.kz",
             description="same names as individual_sign, from a look-alike root that is not pinned"),
    Identity("ocsp_rsa", "ca_rsa", "OCSP RESPONDER (RSA) TEST", None, None, None, "OCSP",
             description="delegated OCSP responder of the RSA CA"),
    Identity("ocsp_ec", "ca_ec", "OCSP RESPONDER (EC) TEST", None, None, None, "OCSP",
             description="delegated OCSP responder of the EC CA"),
    Identity("tsa", "ca_rsa", "TSA (RSA) TEST", None, None, None, "TSA",
             description="timestamping authority"),
    Identity("service_journal", "ca_rsa", "ОПЕРАТОР ТЕСТ", "ОПЕРАТОР", "ТЕСТОВИЧ", make_iin("760214", "3", "0157"),
             "SIGN", ("LEGAL_ENTITY", "RIGHT_TO_SIGN"), OPERATOR,
             description="the service operator's key with the right to sign: signs the journal's checkpoints"),
)


def _new_key(algorithm: str, rsa_bits: int = 2048):
    if algorithm == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    return ec.generate_private_key(ec.SECP256R1())


def _common_extensions(builder: x509.CertificateBuilder, public_key, issuer_key) -> x509.CertificateBuilder:
    return builder.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
    ).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
    )


def _write_pem(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_p12(path: Path, name: str, key, cert: x509.Certificate, chain: list[x509.Certificate]) -> None:
    """Legacy protection as NCA files have it (3DES, SHA-1 MAC); the alias is the hex SKI."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(1024)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(PASSWORD.encode())
    )
    alias = x509.SubjectKeyIdentifier.from_public_key(key.public_key()).digest.hex().encode()
    write_private(path, pkcs12.serialize_key_and_certificates(alias, key, cert, chain, encryption))


def generate(directory: str | Path, *, base_url: str = DEFAULT_BASE_URL,
             now: _dt.datetime | None = None) -> dict:
    """Write the whole PKI into ``directory`` (created if missing) and return the manifest.

    Keys and the password file are 0600 in folders only the owner may enter (0700); the manifest names the
    password file (``password_file``) and holds no password.
    """
    out = Path(directory)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; choose an empty folder")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    out.chmod(0o700)
    for sub in ("anchors", "ca", "users", "crl"):
        (out / sub).mkdir(mode=0o700, exist_ok=True)
    write_private(out / PASSWORD_FILE, PASSWORD.encode() + b"\n")
    now = (now or _dt.datetime.now(_dt.timezone.utc)).replace(microsecond=0)
    base_url = base_url.rstrip("/")

    keys: dict[str, object] = {}
    certs: dict[str, x509.Certificate] = {}
    by_name = {a.name: a for a in AUTHORITIES}
    manifest: dict = {"base_url": base_url, "password_file": PASSWORD_FILE, "authorities": {}, "identities": {}}

    for authority in AUTHORITIES:
        key = _new_key(authority.algorithm)
        keys[authority.name] = key
        subject = x509.Name([name_attribute(NameOID.COMMON_NAME, authority.cn),
                             name_attribute(NameOID.COUNTRY_NAME, "KZ")])
        if authority.parent is None:
            issuer_name, issuer_key, years = subject, key, 20
        else:
            issuer_name, issuer_key, years = certs[authority.parent].subject, keys[authority.parent], 10
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
            .serial_number(serial_for(authority.name))
            .not_valid_before(now - _dt.timedelta(days=365))
            .not_valid_after(now + _dt.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=True, path_length=authority.path_len), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         key_cert_sign=True, crl_sign=True, encipher_only=False,
                                         decipher_only=False), critical=True)
        )
        builder = _common_extensions(builder, key.public_key(), issuer_key)
        if authority.parent is not None:
            builder = status_extensions(builder, ca_urls(base_url, by_name[authority.parent]))
        cert = builder.sign(issuer_key, hashes.SHA256())
        certs[authority.name] = cert
        folder = "ca" if authority.trusted else "lookalike"
        (out / folder).mkdir(mode=0o700, exist_ok=True)
        _write_pem(out / folder / f"{authority.name}.pem", cert)
        chain = [certs[authority.parent]] if authority.parent else []
        _write_p12(out / folder / f"{authority.name}.p12", authority.name, key, cert, chain)
        if authority.trusted and authority.parent is None:
            _write_pem(out / "anchors" / f"{authority.name}.pem", cert)
        manifest["authorities"][authority.name] = {
            "cn": authority.cn, "algorithm": authority.algorithm, "parent": authority.parent,
            "trusted": authority.trusted, "certificate": f"{folder}/{authority.name}.pem",
            "pkcs12": f"{folder}/{authority.name}.p12", "serial": format(serial_for(authority.name), "x"),
            "crl": f"crl/{authority.crl_file}",
            "delta_crl": f"crl/{authority.delta_crl_file}" if authority.delta_crl_file else None,
        }

    for identity in IDENTITIES:
        authority = by_name[identity.issuer]
        # The TSA's RSA key is 3072 bits: RSA 2048 proves a moment only through 2030 (eds.pki.lifetimes), and the
        # test PKI's timestamps must not stop being proof while the suite runs.
        key = _new_key(authority.algorithm, 3072 if identity.purpose == "TSA" else 2048)
        issuer_key, issuer_cert = keys[authority.name], certs[authority.name]
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject_name(identity)).issuer_name(issuer_cert.subject).public_key(key.public_key())
            .serial_number(serial_for(identity.name))
            .not_valid_before(now + _dt.timedelta(days=identity.validity_days[0]))
            .not_valid_after(now + _dt.timedelta(days=identity.validity_days[1]))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        builder = _common_extensions(builder, key.public_key(), issuer_key)
        builder = _purpose_extensions(builder, identity)
        urls = ca_urls(base_url, authority)
        if identity.wrong_cdp:
            urls = dict(urls, crl=f"{base_url}/crl/{by_name['ca_ec'].crl_file}", delta_crl="")
        if identity.purpose != "OCSP":
            builder = status_extensions(builder, urls)
        cert = builder.sign(issuer_key, hashes.SHA256())
        _write_pem(out / "users" / f"{identity.name}.pem", cert)
        chain = [issuer_cert, certs[authority.parent]] if authority.parent else [issuer_cert]
        _write_p12(out / "users" / f"{identity.name}.p12", identity.name, key, cert, chain)
        manifest["identities"][identity.name] = identity_entry(identity, "users")

    gost.generate(out, base_url, now, manifest)
    authorities = (*AUTHORITIES, *gost.AUTHORITIES)
    state = {
        "generated_at": now.isoformat(),
        "revoked": {
            i.name: {"issuer": i.issuer, "serial": format(serial_for(i.name), "x"), "reason": i.revocation[0],
                     "time": (now - _dt.timedelta(days=i.revocation[1])).isoformat(), "list": i.revocation[2]}
            for i in (*IDENTITIES, *gost.IDENTITIES) if i.revocation
        },
    }
    (out / "state.json").write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    (out / "profile.json").write_text(json.dumps({
        "name": "test",
        "description": "eds test PKI (NCA-like), generated by `eds pki init`",
        "anchors": "anchors",
        "verify_identity_checksum": True,
        "ocsp_urls": [f"{base_url}/ocsp/"],
        "crl_urls": [f"{base_url}/crl/{a.crl_file}" for a in authorities if a.trusted]
        + [f"{base_url}/crl/{a.delta_crl_file}" for a in authorities if a.trusted and a.delta_crl_file],
        "tsa_url": f"{base_url}/tsp/",
        "intermediates": "ca",
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    TestPki.load(out).write_crls(now)  # the live signer of CRLs reads what was just written
    return manifest


def _purpose_extensions(builder: x509.CertificateBuilder, identity: Identity) -> x509.CertificateBuilder:
    role_oids = [x509.ObjectIdentifier(ROLE_TO_OID[r]) for r in identity.roles]
    if identity.purpose == "SIGN":
        eku = [x509.ObjectIdentifier(OID_EKU_SIGN), *role_oids]
        ku = dict(digital_signature=True, content_commitment=True, key_encipherment=False)
        critical_eku = False
    elif identity.purpose == "AUTH":
        eku = [x509.ObjectIdentifier(OID_EKU_AUTH), *role_oids]
        ku = dict(digital_signature=True, content_commitment=False, key_encipherment=True)
        critical_eku = False
    elif identity.purpose == "OCSP":
        eku = [ExtendedKeyUsageOID.OCSP_SIGNING]
        ku = dict(digital_signature=True, content_commitment=False, key_encipherment=False)
        critical_eku = False
        builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
    else:  # TSA: RFC 3161 wants the timeStamping EKU alone and critical
        eku = [ExtendedKeyUsageOID.TIME_STAMPING]
        ku = dict(digital_signature=True, content_commitment=True, key_encipherment=False)
        critical_eku = True
    builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=critical_eku)
    builder = builder.add_extension(
        x509.KeyUsage(data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                      encipher_only=False, decipher_only=False, **ku), critical=True)
    if identity.purpose in ("SIGN", "AUTH"):
        builder = builder.add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(POLICY_TEST), None)]),
            critical=False)
    return builder
