"""The NCANode-compatible layer: NCANode's documented request shapes and ours, each answer validated against
NCANode's own published specification (tests/reference/ncanode/openapi.yml, a copy of
../shared/reference/ncanode/openapi.yml)."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema_rs
import pytest
import yaml
from cryptography.hazmat.primitives.serialization import Encoding
from reportlab.pdfgen import canvas

from api import create_app
from eds.issuing.access import ApiKeys
from eds.pki import algorithms
from eds.pki.keys import SigningKey
from eds.signatures import cms, wsse, xmldsig

# A copy of NCANode's published spec (with its MIT licence), so that the suite runs wherever the checkout is.
SPEC = yaml.safe_load((Path(__file__).resolve().parent / "reference/ncanode/openapi.yml").read_text())


def _validator(path: str, method: str = "post"):
    content = SPEC["paths"][path][method]["responses"]["200"]["content"]
    schema = next(iter(content.values()))["schema"]
    return jsonschema_rs.validator_for({**schema, "components": SPEC["components"]}, validate_formats=True)


VALIDATORS = {path: _validator(path, "get" if path.startswith("/actuator") else "post")
              for path in SPEC["paths"] if not path.startswith(("/jwt", "/actuator/health/"))
              and path != "/actuator"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def password(pki_dir, manifest) -> str:
    """The test PKI's PKCS#12 password (in the manifest, or in the file it names)."""
    if "password" in manifest:
        return manifest["password"]
    return (pki_dir / manifest["password_file"]).read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def home(tmp_path_factory, pki_dir, password):
    home = tmp_path_factory.mktemp("ncanode")
    keys = {}
    for name, file in (("official", "official_region"), ("gost", "gost_individual_sign"),
                       ("other", "official_ministry")):
        (home / f"{name}.p12").write_bytes((pki_dir / f"users/{file}.p12").read_bytes())
        (home / f"{name}.p12").chmod(0o600)
        keys[name] = {"pkcs12": f"{name}.p12", "password_env": "EDS_TEST_NCANODE_PASSWORD"}
    (home / "keys.json").write_text(json.dumps(keys))
    (home / "keys.json").chmod(0o600)
    os.environ["EDS_TEST_NCANODE_PASSWORD"] = password
    yield home
    os.environ.pop("EDS_TEST_NCANODE_PASSWORD", None)


@pytest.fixture(scope="module")
def app(home, pki_dir, pki_server):
    return create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})


@pytest.fixture(scope="module")
def tokens(home):
    store = ApiKeys(home / "api-keys.json")
    return {"verify": store.create("integrator", ["verify"]),
            "sign": store.create("signer", ["sign", "verify"], signing_keys=["official", "gost"])}


@pytest.fixture
def call(app, tokens):
    client = app.test_client()

    def post(path: str, body: dict, *, scope: str = "verify", status: int = 200, prefix: str = "/ncanode",
             headers: dict | None = None) -> dict:
        response = client.post(prefix + path, json=body,
                               headers={"X-API-Key": tokens[scope]} if headers is None else headers)
        answer = response.get_json()
        assert response.status_code == status, answer
        assert answer["status"] == status
        errors = [e.message for e in VALIDATORS[path].iter_errors(answer)]
        assert not errors, errors
        return answer

    return post


def test_the_layer_s_specification_is_ncanode_s_with_the_paths_it_serves(app):
    """/ncanode/openapi.json is NCANode's published specification, every served path and only those, under
    /ncanode; the shipped file is what scripts/ncanode-openapi makes from the reference copy (run it after
    adding an endpoint)."""
    from api.ncanode import served_spec

    served = sorted(rule.rule.removeprefix("/ncanode") for rule in app.url_map.iter_rules()
                    if rule.endpoint.startswith("ncanode."))
    response = app.test_client().get("/ncanode/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.get_json()
    assert sorted(spec["paths"]) == served and set(served) <= set(SPEC["paths"])
    assert spec["servers"][0]["url"] == "/ncanode"
    assert spec == json.loads(json.dumps(served_spec(SPEC, served)))
    assert app.test_client().get("/openapi.json").get_json()["paths"].get("/ncanode/openapi.json") is not None


def small_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "NCANode compatibility")
    page.save()
    return buffer.getvalue()


