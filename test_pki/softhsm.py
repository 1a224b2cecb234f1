"""A SoftHSM2 token holding test-PKI officials' keys, for the PKCS#11 signing tests and for trying keys.json.

:func:`make_token` writes a ``softhsm2.conf`` whose token folder is inside ``directory``, initialises a token
there with ``softhsm2-util --init-token`` and imports each named identity's RSA key (from its PKCS#12 in the
test PKI) as a sensitive, non-extractable private key labelled with the identity's name, with its certificate
(the same ``CKA_ID`` and label) and the CA certificates of its chain. The user PIN is written to a 0600 file.
SoftHSM2 reads ``SOFTHSM2_CONF`` when its library is initialised: a process that uses the token sets it first.

:meth:`SoftHsmToken.pull` and :meth:`SoftHsmToken.put_back` take the token away and bring it back (its folder is
moved aside), which SoftHSM2 answers as a pulled-out hardware token: the next operation fails and the token is
gone until it is back. SoftHSM2 has no GOST mechanisms, so GOST identities cannot be imported.

    python -m test_pki.softhsm DIR [--pki var/pki] [--identity official_region]...   # prints a keys.json entry
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from test_pki.model import read_password, write_private

# Where Debian's (and other distributions') softhsm2 packages put the library.
MODULE_PATHS = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so",
                "/usr/lib64/pkcs11/libsofthsm2.so", "/opt/homebrew/lib/softhsm/libsofthsm2.so")
TOKEN_LABEL = "eds-test"
PIN_FILE = "token.pin"


class SoftHsmMissing(RuntimeError):
    """SoftHSM2 is not installed: its library or softhsm2-util is missing."""


def find_module() -> str:
    """The SoftHSM2 PKCS#11 library (``EDS_SOFTHSM2_MODULE`` overrides); SoftHsmMissing naming how to install it."""
    wanted = os.environ.get("EDS_SOFTHSM2_MODULE")
    for path in ([wanted] if wanted else MODULE_PATHS):
        if Path(path).is_file():
            return path
    raise SoftHsmMissing("SoftHSM2 is not installed (no libsofthsm2.so in " + ", ".join([wanted] if wanted else
                         MODULE_PATHS) + "): scripts/setup --test installs Debian's softhsm2 (apt-get install softhsm2)")


def _util() -> str:
    found = shutil.which("softhsm2-util")
    if found is None:
        raise SoftHsmMissing("softhsm2-util is not installed: scripts/setup --test installs Debian's softhsm2 "
                             "(apt-get install softhsm2)")
    return found


@dataclass(frozen=True)
class SoftHsmToken:
    """An initialised SoftHSM2 token and what it takes to use it."""

    directory: Path
    module: str
    label: str
    pin_file: Path
    identities: tuple[str, ...]

    @property
    def conf(self) -> Path:
        """The SOFTHSM2_CONF of this token."""
        return self.directory / "softhsm2.conf"

    @property
    def token_dir(self) -> Path:
        return self.directory / "tokens"

    @property
    def pin(self) -> str:
        return self.pin_file.read_text(encoding="utf-8").strip()

    def keys_entry(self, identity: str, *, pin_env: str | None = None) -> dict:
        """keys.json's entry for ``identity``'s key on this token (its PIN from the 0600 file, or ``pin_env``)."""
        pin = {"pin_env": pin_env} if pin_env else {"pin_file": str(self.pin_file)}
        return {"pkcs11": {"module": self.module, "token": self.label, "label": identity, **pin}}

    def pull(self) -> None:
        """Take the token away: its folder moves aside (an empty one stays), as if it were pulled out."""
        aside = self.directory / "tokens.pulled"
        self.token_dir.rename(aside)
        self.token_dir.mkdir(mode=0o700)

    def put_back(self) -> None:
        aside = self.directory / "tokens.pulled"
        self.token_dir.rmdir()
        aside.rename(self.token_dir)


