"""Generators of hostile PDFs, each paired with the reason code the document verifier must give.

Every generator starts from ``Base``: a licence rendered by ``eds.issuing.documents.render_pdf`` and signed with
``eds.signatures.pades.sign_pdf`` (PAdES B-T), which verifies. It then breaks one thing: an incremental update after
signing, a ByteRange or /Contents edited in place (same length, so every offset stays right), an xref
trick, a cut, a second signature over a changed revision, or a structure built to exhaust the parser.
``CASES`` maps a case name to its generator; ``truncations`` gives the cut points.
"""

from __future__ import annotations

import functools
import io
import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import cms as acms
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields

from eds.pki.keys import SigningKey
from eds.signatures import pades as pdf


@dataclass(frozen=True)
class Base:
    """The material every case is made from."""

    unsigned: bytes
    signed: bytes
    key: SigningKey
    other_key: SigningKey
    tsa_url: str


@dataclass(frozen=True)
class Case:
    """A hostile PDF and the reason code that must be among the report's reasons."""

    data: bytes
    expected: str


CASES: dict[str, Callable[[Base], Case]] = {}


def case(function: Callable[[Base], Case]) -> Callable[[Base], Case]:
    CASES[function.__name__] = function
    return function


# --- building blocks -------------------------------------------------------------------------------------

Edit = Callable[[IncrementalPdfFileWriter], None]