def _p12(pki_dir, name: str) -> bytes:
    return (pki_dir / f"users/{name}.p12").read_bytes()


@pytest.fixture(scope="module")
def key_of(pki_dir, password):
    def load(name: str) -> SigningKey:
        return SigningKey.from_pkcs12(_p12(pki_dir, name), password)

    return load


# x509/info


def test_x509_info_ncanode_request(call, cert_of, manifest):
    """NCANode's documented request: certs in Base64 DER, revocationCheck per request."""
    answer = call("/x509/info", {"certs": [b64(cert_of("company_head").der)], "revocationCheck": ["OCSP"]})
    assert answer["valid"] is True and answer["message"] == "OK"
    (info,) = answer["signers"]
    head = manifest["identities"]["company_head"]
    assert info["valid"] is True and info["keyUsage"] == "SIGN"
    assert info["subject"]["iin"] == head["iin"] and info["subject"]["bin"] == head["bin"]
    assert set(info["keyUser"]) == {"ORGANIZATION", "CEO"}
    assert info["revocations"] == [{"revoked": False, "by": "OCSP"}]
    assert info["signAlg"] == "SHA256withRSA" and info["issuer"]["commonName"]


def test_x509_info_revoked_by_crl_and_authentication_keys(call, cert_of):
    answer = call("/x509/info", {"certs": [b64(cert_of("revoked").der), b64(cert_of("individual_auth").der)],
                                 "revocationCheck": ["CRL"]})
    assert answer["valid"] is False and "CERT_REVOKED" in answer["message"]
    revoked, auth = answer["signers"]
    assert revoked["valid"] is False
    assert revoked["revocations"][0]["revoked"] is True and revoked["revocations"][0]["by"] == "CRL"
    assert revoked["revocations"][0]["reason"] and revoked["revocations"][0]["revocationTime"]
    assert auth["valid"] is True and auth["keyUsage"] == "AUTH"  # x509/info judges a login certificate too


def test_x509_info_ours_untrusted_and_claims(call, cert_of, manifest, tokens):
    """Ours: PEM accepted, HTTP Basic carries the API key, the IIN claim checked, an impostor never valid."""
    pem = cert_of("individual_sign").x509.public_bytes(Encoding.PEM).decode()
    basic = {"Authorization": "Basic " + b64(f"eds:{tokens['verify']}".encode())}
    answer = call("/x509/info", {"certs": [pem], "expectIin": "850412300175"}, headers=basic)
    assert answer["valid"] is True
    answer = call("/x509/info", {"certs": [pem], "expectIin": manifest["identities"]["company_head"]["iin"]},
                  headers=basic)
    assert answer["valid"] is False and "IIN_MISMATCH" in answer["message"]
    answer = call("/x509/info", {"certs": [b64(cert_of("impostor").der)]})
    assert answer["valid"] is False and answer["signers"][0]["valid"] is False
    assert "CHAIN" in answer["message"]


def test_x509_info_refusals(call):
    assert call("/x509/info", {"certs": ["not base64!"]}, status=400)["code"] == "BAD_BASE64"
    answer = call("/x509/info", {"certs": [b64(b"junk")]}, status=400)
    assert answer["code"] == "FIELD_INVALID" and answer["details"]["field"] == "certs[0]"
    assert call("/x509/info", {"certs": []}, status=400)["code"] == "FIELD_INVALID"
    assert call("/x509/info", {"certs": ["AA=="], "revocationCheck": ["NONE"]}, status=400)["code"] == "FIELD_INVALID"
    assert call("/x509/info", {"certs": ["AA=="]}, headers={}, status=401)["code"] == "API_KEY_MISSING"


# x509/verify: raw signatures (eGov Mobile's SIGN_BYTES_ARRAY)


def test_x509_verify_ncanode_request(call, key_of):
    key = key_of("individual_sign")
    data = "payload-to-sign"
    signature = key.sign(data.encode(), algorithms.SHA256_WITH_RSA)
    body = {"certificate": b64(key.certificate.der), "signature": b64(signature), "data": data,
            "revocationCheck": ["OCSP", "CRL"]}
    answer = call("/x509/verify", body)
    assert answer["valid"] is True and answer["signers"][0]["valid"] is True
    answer = call("/x509/verify", {**body, "data": data + "!"})
    assert answer["valid"] is False and "SIGNATURE_INVALID" in answer["message"]


