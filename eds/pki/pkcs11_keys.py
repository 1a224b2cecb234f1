"""Keys in a hardware token or HSM, reached through PKCS#11: they sign as every other :class:`HeldKey` does.

A :class:`Pkcs11Key` is the private half of an RSA or EC key that stays on the token (its value is never read:
the token would refuse, and nothing here asks); ``sign(data, algorithm)`` hashes ``data`` here and has the
token sign the digest (``CKM_RSA_PKCS`` over the DigestInfo, ``CKM_ECDSA`` over the hash), which every token
supports, so CMS, XMLDSig and PAdES use it exactly like a key from a PKCS#12 file. :func:`open_key` finds the
key by its label (``CKA_LABEL``) on the token named by its label or slot, and its certificate on the token (the
object with the key's ``CKA_ID``, or its label) or in a file, checks with one signature that the two belong
together, and returns a :class:`eds.pki.keys.SigningKey`.

Sessions: one per token per process (a PKCS#11 login is per token, shared by its sessions), opened on first
use and kept; a forked worker opens its own. A token that is pulled out answers with one of several errors
(``CKR_DEVICE_REMOVED``, ``CKR_TOKEN_NOT_PRESENT``, ``CKR_SESSION_HANDLE_INVALID``, ``CKR_OBJECT_HANDLE_INVALID``
after SoftHSM's token folder is gone, ...): the session is dropped, the library re-initialised and the key
looked up again, once per signature; while that fails the signature is ``KEY_UNAVAILABLE`` (the API's 503),
and once the token is back the next signature reconnects. A PIN the token refused is not offered again until
it changes (a token locks after a few wrong PINs). The PIN is read from where keys.json says when a session
is opened, and is never logged, shown or kept in an error.

GOST keys stay in PKCS#12 files: the PKCS#11 libraries this is tested with (SoftHSM2) have no GOST mechanisms,
and a token's GOST key is refused here as ``KEY_ALGORITHM_UNSUPPORTED``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from asn1crypto import algos as asn1_algos
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_der_public_key

from eds.pki import algorithms
from eds.pki.algorithms import KeyMismatch
from eds.pki.certificates import Certificate, CertificateError
from eds.pki.keys import KeyStoreError, SigningKey

log = logging.getLogger(__name__)

# PKCS#1 v1.5 DigestInfo prefixes (RFC 8017, 9.2 note 1): the token signs prefix + digest with CKM_RSA_PKCS.
_DIGEST_INFO_PREFIX: dict[str, bytes] = {
    algorithms.SHA1: bytes.fromhex("3021300906052b0e03021a05000414"),
    algorithms.SHA256: bytes.fromhex("3031300d060960864801650304020105000420"),
    algorithms.SHA384: bytes.fromhex("3041300d060960864801650304020205000430"),
    algorithms.SHA512: bytes.fromhex("3051300d060960864801650304020305000440"),
}


@dataclass(frozen=True)
class TokenSpec:
    """Which token, through which library, and where its PIN is read: keys.json's ``pkcs11`` entry less the key's
    label. ``token`` is the token label, ``slot`` the slot id; at least one is given (both: they must agree)."""

    module: str
    token: str | None = None
    slot: int | None = None
    pin: Callable[[], str] = field(default=lambda: "", repr=False, compare=False)
    pin_origin: str = ""  # where the PIN comes from (a variable's or file's name, never the PIN), for messages

    @property
    def described(self) -> str:
        named = [f"token {self.token!r}" if self.token is not None else "",
                 f"slot {self.slot}" if self.slot is not None else ""]
        return " in ".join(filter(None, named)) + f" of {self.module}"


class _Unavailable(Exception):
    """The token did not answer as a present token does: reconnect, or report KEY_UNAVAILABLE."""


class _LabelMissing(Exception):
    """No private key with the label: on a token just pulled (SoftHSM2 then finds nothing) or for good."""


def _pkcs11():
    try:
        import pkcs11
    except ImportError:  # a dependency of eds; a broken install is told, not traced
        raise KeyStoreError("KEY_MODULE_UNAVAILABLE", "python-pkcs11 is not installed (pip install eds)") from None
    return pkcs11


def _name(exc: BaseException) -> str:
    """An error of python-pkcs11 by its class (its messages are mostly empty)."""
    text = str(exc)
    return type(exc).__name__ + (f" ({text})" if text else "")


def _classify(exc: BaseException, spec: TokenSpec) -> KeyStoreError | None:
    """A KeyStoreError for an error that reconnecting will not cure (PIN, label, mechanism); None for the rest."""
    from pkcs11 import exceptions as e

    if isinstance(exc, e.PinLocked):
        return KeyStoreError("KEY_PIN_LOCKED", f"the {spec.described} is locked after wrong PINs: unlock it with the "
                                               "security officer's PIN", {"token": spec.token})
    if isinstance(exc, (e.PinIncorrect, e.PinInvalid, e.PinLenRange, e.PinExpired)):
        return KeyStoreError("KEY_BAD_PIN", f"the {spec.described} refused the PIN from {spec.pin_origin} "
                                            f"({type(exc).__name__}); it is not tried again until it changes",
                             {"token": spec.token})
    if isinstance(exc, (e.MechanismInvalid, e.MechanismParamInvalid, e.KeyTypeInconsistent)):
        return KeyStoreError("KEY_ALGORITHM_UNSUPPORTED", f"the {spec.described} cannot make this signature: "
                                                          f"{_name(exc)}")
    return None


class _Library:
    """One PKCS#11 library per process: loaded once, re-initialised after a fork or when a token was pulled.

    ``generation`` counts initialisations: sessions opened under an older one are dead."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._lib = None
        self._pid = 0
        self.generation = 0

    def get(self):
        """The loaded library, initialised in this process."""
        with self.lock:
            if self._lib is None:
                if not Path(self.path).is_file():
                    raise KeyStoreError("KEY_MODULE_UNAVAILABLE", f"no PKCS#11 module at {self.path} (keys.json: "
                                                                  "pkcs11.module)", {"module": self.path})
                pkcs11 = _pkcs11()
                try:
                    self._lib = pkcs11.lib(self.path)
                except pkcs11.PKCS11Error as exc:
                    raise KeyStoreError("KEY_MODULE_UNAVAILABLE", f"the PKCS#11 module {self.path} cannot be loaded: "
                                                                  f"{exc}", {"module": self.path}) from None
                self._pid, self.generation = os.getpid(), self.generation + 1
            elif self._pid != os.getpid() or not self._lib.initialized:  # a forked worker (PKCS#11 state is per
                self._reinitialize()  # process), or finalised since
            return self._lib

    def reinitialize(self) -> None:
        """C_Finalize and C_Initialize: the library forgets its sessions and finds the tokens present now."""
        with self.lock:
            if self._lib is not None:
                self._reinitialize()

    def _reinitialize(self) -> None:
        try:
            self._lib.finalize()
        except Exception:  # not initialised (any more): initialising is what matters
            pass
        try:
            self._lib.initialize()
        except Exception as exc:
            raise _Unavailable(f"the PKCS#11 module {self.path} could not be initialised again: {_name(exc)}") \
                from None
        self._pid, self.generation = os.getpid(), self.generation + 1


