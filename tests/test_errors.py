"""Every refusal the library raises crosses a process boundary whole.

A process pool (``eds verify --jobs``, a portal's workers) pickles a worker's exception to hand it to the
parent; an exception that cannot be rebuilt from the pickle leaves ``multiprocessing.Pool`` waiting forever.
"""

from __future__ import annotations

import multiprocessing
import pickle

import pytest

from eds.errors import CodedError
from eds.issuing.access import AccessError
from eds.issuing.documents import DocumentDataError
from eds.issuing.documents.schema import Issue
from eds.issuing.issuer import IssuingError
from eds.issuing.registry import ErrorCode, RegistryError
from eds.issuing.two_step import TwoStepError
from eds.pki.algorithms import UnsupportedSignatureAlgorithm
from eds.pki.certificates import CertificateError
from eds.pki.gost.pkcs12 import Pkcs12Error
from eds.pki.identity import IdentityError
from eds.pki.keys import KeyStoreError
from eds.pki.revocation.crl import CrlError
from eds.pki.trust import TrustError
from eds.signatures.cms import CmsError
from eds.signatures.pades import PdfSigningError
from eds.signatures.tsp import TimestampError
from eds.signatures.xmldsig import XmlDsigError

CODED = [AccessError, CertificateError, CmsError, CrlError, IdentityError, IssuingError, KeyStoreError, PdfSigningError,
         Pkcs12Error, TimestampError, TrustError, TwoStepError, UnsupportedSignatureAlgorithm, XmlDsigError, RegistryError]


@pytest.mark.parametrize("kind", CODED, ids=lambda kind: kind.__name__)
def test_coded_errors_survive_pickling(kind):
    code = ErrorCode.CONFLICT if kind is RegistryError else "SOME_CODE"
    error = kind(code, "ТОО «Ромашка»: причина", {"field": "licensee.bin"})
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is kind and isinstance(again, CodedError)
    assert (again.code, again.message, again.details, str(again), again.args) == \
        (error.code, error.message, error.details, str(error), error.args)


def test_errors_keep_their_meaning():
    assert str(RegistryError(ErrorCode.NOT_FOUND, "no such document")) == "NOT_FOUND: no such document"
    assert str(CertificateError("NOT_A_CERTIFICATE", "bytes are not DER")) == "bytes are not DER"
    assert isinstance(CertificateError("X", "m"), ValueError) and not isinstance(TimestampError("X", "m"), ValueError)
    assert IssuingError("X", "m").details == {}
    assert str(CmsError("DIGEST_MISMATCH", "other content")) == "DIGEST_MISMATCH: other content"
    assert isinstance(CmsError("X", "m"), ValueError) and isinstance(UnsupportedSignatureAlgorithm("1.2.3"), CodedError)


def test_other_errors_survive_pickling():
    data = DocumentDataError([Issue("licensee.bin", "IDENTITY_CHECKSUM", "wrong check digit")])
    again = pickle.loads(pickle.dumps(data))
    assert again.as_list() == data.as_list() and str(again) == str(data)
    algorithm = pickle.loads(pickle.dumps(UnsupportedSignatureAlgorithm("1.2.3")))
    assert algorithm.oid == "1.2.3" and str(algorithm) == "signature algorithm 1.2.3 is not supported"


def test_document_data_is_a_refusal_like_any_other():
    error = DocumentDataError([Issue("licensee.bin", "IDENTITY_CHECKSUM", "wrong check digit")])
    assert isinstance(error, CodedError) and isinstance(error, ValueError)
    assert (error.code, error.details) == ("DOCUMENT_DATA_INVALID", {"issues": error.as_list()})
    assert str(error) == "invalid document data: licensee.bin: IDENTITY_CHECKSUM"


def _refuse(code: str) -> None:
    raise IssuingError(code, "refused in a worker", {"worker": True})


def test_a_refusal_in_a_pool_worker_reaches_the_parent():
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result = pool.apply_async(_refuse, ("SIGNER_NOT_AUTHORISED",))
        with pytest.raises(IssuingError) as caught:
            result.get(timeout=60)
    assert caught.value.code == "SIGNER_NOT_AUTHORISED" and caught.value.details == {"worker": True}