def test_x509_verify_ours_gost_and_purpose(call, key_of):
    """A GOST-2015 raw signature verifies; an authentication key's signature is not a document signature."""
    gost = key_of("gost_individual_sign")
    oid = algorithms.for_key(gost.certificate.key_algorithm_oid, algorithms.SHA256)
    answer = call("/x509/verify", {"certificate": b64(gost.certificate.der), "data": "данные",
                                   "signature": b64(gost.sign("данные".encode(), oid))})
    assert answer["valid"] is True and answer["signers"][0]["signAlg"].startswith("ECGOST")
    auth = key_of("individual_auth")
    answer = call("/x509/verify", {"certificate": b64(auth.certificate.der), "data": "x",
                                   "signature": b64(auth.sign(b"x", algorithms.SHA256_WITH_RSA))})
    assert answer["valid"] is False and "NOT_SIGNING_KEY" in answer["message"]
    assert call("/x509/verify", {"certificate": b64(auth.certificate.der), "data": "x"}, status=400)["code"] \
        == "FIELD_MISSING"


# xml/verify


def test_xml_verify_ncanode_request(call, key_of):
    key = key_of("individual_sign")
    signed = xmldsig.sign_xml(b"<request><iin>850412300175</iin></request>", key.private_key, key.certificate.der)
    answer = call("/xml/verify", {"xml": signed.decode(), "revocationCheck": ["OCSP"]})
    assert answer["valid"] is True and answer["signers"][0]["subject"]["iin"] == "850412300175"
    tampered = signed.decode().replace("850412300175", "850412300176")
    answer = call("/xml/verify", {"xml": tampered})
    assert answer["valid"] is False and "SIGNATURE_INVALID" in answer["message"]


def test_xml_verify_ours_cosigned_with_revoked_signer(call, key_of):
    first, second = key_of("company_head"), key_of("revoked")
    signed = xmldsig.sign_xml(b"<doc>x</doc>", first.private_key, first.certificate.der)
    signed = xmldsig.sign_xml(signed, second.private_key, second.certificate.der)
    answer = call("/xml/verify", {"xml": signed.decode(), "expectBin": "150340001117"})
    assert answer["valid"] is False and [s["valid"] for s in answer["signers"]] == [True, False]
    assert call("/xml/verify", {"xml": "<doc/>"})["valid"] is False
    assert call("/xml/verify", {"xml": "not xml"}, status=400)["code"] == "FIELD_INVALID"


# cms/verify


def test_cms_verify_ncanode_request(call, key_of):
    key = key_of("individual_sign")
    signed = cms.sign_cms(b"hello", key.private_key, key.certificate.der, detached=True)
    answer = call("/cms/verify", {"cms": b64(signed), "data": b64(b"hello"), "revocationCheck": ["OCSP", "CRL"]})
    assert answer["valid"] is True
    assert answer["signers"][0]["certificates"][0]["subject"]["iin"] == "850412300175"
    assert call("/cms/verify", {"cms": b64(signed), "data": b64(b"other")})["valid"] is False


def test_cms_verify_ours_timestamped_and_cosigned(call, key_of, pki_server, profile):
    from eds.signatures import tsp

    first, second = key_of("company_head"), key_of("expired")
    signed = cms.sign_cms(b"content", first.private_key, first.certificate.der,
                          timestamp=tsp.signature_timestamper(profile.tsa_url))
    answer = call("/cms/verify", {"cms": b64(signed)})
    assert answer["valid"] is True
    stamp = answer["signers"][0]["tsp"]
    assert stamp["genTime"] and stamp["policy"] and stamp["tsa"] and stamp["tspHashAlgorithm"] == "SHA256"
    assert len(stamp["hash"]) == 64 and int(stamp["serialNumber"], 16)
    both = cms.add_signer(signed, second.private_key, second.certificate.der)
    answer = call("/cms/verify", {"cms": b64(both)})
    assert answer["valid"] is False and [s["certificates"][0]["valid"] for s in answer["signers"]] == [True, False]
    assert call("/cms/verify", {"cms": b64(b"<x/>")}, status=400)["code"] == "FIELD_INVALID"


