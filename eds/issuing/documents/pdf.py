"""The printable PDF of a result document (unsigned): bilingual A4 with the provider header, the title in
both languages, number and date, the fields as a table labelled in Kazakh and Russian, the signer block, a
QR code to the public verification page and the legal-equivalence footer on every page.

The fonts (DejaVu Sans cut down to the characters of ``repertoire``, shipped in ``fonts/``) are embedded,
because the base-14 PDF fonts have no Kazakh letters and a printout must read the same everywhere.  Output
is deterministic (reportlab ``invariant``): the same inputs give the same bytes on one machine, which tests
and signing rely on (zlib-ng, which compresses the streams, may give other bytes on another processor).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import threading
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import zxingcpp
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError
from reportlab.platypus.flowables import HRFlowable
from zlib_ng import zlib_ng

from eds.issuing.documents import wording
from eds.issuing.documents.issuance import Issuance, check_issuance
from eds.issuing.documents.schema import UNLIMITED, Bilingual, DocumentDataError, Field, Issue, Kind, ValidatedDocument
from eds.issuing.documents.types import COMMON_FIELDS, FROM_PROOF, FROM_REGISTRY

rl_config.useA85 = 0  # binary streams: smaller files, and no ASCII85 pass over every stream


class _Flate(pdfdoc.PDFStreamFilterZCompress):
    """reportlab's Flate filter with zlib-ng in place of zlib: the same format and level (6), and the two font
    subsets and the page of a licence compress in 0.9 ms instead of 2.1 ms, for 1% more bytes. Streams that
    are the same in every document (each font's first subset) are compressed once."""

    def __init__(self) -> None:
        self._kept: dict[bytes, bytes] = {}

    def keep(self, content: bytes) -> None:
        self._kept[content] = zlib_ng.compress(content)

    def encode(self, text: str | bytes) -> bytes:
        content = text.encode("utf8") if isinstance(text, str) else text
        kept = self._kept.get(content)
        return kept if kept is not None else zlib_ng.compress(content)

    def decode(self, encoded: bytes) -> bytes:
        return zlib_ng.decompress(encoded)


_FLATE = pdfdoc.PDFZCompress = _Flate()  # read from the module where reportlab sets a stream's filters

__all__ = ["render_pdf"]

_FONT_DIR = Path(__file__).with_name("fonts")
_REGULAR = "DejaVuSans"
_BOLD = "DejaVuSans-Bold"

_INK = colors.HexColor("#1a1a1a")
_GREY = colors.HexColor("#555555")
_RULE = colors.HexColor("#8c8c8c")
_LABEL_SHADE = colors.HexColor("#f2f2f2")
_GROUP_SHADE = colors.HexColor("#e1e6eb")
_RED = colors.HexColor("#a00000")

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN = 18 * mm
_WIDTH = _PAGE_WIDTH - 2 * _MARGIN
_LABEL_WIDTH = 60 * mm
_QR_SIZE = 30 * mm
_COMMON = {spec.name for spec in COMMON_FIELDS}
_FROM_RECORDS = frozenset(FROM_REGISTRY + FROM_PROOF)


def _style(name: str, size: float, *, bold: bool = False, color: colors.Color = _INK, **extra: Any) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=_BOLD if bold else _REGULAR, fontSize=size, leading=size * 1.28,
                          textColor=color, **extra)


_PROVIDER = _style("provider", 9.5, bold=True, alignment=TA_CENTER)
_PROVIDER_BIN = _style("provider-bin", 8, color=_GREY, alignment=TA_CENTER)
_TITLE_KK = _style("title-kk", 11.5, bold=True, alignment=TA_CENTER, spaceBefore=6)
_TITLE_RU = _style("title-ru", 10.5, bold=True, alignment=TA_CENTER, spaceBefore=2, spaceAfter=6)
_META = _style("meta", 9.5)
_LABEL = _style("label", 8.5, bold=True)
_VALUE = _style("value", 9)
_LIST_ITEM = _style("list-item", 9, leftIndent=16, bulletIndent=2, bulletFontName=_REGULAR)
_GROUP = _style("group", 9, bold=True)
_SECTION = _style("section", 9.5, bold=True, spaceBefore=8, spaceAfter=3)
_SECTION_ITEM = _style("section-item", 9, leftIndent=16, bulletIndent=2, bulletFontName=_REGULAR, spaceAfter=3)
_NOTE = _style("note", 8, color=_GREY)
_NOTE_CENTER = _style("note-center", 8.5, color=_INK, alignment=TA_CENTER)
_CLOSING = _style("closing", 8.5, spaceBefore=10)
_SIGNER = _style("signer", 9.5, bold=True)
_SIGNER_NAME = _style("signer-name", 11, bold=True)
_MARK = _style("mark", 18, bold=True, color=_RED, alignment=TA_CENTER)
_FOOTER = _style("footer", 7, color=_GREY)


