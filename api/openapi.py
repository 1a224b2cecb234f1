"""The OpenAPI 3.1 description of the API (served at /openapi.json), and Swagger UI over it at /docs.

Every request and answer has its schema and every field its description: binary fields say what they hold and
how they travel (Base64 in JSON, the raw text too where the format is XML or PEM, a file in a multipart form:
:meth:`api.request.Body.binary`); ``data`` has one schema per document type, made from the type's declaration
(:mod:`eds.issuing.documents.json_schema`) with its example; each error status lists the codes it answers
(:data:`api.errors.STATUS`). ``tests/test_api_schema.py`` holds the app to it with schemathesis.

Swagger UI is the copy the ``flask-swagger-ui`` package ships, served from this app: /docs loads nothing from
elsewhere.
"""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, Response, jsonify, render_template, send_from_directory

from api.errors import STATUS
from eds.issuing.documents import DOCUMENT_TYPES, FROM_PROOF, FROM_REGISTRY
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.documents.json_schema import data_schema
from eds.issuing.two_step import PDF_DIGESTS

docs = Blueprint("docs", __name__)

# Swagger UI's files, as the package ships them (its own Flask blueprint is not used: the page is ours).
SWAGGER_UI = resources.files("flask_swagger_ui") / "dist"
OWN_FILES = resources.files("api") / "static"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


_RAW = {"XML": "the XML itself as a JSON string (UTF-8), told from Base64 by its leading '<'",
        "PEM": "the PEM text itself, told from Base64 by its leading '-----BEGIN'"}


def _binary(what: str, raw: tuple[str, ...] = ()) -> dict:
    """A binary field, described as :meth:`api.request.Body.binary` reads it."""
    ways = "; or ".join(["Base64 of the bytes", *(_RAW[kind] for kind in raw)])
    return {"type": "string", "description": f"{what}. In JSON: {ways}. In a multipart form: a file (or a text "
                                             "field holding the same string) under this name"}


_TEXT = {"type": "string", "maxLength": 200}
_KEY_ID = {**_TEXT, "description": "a signing key the service holds (an id of $EDS_HOME/keys.json), granted to this "
                                   "API key", "example": "official_region"}
_PROVIDER_ID = {"type": "string", "maxLength": 16, "example": "ZHM",
                "description": "the provider's id in the registry (eds registry provider); the API key must act for it"}
_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 moment to judge at (default now)"}
_MOMENT = {"type": "string", "format": "date-time"}
_NULLABLE_TEXT = {"type": ["string", "null"]}
_SHA256_HEX = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_FLAG = {"type": "boolean"}

_STATUS_TEXT = {400: "malformed request: not JSON, a missing field, a wrong type, bad Base64 (details.field names it)",
                401: "no API key, or an unknown one", 403: "the API key lacks the scope, the signing key or the provider",
                404: "no such document, pending document, provider, signing key or path",
                409: "conflicts with the document's state, the Idempotency-Key was used with another request, a "
                     "pending document expired or was completed with other signatures",
                413: "the body is larger than EDS_MAX_BODY", 415: "neither application/json nor multipart/form-data",
                422: "well-formed but unacceptable: details.cause is the library's code, details.issues lists each "
                     "problem of document data (field, code, message)",
                429: "the API key's rate limit (per process), or too many failed API-key attempts",
                503: "a dependency is down: trust profile, registry database, TSA, OCSP/CRL, signing key store"}

# The statuses every authenticated call can answer, and those of every call with a body.
_AUTH = (401, 403, 429, 503)
_BODY = (400, 413, 415)


def codes(status: int) -> list[str]:
    """The public error codes answered with ``status``."""
    return sorted(code for code, given in STATUS.items() if given == status)


def _errors(*statuses: int) -> dict:
    return {str(status): {"description": f"{_STATUS_TEXT[status]}. Codes: {', '.join(codes(status))}",
                          "content": {"application/json": {"schema": _ref(f"Error{status}")}}}
            for status in sorted(set(statuses))}


def _object(properties: dict, required: list[str], description: str = "") -> dict:
    return {"type": "object", "properties": properties, "required": required,
            **({"description": description} if description else {})}


