"""Result documents of the state services: type declarations, validation, and unsigned PDF and XML renderings.

Signing, the registry and numbering live elsewhere; this package turns a type id and JSON data into a
:class:`ValidatedDocument`, and that (with the number, date and verification URL the registry assigns) into
the bytes of a PDF and of its XML twin.
"""

from eds.issuing.documents.pdf import render_pdf
from eds.issuing.documents.schema import (
    EVENTS,
    Bilingual,
    Choice,
    DocumentDataError,
    DocumentType,
    Field,
    Issue,
    Kind,
    SignerRole,
    ValidatedDocument,
    issue_date_problems,
    reissue_ground,
)
from eds.issuing.documents.types import (
    DOCUMENT_TYPES,
    FROM_PROOF,
    FROM_REGISTRY,
    get_type,
    service_type_id,
    validate,
)
from eds.issuing.documents.xml import render_xml

__all__ = [
    "DOCUMENT_TYPES",
    "EVENTS",
    "Bilingual",
    "Choice",
    "DocumentDataError",
    "DocumentType",
    "FROM_PROOF",
    "FROM_REGISTRY",
    "Field",
    "Issue",
    "Kind",
    "SignerRole",
    "ValidatedDocument",
    "get_type",
    "issue_date_problems",
    "reissue_ground",
    "render_pdf",
    "render_xml",
    "service_type_id",
    "validate",
]