class _Formatted(pdfdoc.PDFObject):
    """A PDF value written once and kept as its bytes (it holds numbers only, which need no document)."""

    def __init__(self, value: pdfdoc.PDFObject) -> None:
        self._bytes = value.format(None)

    def format(self, document: Any) -> bytes:
        return self._bytes


# The letters and signs nearly every document prints, besides ASCII: the Russian and Kazakh alphabets and the
# punctuation of the wording. Each font gives them fixed codes in its first subset, the same in every document.
_ALPHABET = ("".join(chr(point) for point in range(0x410, 0x450)) + "ЁёӘҒҚҢӨҰҮҺІәғқңөұүһі"
             + "«»„“”‘’–—…№·•₸")


class _TTFont(TTFont):
    """A TrueType font whose first subset is the same in every document: ASCII and ``_ALPHABET`` at fixed codes
    (reportlab's own assignment, made once), and any other character in the later subsets. So the first
    subset's font file is cut and compressed once per process, not once per document (1.7 ms of a licence),
    for the glyphs a document does not use (3.8 KB a licence); and text in it is encoded in one pass
    (reportlab's loop took 9 µs for each of a licence's ~90 drawn strings)."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename, asciiReadable=True)
        seed = type("Seed", (), {})()
        super().splitString(_ALPHABET, seed)
        self._first = self.state.pop(seed)
        self._first.nextCode = 256  # a character outside opens the second subset
        first_subset = self._first.subsets[0]
        cut = self.face.makeSubset(first_subset)
        _FLATE.keep(cut)
        make_subset = self.face.makeSubset
        self.face.makeSubset = lambda subset: cut if subset == first_subset else make_subset(subset)
        self._first_widths = _Formatted(pdfdoc.PDFArray(map(self.face.getCharWidth, first_subset)))

    def _new_state(self) -> TTFont.State:
        state = copy.copy(self._first)
        state.assignments = dict(self._first.assignments)
        state.subsets = [list(subset) for subset in self._first.subsets]
        return state

    def _assignState(self, doc: Any, asciiReadable: Any = None, namePrefix: Any = None) -> TTFont.State:  # noqa: N802,N803
        state = self.state.get(doc)
        if state is None:
            state = self.state[doc] = self._new_state()
        return state

    def addObjects(self, doc: Any) -> None:  # noqa: N802
        """reportlab's font objects, the first subset's widths formatted once (a third of writing the PDF)."""
        state = self.state.get(doc)
        if state is None or state.subsets[0] != self._first.subsets[0]:
            super().addObjects(doc)
            return
        name = f"{state.internalName}+0"  # as getSubsetInternalName names subset 0 (without its slash)
        super().addObjects(doc)
        doc.idToObject["BasicFonts"].dict[name].Widths = self._first_widths

    def getSubsetInternalName(self, subset: int, doc: Any) -> str:  # noqa: N802
        self._assignState(doc)
        return super().getSubsetInternalName(subset, doc)

    def splitString(self, text: str | bytes, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:  # noqa: N802
        state = self._assignState(doc)
        if isinstance(text, str):
            try:
                codes = bytes(map(state.assignments.__getitem__, map(ord, text)))
            except (KeyError, ValueError):  # a character met for the first time (or nbsp), or one past subset 0
                pass
            else:
                return [(0, codes)] if codes else []
        return super().splitString(text, doc, encoding)


_FONTS_LOCK = threading.Lock()


@functools.cache
def _registered_fonts() -> tuple[_TTFont, _TTFont]:
    regular = _TTFont(_REGULAR, str(_FONT_DIR / "DejaVuSans.ttf"))
    bold = _TTFont(_BOLD, str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    pdfmetrics.registerFontFamily(_REGULAR, normal=_REGULAR, bold=_BOLD, italic=_REGULAR, boldItalic=_BOLD)
    return regular, bold


def _fonts() -> tuple[_TTFont, _TTFont]:
    """The packaged fonts, registered once per process (parsing them costs a few milliseconds). Under a lock:
    ``functools.cache`` alone lets threads that render their first documents at once each register, and
    reportlab's ``registerFont`` maps the family's bold to the font it registers, so for a moment another
    thread's bold wording was parsed in the regular font and kept so."""
    with _FONTS_LOCK:
        return _registered_fonts()