def _form(schema: dict, binary: tuple[str, ...]) -> dict:
    """The multipart form of a JSON body: binary fields as files, objects as JSON text, lists left out."""
    form = {}
    for name, spec in schema["properties"].items():
        if name in binary:
            form[name] = {"type": "string", "format": "binary", "description": spec["description"]}
        elif spec.get("type") == "boolean":
            form[name] = {"type": "string", "description": f"{spec.get('description', '')} (true, 1 or yes)"}
        elif "$ref" in spec or spec.get("type") == "object":
            form[name] = {"type": "string", "description": "the JSON object, as text"}
        elif spec.get("type") != "array":
            form[name] = {"type": "string", "description": spec.get("description", "")}
    return {"type": "object", "properties": form, "required": schema["required"]}


def _body(name: str, binary: tuple[str, ...] = (), *, examples: dict | None = None) -> dict:
    """A body sent as JSON (component ``name``) or as a multipart form with the same field names."""
    schema = _SCHEMAS[name]
    content: dict = {"application/json": {"schema": _ref(name), **({"examples": examples} if examples else {})}}
    if binary:
        content["multipart/form-data"] = {"schema": _form(schema, binary)}
    return {"required": True, "content": content}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_IDENTITY = {"expectIin": {"type": "string", "maxLength": 200, "description": "the IIN claimed (12 digits)"},
             "expectBin": {"type": "string", "maxLength": 200, "description": "the BIN claimed (12 digits)"},
             "at": _TIME}
_SIGNERS = {"expectedSigners": {
    "type": "array", "maxItems": 32,
    "description": "who must have signed, in signing order (XML co-signatures: first signer first); a missing, "
                   "extra or reordered signer is TOTAL_FAILED with SIGNERS_MISMATCH. Without it the report lists the "
                   "signers found (signers.checked: false); a document of this registry is held to its recorded "
                   "signer. In a multipart form: the same list as JSON text",
    "items": {"type": "object", "additionalProperties": False, "minProperties": 1,
              "properties": {"iin": {"type": "string", "pattern": "^[0-9]{12}$"},
                             "bin": {"type": "string", "pattern": "^[0-9]{12}$"}}},
    "example": [{"iin": "700918300532", "bin": "120340002229"}]}}
_NUMBER = {"name": "number", "in": "path", "required": True, "description": "the document's registry number",
           "schema": {"type": "string", "example": "LIC-ZHM-2026-000123"}}
_PENDING = {"name": "pending_id", "in": "path", "required": True,
            "description": "the pendingId that prepare answered (32 hex digits)",
            "schema": {"type": "string", "example": "0123456789abcdef0123456789abcdef"}}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "description": "a retry with the same key and request returns the same document",
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
# The fields of data the issuer fills itself (the provider's record, the signer's certificate and position).
_FILLED = tuple(FROM_REGISTRY) + tuple(FROM_PROOF)
_DIGEST_NAMES = sorted({name for name, _oid in PDF_DIGESTS.values()})


def _per_type(name: str, first: dict, required: list[str], description: str) -> tuple[dict, dict]:
    """A request whose ``data`` is one document type's: one schema per type (oneOf, told apart by ``type``)
    and the type's example as a named example of the whole request."""
    variants, examples = {}, {}
    for type_id, doc_type in DOCUMENT_TYPES.items():
        variants[f"{name}.{type_id}"] = {"title": type_id, **_object(
            {"type": {"const": type_id, "description": f"the document type: {doc_type.title_ru}"}, **first,
             "data": _ref(f"DocumentData.{type_id}")}, ["type", *required, "data"])}
        value = {"type": type_id, **{k: v["example"] for k, v in first.items() if "example" in v},
                 "data": EXAMPLES[type_id]}
        examples[type_id] = {"summary": f"{type_id}: {doc_type.title_ru}", "value": value}
    schema = {"description": description, "oneOf": [_ref(v) for v in variants],
              "discriminator": {"propertyName": "type",
                                "mapping": {t: f"#/components/schemas/{name}.{t}" for t in DOCUMENT_TYPES}}}
    return {name: schema, **variants}, examples