def incremental(data: bytes, edit: Edit) -> bytes:
    """Apply ``edit`` as a properly written incremental update (new xref section chained by /Prev)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def first_page(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    return writer.root["/Pages"]["/Kids"][0].get_object()


def name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


def numbers(*values: float) -> generic.ArrayObject:
    return generic.ArrayObject([generic.NumberObject(v) if isinstance(v, int) else generic.FloatObject(v)
                                for v in values])


def replace_page_content(writer: IncrementalPdfFileWriter) -> None:
    page = first_page(writer)
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 400 Td (FORGED) Tj ET"))
    writer.update_container(page)


def draw_over_page(writer: IncrementalPdfFileWriter) -> None:
    """A white box with new text drawn on top of the signed content (a second content stream)."""
    page = first_page(writer)
    overlay = writer.add_object(generic.StreamObject(
        stream_data=b"q 1 1 1 rg 40 500 515 200 re f Q BT /F1 18 Tf 60 600 Td (AMOUNT: 999 000 000) Tj ET"))
    contents = page["/Contents"]
    existing = list(contents) if isinstance(contents, generic.ArrayObject) else [page.raw_get("/Contents")]
    page["/Contents"] = generic.ArrayObject([*existing, overlay])
    writer.update_container(page)


def add_annotation(subtype: str, extra: dict[str, generic.PdfObject]) -> Edit:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        page = first_page(writer)
        appearance = writer.add_object(generic.StreamObject(
            {name("/Type"): name("/XObject"), name("/Subtype"): name("/Form"), name("/BBox"): numbers(0, 0, 515, 200)},
            stream_data=b"1 1 1 rg 0 0 515 200 re f BT /Helv 18 Tf 20 100 Td (VALID UNTIL 2099) Tj ET"))
        annotation = generic.DictionaryObject({
            name("/Type"): name("/Annot"), name("/Subtype"): name(subtype), name("/Rect"): numbers(40, 500, 555, 700),
            name("/F"): generic.NumberObject(4),
            name("/AP"): generic.DictionaryObject({name("/N"): appearance}), **extra})
        annots = page.get("/Annots")
        page["/Annots"] = generic.ArrayObject([*(annots or ()), writer.add_object(annotation)])
        writer.update_container(page)
    return edit


def add_page(writer: IncrementalPdfFileWriter) -> None:
    pages = writer.root["/Pages"]
    page = generic.DictionaryObject({name("/Type"): name("/Page"), name("/Parent"): writer.root.raw_get("/Pages"),
                                     name("/MediaBox"): numbers(0, 0, 595, 842),
                                     name("/Contents"): writer.add_object(generic.StreamObject(
                                         stream_data=b"BT /F1 12 Tf 72 720 Td (Annex: conditions waived) Tj ET"))})
    pages["/Kids"].append(writer.add_object(page))
    pages["/Count"] = generic.NumberObject(int(pages["/Count"]) + 1)
    writer.update_container(pages)


def set_page_entry(key: str, value: generic.PdfObject) -> Edit:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        page = first_page(writer)
        page[key] = value
        writer.update_container(page)
    return edit


def set_root_entry(key: str, value: Callable[[IncrementalPdfFileWriter], generic.PdfObject]) -> Edit:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        writer.root[key] = value(writer)
        writer.update_root()
    return edit


def javascript(writer: IncrementalPdfFileWriter) -> generic.PdfObject:
    return writer.add_object(generic.DictionaryObject({
        name("/S"): name("/JavaScript"), name("/JS"): generic.TextStringObject("app.alert('paid')")}))


def embedded_file(writer: IncrementalPdfFileWriter) -> generic.PdfObject:
    stream = writer.add_object(generic.StreamObject({name("/Type"): name("/EmbeddedFile")},
                                                    stream_data=b"MZ\x90\x00 not really an executable"))
    spec = generic.DictionaryObject({name("/Type"): name("/Filespec"), name("/F"): generic.TextStringObject("x.exe"),
                                     name("/EF"): generic.DictionaryObject({name("/F"): stream})})
    tree = generic.DictionaryObject({name("/Names"): generic.ArrayObject(
        [generic.TextStringObject("x.exe"), writer.add_object(spec)])})
    return generic.DictionaryObject({name("/EmbeddedFiles"): writer.add_object(tree)})


def signature_dictionary(data: bytes) -> tuple[int, int]:
    """(start, end) of the last /ByteRange array, brackets included."""
    match = list(re.finditer(rb"/ByteRange\s*\[[^\]]*\]", data))[-1]
    return match.start() + data[match.start():].index(b"["), match.end()


def byte_range_of(data: bytes) -> list[int]:
    start, end = signature_dictionary(data)
    return [int(v) for v in data[start + 1:end - 1].split()]


def with_byte_range(data: bytes, text: bytes) -> bytes:
    """Overwrite the ByteRange array in place; the padding pyHanko leaves after it absorbs a longer text."""
    start, end = signature_dictionary(data)
    padding = len(data[end:]) - len(data[end:].lstrip(b" "))
    room = end - start + padding
    if len(text) > room:
        raise ValueError("the new ByteRange does not fit")
    return data[:start] + text.ljust(room) + data[start + room:]


def byte_range(values: Callable[[list[int], int], list[int]]) -> Callable[[Base], bytes]:
    def build(base: Base) -> bytes:
        current = byte_range_of(base.signed)
        return with_byte_range(base.signed, b"[" + b" ".join(str(v).encode() for v in values(current, len(base.signed)))
                               + b"]")
    return build


def contents_span(data: bytes) -> tuple[int, int]:
    """(start, end) of the hex digits inside the last signature's /Contents <...>."""
    _, first_length, gap_end, _ = byte_range_of(data)
    return first_length + 1, gap_end - 1


def with_contents(data: bytes, hex_digits: bytes) -> bytes:
    start, end = contents_span(data)
    if len(hex_digits) > end - start:
        raise ValueError("the new /Contents does not fit")
    return data[:start] + hex_digits.ljust(end - start, b"0") + data[end:]


def replace_contents_token(data: bytes, token: bytes) -> bytes:
    """Put ``token`` (e.g. an indirect reference) where the /Contents hex string was, padded with spaces."""
    start, end = contents_span(data)
    return data[:start - 1] + token.ljust(end - start + 2) + data[end + 1:]


