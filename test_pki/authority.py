"""The live side of the test PKI: sign CRLs, answer OCSP requests and issue timestamps from its keys.

Behaves like the NCA where the NCA is unusual: OCSP responses carry no nextUpdate, are signed by a
delegated responder of the same CA, echo the request nonce, and accept SHA-1 and SHA-256 CertIDs.
The GOST CA's CRLs and its responder's answers are signed with GOST (:mod:`test_pki.gost`).
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from eds.pki.gost.keys import GostPrivateKey
from eds.pki.keys import SigningKey
from test_pki import gost, tsa
from test_pki.model import TSA_POLICY, read_password

REASONS = {flag.name: flag for flag in x509.ReasonFlags}
RESPONDERS = {"ca_rsa": "ocsp_rsa", "ca_ec": "ocsp_ec", "ca_gost": "ocsp_gost"}
_OCSP_STATUS = {ocsp.OCSPCertStatus.GOOD: "good", ocsp.OCSPCertStatus.REVOKED: "revoked",
                ocsp.OCSPCertStatus.UNKNOWN: "unknown"}
CRL_LIFETIME = _dt.timedelta(days=1)
DELTA_CRL_LIFETIME = _dt.timedelta(hours=4)


@dataclass(frozen=True)
class _Signer:
    key: object
    cert: x509.Certificate


def _load_p12(path: Path, password: str) -> _Signer:
    key = SigningKey.from_pkcs12(path.read_bytes(), password)
    return _Signer(key.private_key, key.certificate.x509)


def _key_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    """Hash of the key's BIT STRING, read raw: cryptography cannot load a GOST public key."""
    der = cert.public_bytes(serialization.Encoding.DER)
    bits = asn1_x509.Certificate.load(der).public_key["public_key"].contents[1:]
    digest = hashes.Hash(algorithm)
    digest.update(bits)
    return digest.finalize()


def _name_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    digest = hashes.Hash(algorithm)
    digest.update(cert.subject.public_bytes())
    return digest.finalize()


