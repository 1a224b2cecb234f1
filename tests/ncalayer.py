"""The official's device in the two-step tests: NCALayer's createCAdESFromBase64Hash, which the library makes."""

from __future__ import annotations

import base64

from eds.pki.keys import SigningKey
from eds.signatures import cms


def device_cms(digest_b64: str, key: SigningKey) -> bytes:
    """What NCALayer's createCAdESFromBase64Hash makes of a digest: detached CAdES-BES, the signer's certificate in."""
    return cms.sign_digest(base64.b64decode(digest_b64), key.private_key, key.certificate.der)
