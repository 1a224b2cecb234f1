"""pyHanko alone, as the reference side of bench/documents.py, in a process of its own.

bench/documents.py starts this as a subprocess and asks it, one JSON line at a time on stdin, to time pyHanko
on a file for some seconds; it answers with the seconds per call. It never imports ``eds``: importing
``eds``'s PDF modules makes pyHanko's reader faster (``eds.signatures.pdf_reading``), and the reference must
be pyHanko as it ships.

Tasks:
  {"task": "validate", "pdf": PATH, "anchors": DIR, "seconds": S}
      PdfFileReader + embedded_signatures[0] + validate_pdf_signature with the anchors, fetching off
  {"task": "sign", "pdf": PATH, "p12": PATH, "passphrase": TEXT, "seconds": S}
      SimpleSigner.load_pkcs12 once, then IncrementalPdfFileWriter + sign_pdf per call
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from timing import per_call

_signers: dict[tuple[str, str], signers.SimpleSigner] = {}


def _validate(task: dict):
    data = Path(task["pdf"]).read_bytes()
    roots = [asn1_x509.Certificate.load(pem.unarmor(p.read_bytes())[2]) for p in Path(task["anchors"]).glob("*.pem")]

    def call() -> None:
        signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = asyncio.run(async_validate_pdf_signature(signature, context))
        assert status.intact and status.valid, status

    return call


def _sign(task: dict):
    data = Path(task["pdf"]).read_bytes()
    key = (task["p12"], task["passphrase"])
    if key not in _signers:
        _signers[key] = signers.SimpleSigner.load_pkcs12(task["p12"], passphrase=task["passphrase"].encode())
    signer = _signers[key]

    def call() -> None:
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="Signature1"), signer=signer)

    return call


_TASKS = {"validate": _validate, "sign": _sign}


def main() -> None:
    prepared: dict[str, object] = {}
    assert "eds" not in sys.modules
    for line in sys.stdin:
        task = json.loads(line)
        name = json.dumps({k: v for k, v in task.items() if k != "seconds"}, sort_keys=True)
        if name not in prepared:
            prepared[name] = _TASKS[task["task"]](task)
        seconds = per_call(prepared[name], task["seconds"])
        assert "eds" not in sys.modules, "the reference must run pyHanko as it ships, without eds"
        print(json.dumps({"seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