_DATA = {f"DocumentData.{type_id}": {**data_schema(doc_type, omit=_FILLED), "examples": [EXAMPLES[type_id]]}
         for type_id, doc_type in DOCUMENT_TYPES.items()}
_ISSUE, _ISSUE_EXAMPLES = _per_type(
    "IssueRequest", {"providerId": _PROVIDER_ID, "keyId": _KEY_ID}, ["providerId", "keyId"],
    "the document to issue: its type, the provider, the official's key and the data of that type ("
    f"{', '.join(_FILLED)} come from the registry and the key's certificate, not from the caller)")
_PREPARE, _PREPARE_EXAMPLES = _per_type(
    "PrepareRequest", {"providerId": _PROVIDER_ID, "signerCertificate": _binary(
        "the official's certificate (DER), whose key will sign on their device", ("PEM",))},
    ["providerId", "signerCertificate"], "as IssueRequest, with the official's certificate instead of a held key")

_SCHEMAS: dict = {
    "Error": {"type": "object", "required": ["code", "message", "details"],
              "properties": {"code": {"type": "string", "description": "the public code; its HTTP status is fixed"},
                             "message": {"type": "string", "description": "in the language of Accept-Language or "
                                                                          "?lang= (kk, ru, en)"},
                             "details": {"type": "object", "description": "field: the bad field; cause: the "
                                         "library's code; detail: the English message (when another language was "
                                         "asked) or the library's own cause; issues: each problem of document data"},
                             "requestId": {"type": "string", "description": "as in the X-Request-Id header"}}},
    **{f"Error{status}": {"allOf": [_ref("Error"), {"type": "object",
                                                    "properties": {"code": {"enum": codes(status)}}}]}
       for status in sorted(set(STATUS.values())) if status in _STATUS_TEXT},
    "Messages": {"type": "object", "required": ["kk", "ru", "en"],
                 "properties": {lang: {"type": "string"} for lang in ("kk", "ru", "en")}},
    "Reason": {"type": "object", "required": ["code", "messages"],
               "properties": {"code": {"type": "string", "description": "a reason code (README: reason codes)"},
                              "messages": _ref("Messages"), "details": {"type": "object"}}},
    "Check": {"type": "object", "required": ["name", "status", "message"],
              "properties": {"name": {"type": "string"},
                             "status": {"enum": ["PASSED", "FAILED", "INDETERMINATE", "WARNING", "SKIPPED"]},
                             "message": {"type": "string"}, "code": {"type": "string"}, "details": {"type": "object"}}},
    "Indication": {"enum": ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"],
                   "description": "ETSI EN 319 102-1: passed, failed, or not decidable now (e.g. no revocation answer)"},
    "SignatureReport": {
        "type": "object", "description": "the verdict on one signature or one certificate, and what it rests on",
        "required": ["indication", "subIndication", "reasons", "signer", "signingTime", "validationTime", "timeSource",
                     "chain", "revocation", "checks", "warnings"],
        "properties": {"indication": _ref("Indication"),
                       "subIndication": {**_NULLABLE_TEXT, "description": "the ETSI sub-indication"},
                       "reasons": {"type": "array", "items": _ref("Reason")},
                       "signer": {"type": ["object", "null"], "description": "the certificate, described (subject "
                                  "with IIN/BIN, issuer, serial, validity, key algorithm, roles)"},
                       "signingTime": {**_NULLABLE_TEXT, "description": "the time claimed by the signature"},
                       "validationTime": {**_NULLABLE_TEXT, "description": "the moment the signer was judged at"},
                       "timeSource": {"enum": ["timestamp", "now", "requested", None]},
                       "chain": {"type": "array", "items": {"type": "object"}, "description": "signer first"},
                       "revocation": {"type": "array", "items": {"type": "object"},
                                      "description": "the CRL or OCSP evidence used"},
                       "checks": {"type": "array", "items": _ref("Check")},
                       "warnings": {"type": "array", "items": {"type": "string"}}}},
    "DocumentReport": {
        "type": "object", "description": "the verdict on a signed document and one report per signature",
        "required": ["indication", "subIndication", "accepted", "reasons", "notice", "format", "checks", "signatures"],
        "properties": {"indication": _ref("Indication"), "subIndication": _NULLABLE_TEXT,
                       "accepted": {"type": "boolean", "description": "TOTAL_PASSED and every claim held"},
                       "reasons": {"type": "array", "items": _ref("Reason")},
                       "notice": {**_ref("Messages"), "description": "the notice the applicant is shown"},
                       "format": {"type": "string", "description": "xml, cms or pdf"},
                       "checks": {"type": "array", "items": _ref("Check")},
                       "signatures": {"type": "array", "items": _ref("SignatureReport")}}},
    "RegistryCrossCheck": {
        "type": "object", "required": ["found"],
        "description": "whether this registry issued the document (found null: the registry did not answer); "
                       "status and supersededBy only when the upload is the registered file itself (registeredFile)",
        "properties": {"found": {"type": ["boolean", "null"]}, "number": {"type": "string"},
                       "registeredFile": {"type": "boolean"}, "status": {"type": "string"},
                       "supersededBy": _NULLABLE_TEXT, "message": {"type": "string"}}},
    "VerifyReport": {"allOf": [_ref("DocumentReport"), {"type": "object", "required": ["registry"],
                                                        "properties": {"registry": _ref("RegistryCrossCheck")}}]},
    "Signer": {"type": "object", "description": "the signer certificate's subject",
               "properties": {"commonName": _NULLABLE_TEXT, "iin": _NULLABLE_TEXT, "bin": _NULLABLE_TEXT,
                              "dn": {"type": "string"}}},
    "Document": {
        "type": "object", "description": "a registry record",
        "required": ["number", "type", "status", "providerId", "holder", "issuedAt", "signedAt",
                     "signerCertificateSha256", "originalNumber", "supersedes", "supersededBy", "data", "links"],
        "properties": {
            "number": {"type": "string", "description": "the registry number, printed on the document"},
            "type": {"enum": list(DOCUMENT_TYPES)},
            "status": {"enum": ["valid", "superseded", "suspended", "terminated"]},
            "providerId": {"type": "string"},
            "holder": {"type": "object", "required": ["name", "id"], "description": "to whom it is issued",
                       "properties": {"name": {"type": "string"}, "id": {"type": "string", "description": "IIN/BIN"}}},
            "issuedAt": _MOMENT, "signedAt": _MOMENT,
            "signerCertificateSha256": {**_SHA256_HEX, "description": "SHA-256 of the official's certificate (hex)"},
            "originalNumber": {**_NULLABLE_TEXT, "description": "a duplicate's original"},
            "supersedes": {**_NULLABLE_TEXT, "description": "a re-issue's predecessor"},
            "supersededBy": _NULLABLE_TEXT,
            "data": {"type": "object", "description": "the document's data as issued: DocumentData of its type, with "
                                                      "the fields the issuer filled"},
            "links": {"type": "object", "required": ["pdf", "xml", "verify"],
                      "properties": {"pdf": {"type": "string"}, "xml": {"type": "string"},
                                     "verify": {"type": "string", "description": "the public page (QR code)"}}}}},
    "Event": {"type": "object", "required": ["kind", "actor", "at", "reason", "relatedNumber"],
              "properties": {"kind": {"enum": ["issued", "reissued", "duplicate_issued", "suspended", "resumed",
                                               "terminated"]},
                             "actor": {"type": "string"}, "at": _MOMENT, "reason": _NULLABLE_TEXT,
                             "relatedNumber": _NULLABLE_TEXT}},
    "DocumentWithEvents": {"allOf": [_ref("Document"), {
        "type": "object", "required": ["events"],
        "properties": {"events": {"type": "array", "items": _ref("Event"), "description": "oldest first"}}}]},
    **_DATA, **_ISSUE, **_PREPARE,
    "CertificateCheckRequest": _object({
        "certificate": _binary("the certificate (DER)", ("PEM",)), **_IDENTITY,
        "roles": {"type": "array", "items": {"type": "string"}, "description": "roles the holder must have "
                  "(FIRST_HEAD, SIGNER, ...)"}}, ["certificate"]),
    "RequestVerifyRequest": _object({
        "document": _binary("the signed request: an enveloped XMLDSig XML, or a CMS (DER)", ("XML", "PEM")),
        "detachedContent": _binary("the content a detached CMS signs (any bytes, so Base64 only)"), **_IDENTITY,
        "iinPath": {**_TEXT, "description": "where the signed XML holds the claimed IIN, e.g. applicant/iin"},
        "binPath": {**_TEXT, "description": "where the signed XML holds the claimed BIN"}, **_SIGNERS}, ["document"]),
    "SignXmlRequest": _object({"keyId": _KEY_ID, "document": _binary("the XML to sign (co-signed when signed)",
                                                                     ("XML",))}, ["keyId", "document"]),
    "SignCmsRequest": _object({
        "keyId": _KEY_ID, "content": _binary("the content to sign (any bytes, so Base64 only)"),
        "detached": {**_FLAG, "description": "leave the content out of the CMS"},
        "timestamp": {**_FLAG, "description": "add the trust profile TSA's timestamp (CAdES-T)"},
        "addTo": _binary("an existing CMS (DER) over the same content to add this signer to", ("PEM",))},
        ["keyId", "content"]),
    "EventRequest": _object({
        "event": {"enum": ["reissue", "duplicate", "suspend", "resume", "terminate"],
                  "description": "reissue: a new document supersedes this one; duplicate: a copy under the same "
                                 "printed number; suspend, resume, terminate: its status"},
        "reason": {"type": "string", "maxLength": 1000, "description": "why (journal, and printed on a re-issue)"},
        "keyId": {**_KEY_ID, "description": "reissue and duplicate only (required there): the key that signs the "
                                             "new document"},
        "data": {"type": "object", "description": "reissue only: the new data (DocumentData of the document's type)"}},
        ["event", "reason"]),
    "VerifyRequest": _object({
        "document": _binary("the signed document: a PDF, an XML, or a CMS (DER)", ("XML", "PEM")),
        "detachedContent": _binary("the content a detached CMS signs (any bytes, so Base64 only)"),
        **_IDENTITY, **_SIGNERS}, ["document"]),
    "Prepared": _object({
        "pendingId": {"type": "string", "description": "names the pending document in the next calls"},
        "number": {"type": "string", "description": "the number reserved for it"},
        "digest": {"type": "string", "description": "Base64 of the hash of the prepared PDF's /ByteRange: the "
                   "argument of NCALayer's createCAdESFromBase64Hash (or eds sign hash)"},
        "digestAlgorithm": {"enum": _DIGEST_NAMES, "description": "the hash the digest was made with: the one the "
                            "certificate's key algorithm goes with (sha256 for RSA and EC)"},
        "xml": {"type": "string", "description": "the XML twin, raw (not Base64), for NCALayer's signXml"},
        "expiresAt": {**_MOMENT, "description": "complete before this moment"}},
        ["pendingId", "number", "digest", "digestAlgorithm", "xml", "expiresAt"]),
    "CompleteRequest": _object({
        "cms": _binary("the detached CMS over the digest, as createCAdESFromBase64Hash returns it (DER; its Base64 "
                       "is what NCALayer returns)"),
        "signedXml": _binary("the XML twin as signXml returned it, enveloped XMLDSig", ("XML",))},
        ["cms", "signedXml"]),
    "Abandoned": _object({"pendingId": {"type": "string"}, "number": {"type": "string",
                                                                      "description": "never reused"},
                          "status": {"const": "abandoned"}}, ["pendingId", "number", "status"]),
}