def test_cms_extract(call, key_of):
    key = key_of("individual_sign")
    signed = cms.sign_cms(b"the content", key.private_key, key.certificate.der)
    assert base64.b64decode(call("/cms/extract", {"cms": b64(signed)})["data"]) == b"the content"
    broken = bytearray(signed)
    broken[signed.index(b"the content")] ^= 1
    assert call("/cms/extract", {"cms": b64(bytes(broken))}, status=422)["code"] == "UNPROCESSABLE"


# pdf/verify


def test_pdf_verify_ncanode_request_and_ours(call, key_of):
    from eds.signatures import pades

    key = key_of("company_head")
    signed = pades.sign_pdf(small_pdf(), key, reason="Согласовано", location="Астана")
    answer = call("/pdf/verify", {"pdf": b64(signed), "revocationCheck": ["OCSP"]})
    assert answer["valid"] is True
    (signer,) = answer["signers"]
    assert signer["reason"] == "Согласовано" and signer["location"] == "Астана"
    assert signer["certificate"]["subject"]["bin"] == "150340001117" and signer["digestAlgorithm"] == "SHA256"
    changed = signed + b"\n1 0 obj\n<< >>\nendobj\n"
    assert call("/pdf/verify", {"pdf": b64(changed)})["valid"] is False
    assert call("/pdf/verify", {"pdf": b64(b"<x/>")}, status=400)["code"] == "FIELD_INVALID"


# actuator


def test_actuator_health(app):
    response = app.test_client().get("/ncanode/actuator/health")
    assert response.status_code == 200 and response.get_json() == {"status": "UP"}
    assert VALIDATORS["/actuator/health"].is_valid(response.get_json())


# Signing with keys the service holds (keyAlias), and NCANode's own requests carrying a key


@pytest.fixture(scope="module")
def open_app(home, pki_dir, pki_server):
    """The operator allows keys in requests and mounts the endpoints at the root, as NCANode's."""
    return create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir), "EDS_NCANODE_ROOT": "1",
                       "EDS_NCANODE_ACCEPT_KEYS": "1"})


@pytest.fixture
def open_call(open_app, tokens):
    client = open_app.test_client()

    def post(path: str, body: dict, *, status: int = 200) -> dict:
        response = client.post(path, json=body, headers={"X-API-Key": tokens["sign"]})
        answer = response.get_json()
        assert response.status_code == status, answer
        assert not [e.message for e in VALIDATORS[path].iter_errors(answer)]
        return answer

    return post


def test_keys_in_requests_refused_unless_allowed(call, pki_dir, password):
    """NCANode's request shape carries the PKCS#12 and its password: refused here by default."""
    body = {"xml": "<a/>", "signers": [{"key": b64(_p12(pki_dir, "individual_sign")), "password": password}]}
    answer = call("/xml/sign", body, scope="sign", status=403)
    assert answer["code"] == "KEYS_NOT_ACCEPTED" and password not in json.dumps(answer)
    answer = call("/xml/sign", {"xml": "<a/>", "signers": [{"keyAlias": "other"}]}, scope="sign", status=403)
    assert answer["code"] == "KEY_NOT_GRANTED"
    answer = call("/xml/sign", {"xml": "<a/>", "signers": [{"keyAlias": "official"}]}, status=403)
    assert answer["code"] == "SCOPE_DENIED"
    answer = call("/xml/sign", {"xml": "<a/>", "signers": [{"keyAlias": "official", "referenceUri": "#x"}]},
                  scope="sign", status=400)
    assert answer["details"]["field"] == "signers[0].referenceUri"


def test_xml_sign_ours_then_verify(call):
    answer = call("/xml/sign", {"xml": "<doc>\n  <a>1</a>\n</doc>", "trimXml": True,
                                "signers": [{"keyAlias": "official"}, {"keyAlias": "gost"}]}, scope="sign")
    signed = answer["xml"]
    assert "<doc><a>1</a>" in signed
    verified = call("/xml/verify", {"xml": signed})
    assert verified["valid"] is True and len(verified["signers"]) == 2
    assert verified["signers"][1]["signAlg"].startswith("ECGOST")
    resigned = call("/xml/sign", {"xml": signed, "clearSignatures": True, "signers": [{"keyAlias": "official"}]},
                    scope="sign")["xml"]
    assert len(call("/xml/verify", {"xml": resigned})["signers"]) == 1