class _Paragraph(Paragraph):
    """A paragraph that breaks its lines once per width. A table wraps every cell to size its rows and again
    to draw them, and KeepTogether once more to measure: the line breaking was a third of rendering."""

    _wrapped: tuple[float, Any, tuple[float, float]] | None = None  # width, the lines broken for it, size

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 (reportlab's names)
        # A split drops or replaces the broken lines (``blPara``): then they are broken again.
        if self._wrapped is None or self._wrapped[0] != availWidth or self._wrapped[1] is not getattr(
                self, "blPara", None):
            size = super().wrap(availWidth, availHeight)
            self._wrapped = (availWidth, self.blPara, size)
        return self._wrapped[2]


class _KeptParagraph(_Paragraph):
    """A paragraph of ``_fixed``, kept for the next documents, that also keeps what it drew: the PDF operators
    of its lines, with what they depend on (the width its lines were broken for, the names the document gave
    the fonts so far, and the fonts this paragraph named, in order). A later document in the same state gets the
    same operators, so they are written without drawing again (a fifth of rendering). Only a drawing that
    used the fonts' first subsets alone and added no character is kept: then it left nothing else behind."""

    _drawing: tuple[tuple[Any, ...], tuple[TTFont, ...], tuple[str, ...]] | None = None

    def draw(self) -> None:
        canvas, fonts = self.canv, _fonts()
        doc = canvas._doc
        entry = [font.state.get(doc) for font in fonts]
        conditions = (self._wrapped and self._wrapped[0], len(doc.fontMapping),
                      tuple(state and state.internalName for state in entry))
        kept = self._drawing
        if kept is not None and kept[0] == conditions:
            for font in kept[1]:
                font.getSubsetInternalName(0, doc)
            canvas._code.extend(kept[2])
            return
        shapes = [_shape(font, state) for font, state in zip(fonts, entry)]  # the states change as it draws
        start, links = len(canvas._code), len(canvas._annotationrefs)
        super().draw()
        after = [font.state.get(doc) for font in fonts]
        named = sorted((font for font, name, now in zip(fonts, conditions[2], after)
                        if name is None and now is not None and now.internalName is not None),
                       key=lambda font: int(font.state[doc].internalName.lstrip(font.state[doc].namePrefix)))
        unchanged = all(shape == _shape(font, now) and shape[0] == 1 for font, shape, now in zip(fonts, shapes, after))
        if unchanged and len(doc.fontMapping) == conditions[1] + len(named) and len(canvas._annotationrefs) == links:
            self._drawing = (conditions, tuple(named), tuple(canvas._code[start:]))


def _shape(font: _TTFont, state: TTFont.State | None) -> tuple[int, int, int]:
    """How far a font's subsets are filled in a document (none yet: as every document starts)."""
    state = state or font._first
    return len(state.subsets), state.nextCode, len(state.assignments)


_per_thread = threading.local()
_SAVING = threading.Lock()


class _Canvas(Canvas):
    """Saves take turns. On save reportlab subsets each embedded TrueType font by seeking through the one parsed
    font file that every document shares (a cursor, not a copy): two threads saving at once read each other's
    glyphs and embed broken fonts.

    Pages are kept until the save, when the count is known, so that each prints "page n of m"; the PDF's
    CreationDate and ModDate are ``moment`` (the signing time, in Kazakhstan's time with its offset)."""

    def __init__(self, *args: Any, moment: dt.datetime, page_label: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        local = wording.kazakhstan_time(moment)
        offset = local.utcoffset() or dt.timedelta(0)
        hours, minutes = divmod(int(offset.total_seconds()) // 60, 60)
        stamp = f"D:{local:%Y%m%d%H%M%S}{'+' if offset >= dt.timedelta(0) else '-'}{abs(hours):02d}'{minutes:02d}'"
        self.setDateFormatter(lambda *_date: stamp)
        self._page_label = page_label
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for page in self._pages:
            self.__dict__.update(page)
            self._page_label(self, total)
            super().showPage()
        with _SAVING:
            super().save()


def _fixed(markup: str, style: ParagraphStyle) -> _KeptParagraph:
    """A paragraph of the declared wording (labels, titles, notes, a list's choices) or of the registry's
    records (the provider's name, BIN and place, the signer's name and position), never of the applicant's
    data, made once per thread and reused by every document: its markup is parsed and its lines broken once
    per width instead of once per document (a third of the work of a licence). Per thread, because drawing
    sets the canvas on the flowable."""
    paragraphs: dict[tuple[str, str], _Paragraph] = _per_thread.__dict__.setdefault("paragraphs", {})
    paragraph = paragraphs.get((markup, style.name))
    if paragraph is None:
        if len(paragraphs) >= 4096:  # wording and records are a few hundred texts; this only bounds a surprise
            paragraphs.clear()
        paragraph = paragraphs[markup, style.name] = _KeptParagraph(markup, style)
    # What reportlab leaves on a flowable while laying out a document belongs to that document: a
    # "postponed" mark from an earlier one would make the next move of this paragraph to a new page fail
    # as too large, and the frame and canvas would keep the earlier document alive.
    for mark in ("_postponed", "_frame", "canv"):
        paragraph.__dict__.pop(mark, None)
    return paragraph


class _QrCode(Flowable):
    """A QR code drawn as vector rectangles: sharp at any print resolution and cheaper than an image."""

    _QUIET = 4  # modules of white border the QR specification asks for

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        # zxing-cpp encodes in C++ (0.4 ms; the pure-Python qrcode took 1.2 ms with a fixed mask, 4 ms choosing
        # one): the smallest version that holds the link at level M, one byte a module, 0 for a dark one.
        image = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
            scale=1, add_quiet_zones=False)
        count = image.shape[0]
        pixels = bytes(memoryview(image))
        self._matrix = [[pixel == 0 for pixel in pixels[row * count:(row + 1) * count]] for row in range(count)]
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        count = len(self._matrix)
        side = count + 2 * self._QUIET
        # Drawn in module units (one scale for the whole code): each run is "x y w 1 re" in small integers, not
        # four formatted decimals, which keeps the page stream (and its compression) a third smaller.
        self.canv.saveState()
        self.canv.scale(self.width / side, self.height / side)
        path = self.canv.beginPath()
        for row_index, row in enumerate(self._matrix):
            y = side - self._QUIET - row_index - 1
            column = 0
            while column < count:
                if not row[column]:
                    column += 1
                    continue
                start = column
                while column < count and row[column]:
                    column += 1
                path.rect(self._QUIET + start, y, column - start, 1)
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)
        self.canv.restoreState()


def _markup(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def _both(value: Bilingual) -> str:
    """Kazakh over Russian; once when they are the same (proper names)."""
    if value.kk == value.ru:
        return _markup(value.kk)
    return f"{_markup(value.kk)}<br/>{_markup(value.ru)}"


def _in_languages(spec: Field, value: Any) -> Bilingual:
    """A value as plain text in each language."""
    if spec.kind is Kind.BILINGUAL:
        return value
    if spec.kind is Kind.ENUM:
        choice = spec.choice(value)
        return Bilingual(choice.kk, choice.ru)
    if spec.kind is Kind.LIST:
        assert spec.item is not None
        parts = [_in_languages(spec.item, item) for item in value]
        return Bilingual(", ".join(p.kk for p in parts), ", ".join(p.ru for p in parts))
    if spec.kind is Kind.VALIDITY and value == UNLIMITED:  # a text that says "unlimited" prints as it is
        return wording.UNLIMITED
    if isinstance(value, dt.date):
        return Bilingual(wording.day(value), wording.day(value))
    return Bilingual(str(value), str(value))


def _declared(spec: Field, value: Any) -> bool:
    """Whether a field's value is declared wording: a choice of a list (or several), or a validity "unlimited"."""
    if spec.kind is Kind.ENUM or (spec.kind is Kind.LIST and spec.item is not None and spec.item.kind is Kind.ENUM):
        return True
    return spec.kind is Kind.VALIDITY and value == UNLIMITED


def _value(spec: Field, value: Any, *, top_level: bool = False) -> _Paragraph:
    """A value's paragraph: reused across documents when it is declared wording or, at the top level, one of
    the blocks the registry and the signing certificate fill (never the applicant's)."""
    markup = _value_markup(spec, value)
    if _declared(spec, value) or (top_level and spec.name in _FROM_RECORDS):
        return _fixed(markup, _VALUE)
    return _Paragraph(markup, _VALUE)


def _value_markup(spec: Field, value: Any) -> str:
    if spec.kind is not Kind.GROUP:
        return _both(_in_languages(spec, value))
    # A group inside a list (a periodical): its texts in bold, then the rest labelled in each language.
    head = [f"<b>{_markup(value[f.name])}</b>" for f in spec.fields if f.kind is Kind.TEXT and f.name in value]
    rest = [(f, _in_languages(f, value[f.name])) for f in spec.fields if f.kind is not Kind.TEXT and f.name in value]
    kk = "; ".join(f"{escape(f.kk)}: {_markup(v.kk)}" for f, v in rest)
    ru = "; ".join(f"{escape(f.ru)}: {_markup(v.ru)}" for f, v in rest)
    return "<br/>".join(head + [kk, ru])


def _both_inline(kk: str, ru: str) -> str:
    return escape(kk) if kk == ru else f"{escape(kk)} / {escape(ru)}"


def _label(spec: Field, style: ParagraphStyle = _LABEL) -> Paragraph:
    if spec.kk == spec.ru:
        return _fixed(escape(spec.kk), style)
    return _fixed(f"{escape(spec.kk)}<br/><font name='{_REGULAR}' color='#555555'>{escape(spec.ru)}</font>", style)


def _table(rows: list[list[Any]], widths: list[float], commands: list[tuple[Any, ...]], **options: Any) -> Table:
    """A table whose cells default to the embedded font (reportlab's default is Helvetica, not embedded)."""
    table = Table(rows, colWidths=widths, **options)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), _REGULAR, 9), *commands]))
    return table