def signature_value_flipped(data: bytes) -> bytes:
    """One hex digit of the last signature's SignerInfo signature value changed, in place."""
    start, end = contents_span(data)
    content_info = acms.ContentInfo.load(bytes.fromhex(data[start:end].decode()), strict=False)
    value = content_info["content"]["signer_infos"][0]["signature"].native.hex().encode()
    digits = data[start:end]
    position = start + (digits.find(value) if value in digits else digits.find(value.upper())) + len(value) // 2
    flipped = b"0" if data[position:position + 1] != b"0" else b"1"
    return data[:position] + flipped + data[position + 1:]


def signed_with(base: Base, data: bytes, key: SigningKey, field_name: str) -> bytes:
    return pdf.sign_pdf(data, key, timestamp_url=base.tsa_url, field_name=field_name)


@functools.lru_cache(maxsize=4)
def countersigned(base: Base) -> bytes:
    """The licence with a second, legitimate signature by ``other_key`` (made once: signing again is slow)."""
    return signed_with(base, base.signed, base.other_key, "Signature2")


def appended(data: bytes, body: bytes, *, previous: int | None, size: int) -> bytes:
    """Append raw objects and a classic xref section by hand (no writer would make these)."""
    offsets: list[tuple[int, int]] = []
    out = bytearray(data)
    for match in re.finditer(rb"(\d+) 0 obj\b", body):
        offsets.append((int(match.group(1)), len(data) + match.start()))
    out += body
    xref = len(out)
    out += b"xref\n"
    for number, offset in offsets:
        out += f"{number} 1\n{offset:010d} 00000 n \n".encode()
    trailer = f"/Size {size} /Root {root_number(data)} 0 R".encode()
    if previous is not None:
        trailer += b" /Prev " + str(previous).encode()
    out += b"trailer\n<< " + trailer + b" >>\nstartxref\n" + str(xref).encode() + b"\n%%EOF\n"
    return bytes(out)


def root_number(data: bytes) -> int:
    """The object number of the catalog, from the last trailer."""
    return int(re.findall(rb"/Root (\d+) 0 R", data)[-1])


def object_body(data: bytes, number: int) -> bytes:
    """The last definition of object ``number`` (a dictionary), without ``obj``/``endobj``."""
    return re.findall(rb"(?:^|\n)" + str(number).encode() + rb" 0 obj\n(<<.*?>>)\nendobj", data, re.S)[-1]


def last_startxref(data: bytes) -> int:
    return int(re.findall(rb"startxref\s+(\d+)", data)[-1])


def size_of(data: bytes) -> int:
    return int(re.findall(rb"/Size (\d+)", data)[-1])


def page_content_number(data: bytes) -> int:
    return int(re.search(rb"/Contents (\d+) 0 R", data).group(1))