def test_xml_sign_ncanode_request_with_key(open_call, pki_dir, password):
    key = b64(_p12(pki_dir, "individual_sign"))
    answer = open_call("/xml/sign", {"xml": "<request><iin>850412300175</iin></request>",
                                     "signers": [{"key": key, "password": password}]})
    assert open_call("/xml/verify", {"xml": answer["xml"]})["valid"] is True
    answer = open_call("/xml/sign", {"xml": "<a/>", "signers": [{"key": key, "password": "wrong"}]}, status=400)
    assert answer["details"]["cause"] == "KEY_BAD_PASSWORD"
    answer = open_call("/xml/sign", {"xml": "<a/>", "signers": [{"key": key, "password": password,
                                                                  "keyAlias": "ffff"}]}, status=400)
    assert answer["details"]["field"] == "signers[0].keyAlias"  # never another key than the one asked for


def test_cms_sign_add_extract(call, profile):
    data = b64(b"content to sign")
    signed = call("/cms/sign", {"data": data, "signers": [{"keyAlias": "official"}], "detached": True,
                                "withTsp": True, "tsaPolicy": "TSA_GOST2015_POLICY"}, scope="sign")["cms"]
    verified = call("/cms/verify", {"cms": signed, "data": data})
    assert verified["valid"] is True and verified["signers"][0]["tsp"]["genTime"]
    both = call("/cms/sign/add", {"cms": signed, "data": data, "signers": [{"keyAlias": "gost"}]}, scope="sign")["cms"]
    verified = call("/cms/verify", {"cms": both, "data": data})
    assert verified["valid"] is True and len(verified["signers"]) == 2
    attached = call("/cms/sign", {"data": data, "signers": [{"keyAlias": "official"}]}, scope="sign")["cms"]
    assert call("/cms/extract", {"cms": attached})["data"] == data


def test_cms_sign_ncanode_request_with_key(open_call, pki_dir, password):
    data = b64(b"hello")
    signer = {"key": b64(_p12(pki_dir, "company_head")), "password": password}
    signed = open_call("/cms/sign", {"data": data, "signers": [signer]})["cms"]
    added = open_call("/cms/sign/add", {"cms": signed, "signers": [{"keyAlias": "official"}]})["cms"]
    assert open_call("/cms/verify", {"cms": added})["valid"] is True


def test_pdf_sign_ours_and_ncanode_request(call, open_call, pki_dir, password):
    answer = call("/pdf/sign", {"pdf": b64(small_pdf()), "withTsp": True,
                                "signers": [{"reason": "Келісілді", "location": "Астана",
                                             "contactInfo": "+7 7172 00 00 00, kense@example.kz",
                                             "signer": {"keyAlias": "official"}}]}, scope="sign")
    verified = call("/pdf/verify", {"pdf": answer["pdf"]})
    assert verified["valid"] is True and verified["signers"][0]["reason"] == "Келісілді"
    assert (verified["signers"][0]["location"], verified["signers"][0]["contactInfo"]) == (
        "Астана", "+7 7172 00 00 00, kense@example.kz")
    signer = {"key": b64(_p12(pki_dir, "company_head")), "password": password}
    answer = open_call("/pdf/sign", {"pdf": answer["pdf"], "signers": [{"signer": signer}]})
    verified = open_call("/pdf/verify", {"pdf": answer["pdf"]})
    assert verified["valid"] is True and len(verified["signers"]) == 2


# WSSE (SmartBridge)

ENVELOPE = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/>'
            '<soapenv:Body><ns:SendMessage xmlns:ns="http://bip.bee.kz/SyncChannel/v10/Types"><request>'
            '<messageId>42</messageId></request></ns:SendMessage></soapenv:Body></soapenv:Envelope>')


def _xmlsec1(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["xmlsec1", *args], capture_output=True, text=True, timeout=30)


needs_xmlsec1 = pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="xmlsec1 is not installed")