def _fields_table(doc: ValidatedDocument) -> Table:
    """The labelled table: one row per field; a group or a list of several items gets a shaded heading row
    and then a row per member, so a long list breaks across pages between items."""
    rows: list[list[Any]] = []
    style: list[tuple[Any, ...]] = []

    def heading(spec: Field) -> None:
        style.extend([("SPAN", (0, len(rows)), (1, len(rows))),
                      ("BACKGROUND", (0, len(rows)), (1, len(rows)), _GROUP_SHADE)])
        rows.append([_fixed(_both_inline(spec.kk, spec.ru), _GROUP), ""])

    for spec in doc.type.fields:
        if spec.name in _COMMON or spec.section or spec.name not in doc.values:
            continue
        value = doc.values[spec.name]
        if spec.kind is Kind.GROUP:
            heading(spec)
            rows += [[_label(sub), _value(sub, value[sub.name])] for sub in spec.fields if sub.name in value]
        elif spec.kind is Kind.LIST and spec.item is not None and spec.item.kind is not Kind.ENUM:
            if len(value) == 1:
                rows.append([_label(spec), _Paragraph(_value_markup(spec.item, value[0]), _VALUE)])
                continue
            heading(spec)
            for index, item in enumerate(value, 1):
                style += [("SPAN", (0, len(rows)), (1, len(rows))),
                          ("BACKGROUND", (0, len(rows)), (1, len(rows)), colors.white)]
                rows.append([_Paragraph(_value_markup(spec.item, item), _LIST_ITEM, bulletText=f"{index}."), ""])
        else:
            rows.append([_label(spec), _value(spec, value, top_level=True)])
    # splitInRow: a row taller than a page (no declared limit allows one today) continues on the next page
    # instead of failing the whole layout.
    return _table(rows, [_LABEL_WIDTH, _WIDTH - _LABEL_WIDTH], [
        ("GRID", (0, 0), (-1, -1), 0.5, _RULE),
        ("BOX", (0, 0), (-1, -1), 0.8, _RULE),
        ("BACKGROUND", (0, 0), (0, -1), _LABEL_SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        *style,
    ], splitInRow=1)


def _header(doc: ValidatedDocument) -> list[Flowable]:
    provider = doc.values["provider"]
    return [
        _fixed(_both(provider["name"]), _PROVIDER),
        _fixed(f"{wording.PROVIDER_BIN.kk} / {wording.PROVIDER_BIN.ru}: {provider['bin']}", _PROVIDER_BIN),
        HRFlowable(width="100%", thickness=1.2, color=_INK, spaceBefore=5, spaceAfter=2),
    ]


def _event_block(issuance: Issuance) -> list[Flowable]:
    if issuance.event == "duplicate":
        assert issuance.original_issued_at is not None
        note = wording.duplicate_note(issuance.number, issuance.original_issued_at)
        return [Spacer(1, 6), _table(
            [[_fixed(wording.DUPLICATE_MARK, _MARK)], [_Paragraph(_both(note), _NOTE_CENTER)]], [_WIDTH * 0.8],
            [("BOX", (0, 0), (-1, -1), 1.8, _RED), ("TOPPADDING", (0, 0), (-1, 0), 6),
             ("BOTTOMPADDING", (0, -1), (-1, -1), 6)],
        )]
    if issuance.event == "reissue":
        assert issuance.original_number is not None
        note = wording.reissue_note(issuance.original_number, issuance.original_issued_at)
        rows = [[_Paragraph(_both(note), _NOTE_CENTER)]]
        if issuance.ground is not None:
            label = wording.REISSUE_GROUND
            rows.append([_Paragraph(f"<b>{_both_inline(*label)}:</b><br/>{_both(issuance.ground)}", _NOTE_CENTER)])
        return [Spacer(1, 6), _table(rows, [_WIDTH * 0.8], [("BOX", (0, 0), (-1, -1), 0.8, _INK)])]
    return []


def _meta_table(doc: ValidatedDocument, issuance: Issuance) -> Table:
    place = doc.values["place"]

    def cell(label: Bilingual, value: str, *, kept: bool = True) -> Paragraph:
        markup = f"<font size='7.5' color='#555555'>{_both_inline(*label)}</font><br/><b>{value}</b>"
        return _fixed(markup, _META) if kept else _Paragraph(markup, _META)

    return _table([[cell(wording.NUMBER, f"№ {escape(issuance.number)}", kept=False),
                    cell(wording.ISSUED_AT, wording.day(issuance.issued_at)),  # one a day
                    cell(wording.PLACE, _both_inline(place.kk, place.ru))]],
                  [_WIDTH * 0.31, _WIDTH * 0.29, _WIDTH * 0.40],
                  [("BOX", (0, 0), (-1, -1), 0.8, _RULE), ("INNERGRID", (0, 0), (-1, -1), 0.5, _RULE),
                   ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)])