_libraries: dict[str, _Library] = {}
_sessions: dict[tuple, "_TokenSession"] = {}
_registry_lock = threading.RLock()


def _library(path: str) -> _Library:
    with _registry_lock:
        return _libraries.setdefault(path, _Library(path))


class _TokenSession:
    """The one logged-in session of a token in this process, reopened when its library was re-initialised."""

    def __init__(self, spec: TokenSpec) -> None:
        self.spec = spec
        self.library = _library(spec.module)
        self._session = None
        self._generation = -1
        self._refused_pin: str | None = None  # SHA-256 of the PIN the token refused last
        self._keys: dict[str, object] = {}  # private key objects by label, found once per session
        self.opened = 0  # sessions opened so far in this process (1 while the token never went away)
        self.lost = False  # the last operation found the token gone
        self.lock = self.library.lock  # one operation at a time per library: re-initialising ends every session

    def __repr__(self) -> str:
        return f"TokenSession({self.spec.described})"

    def session(self, login: TokenSpec | None = None):
        """The open session, opening it (and logging in with ``login``'s PIN: the key's own entry) if there is none
        under the library's generation."""
        lib = self.library.get()
        if self._session is not None and self._generation == self.library.generation:
            return self._session
        self._session = None
        login = login or self.spec
        pin = login.pin()
        fingerprint = hashlib.sha256(pin.encode()).hexdigest()
        if fingerprint == self._refused_pin:
            raise KeyStoreError("KEY_BAD_PIN", f"the {self.spec.described} refused the PIN from {login.pin_origin}; "
                                               "it is not tried again until it changes", {"token": self.spec.token})
        pkcs11 = _pkcs11()
        token = self._token(lib, pkcs11)
        try:
            try:
                session = token.open(user_pin=pin)
            except pkcs11.exceptions.UserAlreadyLoggedIn:  # this process is logged in already: the session is too
                session = token.open()
        except pkcs11.PKCS11Error as exc:
            known = _classify(exc, login)
            if known is not None:
                if known.code == "KEY_BAD_PIN":
                    self._refused_pin = fingerprint
                raise known from None
            raise _Unavailable(f"the {self.spec.described} did not open a session: {_name(exc)}") from None
        self._refused_pin = None
        self._session, self._generation, self._keys = session, self.library.generation, {}
        self.opened += 1
        return session

    def private_key(self, label: str):
        """The private key object labelled ``label`` in the open session (looked up once per session)."""
        found = self._keys.get(label)
        if found is None:
            from pkcs11 import ObjectClass
            from pkcs11 import exceptions as e

            try:
                found = self.session().get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
            except e.NoSuchKey:
                raise _LabelMissing(label) from None
            except e.MultipleObjectsReturned:
                raise KeyStoreError("KEY_LABEL_NOT_FOUND", f"the {self.spec.described} holds several private keys "
                                                           f"labelled {label!r}: give each its own label",
                                    {"label": label}) from None
            self._keys[label] = found
        return found

    def _token(self, lib, pkcs11):
        spec = self.spec
        try:
            if spec.slot is not None:
                slots = [s for s in lib.get_slots() if s.slot_id == spec.slot]
                if not slots:
                    raise _Unavailable(f"there is no slot {spec.slot} in {spec.module}")
                token = slots[0].get_token()
                if spec.token is not None and token.label != spec.token:
                    raise _Unavailable(f"the token in slot {spec.slot} is {token.label!r}, not {spec.token!r}")
                return token
            return lib.get_token(token_label=spec.token)
        except pkcs11.exceptions.MultipleTokensReturned:
            raise KeyStoreError("KEYS_FILE_INVALID", f"several tokens are labelled {spec.token!r} in {spec.module}: "
                                                     "name the slot too (pkcs11.slot)") from None
        except pkcs11.exceptions.NoSuchToken:
            raise _Unavailable(f"no {spec.described} is present") from None
        except pkcs11.PKCS11Error as exc:
            raise _Unavailable(f"the {spec.described} cannot be reached: {_name(exc)}") from None

    def drop(self) -> None:
        """Forget the session (closing it if the token still knows it) and re-initialise the library."""
        session, self._session, self._keys = self._session, None, {}
        if session is not None:
            try:
                session.close()
            except Exception:  # the token is gone or the session already dead
                pass
        self.library.reinitialize()

    def run(self, operation: Callable, login: TokenSpec | None = None):
        """``operation(self)`` under the lock; on a token that went away, reconnect and try once more; while it
        stays away, KEY_UNAVAILABLE. A label still missing on the token just reconnected is KEY_LABEL_NOT_FOUND."""
        pkcs11 = _pkcs11()
        last = ""
        with self.lock:
            for attempt in range(2):
                try:
                    self.session(login)
                    result = operation(self)
                    if self.lost:
                        self.lost = False
                        log.warning("PKCS#11 token back: reconnected", extra={
                            "pkcs11Module": self.spec.module, "token": self.spec.token, "sessions": self.opened})
                    return result
                except KeyStoreError:
                    raise
                except _LabelMissing as exc:
                    if attempt == 1:
                        raise KeyStoreError("KEY_LABEL_NOT_FOUND", f"the {self.spec.described} holds no private key "
                                            f"labelled {str(exc)!r} (keys.json: pkcs11.label)", {"label": str(exc)}) from None
                    last = f"the {self.spec.described} shows no private key labelled {str(exc)!r} now"
                except _Unavailable as exc:
                    last = str(exc)
                except pkcs11.PKCS11Error as exc:
                    known = _classify(exc, login or self.spec)
                    if known is not None:
                        raise known from None
                    last = f"the {self.spec.described} failed: {_name(exc)}"
                try:
                    self.drop()
                except _Unavailable as exc:
                    last = str(exc)
                if attempt == 0:
                    log.warning("PKCS#11 token not answering; reconnecting",
                                extra={"pkcs11Module": self.spec.module, "token": self.spec.token, "cause": last})
        self.lost = True
        raise KeyStoreError("KEY_UNAVAILABLE", f"{last}; the key is unavailable until the token is back",
                            {"token": self.spec.token, "module": self.spec.module})