_SIGNED_FILE = {"/api/v1/documents/{number}/" + kind: {"get": {
    "tags": ["documents"], "summary": f"The signed {label} of a document, as issued",
    "description": "Scope verify, acting for the document's provider.",
    "parameters": [_NUMBER],
    "responses": {"200": {"description": f"the signed {label}",
                          "content": {mime: {"schema": {"type": "string", "format": "binary"}}}},
                  **_errors(404, *_AUTH)},
}} for kind, label, mime in (("pdf", "PDF", "application/pdf"), ("xml", "XML twin", "application/xml"))}

_COMPLETE_CAUSES = ("SIGNATURE_MISMATCH (the CMS signs another digest, with another digest algorithm or another "
                    "certificate), SIGNATURE_INVALID, SIGNATURE_TOO_LARGE, XML_SIGNATURE_INVALID, "
                    "SIGNER_NOT_AUTHORISED, SIGNER_CHECK_FAILED, PENDING_CORRUPT")

SPEC: dict = {
    "openapi": "3.1.0",
    "info": {"title": "eds API", "version": "1.0.0",
             "description": "EDS (ЭЦП) checks, signing, issuing and verification for Kazakhstan's state services. "
                            "Authenticate with the X-API-Key header. Errors: {code, message, details}; "
                            "messages follow Accept-Language (kk, ru, en). Binary fields: Base64 in JSON, and the "
                            "raw text too where the field's format is XML or PEM (each field says so); a multipart "
                            "form takes the same field names, binary ones as files. The NCANode-compatible "
                            "endpoints (/ncanode/...) answer in NCANode v3's own shapes and are described by "
                            "NCANode's published spec, not here (README: NCANode-compatible API)."},
    "tags": [{"name": "checks", "description": "certificates and signed requests"},
             {"name": "signing", "description": "with a key the service holds"},
             {"name": "documents", "description": "issue, look up, life events, verify"},
             {"name": "two-step", "description": "the official signs on their own device (NCALayer)"},
             {"name": "service", "description": "health and metrics"}],
    "components": {"securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
                   "schemas": _SCHEMAS},
    "security": [{"apiKey": []}],
    "paths": {
        "/api/v1/certificates/check": {"post": {
            "tags": ["checks"],
            "summary": "The signer check on a certificate: chain, validity, revocation, purpose, IIN/BIN, role",
            "description": "Scope verify.",
            "requestBody": _body("CertificateCheckRequest", ("certificate",)),
            "responses": {"200": _json(_ref("SignatureReport"), "the report, whatever the verdict"),
                          **_errors(*_BODY, *_AUTH)},
        }},
        "/api/v1/requests/verify": {"post": {
            "tags": ["checks"],
            "summary": "The request check on a signed XML or CMS: accepted, or the refusal reason and notice",
            "description": "Scope verify. 422: TOO_COMPLEX (details.limit, max, found) past a verification limit.",
            "requestBody": _body("RequestVerifyRequest", ("document", "detachedContent")),
            "responses": {"200": _json(_ref("DocumentReport"), "the report, whatever the verdict"),
                          **_errors(*_BODY, *_AUTH, 422)},
        }},
        "/api/v1/signatures/xml": {"post": {
            "tags": ["signing"],
            "summary": "Sign (or co-sign) an XML document in the NCALayer profile with a key the service holds",
            "description": "Scope sign, and the signing key granted to the API key. 422: the XML is not signable "
                           "(details.cause: XML_MALFORMED, ...).",
            "requestBody": _body("SignXmlRequest", ("document",)),
            "responses": {"200": _json(_object({"document": {"type": "string", "description": "the signed XML, "
                                                             "Base64"}, "signer": _ref("Signer")},
                                               ["document", "signer"]), "the signed XML"),
                          **_errors(*_BODY, *_AUTH, 404, 422)},
        }},
        "/api/v1/signatures/cms": {"post": {
            "tags": ["signing"],
            "summary": "Make a CMS signature (attached or detached, optional timestamp), or add a signer",
            "description": "Scope sign, and the signing key granted to the API key. 422: addTo is not a CMS over "
                           "this content.",
            "requestBody": _body("SignCmsRequest", ("content", "addTo")),
            "responses": {"200": _json(_object({"cms": {"type": "string", "description": "the CMS (DER), Base64"},
                                                "signer": _ref("Signer")}, ["cms", "signer"]), "the CMS"),
                          **_errors(*_BODY, *_AUTH, 404, 422)},
        }},
        "/api/v1/documents": {"post": {
            "tags": ["documents"],
            "summary": "Issue a document: validate, sign the PDF (PAdES) and its XML twin, record it in the registry",
            "description": "Scope issue, the signing key granted and the provider acted for. `data` is the "
                           "DocumentData schema of `type` (one per type, with its example). A retry with the same "
                           "Idempotency-Key returns the same document; the key with other data is a 409. 422: "
                           "details.issues lists every problem of the data (field path, code, message); "
                           "details.cause SIGNER_NOT_AUTHORISED, SIGNER_CHECK_FAILED, ... for the official.",
            "parameters": [_IDEMPOTENCY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("IssueRequest"),
                                                                               "examples": _ISSUE_EXAMPLES}}},
            "responses": {"201": _json(_ref("Document"), "issued (or the same document, for a retry)"),
                          **_errors(*_BODY, *_AUTH, 404, 409, 422)},
        }},
        "/api/v1/documents/{number}": {"get": {
            "tags": ["documents"],
            "summary": "A document's registry record and its life events",
            "description": "Scope verify, acting for the document's provider.",
            "parameters": [_NUMBER],
            "responses": {"200": _json(_ref("DocumentWithEvents"), "the record"), **_errors(404, *_AUTH)},
        }},
        **_SIGNED_FILE,
        "/api/v1/documents/{number}/events": {"post": {
            "tags": ["documents"],
            "summary": "A life event: reissue or duplicate (a new document, 201), suspend, resume or terminate (200)",
            "description": "Scope issue, acting for the document's provider; reissue and duplicate sign with keyId, "
                           "which must be granted. 409: the document's state does not allow the event.",
            "parameters": [_NUMBER, _IDEMPOTENCY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("EventRequest")}}},
            "responses": {"200": _json(_ref("Document"), "suspended, resumed or terminated: the document"),
                          "201": _json(_ref("Document"), "reissued or duplicated: the new document"),
                          **_errors(*_BODY, *_AUTH, 404, 409, 422)},
        }},
        "/api/v1/verify": {"post": {
            "tags": ["documents"],
            "summary": "Verify any signed PDF, XML or CMS, with the cross-check against this registry",
            "description": "Scope verify. The document is never stored. 422: TOO_COMPLEX past a verification limit.",
            "requestBody": _body("VerifyRequest", ("document", "detachedContent")),
            "responses": {"200": _json(_ref("VerifyReport"), "the report, whatever the verdict"),
                          **_errors(*_BODY, *_AUTH, 422)},
        }},
        "/api/v1/documents/prepare": {"post": {
            "tags": ["two-step"],
            "summary": "Two-step signing, step 1: reserve a number, render, and answer the digest and XML to sign",
            "description": "Scope issue, acting for the provider. The data and the official's certificate are "
                           "checked as for issuing; the device then signs `digest` with createCAdESFromBase64Hash "
                           "and `xml` with signXml. A retry with the same Idempotency-Key answers the same pending "
                           "document. 422: details.issues for the data; details.cause CERTIFICATE_MALFORMED, "
                           "ALGORITHM_UNSUPPORTED, SIGNER_NOT_AUTHORISED, SIGNER_CHECK_FAILED, PROVIDER_MISMATCH.",
            "parameters": [_IDEMPOTENCY],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("PrepareRequest"), "examples": _PREPARE_EXAMPLES},
                "multipart/form-data": {"schema": {
                    "type": "object", "required": ["type", "providerId", "signerCertificate", "data"],
                    "properties": {"type": {"enum": list(DOCUMENT_TYPES), "description": "the document type"},
                                   "providerId": _PROVIDER_ID,
                                   "signerCertificate": {"type": "string", "format": "binary",
                                                         "description": "the official's certificate, DER or PEM"},
                                   "data": {"type": "string", "description": "DocumentData of the type, as JSON "
                                                                             "text"}}}}}},
            "responses": {"201": _json(_ref("Prepared"), "prepared: what the device signs"),
                          **_errors(*_BODY, *_AUTH, 404, 409, 422)},
        }},
        "/api/v1/documents/prepared/{pending_id}/pdf": {"get": {
            "tags": ["two-step"],
            "summary": "The prepared PDF: what the official signs",
            "description": "Scope issue, acting for the provider.",
            "parameters": [_PENDING],
            "responses": {"200": {"description": "the prepared PDF (its signature field still empty)",
                                  "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                          **_errors(404, 409, *_AUTH)},
        }},
        "/api/v1/documents/prepared/{pending_id}/complete": {"post": {
            "tags": ["two-step"],
            "summary": "Two-step signing, step 2: the device's CMS over the digest and the signed XML; registers "
                       "the document",
            "description": "Scope issue, acting for the provider. The CMS must be over exactly the prepared digest "
                           "by exactly the prepared certificate, the XML signature over exactly the prepared XML. "
                           "Idempotent: after the document was registered, the same body answers it again (200), "
                           "other signatures 409 (details.cause ALREADY_COMPLETED, details.number). 409 "
                           "PENDING_EXPIRED after expiresAt; 422 (nothing registered, sign again): details.cause "
                           f"{_COMPLETE_CAUSES}; 503 TIMESTAMP_UNAVAILABLE.",
            "parameters": [_PENDING],
            "requestBody": _body("CompleteRequest", ("cms", "signedXml")),
            "responses": {"201": _json(_ref("Document"), "registered"),
                          "200": _json(_ref("Document"), "registered earlier with this body (a retry)"),
                          **_errors(*_BODY, *_AUTH, 404, 409, 422)},
        }},
        "/api/v1/documents/prepared/{pending_id}": {"delete": {
            "tags": ["two-step"],
            "summary": "Abandon a prepared document (its number is not reused)",
            "description": "Scope issue, acting for the provider.",
            "parameters": [_PENDING, {"name": "reason", "in": "query", "required": False,
                                      "schema": {"type": "string", "maxLength": 500},
                                      "description": "why, for the journal (blank or absent: abandoned by the caller)"}],
            "responses": {"200": _json(_ref("Abandoned"), "abandoned"), **_errors(404, *_AUTH)},
        }},
        "/healthz": {"get": {"tags": ["service"], "summary": "alive", "security": [],
                             "responses": {"200": _json(_object({"status": {"const": "ok"}}, ["status"]), "alive")}}},
        "/readyz": {"get": {
            "tags": ["service"], "summary": "ready: trust anchors loaded, registry reachable, CRLs current",
            "security": [],
            "responses": {code: _json(_object({"status": {"enum": ["ready", "not ready"]},
                                               "checks": {"type": "object"}}, ["status", "checks"]), text)
                          for code, text in (("200", "ready"), ("503", "not ready, with the failing check"))}}},
        "/ncanode/openapi.json": {"get": {
            "tags": ["service"], "security": [],
            "summary": "NCANode v3's published OpenAPI specification with the paths of the NCANode-compatible layer",
            "responses": {"200": _json({"type": "object"}, "the specification (OpenAPI 3.0), its server /ncanode")}}},
        "/metrics": {"get": {"tags": ["service"], "summary": "Prometheus metrics of this worker process",
                             "security": [],
                             "responses": {"200": {"description": "the text exposition format",
                                                   "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    },
}


@docs.get("/openapi.json")
def openapi() -> Response:
    return jsonify(SPEC)


@docs.get("/ncanode/openapi.json")
def ncanode_openapi() -> Response:
    """NCANode's published specification with the paths of the NCANode-compatible layer (scripts/ncanode-openapi)."""
    return send_from_directory(str(OWN_FILES), "ncanode-openapi.json", mimetype="application/json", max_age=3600)


@docs.get("/docs")
def page() -> Response:
    """Swagger UI over /openapi.json, with a plain list of the endpoints for a browser without JavaScript."""
    operations = [(method, path, operation.get("summary", ""))
                  for path, methods in SPEC["paths"].items() for method, operation in methods.items()]
    html = render_template("docs.html", description=SPEC["info"]["description"], operations=operations)
    return Response(html, mimetype="text/html")


@docs.get("/docs/eds/<path:filename>")
def own_file(filename: str) -> Response:
    """The page's own script (api/static/), which starts Swagger UI."""
    return send_from_directory(str(OWN_FILES), filename, max_age=3600)


@docs.get("/docs/static/<path:filename>")
def static_file(filename: str) -> Response:
    """Swagger UI's own files, from the installed package."""
    return send_from_directory(str(SWAGGER_UI), filename, max_age=86400)