def _sections(doc: ValidatedDocument) -> list[Flowable]:
    flow: list[Flowable] = []
    for spec in doc.type.fields:
        if not spec.section or spec.name not in doc.values:
            continue
        assert spec.item is not None
        flow.append(_fixed(_both_inline(spec.kk, spec.ru), _SECTION))
        for index, item in enumerate(doc.values[spec.name], 1):
            flow.append(_Paragraph(_value_markup(spec.item, item), _SECTION_ITEM, bulletText=f"{index}."))
    if doc.type.closing is not None:
        flow.append(_fixed(_both(doc.type.closing), _CLOSING))
    return flow


def _signature_block(doc: ValidatedDocument, issuance: Issuance) -> Flowable:
    """Signer on the left, QR code on the right."""
    signer = doc.values["signer"]
    hint = _Paragraph(f"{_both(wording.VERIFY_HINT)}<br/><font color='#1a1a1a'>{escape(issuance.verify_url)}</font>",
                     _NOTE)
    text_width = _WIDTH - _QR_SIZE - 6 * mm
    return _table([
        [_fixed(_both(signer["position"]), _SIGNER), _QrCode(issuance.verify_url, _QR_SIZE)],
        [_fixed(_markup(signer["name"]), _SIGNER_NAME), ""],
        [_fixed(_both(wording.SIGNED_WITH_EDS), _NOTE), ""],
        [hint, ""],
    ], [text_width, _QR_SIZE + 6 * mm], [
        ("SPAN", (1, 0), (1, -1)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 1), (0, 2), 4),
        ("TOPPADDING", (0, 3), (0, 3), 6),
        ("LINEBELOW", (0, 1), (0, 1), 0.5, _RULE),
    ])