def sessions() -> list[dict]:
    """What this process knows of each token: whether it is reachable now, and how often a session was opened."""
    with _registry_lock:
        return [{"module": t.spec.module, "token": t.spec.token, "slot": t.spec.slot, "open": t._session is not None,
                 "lost": t.lost, "sessionsOpened": t.opened} for t in _sessions.values()]


def _session_for(spec: TokenSpec) -> _TokenSession:
    with _registry_lock:
        key = (spec.module, spec.token, spec.slot)
        found = _sessions.get(key)
        if found is None:
            found = _sessions[key] = _TokenSession(spec)
        return found


def reset() -> None:
    """Close every session and finalise every library of this process; keys already opened reconnect on their next
    signature (tests that build tokens anew, or move SOFTHSM2_CONF, use it)."""
    with _registry_lock:
        for token in _sessions.values():
            with token.lock:
                session, token._session, token._keys, token._refused_pin = token._session, None, {}, None
                if session is not None:
                    try:
                        session.close()
                    except Exception:  # already gone with its token
                        pass
        for library in _libraries.values():
            with library.lock:
                if library._lib is not None:
                    try:
                        library._lib.finalize()
                    except Exception:
                        pass
                    library.generation += 1


def _spki(public_key) -> bytes:
    return public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True, eq=False)