def make_token(directory: str | Path, pki_dir: str | Path, identities: tuple[str, ...] = ("official_region",), *,
               label: str = TOKEN_LABEL, pin: str | None = None) -> SoftHsmToken:
    """A new token in ``directory`` (which must not hold one yet) with ``identities``' keys of the PKI imported."""
    directory = Path(directory)
    module = find_module()
    util = _util()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, mode=0o700)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
                    "slots.removable = true\n", encoding="utf-8")
    pin = pin or "eds-" + secrets.token_hex(6)
    so_pin = secrets.token_hex(8)
    environment = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    done = subprocess.run([util, "--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin],
                          env=environment, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"softhsm2-util --init-token failed: {done.stderr.strip() or done.stdout.strip()}")
    write_private(directory / PIN_FILE, (pin + "\n").encode())
    _import(module, conf, label, pin, Path(pki_dir), identities)
    return SoftHsmToken(directory, module, label, directory / PIN_FILE, tuple(identities))


def _import(module: str, conf: Path, label: str, pin: str, pki_dir: Path, identities: tuple[str, ...]) -> None:
    """Import in a child process: SoftHSM2 reads SOFTHSM2_CONF once per process, and this one may use another."""
    script = ("import sys, json; from test_pki.softhsm import _import_here; "
              "_import_here(*json.loads(sys.argv[1]))")
    arguments = json.dumps([module, label, pin, str(pki_dir), list(identities)])
    done = subprocess.run([sys.executable, "-c", script, arguments], env={**os.environ, "SOFTHSM2_CONF": str(conf)},
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"importing keys into the token failed: {done.stderr.strip()[-2000:]}")


def _big(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _import_here(module: str, label: str, pin: str, pki_dir: str, identities: list[str]) -> None:
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

    manifest = json.loads((Path(pki_dir) / "manifest.json").read_text(encoding="utf-8"))
    password = read_password(Path(pki_dir)).encode()
    lib = pkcs11.lib(module)
    token = lib.get_token(token_label=label)
    with token.open(user_pin=pin, rw=True) as session:
        cas: dict[bytes, object] = {}
        for name in identities:
            info = manifest["identities"][name]
            key, cert, chain = pkcs12.load_key_and_certificates((Path(pki_dir) / info["pkcs12"]).read_bytes(),
                                                                password)
            if not isinstance(key, rsa.RSAPrivateKey):
                kind = "an EC" if isinstance(key, ec.EllipticCurvePrivateKey) else "a GOST"
                raise ValueError(f"{name} has {kind} key: this helper imports RSA keys (SoftHSM2 has no GOST)")
            numbers = key.private_numbers()
            key_id = hashlib.sha1(_big(numbers.public_numbers.n)).digest()
            session.create_object({
                Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: KeyType.RSA, Attribute.TOKEN: True,
                Attribute.PRIVATE: True, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                Attribute.SIGN: True, Attribute.DECRYPT: False, Attribute.LABEL: name, Attribute.ID: key_id,
                Attribute.MODULUS: _big(numbers.public_numbers.n),
                Attribute.PUBLIC_EXPONENT: _big(numbers.public_numbers.e),
                Attribute.PRIVATE_EXPONENT: _big(numbers.d), Attribute.PRIME_1: _big(numbers.p),
                Attribute.PRIME_2: _big(numbers.q), Attribute.EXPONENT_1: _big(numbers.dmp1),
                Attribute.EXPONENT_2: _big(numbers.dmq1), Attribute.COEFFICIENT: _big(numbers.iqmp)})
            for certificate, cert_label, cert_id in ((cert, name, key_id),
                                                     *((c, "ca " + c.subject.rfc4514_string()[:60], b"") for c in chain)):
                der = certificate.public_bytes(Encoding.DER)
                if cert_id == b"":
                    if der in cas:
                        continue
                    cas[der] = True
                session.create_object({
                    Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True, Attribute.LABEL: cert_label, Attribute.ID: cert_id, Attribute.VALUE: der,
                    Attribute.SUBJECT: certificate.subject.public_bytes(), Attribute.ISSUER: certificate.issuer.public_bytes(),
                    Attribute.SERIAL_NUMBER: _serial(certificate.serial_number)})
    lib.finalize()


def _serial(number: int) -> bytes:
    from asn1crypto.core import Integer

    return Integer(number).dump()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m test_pki.softhsm", description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--pki", type=Path, default=Path("var/pki"))
    parser.add_argument("--identity", action="append", dest="identities")
    args = parser.parse_args(argv)
    try:
        token = make_token(args.directory, args.pki, tuple(args.identities or ("official_region",)))
    except (SoftHsmMissing, RuntimeError, ValueError, OSError) as exc:
        print(f"softhsm: {exc}", file=sys.stderr)
        return 2
    print(f"export SOFTHSM2_CONF={token.conf}")
    print(json.dumps({name: token.keys_entry(name) for name in token.identities}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