def _page_decoration(issuance: Issuance, footer: Paragraph, footer_height: float) -> Any:
    """Draws what every page carries: the legal-equivalence footer and the duplicate mark (the number and page
    are drawn by ``_page_label`` when the page count is known)."""

    def decorate(canvas: Canvas, _template: Any) -> None:
        canvas.saveState()
        top = 9 * mm + footer_height
        canvas.setStrokeColor(_RULE)
        canvas.setLineWidth(0.5)
        canvas.line(_MARGIN, top + 2.5 * mm, _PAGE_WIDTH - _MARGIN, top + 2.5 * mm)
        footer.drawOn(canvas, _MARGIN, 9 * mm + 0.5 * mm)
        if issuance.event == "duplicate":
            canvas.setFont(_BOLD, 9)
            canvas.setFillColor(_RED)
            canvas.drawRightString(_PAGE_WIDTH - _MARGIN, _PAGE_HEIGHT - 7 * mm, wording.DUPLICATE_MARK)
        canvas.restoreState()

    return decorate


def _page_label(issuance: Issuance) -> Any:
    """Draws "№ number · Бет 1 / 2 · Стр. 1 из 2" at the foot of a page once the page count is known."""

    def draw(canvas: Canvas, total: int) -> None:
        canvas.saveState()
        canvas.setFont(_REGULAR, 7)
        canvas.setFillColor(_GREY)
        canvas.drawRightString(_PAGE_WIDTH - _MARGIN, 6 * mm,
                               f"№ {issuance.number}  ·  {wording.page_of(canvas.getPageNumber(), total)}")
        canvas.restoreState()

    return draw