@needs_xmlsec1
def test_wsse_sign_ours_verifies_with_xmlsec1_and_here(call, cert_of, tmp_path):
    signed = call("/wsse/sign", {"xml": ENVELOPE, "keyAlias": "official"}, scope="sign")["xml"]
    assert "wsse:KeyIdentifier" in signed and "wsu:Id=" in signed
    (tmp_path / "signed.xml").write_text(signed, encoding="utf-8")
    (tmp_path / "cert.pem").write_bytes(cert_of("official_region").x509.public_bytes(Encoding.PEM))
    result = _xmlsec1("--verify", "--id-attr:Id", "Body", "--pubkey-cert-pem", str(tmp_path / "cert.pem"),
                      str(tmp_path / "signed.xml"))
    assert result.returncode == 0, result.stderr
    answer = call("/wsse/verify", {"xml": signed, "revocationCheck": ["OCSP"]})
    assert answer["valid"] is True and answer["signers"][0]["subject"]["bin"] == "130540003335"
    tampered = signed.replace("<messageId>42<", "<messageId>43<")
    answer = call("/wsse/verify", {"xml": tampered})
    assert answer["valid"] is False and "SIGNATURE_INVALID" in answer["message"]
    (tmp_path / "tampered.xml").write_text(tampered, encoding="utf-8")
    assert _xmlsec1("--verify", "--id-attr:Id", "Body", "--pubkey-cert-pem", str(tmp_path / "cert.pem"),
                    str(tmp_path / "tampered.xml")).returncode != 0


WSSE_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
  <soap:Header>
    <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
      <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:SignedInfo>
          <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
          <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
          <ds:Reference URI="#body-1">
            <ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>
            <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
            <ds:DigestValue/>
          </ds:Reference>
        </ds:SignedInfo>
        <ds:SignatureValue/>
        <ds:KeyInfo>KEYINFO</ds:KeyInfo>
      </ds:Signature>
    </wsse:Security>
  </soap:Header>
  <soap:Body wsu:Id="body-1"><m:Ping xmlns:m="urn:test">сәлем</m:Ping></soap:Body>
</soap:Envelope>
"""


@needs_xmlsec1
@pytest.mark.parametrize("key_info", ["x509data", "key-identifier"])
def test_wsse_signed_by_xmlsec1_verifies_here(call, pki_dir, password, cert_of, tmp_path, key_info):
    cert = b64(cert_of("individual_sign").der)
    filled = {"x509data": "<ds:X509Data><ds:X509Certificate/></ds:X509Data>",
              "key-identifier": '<wsse:SecurityTokenReference><wsse:KeyIdentifier ValueType="http://docs.oasis-open'
                                '.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3">' + cert +
                                "</wsse:KeyIdentifier></wsse:SecurityTokenReference>"}[key_info]
    (tmp_path / "template.xml").write_text(WSSE_TEMPLATE.replace("KEYINFO", filled), encoding="utf-8")
    result = _xmlsec1("--sign", "--pkcs12", str(pki_dir / "users/individual_sign.p12"), "--pwd", password,
                      "--id-attr:Id", "Body", "--output", str(tmp_path / "signed.xml"), str(tmp_path / "template.xml"))
    assert result.returncode == 0, result.stderr
    signed = (tmp_path / "signed.xml").read_text(encoding="utf-8")
    answer = call("/wsse/verify", {"xml": signed})
    assert answer["valid"] is True and answer["signers"][0]["subject"]["iin"] == "850412300175"
    answer = call("/wsse/verify", {"xml": signed.replace("сәлем", "сәлем!")})
    assert answer["valid"] is False and "SIGNATURE_INVALID" in answer["message"]


def test_wsse_wrapping_and_ncanode_request(open_call, call, pki_dir, password):
    """NCANode's request (key and password at the top); a second Body moved in with the signed Id is refused."""
    signed = open_call("/wsse/sign", {"xml": ENVELOPE, "key": b64(_p12(pki_dir, "individual_sign")),
                                      "password": password, "trimXml": True})["xml"]
    assert open_call("/wsse/verify", {"xml": signed})["valid"] is True
    body_id = signed.split('wsu:Id="', 1)[1].split('"', 1)[0]
    wrapped = signed.replace("<soapenv:Header>", f'<soapenv:Header><w wsu:Id="{body_id}" xmlns:wsu="{wsse.WSU_NS}"/>')
    answer = call("/wsse/verify", {"xml": wrapped})
    assert answer["valid"] is False and "DOCUMENT_MALFORMED" in answer["message"]
    assert call("/wsse/verify", {"xml": ENVELOPE})["valid"] is False
    assert call("/wsse/sign", {"xml": "<a/>", "keyAlias": "official"}, scope="sign", status=422)["details"]["cause"] \
        == "NOT_SOAP"