def minimal_pdf(objects: list[bytes]) -> bytes:
    """A small hand-written PDF (objects numbered from 1, the first the catalog) whose xref is right."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


PAGES = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]


def truncations(length: int) -> list[int]:
    """Cut points over the whole signed file: the start, every 1/40th, and the last bytes."""
    return sorted({1, 5, 9, 16, 100, 1000, length - 1, length - 2, length - 6, length - 7, length - 20}
                  | {length * k // 40 for k in range(1, 40)})


def truncated_code(data: bytes) -> str:
    """A cut that keeps the final %%EOF leaves a readable file whose ByteRange runs past its end; any other cut
    loses the trailer the reader starts from."""
    return "BYTE_RANGE_INVALID" if data.rstrip().endswith(b"%%EOF") else "DOCUMENT_MALFORMED"


# --- incremental updates after signing ---------------------------------------------------------------------


@case
def update_replaces_page_content(base: Base) -> Case:
    return Case(incremental(base.signed, replace_page_content), "MODIFIED_AFTER_SIGNING")


@case
def update_draws_over_page(base: Base) -> Case:
    return Case(incremental(base.signed, draw_over_page), "MODIFIED_AFTER_SIGNING")


@case
def update_adds_page(base: Base) -> Case:
    return Case(incremental(base.signed, add_page), "MODIFIED_AFTER_SIGNING")


@case
def update_square_annotation_hides_content(base: Base) -> Case:
    edit = add_annotation("/Square", {name("/IC"): numbers(1, 1, 1), name("/C"): numbers(1, 1, 1)})
    return Case(incremental(base.signed, edit), "MODIFIED_AFTER_SIGNING")


@case
def update_freetext_overlay(base: Base) -> Case:
    edit = add_annotation("/FreeText", {name("/DA"): generic.TextStringObject("/Helv 18 Tf 0 g"),
                                        name("/Contents"): generic.TextStringObject("VALID UNTIL 2099")})
    return Case(incremental(base.signed, edit), "MODIFIED_AFTER_SIGNING")


@case
def update_stamp_annotation(base: Base) -> Case:
    return Case(incremental(base.signed, add_annotation("/Stamp", {name("/Name"): name("/Approved")})),
                "MODIFIED_AFTER_SIGNING")


@case
def update_crops_page(base: Base) -> Case:
    return Case(incremental(base.signed, set_page_entry("/CropBox", numbers(0, 600, 595, 842))), "MODIFIED_AFTER_SIGNING")


@case
def update_rotates_page(base: Base) -> Case:
    return Case(incremental(base.signed, set_page_entry("/Rotate", generic.NumberObject(180))), "MODIFIED_AFTER_SIGNING")


@case
def update_adds_open_action_javascript(base: Base) -> Case:
    return Case(incremental(base.signed, set_root_entry("/OpenAction", javascript)), "MODIFIED_AFTER_SIGNING")


@case
def update_adds_embedded_file(base: Base) -> Case:
    return Case(incremental(base.signed, set_root_entry("/Names", embedded_file)), "MODIFIED_AFTER_SIGNING")


@case
def update_replaces_font(base: Base) -> Case:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        page = first_page(writer)
        resources = page["/Resources"]
        fonts = resources["/Font"]
        for key in list(fonts):
            fonts[key] = writer.add_object(generic.DictionaryObject({
                name("/Type"): name("/Font"), name("/Subtype"): name("/Type1"), name("/BaseFont"): name("/Courier")}))
        writer.update_container(fonts if isinstance(resources.raw_get("/Font"), generic.IndirectObject) else page)
    return Case(incremental(base.signed, edit), "MODIFIED_AFTER_SIGNING")


@case
def update_rewrites_every_object(base: Base) -> Case:
    """The whole document appended again as a 'new revision' that happens to look the same but for the text."""
    def edit(writer: IncrementalPdfFileWriter) -> None:
        replace_page_content(writer)
        writer.update_root()
        add_page(writer)
    return Case(incremental(base.signed, edit), "MODIFIED_AFTER_SIGNING")


@case
def trailing_comment(base: Base) -> Case:
    return Case(base.signed + b"% appended after signing\n", "BYTE_RANGE_INVALID")


@case
def trailing_binary(base: Base) -> Case:
    return Case(base.signed + random.Random(7).randbytes(512), "BYTE_RANGE_INVALID")


@case
def trailing_second_pdf(base: Base) -> Case:
    """The unsigned original appended whole: its xref (offsets from the start) is the one a reader sees."""
    return Case(base.signed + base.unsigned, "NO_SIGNATURE")


# --- the ByteRange ------------------------------------------------------------------------------------------


for _name, _values, _code in [
    ("byte_range_leaves_tail_uncovered", lambda r, n: [r[0], r[1], r[2], r[3] - 10], "BYTE_RANGE_INVALID"),
    ("byte_range_skips_the_start", lambda r, n: [100, r[1] - 100, r[2], r[3]], "BYTE_RANGE_INVALID"),
    ("byte_range_gap_too_wide", lambda r, n: [r[0], r[1] - 50, r[2], r[3]], "BYTE_RANGE_INVALID"),
    ("byte_range_overlapping", lambda r, n: [r[0], r[1] + 100, r[2], r[3]], "BYTE_RANGE_INVALID"),
    ("byte_range_second_before_first", lambda r, n: [r[2], r[3], r[0], r[1]], "BYTE_RANGE_INVALID"),
    ("byte_range_negative_length", lambda r, n: [r[0], r[1], r[2], -r[3]], "BYTE_RANGE_INVALID"),
    ("byte_range_negative_start", lambda r, n: [-10, r[1] + 10, r[2], r[3]], "BYTE_RANGE_INVALID"),
    ("byte_range_past_end", lambda r, n: [r[0], r[1], r[2], r[3] + 1000], "BYTE_RANGE_INVALID"),
    ("byte_range_far_outside", lambda r, n: [r[0], r[1], 10 ** 12, 10], "BYTE_RANGE_INVALID"),
    ("byte_range_zero", lambda r, n: [0, 0, 0, 0], "BYTE_RANGE_INVALID"),
    ("byte_range_whole_file_no_gap", lambda r, n: [0, n, n, 0], "BYTE_RANGE_INVALID"),
    ("byte_range_two_numbers", lambda r, n: [0, n], "BYTE_RANGE_INVALID"),
    ("byte_range_six_numbers", lambda r, n: [*r, 0, 0], "BYTE_RANGE_INVALID"),
    ("byte_range_empty", lambda r, n: [], "BYTE_RANGE_INVALID"),
]:
    CASES[_name] = (lambda values, code: lambda base: Case(byte_range(values)(base), code))(_values, _code)


@case
def byte_range_not_numbers(base: Base) -> Case:
    return Case(with_byte_range(base.signed, b"[0 (a) /B null]"), "DOCUMENT_MALFORMED")


@case
def byte_range_floats(base: Base) -> Case:
    values = byte_range_of(base.signed)
    return Case(with_byte_range(base.signed, ("[" + " ".join(f"{v}.5" for v in values) + "]").encode()),
                "BYTE_RANGE_INVALID")


@case
def byte_range_key_renamed(base: Base) -> Case:
    start, _ = signature_dictionary(base.signed)
    key = base.signed.rindex(b"/ByteRange", 0, start)
    return Case(base.signed[:key] + b"/ByteRangX" + base.signed[key + 10:], "DOCUMENT_MALFORMED")


# --- the signature's /Contents --------------------------------------------------------------------------------


@case
def contents_not_hex(base: Base) -> Case:
    start, end = contents_span(base.signed)
    return Case(base.signed[:start] + b"ZZ" * ((end - start) // 2) + base.signed[end:], "DOCUMENT_MALFORMED")


@case
def contents_all_zero(base: Base) -> Case:
    return Case(with_contents(base.signed, b""), "DOCUMENT_MALFORMED")


@case
def contents_random_hex(base: Base) -> Case:
    return Case(with_contents(base.signed, random.Random(11).randbytes(2000).hex().encode()), "DOCUMENT_MALFORMED")


@case
def contents_truncated_cms(base: Base) -> Case:
    start, end = contents_span(base.signed)
    digits = base.signed[start:end].rstrip(b"0")
    return Case(with_contents(base.signed, digits[:len(digits) // 2]), "DOCUMENT_MALFORMED")


@case
def contents_signature_value_flipped(base: Base) -> Case:
    return Case(signature_value_flipped(base.signed), "SIGNATURE_INVALID")


@case
def contents_from_another_signature(base: Base) -> Case:
    """Cut and paste: a genuine CMS from another signing of the same document by the same key."""
    other = pdf.sign_pdf(base.unsigned, base.key, timestamp_url=base.tsa_url, reason="another")
    start, end = contents_span(other)
    return Case(with_contents(base.signed, other[start:end].rstrip(b"0")), "SIGNATURE_INVALID")


@case
def contents_indirect_to_missing_object(base: Base) -> Case:
    return Case(replace_contents_token(base.signed, b"9999 0 R"), "DOCUMENT_MALFORMED")


@case
def contents_indirect_to_page_stream(base: Base) -> Case:
    reference = f"{page_content_number(base.signed)} 0 R".encode()
    return Case(replace_contents_token(base.signed, reference), "DOCUMENT_MALFORMED")


@case
def contents_is_a_number(base: Base) -> Case:
    return Case(replace_contents_token(base.signed, b"12345"), "DOCUMENT_MALFORMED")


@case
def contents_certificate_not_cms(base: Base) -> Case:
    return Case(with_contents(base.signed, base.key.certificate.der.hex().encode()), "DOCUMENT_MALFORMED")


@case
def claimed_signing_time_not_text(base: Base) -> Case:
    """/M as a binary string (found by fuzzing: reading it used to raise out of the verifier)."""
    match = list(re.finditer(rb"/M (\([^)]*\))", base.signed))[-1]
    token = (b"<4400" + b"30" * 20 + b">").ljust(len(match.group(1)))
    return Case(base.signed[:match.start(1)] + token[:len(match.group(1))] + base.signed[match.end(1):],
                "SIGNATURE_INVALID")


# --- xref tricks ------------------------------------------------------------------------------------------------


@case
def xref_without_prev_hides_history(base: Base) -> Case:
    """A new xref section with no /Prev: readers that trust it see a catalog without the signature."""
    catalog = root_number(base.signed)
    pages = re.search(rb"/Pages (\d+) 0 R", object_body(base.signed, catalog)).group(1)
    body = f"{catalog} 0 obj\n<< /Type /Catalog /Pages {pages.decode()} 0 R >>\nendobj\n".encode()
    return Case(appended(base.signed, body, previous=None, size=size_of(base.signed)), "NO_SIGNATURE")


@case
def xref_redefines_page_content(base: Base) -> Case:
    number = page_content_number(base.signed)
    stream = b"BT /F1 24 Tf 100 400 Td (FORGED) Tj ET"
    body = f"{number} 0 obj\n<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream\nendobj\n"
    return Case(appended(base.signed, body, previous=last_startxref(base.signed), size=size_of(base.signed)),
                "MODIFIED_AFTER_SIGNING")


@case
def hybrid_xref_stream_redefines_content(base: Base) -> Case:
    """A hybrid-reference update: the classic section is empty, the /XRefStm stream remaps the page content."""
    number = page_content_number(base.signed)
    data = bytearray(base.signed)
    forged = b"BT /F1 24 Tf 100 400 Td (FORGED) Tj ET"
    content_offset = len(data)
    data += f"{number} 0 obj\n<< /Length {len(forged)} >>\nstream\n".encode() + forged + b"\nendstream\nendobj\n"
    size = size_of(base.signed)
    rows = bytes([1]) + content_offset.to_bytes(4, "big") + bytes([0])
    stream_offset = len(data)
    data += (f"{size} 0 obj\n<< /Type /XRef /Size {size + 1} /W [1 4 1] "
             f"/Index [{number} 1] /Length {len(rows)} >>\nstream\n").encode() + rows + b"\nendstream\nendobj\n"
    xref = len(data)
    data += (f"xref\n0 0\ntrailer\n<< /Size {size + 1} /Root {root_number(base.signed)} 0 R "
             f"/Prev {last_startxref(base.signed)} "
             f"/XRefStm {stream_offset} >>\nstartxref\n{xref}\n%%EOF\n").encode()
    return Case(bytes(data), "MODIFIED_AFTER_SIGNING")


@case
def xref_stream_update_redefines_catalog(base: Base) -> Case:
    """An update written as a compressed xref stream that swaps the catalog for one with an /OpenAction."""
    data = bytearray(base.signed)
    catalog = root_number(base.signed)
    offset = len(data)
    data += (f"{catalog} 0 obj\n".encode() + object_body(base.signed, catalog)[:-2]
             + b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\n")
    number = size_of(base.signed)
    rows = bytes([1]) + offset.to_bytes(4, "big") + bytes([0])
    compressed = zlib.compress(rows)
    stream_offset = len(data)
    data += (f"{number} 0 obj\n<< /Type /XRef /Size {number + 1} /W [1 4 1] /Index [{catalog} 1] /Root {catalog} 0 R "
             f"/Prev {last_startxref(base.signed)} /Filter /FlateDecode /Length {len(compressed)} >>\nstream\n"
             ).encode() + compressed + b"\nendstream\nendobj\n"
    data += f"startxref\n{stream_offset}\n%%EOF\n".encode()
    return Case(bytes(data), "MODIFIED_AFTER_SIGNING")


@case
def startxref_back_to_unsigned_revision(base: Base) -> Case:
    """Bytes appended that point the reader at the revision before the signature."""
    return Case(base.signed + f"startxref\n{last_startxref(base.unsigned)}\n%%EOF\n".encode(), "NO_SIGNATURE")


@case
def xref_prev_loop(base: Base) -> Case:
    data = bytearray(base.signed)
    xref = len(data)
    data += (f"xref\n0 0\ntrailer\n<< /Size {size_of(base.signed)} /Root {root_number(base.signed)} 0 R "
             f"/Prev {len(base.signed)} >>\n"
             f"startxref\n{xref}\n%%EOF\n").encode()
    return Case(bytes(data), "DOCUMENT_MALFORMED")


@case
def startxref_past_end(base: Base) -> Case:
    return Case(base.signed + b"startxref\n99999999\n%%EOF\n", "DOCUMENT_MALFORMED")


# --- two signatures ---------------------------------------------------------------------------------------------


@case
def second_signature_over_modified_revision(base: Base) -> Case:
    changed = incremental(base.signed, replace_page_content)
    return Case(signed_with(base, changed, base.other_key, "Signature2"), "MODIFIED_AFTER_SIGNING")


@case
def second_signature_over_added_page(base: Base) -> Case:
    changed = incremental(base.signed, add_page)
    return Case(signed_with(base, changed, base.other_key, "Signature2"), "MODIFIED_AFTER_SIGNING")


@case
def second_signature_then_trailing_bytes(base: Base) -> Case:
    both = countersigned(base)
    return Case(both + b"\n% after both signatures\n", "BYTE_RANGE_INVALID")


@case
def second_signature_broken(base: Base) -> Case:
    both = countersigned(base)
    return Case(signature_value_flipped(both), "SIGNATURE_INVALID")


# --- signature fields and dictionaries --------------------------------------------------------------------------


@case
def empty_signature_field(base: Base) -> Case:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        fields.append_signature_field(writer, fields.SigFieldSpec("Signature1"))
    return Case(incremental(base.unsigned, edit), "NO_SIGNATURE")


@case
def signature_field_v_is_a_number(base: Base) -> Case:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        field = generic.DictionaryObject({name("/FT"): name("/Sig"), name("/T"): generic.TextStringObject("S"),
                                          name("/V"): generic.NumberObject(42)})
        writer.root["/AcroForm"] = generic.DictionaryObject(
            {name("/Fields"): generic.ArrayObject([writer.add_object(field)])})
        writer.update_root()
    return Case(incremental(base.unsigned, edit), "DOCUMENT_MALFORMED")


@case
def signature_dictionary_without_contents(base: Base) -> Case:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        value = generic.DictionaryObject({name("/Type"): name("/Sig"), name("/Filter"): name("/Adobe.PPKLite"),
                                          name("/SubFilter"): name("/ETSI.CAdES.detached"),
                                          name("/ByteRange"): numbers(0, 10, 20, 10)})
        field = generic.DictionaryObject({name("/FT"): name("/Sig"), name("/T"): generic.TextStringObject("S"),
                                          name("/V"): writer.add_object(value)})
        writer.root["/AcroForm"] = generic.DictionaryObject(
            {name("/Fields"): generic.ArrayObject([writer.add_object(field)])})
        writer.update_root()
    return Case(incremental(base.unsigned, edit), "DOCUMENT_MALFORMED")


@case
def signature_field_kids_cycle(base: Base) -> Case:
    """/Kids of a field that contains the field itself: walking the form must not loop forever."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>", PAGES[1], PAGES[2],
               b"<< /T (loop) /Kids [4 0 R 5 0 R] >>", b"<< /T (child) /Parent 4 0 R /Kids [4 0 R] >>"]
    return Case(minimal_pdf(objects), "DOCUMENT_MALFORMED")