class Pkcs11Key:
    """A private key on a token, found by its label: a :class:`eds.pki.keys.HeldKey` whose value never leaves it."""

    token: _TokenSession = field(repr=False)
    label: str
    key_type: str
    certificate_der: bytes = field(repr=False)
    login: TokenSpec | None = field(default=None, repr=False)  # the key's keys.json entry: its PIN, if a login is due

    def __repr__(self) -> str:
        return f"Pkcs11Key({self.key_type}, {self.label!r} on {self.token.spec.described})"

    @property
    def signature_algorithm(self) -> str:
        return algorithms.default_for(self.key_type) or ""

    @cached_property
    def public_key_info(self) -> bytes:
        return asn1_x509.Certificate.load(self.certificate_der).public_key.dump()

    @cached_property
    def _normalised_spki(self) -> bytes:
        return _spki(load_der_public_key(self.public_key_info))

    def matches(self, spki_der: bytes) -> bool:
        try:
            return _spki(load_der_public_key(spki_der)) == self._normalised_spki
        except (ValueError, TypeError, UnsupportedAlgorithm):
            return False

    def sign(self, data: bytes, algorithm: str | None = None) -> bytes:
        chosen = algorithms.signature(algorithm or self.signature_algorithm)
        if chosen.key_type != self.key_type or chosen.digest_oid not in _DIGEST_INFO_PREFIX:
            raise KeyMismatch(f"a {self.key_type} key on a token cannot sign {chosen.name}")
        digest = algorithms.digest(chosen.digest_oid).hash(data)
        pkcs11 = _pkcs11()
        if self.key_type == "rsa":
            payload, mechanism = _DIGEST_INFO_PREFIX[chosen.digest_oid] + digest, pkcs11.Mechanism.RSA_PKCS
        else:
            payload, mechanism = digest, pkcs11.Mechanism.ECDSA
        value = self.token.run(lambda token: token.private_key(self.label).sign(payload, mechanism=mechanism),
                               self.login)
        if self.key_type == "ec":  # PKCS#11 gives r || s; X.509 and CMS want the DER SEQUENCE
            value = asn1_algos.DSASignature.from_p1363(value).dump()
        return value


