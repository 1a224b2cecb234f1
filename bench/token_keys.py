"""Signing with a key on a PKCS#11 token (SoftHSM2) beside the same key from its PKCS#12 file.

Run: .venv/bin/python bench/token_keys.py   (needs Debian's softhsm2, which scripts/setup --test installs)

The official's RSA-2048 key is imported into a fresh SoftHSM2 token; the same key signs from its PKCS#12 file and
from the token, in alternating rounds (medians): one raw signature, one CMS, and issuing a licence (render +
PAdES B-B + XMLDSig twin + registry write, with the signer's authorisation); then the first use of the token key
(library, session, login, certificate lookup, the belonging check) and a reconnect after the token was pulled
and put back.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.issuer import Issuer, IssuingOptions
from eds.issuing.keystore import KeyStore, load_keys
from eds.issuing.registry import Registry
from eds.pki import pkcs11_keys
from eds.pki.keys import KeyStoreError
from eds.pki.trust import load_profile
from eds.signatures import cms
from eds.validation.signer_check import SignerChecker
from test_pki import demo, services, softhsm
from test_pki.model import write_private
from timing import alternating


def main() -> None:
    with services.temporary() as (pki, _server), tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        token = softhsm.make_token(home / "softhsm", pki, ("official_region",))
        os.environ["SOFTHSM2_CONF"] = str(token.conf)
        registry = Registry.open(f"sqlite:///{home / 'registry.db'}")
        demo.bootstrap(home, pki, registry)
        entries = json.loads((home / "keys.json").read_text(encoding="utf-8"))
        entries["token"] = token.keys_entry("official_region")
        write_private(home / "keys.json", json.dumps(entries).encode())

        start = time.perf_counter()
        keys = load_keys(home / "keys.json")
        on_token = keys.get("token")
        first_use = time.perf_counter() - start
        start = time.perf_counter()
        from_file = keys.get("official_region")
        file_open = time.perf_counter() - start

        blob = b"signed attributes" * 8
        token_s, file_s = alternating(lambda: on_token.sign(blob), lambda: from_file.sign(blob))
        print(f"one RSA-2048 signature:  token {token_s * 1e3:6.2f} ms   file {file_s * 1e3:6.2f} ms")
        token_s, file_s = alternating(lambda: cms.sign_cms(b"content", on_token.private_key, on_token.certificate.der),
                                      lambda: cms.sign_cms(b"content", from_file.private_key, from_file.certificate.der))
        print(f"one CMS (CAdES-BES):      token {token_s * 1e3:6.2f} ms   file {file_s * 1e3:6.2f} ms")

        checker = SignerChecker(load_profile(pki))
        issuer = Issuer(registry, checker, keys, IssuingOptions(long_term=False))
        data = EXAMPLES["scrap_metal_licence"]

        def issue(key_id: str):
            return lambda: issuer.issue("scrap_metal_licence", data, provider_id="ZHM", key_id=key_id, actor="bench")

        token_s, file_s = alternating(issue("token"), issue("official_region"), rounds=5, seconds=1.0)
        print(f"issue a licence (B-B PDF + XML + registry): token {token_s * 1e3:6.1f} ms   file {file_s * 1e3:6.1f} ms")
        print(f"first use of the key: token {first_use * 1e3:6.1f} ms (library, session, login, lookup, check)   "
              f"file {file_open * 1e3:6.1f} ms (PKCS#12 opened)")

        token.pull()
        start = time.perf_counter()
        try:
            on_token.sign(blob)
        except KeyStoreError as exc:
            refused = time.perf_counter() - start
            print(f"token pulled: {exc.code} after {refused * 1e3:.1f} ms")
        token.put_back()
        start = time.perf_counter()
        on_token.sign(blob)
        print(f"token back: the next signature reconnects in {(time.perf_counter() - start) * 1e3:.1f} ms")
        registry.close()
        pkcs11_keys.reset()


if __name__ == "__main__":
    main()