@case
def fields_nested_deeply(base: Base) -> Case:
    objects = [b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields " + b"[" * 50_000 + b"]" * 50_000 + b" >> >>",
               PAGES[1], PAGES[2]]
    return Case(minimal_pdf(objects), "DOCUMENT_MALFORMED")


# --- not a PDF after all, and sizes -----------------------------------------------------------------------------


@case
def header_only(base: Base) -> Case:
    return Case(b"%PDF-1.7", "DOCUMENT_MALFORMED")


@case
def header_then_random_bytes(base: Base) -> Case:
    return Case(b"%PDF-1.7\n" + random.Random(1).randbytes(20_000), "DOCUMENT_MALFORMED")


@case
def header_then_eof_marker(base: Base) -> Case:
    return Case(b"%PDF-1.4\n%%EOF\n", "DOCUMENT_MALFORMED")


@case
def header_then_xml(base: Base) -> Case:
    return Case(b"%PDF-1.7\n<request><iin>850412300017</iin></request>", "DOCUMENT_MALFORMED")


@case
def header_then_zip(base: Base) -> Case:
    return Case(b"%PDF-1.7\nPK\x03\x04" + bytes(200), "DOCUMENT_MALFORMED")


@case
def leading_whitespace_then_garbage(base: Base) -> Case:
    return Case(b"\n\n  %PDF-2.0\nstartxref\nabc\n%%EOF", "DOCUMENT_MALFORMED")


