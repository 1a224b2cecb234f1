"""Full request check of a small RSA-signed XML vs signxml's bare XMLVerifier().verify on the same file.

Run: .venv/bin/python bench/requests.py
The eds figure includes parsing, the signature, the chain, cached revocation and the IIN match; signxml's
only the signature (with the certificate pinned, no chain or revocation at all).
"""

from __future__ import annotations


from cryptography.hazmat.primitives.serialization import Encoding
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.algorithms import CanonicalizationMethod

from eds.pki.keys import SigningKey
from eds.pki.trust import load_profile
from eds.signatures import xmldsig
from eds.validation.request_check import Claims, RequestChecker
from eds.validation.signer_check import SignerChecker
from test_pki import services
from timing import per_call


def main() -> None:
    with services.temporary() as (pki, _server):
        key = SigningKey.from_pkcs12((pki / "users/individual_sign.p12").read_bytes(), "Qwerty12")
        document = (f"<request><applicant><iin>{key.certificate.iin}</iin></applicant>"
                    "<service>tv_radio_licence</service></request>").encode()
        signed = xmldsig.sign_xml(document, key.private_key, key.certificate.der)
        checker = RequestChecker(SignerChecker(load_profile(pki)))
        claims = Claims(iin=key.certificate.iin)
        assert checker.check(signed, claims=claims).passed
        cert_pem = key.certificate.x509.public_bytes(Encoding.PEM)
        verifier = XMLVerifier()

        def bare_signxml() -> None:
            verifier.verify(signed, x509_cert=cert_pem, expect_config=_config())

        bare_signxml()
        eds_s = per_call(lambda: checker.check(signed, claims=claims))
        signxml_s = per_call(bare_signxml)
    print(f"eds full request check (parse, signature, chain, cached revocation, IIN): {eds_s * 1e6:8.1f} us")
    print(f"signxml XMLVerifier().verify (signature only):                      {signxml_s * 1e6:8.1f} us")
    print(f"ratio signxml/eds: {signxml_s / eds_s:.2f}x (target >= 2x)")


def _config() -> SignatureConfiguration:
    return SignatureConfiguration(
        signature_methods=frozenset(SignatureMethod),
        digest_algorithms=frozenset(DigestAlgorithm),
        default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0_WITH_COMMENTS,
    )


if __name__ == "__main__":
    main()