def render_pdf(
    doc: ValidatedDocument,
    *,
    number: str,
    issued_at: dt.date,
    verify_url: str,
    event: str = "issue",
    original: dict[str, Any] | None = None,
    moment: dt.datetime | None = None,
) -> bytes:
    """The unsigned PDF of a validated document.

    ``original`` is ``{"number", "issued_at"}`` of the document a re-issue replaces (number required, and its
    ``ground`` printed) or a duplicate copies (date required).  ``moment`` (aware) is when it is signed: the
    PDF's CreationDate and ModDate; without it, midnight of ``issued_at`` in Kazakhstan.  Bad arguments raise
    DocumentDataError naming each one.
    """
    issuance = check_issuance(doc, number=number, issued_at=issued_at, verify_url=verify_url, event=event,
                              original=original)
    if moment is None or moment.tzinfo is None:
        moment = dt.datetime.combine(issuance.issued_at, dt.time(), wording.KAZAKHSTAN)
    _fonts()
    footer = _fixed(_both(wording.LEGAL_EQUIVALENCE), _FOOTER)
    _, footer_height = footer.wrap(_WIDTH, _PAGE_HEIGHT)
    title = f"{doc.type.title_kk} / {doc.type.title_ru}"
    if issuance.event == "duplicate":
        title = f"{wording.DUPLICATE_MARK}: {title}"
    provider = doc.values["provider"]["name"]
    top, bottom = 11 * mm, 9 * mm + footer_height + 4 * mm
    # A frame without padding, so every table spans exactly the text width between the margins.
    frame = Frame(_MARGIN, bottom, _WIDTH, _PAGE_HEIGHT - top - bottom, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        pageTemplates=[PageTemplate("page", [frame], onPage=_page_decoration(issuance, footer, footer_height))],
        title=title,
        subject=issuance.number,
        author=f"{provider.kk} / {provider.ru}",
        creator="eds",
        keywords=[doc.type_id, issuance.event],
        lang="kk-KZ",
        initialFontName=_REGULAR,  # else every page opens in Helvetica, which is not embedded
        invariant=1,
    )
    flowables = [
        *_header(doc),
        *_event_block(issuance),
        _fixed(_markup(doc.type.title_kk), _TITLE_KK),
        _fixed(_markup(doc.type.title_ru), _TITLE_RU),
        _meta_table(doc, issuance),
        Spacer(1, 6),
        _fields_table(doc),
        # The sections move with the signature, so a page never holds the signature alone.
        KeepTogether([*_sections(doc), Spacer(1, 6), _signature_block(doc, issuance)]),
    ]
    try:
        template.build(flowables, canvasmaker=functools.partial(_Canvas, moment=moment, page_label=_page_label(issuance)))
    except LayoutError:
        # Within every declared length, a value of many short lines (a signer's position, a re-issue's ground)
        # can still make a block that cannot be split taller than a page.
        raise DocumentDataError([Issue("", "TOO_TALL_FOR_A_PAGE", "a block of the document (the signer's, a note) "
                                       "would be taller than a page: its values have too many lines")]) from None
    return buffer.getvalue()