@case
def signed_body_without_header(base: Base) -> Case:
    return Case(b"%PDF-1.7\n" + base.signed[base.signed.index(b"\n%", 5) + 200:], "DOCUMENT_MALFORMED")


@case
def every_xref_offset_wrong(base: Base) -> Case:
    return Case(re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 3), base.signed),
                "DOCUMENT_MALFORMED")


@case
def xref_claims_hundred_million_entries(base: Base) -> Case:
    data = minimal_pdf(PAGES)
    return Case(data.replace(b"xref\n0 4\n", b"xref\n0 100000000\n").replace(b"/Size 4", b"/Size 100000001"),
                "TOO_COMPLEX")  # refused from /Size before the table is parsed


@case
def trailer_size_huge(base: Base) -> Case:
    return Case(minimal_pdf(PAGES).replace(b"/Size 4", b"/Size 2147483647999"), "TOO_COMPLEX")


@case
def page_count_billion(base: Base) -> Case:
    objects = [PAGES[0], b"<< /Type /Pages /Kids [3 0 R] /Count 1000000000 >>", PAGES[2]]
    return Case(minimal_pdf(objects), "NO_SIGNATURE")


@case
def hundred_thousand_objects(base: Base) -> Case:
    objects = [b"<< /Type /Catalog /Pages 2 0 R /Dests 4 0 R >>", PAGES[1], PAGES[2], b"[" + b" ".join(
        f"{n} 0 R".encode() for n in range(5, 100_005)) + b"]"]
    objects += [b"<< /N %d >>" % n for n in range(5, 100_005)]
    return Case(minimal_pdf(objects), "NO_SIGNATURE")


@case
def many_empty_signature_fields(base: Base) -> Case:
    count = 5_000
    fields_array = b"[" + b" ".join(f"{n} 0 R".encode() for n in range(4, 4 + count)) + b"]"
    objects = [b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields " + fields_array + b" >> >>", PAGES[1], PAGES[2]]
    objects += [b"<< /FT /Sig /T (f%d) >>" % n for n in range(count)]
    return Case(minimal_pdf(objects), "NO_SIGNATURE")


@case
def stream_length_huge(base: Base) -> Case:
    objects = [b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 4 0 R >> >>", PAGES[1], PAGES[2],
               b"<< /Length 99999999999 >>\nstream\nabc\nendstream"]
    return Case(minimal_pdf(objects), "DOCUMENT_MALFORMED")