def _certificates_in(path: Path) -> list[Certificate]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyStoreError("KEY_UNREADABLE", f"cannot read certificate file {path}: {exc.strerror}") from None
    blobs = [der for _, _, der in asn1_pem.unarmor(data, multiple=True)] if asn1_pem.detect(data) else [data]
    try:
        return [Certificate.load(der) for der in blobs]
    except CertificateError as exc:
        raise KeyStoreError("KEY_UNREADABLE", f"{path} holds no readable certificate: {exc}") from None


def _readable(ders: list[bytes]) -> list[Certificate]:
    """The certificates among ``ders`` that can be read (a token may hold other objects of class certificate)."""
    found = []
    for der in ders:
        try:
            found.append(Certificate.load(der))
        except CertificateError:
            log.warning("unreadable certificate on a PKCS#11 token skipped")
    return found


def _token_objects(token: _TokenSession, label: str) -> tuple[str, bytes | None, list[bytes]]:
    """The private key's type, its certificate on the token (by ``CKA_ID``, else label) and every certificate there
    (DER)."""
    from pkcs11 import Attribute, KeyType, ObjectClass
    from pkcs11 import exceptions as e

    private = token.private_key(label)
    session = token.session()
    kind = {KeyType.RSA: "rsa", KeyType.EC: "ec"}.get(private.key_type)
    if kind is None:
        named = getattr(private.key_type, "name", str(private.key_type))
        gost = "GOST" in named
        raise KeyStoreError("KEY_ALGORITHM_UNSUPPORTED", f"the key labelled {label!r} is a {named} key"
                            + ("; GOST keys are used from PKCS#12 files" if gost else "; RSA and EC keys can sign here"))
    try:
        key_id = private[Attribute.ID]
    except e.PKCS11Error:
        key_id = None
    certificates = []
    for item in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        try:
            certificates.append((item[Attribute.VALUE], item[Attribute.ID] if key_id else None,
                                 item[Attribute.LABEL]))
        except e.PKCS11Error:
            continue
    own = [der for der, cid, clabel in certificates if key_id and cid == key_id] or \
          [der for der, cid, clabel in certificates if clabel == label]
    return kind, (own[0] if own else None), [der for der, _, _ in certificates]


def open_key(key_id: str, spec: TokenSpec, label: str, certificate_file: Path | None = None) -> SigningKey:
    """The token's key labelled ``label`` as a SigningKey: its certificate (on the token, or the one in
    ``certificate_file`` whose key it is; the other certificates there and on the token are the chain), checked
    by one signature to belong to the key. KeyStoreError when the token, the PIN, the label or the certificate
    does not do."""
    token = _session_for(spec)
    kind, own, on_token = token.run(lambda opened: _token_objects(opened, label), spec)
    from_file = _certificates_in(certificate_file) if certificate_file is not None else []
    ordered = [*from_file, *_readable([own] if own else []), *_readable(on_token)]
    candidates = list({c.sha256: c for c in ordered}.values())
    certificate = next((c for c in candidates if _signs_for(Pkcs11Key(token, label, kind, c.der, spec), c)), None)
    if certificate is None:
        where = f"on the token or in {certificate_file}" if certificate_file else "on the token"
        code = "KEY_CERTIFICATE_MISMATCH" if (own or from_file) else "KEY_CERTIFICATE_MISSING"
        raise KeyStoreError(code, f"no certificate {where} belongs to the key labelled {label!r}"
                            + ("" if certificate_file else " (import it with the key's CKA_ID, or name a file in "
                                                           "keys.json: pkcs11.certificate)"), {"label": label})
    chain = tuple(c for c in candidates if c.sha256 != certificate.sha256 and c.is_ca)  # not other officials'
    return SigningKey(key_id, Pkcs11Key(token, label, kind, certificate.der, spec), certificate, chain)


def _signs_for(key: Pkcs11Key, certificate: Certificate) -> bool:
    """Whether the token's key makes signatures the certificate's public key verifies (one test signature)."""
    if asn1_x509.Certificate.load(certificate.der).public_key.algorithm != key.key_type:
        return False
    probe = b"eds: does this key belong to this certificate? " + certificate.sha256.encode()
    algorithm = key.signature_algorithm
    try:
        return algorithms.verify(certificate.der, probe, key.sign(probe, algorithm), algorithm)
    except algorithms.UnsupportedSignatureAlgorithm:
        return False