# PKCS#12


def test_pkcs12_ours_and_ncanode_request(call, open_call, pki_dir, password):
    answer = call("/pkcs12/aliases", {"keys": [{"keyAlias": "official"}]}, scope="sign")
    assert answer["aliases"] == [["official"]]
    answer = call("/pkcs12/info", {"keys": [{"keyAlias": "official"}], "revocationCheck": ["CRL"]}, scope="sign")
    assert answer["valid"] is True and answer["signers"][0]["subject"]["bin"] == "130540003335"
    keys = [{"key": b64(_p12(pki_dir, "individual_sign")), "password": password},
            {"key": b64(_p12(pki_dir, "revoked")), "password": password}]
    (alias,), _ = open_call("/pkcs12/aliases", {"keys": keys})["aliases"]
    assert len(alias) == 40 and int(alias, 16)
    answer = open_call("/pkcs12/info", {"keys": keys, "revocationCheck": ["OCSP"]})
    assert answer["valid"] is False and [s["valid"] for s in answer["signers"]] == [True, False]
    assert answer["signers"][1]["revocations"][0]["revoked"] is True


def test_root_mount_and_health(open_app):
    response = open_app.test_client().get("/actuator/health")
    assert response.status_code == 200 and response.get_json()["status"] == "UP"


def test_wsse_hostile_envelopes(call):
    doctype = '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x "y">]>' + ENVELOPE
    answer = call("/wsse/verify", {"xml": doctype})
    assert answer["valid"] is False and "DOCUMENT_MALFORMED" in answer["message"]
    flood = "".join(f' xmlns:n{i}="urn:n{i}"' for i in range(400))
    answer = call("/wsse/verify", {"xml": ENVELOPE.replace("<soapenv:Body>", f"<soapenv:Body{flood}>")}, status=422)
    assert answer["code"] == "TOO_COMPLEX"


def test_keys_from_requests_never_logged_or_answered(open_call, pki_dir, password, caplog):
    key = b64(_p12(pki_dir, "individual_sign"))
    with caplog.at_level("DEBUG"):
        answer = open_call("/cms/sign", {"data": b64(b"x"), "signers": [{"key": key, "password": password}]})
        failed = open_call("/cms/sign", {"data": b64(b"x"), "signers": [{"key": key, "password": password + "1"}]},
                           status=400)
    for text in (caplog.text, json.dumps(answer), json.dumps(failed)):
        assert password not in text and key[:64] not in text


POSTS = sorted(path for path in VALIDATORS if not path.startswith("/actuator"))


@pytest.mark.parametrize("path", POSTS)
def test_bad_bodies_get_coded_refusals_in_ncanode_shape(app, tokens, path):
    """Wrong types in every field NCANode's request schema names, an empty body, a non-JSON body: a coded
    refusal (never a 500) that still validates against the endpoint's answer schema."""
    client = app.test_client()
    headers = {"X-API-Key": tokens["sign"]}
    schema = SPEC["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = SPEC["components"]["schemas"][schema.rsplit("/", 1)[1]]["properties"]
    bodies = [{}, {name: 12345 for name in fields}, {name: {"x": [None]} for name in fields},
              {name: ["AA==", None] for name in fields}, {name: "AA==" for name in fields}]
    for body in bodies:
        response = client.post("/ncanode" + path, json=body, headers=headers)
        answer = response.get_json()
        assert 400 <= response.status_code < 500, (body, answer)
        assert answer["status"] == response.status_code and answer["code"] and answer["message"]
        assert VALIDATORS[path].is_valid(answer)
    response = client.post("/ncanode" + path, data="x", headers=headers, content_type="text/plain")
    assert response.status_code == 415 and response.get_json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_revocation_that_cannot_be_checked_is_never_valid(call, cert_of, faults):
    """OCSP down and only OCSP asked for: INDETERMINATE, so valid is false (NCANode would say not revoked)."""
    faults(ocsp="down")
    answer = call("/x509/info", {"certs": [b64(cert_of("ec_company_head").der)], "revocationCheck": ["OCSP"]})
    assert answer["valid"] is False and answer["message"] == "INDETERMINATE: REVOCATION_UNKNOWN"
    assert answer["signers"][0]["valid"] is False and answer["signers"][0]["revocations"] == []