class TestPki:
    """A generated PKI folder, loaded with its CA, responder and TSA keys, able to answer like the NCA."""

    __test__ = False  # not a pytest test class

    def __init__(self, root: Path, manifest: dict, signers: dict[str, _Signer]) -> None:
        self.root = root
        self.manifest = manifest
        self.signers = signers
        self._lock = threading.Lock()
        self._full_numbers: dict[str, int] = {}  # authority -> number of the last complete CRL it issued
        self._serials: dict[str, set[int]] = {}
        for name, info in {**manifest["authorities"], **manifest["identities"]}.items():
            parent = info.get("parent") if "parent" in info else info.get("issuer")
            if parent:
                self._serials.setdefault(parent, set()).add(int(info["serial"], 16))

    @classmethod
    def load(cls, directory: str | Path) -> "TestPki":
        root = Path(directory)
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        password = read_password(root)
        signers = {name: _load_p12(root / info["pkcs12"], password)
                   for name, info in manifest["authorities"].items()}
        for name in ("ocsp_rsa", "ocsp_ec", "tsa"):
            signers[name] = _load_p12(root / manifest["identities"][name]["pkcs12"], password)
        for name, info in manifest["identities"].items():  # TSAs added with test_pki.archive.add_tsa
            if info.get("purpose") == "TSA" and name not in signers:
                signers[name] = _load_p12(root / info["pkcs12"], password)
        for name, info in manifest.get("responders", {}).items():
            signers[name] = _load_p12(root / info["pkcs12"], password)
        return cls(root, manifest, signers)

    # revocation state
    def _state(self) -> dict:
        return json.loads((self.root / "state.json").read_text(encoding="utf-8"))

    def revoke(self, name: str, reason: str = "key_compromise", when: _dt.datetime | None = None,
               list_name: str = "delta") -> None:
        """Revoke an identity from now on (or ``when``); it appears in OCSP and in the given CRL."""
        info = self.manifest["identities"][name]
        when = when or _dt.datetime.now(_dt.timezone.utc)
        with self._lock:
            state = self._state()
            state["revoked"][name] = {"issuer": info["issuer"], "serial": info["serial"], "reason": reason,
                                      "time": when.replace(microsecond=0).isoformat(), "list": list_name}
            (self.root / "state.json").write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")

    def _revoked(self, issuer: str) -> list[dict]:
        return [r for r in self._state()["revoked"].values() if r["issuer"] == issuer]

    # CRLs
    def crl(self, authority: str, now: _dt.datetime, *, delta: bool = False) -> bytes:
        """A freshly signed full or delta CRL of ``authority`` (numbers grow with time). A delta is made on the
        last complete CRL issued, as a CA publishes them, not on one numbered from its own moment: fetched a
        second later than its complete CRL, it would otherwise name a base the client never saw."""
        signer = self.signers[authority]
        number = int(now.timestamp()) * 2
        with self._lock:
            if not delta:
                self._full_numbers[authority] = max(number, self._full_numbers.get(authority, 0))
            base = self._full_numbers.get(authority, number)
        lifetime = DELTA_CRL_LIFETIME if delta else CRL_LIFETIME
        entries = []
        for entry in self._revoked(authority):
            revoked_at = _dt.datetime.fromisoformat(entry["time"])
            if (entry["list"] == "delta") == delta and revoked_at <= now:
                entries.append((int(entry["serial"], 16), revoked_at, entry["reason"]))
        if isinstance(signer.key, GostPrivateKey):
            return gost.crl(signer.key, signer.cert.public_bytes(serialization.Encoding.DER), now, now + lifetime,
                            number + 1 if delta else number, base if delta else None, entries)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(signer.cert.subject)
            .last_update(now)
            .next_update(now + lifetime)
            .add_extension(x509.CRLNumber(number + 1 if delta else number), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.key.public_key()),
                           critical=False)
        )
        if delta:
            builder = builder.add_extension(x509.DeltaCRLIndicator(base), critical=True)
        for serial, revoked_at, reason in entries:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(revoked_at)
                .add_extension(x509.CRLReason(REASONS[reason]), critical=False)
                .build()
            )
        return builder.sign(signer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def crl_files(self) -> dict[str, tuple[str, bool]]:
        """CRL file name -> (authority, is_delta)."""
        files: dict[str, tuple[str, bool]] = {}
        for name, info in self.manifest["authorities"].items():
            files[Path(info["crl"]).name] = (name, False)
            if info.get("delta_crl"):
                files[Path(info["delta_crl"]).name] = (name, True)
        return files

    def write_crls(self, now: _dt.datetime) -> None:
        for file_name, (authority, delta) in self.crl_files().items():
            (self.root / "crl" / file_name).write_bytes(self.crl(authority, now, delta=delta))

    # OCSP
    def _find_issuer(self, request: ocsp.OCSPRequest) -> str | None:
        algorithm = request.hash_algorithm
        for name, signer in self.signers.items():
            if name not in self.manifest["authorities"]:
                continue
            if (_name_hash(signer.cert, algorithm) == request.issuer_name_hash
                    and _key_hash(signer.cert, algorithm) == request.issuer_key_hash):
                return name
        return None

    def ocsp_response(self, request_der: bytes, now: _dt.datetime) -> bytes:
        """Answer one OCSP request the way the NCA does (no nextUpdate, nonce echoed)."""
        try:
            request = ocsp.load_der_ocsp_request(request_der)
            issuer = self._find_issuer(request)
        except Exception:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(serialization.Encoding.DER)
        if issuer is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(serialization.Encoding.DER)
        responder = self.signers[RESPONDERS.get(issuer, issuer)]
        serial = request.serial_number
        status, revoked_at, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
        if serial in self._serials.get(issuer, set()):
            status = ocsp.OCSPCertStatus.GOOD
            for entry in self._revoked(issuer):
                when = _dt.datetime.fromisoformat(entry["time"])
                if int(entry["serial"], 16) == serial and when <= now:
                    status, revoked_at, reason = ocsp.OCSPCertStatus.REVOKED, when, REASONS[entry["reason"]]
        nonces = [e.value for e in request.extensions if isinstance(e.value, x509.OCSPNonce)]
        if isinstance(responder.key, GostPrivateKey):
            cert_id = {"hash_algorithm": request.hash_algorithm.name, "issuer_name_hash": request.issuer_name_hash,
                       "issuer_key_hash": request.issuer_key_hash, "serial_number": serial}
            revoked = (revoked_at, reason.name) if revoked_at is not None and reason is not None else None
            return gost.ocsp_response(responder.key, responder.cert.public_bytes(serialization.Encoding.DER),
                                      cert_id, _OCSP_STATUS[status], revoked, now,
                                      nonces[0].nonce if nonces else None)
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            request.issuer_name_hash, request.issuer_key_hash, serial, request.hash_algorithm,
            status, now, None, revoked_at, reason,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, responder.cert).certificates([responder.cert])
        for nonce in nonces:
            builder = builder.add_extension(nonce, critical=False)
        return builder.sign(responder.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    # TSA
    def timestamp_response(self, request_der: bytes, now: _dt.datetime, name: str = "tsa") -> bytes:
        """A TSA's answer: the PKI's own (``tsa``), or one added by test_pki.archive (with its CA's certificate)."""
        signer = self.signers[name]
        issuer = self.manifest["identities"][name]["issuer"]
        chain = [self.signers[issuer].cert]
        return tsa.make_timestamp_response(request_der, signer.key,
                                           signer.cert.public_bytes(serialization.Encoding.DER),
                                           TSA_POLICY, gen_time=now,
                                           extra_certs=[c.public_bytes(serialization.Encoding.DER) for c in chain])
