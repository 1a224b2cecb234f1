"""What changed in a PDF after each signature, judged by a strict whitelist.

A signature covers one revision; whatever later incremental updates write is shown by every viewer as if it
were signed. So each later revision is walked object by object, and every object it writes (or frees) must
be explained by one of a few harmless roles: validation data (DSS/VRI and the /Extensions entry for it),
document timestamps (invisible signature fields), a new signature field that a real signature in the file
signs (co-signing: its widget, appearance and the /Fields and /Annots entries that add it), and, where the
signature's DocMDP allows it, the filling of form fields that already existed. Any other change fails,
named by its kind and object numbers. Objects that the signed revision references but does not hold
(dangling references, filled in later: the shadow attacks) and bytes after the last %%EOF fail as well.

pyHanko's difference analysis gives a first opinion (eds.validation.verify): what it rejects fails, what it accepts is
still checked here.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pyhanko.pdf_utils import generic

from eds import limits
from eds.signatures import pdf_reading

pdf_reading.install()  # pyHanko reads a signature's /Contents, and the document information, at once

__all__ = ["Change", "Review", "RevisionReview", "ChangeAnalysis", "trailing_bytes", "prescan_streams"]

_MAX_DEPTH = 64
_INFO_KEYS_WRITERS_UPDATE = frozenset({"/ModDate", "/Producer"})
_FILL_KEYS = frozenset({"/V", "/AS", "/AP"})
_SIG_FIELD_KEYS = frozenset({"/V", "/AP", "/AS", "/F"})
_ACROFORM_KEYS = frozenset({"/Fields", "/SigFlags"})
_XMP_WRITER_PROPERTIES = frozenset({
    "{http://ns.adobe.com/xap/1.0/}ModifyDate", "{http://ns.adobe.com/xap/1.0/}MetadataDate",
    "{http://ns.adobe.com/pdf/1.3/}Producer"})
_CATALOG_KINDS = {"/OCProperties": "optional-content", "/Names": "names", "/OpenAction": "actions",
                  "/AA": "actions", "/Pages": "pages", "/Metadata": "metadata", "/Perms": "permissions",
                  "/Outlines": "outlines", "/Dests": "names", "/URI": "actions"}
_PAGE_KINDS = {"/Contents": "page-content", "/Resources": "resources", "/Annots": "annotation"}


@dataclass(frozen=True)
class Change:
    """One change after signing: its kind (``page-content``, ``annotation``, ``dangling-reference``, ...), the
    revision that made it and the object numbers it wrote."""

    kind: str
    revision: int
    objects: tuple[int, ...] = ()
    detail: str = ""

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "revision": self.revision, "objects": list(self.objects)}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class RevisionReview:
    """What one incremental update did, judged against the revision before it."""

    revision: int
    forbidden: tuple[Change, ...] = ()
    filled_fields: tuple[str, ...] = ()   # existing form fields whose value or appearance changed
    signature_fields: tuple[int, ...] = ()  # new or newly signed fields of real signatures (co-signing)
    written: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True)
class Review:
    """The verdict on everything that followed one signature."""

    forbidden: tuple[Change, ...] = ()
    filled_fields: tuple[str, ...] = ()
    cosigned: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for change in self.forbidden:
            seen.setdefault(change.kind, None)
        return tuple(seen)

    def details(self) -> dict:
        """The details of a MODIFIED_AFTER_SIGNING check: which kinds, which objects, in which revisions."""
        kinds = self.kinds
        objects = sorted({n for c in self.forbidden for n in c.objects})
        return {"kind": kinds[0] if kinds else None, "kinds": list(kinds), "objects": objects,
                "changes": [c.to_dict() for c in self.forbidden[:50]]}


def trailing_bytes(data: bytes) -> int:
    """How many bytes other than whitespace and NULs follow the last %%EOF (all of them if there is none)."""
    end = data.rfind(b"%%EOF")
    if end < 0:
        return len(data)
    return len(data[end + 5:].strip(b" \t\r\n\f\0"))


_DEFLATE_MAX_RATIO = 1100  # deflate inflates at most about 1032 times; a little more for headers


def _stream_starts(data: bytes) -> Iterator[int]:
    """Where the data of each ``stream`` keyword starts (a plain search: a regular expression is ten times
    slower here)."""
    position = data.find(b"stream")
    while position >= 0:
        after = position + 6
        if position == 0 or not data[position - 1:position].isalnum():
            if data[after:after + 2] == b"\r\n":
                yield after + 2
            elif data[after:after + 1] in (b"\n", b"\r"):
                yield after + 1
        position = data.find(b"stream", after)


_SIZE = re.compile(rb"/Size\s*(\d{1,12})")


def prescan_structure(data: bytes) -> None:
    """Refuse a file whose cross-reference sections declare more objects than ``pdf_objects`` or that has
    more updates than ``pdf_revisions``, before pyHanko parses half a million xref entries to find out. /Size
    is one more than the highest object number of a section; each update ends with its own ``startxref``
    (a linearised file has one more)."""
    declared = max((int(m.group(1)) for m in _SIZE.finditer(data)), default=0)
    limits.require("pdf_objects", declared - 1)
    updates = data.count(b"startxref")
    if updates > limits.current().pdf_revisions + 1:
        limits.require("pdf_revisions", updates)


def prescan_streams(data: bytes) -> None:
    """Refuse a flate bomb before anything inflates it: every Flate stream in the file is inflated at most to
    the ``pdf_stream_bytes`` limit (plus one byte, to tell "at the limit" from "past it").

    The scan reads raw bytes, so streams that pyHanko would never decode (page content of a later revision)
    are bounded too; a match that is not a zlib stream fails in its first bytes and costs nothing, and one too
    short to pass the limit is not inflated at all. (A stream that hides an early "endstream" in its bytes
    escapes the scan, but then only pyHanko's decoder could inflate it, and that is bounded by the same limit.)"""
    cap = limits.current().pdf_stream_bytes
    view = memoryview(data)
    for start in _stream_starts(data):
        limits.checkpoint()
        if data[start:start + 1] not in (b"\x78", b"\x08", b"\x18", b"\x28", b"\x38", b"\x48", b"\x58", b"\x68"):
            continue
        end = data.find(b"endstream", start)
        if end >= 0 and (end - start) * _DEFLATE_MAX_RATIO < cap:
            continue  # too short to inflate past the limit
        inflater = zlib.decompressobj()
        try:
            produced = len(inflater.decompress(view[start:], cap + 1))
            while produced <= cap and inflater.unconsumed_tail and not inflater.eof:
                limits.checkpoint()
                produced += len(inflater.decompress(inflater.unconsumed_tail, cap + 1 - produced))
        except zlib.error:
            continue
        limits.require("pdf_stream_bytes", produced)


def _ref(value: object) -> tuple[int, int] | None:
    if isinstance(value, generic.IndirectObject):
        return value.idnum, value.generation
    return None


def _deref(resolver, value: object) -> object:
    """``value`` resolved in the revision of ``resolver`` (trailer entries are bound to the newest one)."""
    if isinstance(value, generic.IndirectObject):
        return resolver(generic.Reference(value.idnum, value.generation))
    return value


def _resolve(value: object) -> object:
    return value.get_object() if isinstance(value, generic.IndirectObject) else value


def same(old: object, new: object, depth: int = 0) -> bool:
    """Whether two raw PDF values are identical (references compared as references, streams by their bytes)."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(old, generic.IndirectObject) or isinstance(new, generic.IndirectObject):
        return _ref(old) == _ref(new) and _ref(old) is not None
    if isinstance(old, (generic.TextStringObject, generic.ByteStringObject)):
        return isinstance(new, (generic.TextStringObject, generic.ByteStringObject)) and \
            old.original_bytes == new.original_bytes
    if isinstance(old, generic.StreamObject):
        if not isinstance(new, generic.StreamObject) or old.encoded_data != new.encoded_data:
            return False
    if isinstance(old, generic.DictionaryObject):
        if not isinstance(new, generic.DictionaryObject) or set(old.keys()) != set(new.keys()):
            return False
        return all(same(old.raw_get(k), new.raw_get(k), depth + 1) for k in old.keys())
    if isinstance(old, generic.ArrayObject):
        return isinstance(new, generic.ArrayObject) and len(old) == len(new) and \
            all(same(a, b, depth + 1) for a, b in zip(old, new))
    if isinstance(new, (generic.DictionaryObject, generic.ArrayObject, generic.TextStringObject, generic.ByteStringObject)):
        return False
    return type(old) is type(new) and old == new


def _changed_keys(old: object, new: object) -> set[str]:
    old_d = old if isinstance(old, generic.DictionaryObject) else generic.DictionaryObject()
    new_d = new if isinstance(new, generic.DictionaryObject) else generic.DictionaryObject()
    keys = set(old_d.keys()) | set(new_d.keys())
    return {k for k in keys if k not in old_d or k not in new_d or not same(old_d.raw_get(k), new_d.raw_get(k))}


def _get(dictionary: object, key: str) -> object:
    if isinstance(dictionary, generic.DictionaryObject) and key in dictionary:
        return dictionary.raw_get(key)
    return None


def _describe(obj: object) -> str:
    """A kind for an object, from what it says it is."""
    if isinstance(obj, generic.DictionaryObject):
        kind = obj.get("/Type")
        subtype = obj.get("/Subtype")
        if kind == "/Page":
            return "page"
        if kind == "/Pages":
            return "pages"
        if kind == "/Catalog":
            return "catalog"
        if kind in ("/Font", "/FontDescriptor") or subtype in ("/Type1", "/TrueType", "/Type0", "/CIDFontType2",
                                                               "/CIDFontType0", "/Type3"):
            return "font"
        if kind == "/XObject" or subtype in ("/Form", "/Image"):
            return "xobject"
        if kind in ("/OCG", "/OCMD"):
            return "optional-content"
        if kind == "/Metadata":
            return "metadata"
        if subtype == "/Widget" or "/FT" in obj:
            return "signature-field" if obj.get("/FT") == "/Sig" else "form-field"
        if kind == "/Annot" or subtype is not None and "/Rect" in obj:
            return "annotation"
        if kind in ("/Sig", "/DocTimeStamp"):
            return "signature-dictionary"
        if isinstance(obj, generic.StreamObject):
            return "stream"
        if "/Font" in obj or "/XObject" in obj or "/ExtGState" in obj or "/ProcSet" in obj:
            return "resources"
        return "object"
    if isinstance(obj, generic.ArrayObject):
        return "array"
    return "object"


def _fields_of(acroform: object) -> list:
    fields = _resolve(_get(acroform, "/Fields"))
    return list(fields) if isinstance(fields, generic.ArrayObject) else []


def _walk_graph(start: Iterable[object], enter: Callable[[tuple[int, int], generic.IndirectObject], object],
                skip: tuple[str, ...] = ()) -> None:
    """Depth first over the values reachable from ``start``. At each reference (entered once) ``enter`` gives
    the value to go on into, or None to stop there; keys in ``skip`` are not followed; the CPU budget is
    checked as the walk goes."""
    stack = list(start)
    seen: set[tuple[int, int]] = set()
    steps = 0
    while stack:
        value = stack.pop()
        steps += 1
        if steps % 512 == 0:
            limits.checkpoint()
        if isinstance(value, generic.IndirectObject):
            ref = (value.idnum, value.generation)
            if ref in seen:
                continue
            seen.add(ref)
            value = enter(ref, value)
        if isinstance(value, generic.DictionaryObject):
            stack.extend(value.raw_get(k) for k in value.keys() if k not in skip)
        elif isinstance(value, generic.ArrayObject):
            stack.extend(value)


def _rect_area(widget: generic.DictionaryObject) -> float | None:
    """The area of a /Rect of four direct numbers; None for anything else, which is then not known to be
    invisible (indirect numbers, a fifth element: readers differ on them)."""
    rect = widget.raw_get("/Rect") if "/Rect" in widget else None
    if not isinstance(rect, generic.ArrayObject) or len(rect) != 4 or not all(
            isinstance(v, (generic.NumberObject, generic.FloatObject)) for v in rect):
        return None
    x1, y1, x2, y2 = (float(v) for v in rect)
    return abs(x2 - x1) * abs(y2 - y1)


def _flags(widget: generic.DictionaryObject) -> int:
    """/F as every reader reads it: a direct integer of 32 bits; anything else (a real, a larger number, an
    indirect value) is read as no flags by some reader, so it hides nothing."""
    value = widget.raw_get("/F") if "/F" in widget else None
    if isinstance(value, generic.NumberObject) and not isinstance(value, bool) and 0 <= int(value) < 2 ** 31:
        return int(value)
    return 0


def _invisible(widget: object) -> bool:
    """A widget no one sees, on screen or on paper: Hidden, NoView without Print, zero area, or no normal
    appearance."""
    if not isinstance(widget, generic.DictionaryObject):
        return True
    flags = _flags(widget)
    if flags & 2 or (flags & 32 and not flags & 4):
        return True
    if _rect_area(widget) == 0:
        return True
    appearance = _resolve(_get(widget, "/AP"))
    return not isinstance(appearance, generic.DictionaryObject) or "/N" not in appearance


def _actions(field_obj: generic.DictionaryObject, widgets: list) -> bool:
    """Whether a field or one of its widgets carries an action (/A, /AA): JavaScript, links, submits."""
    return any(isinstance(w, generic.DictionaryObject) and ("/A" in w or "/AA" in w)
               for w in (field_obj, *(widget for _ref, widget in widgets)))


def _widgets(field_obj: generic.DictionaryObject) -> Iterator[tuple[tuple[int, int] | None, object]]:
    if field_obj.get("/Subtype") == "/Widget" or "/Rect" in field_obj:
        yield None, field_obj
    kids = _resolve(_get(field_obj, "/Kids"))
    if isinstance(kids, generic.ArrayObject):
        for kid in list(kids)[:256]:
            yield _ref(kid), _resolve(kid)


@dataclass
class _Context:
    """The state of one revision's walk."""

    revision: int
    old: object   # HistoricalResolver of revision - 1
    new: object   # HistoricalResolver of revision
    written: set[tuple[int, int]]
    new_refs: set[tuple[int, int]]
    explained: set[tuple[int, int]] = field(default_factory=set)
    anchors: list[object] = field(default_factory=list)
    forbidden: list[Change] = field(default_factory=list)
    filled: dict[str, None] = field(default_factory=dict)
    cosigned: list[int] = field(default_factory=list)
    allowed_widgets: set[tuple[int, int]] = field(default_factory=set)
    added_annotations: list[tuple[tuple[int, int] | None, int]] = field(default_factory=list)

    def forbid(self, kind: str, objects: Iterable[int], detail: str = "") -> None:
        self.forbidden.append(Change(kind, self.revision, tuple(sorted(set(objects))), detail))


class ChangeAnalysis:
    """The whitelist walk over one file's revisions, shared by all its signatures (each revision is walked
    once, whichever signatures it follows)."""

    def __init__(self, reader, data: bytes, signature_refs: Iterable[tuple[int, int]],
                 timestamp_refs: Iterable[tuple[int, int]]) -> None:
        self.reader = reader
        self.xrefs = reader.xrefs
        self.total = reader.xrefs.total_revisions
        self.signature_refs = set(signature_refs)   # /V of every real signature in the file
        self.timestamp_refs = set(timestamp_refs)   # /V of every document timestamp
        self.trailing = trailing_bytes(data)
        self._revisions: dict[int, RevisionReview] = {}
        self._dangling: dict[int, set[tuple[int, int]]] = {}

    # --- the verdict on one signature ------------------------------------------------------------------

    def review(self, signed_revision: int, *, certified_no_changes: bool = False) -> Review:
        """Everything after ``signed_revision``; with DocMDP /P 1 only DSS and document timestamps may follow."""
        forbidden: list[Change] = []
        filled: dict[str, None] = {}
        cosigned = False
        dangling = self.dangling(signed_revision) if signed_revision + 1 < self.total else set()
        for revision in range(signed_revision + 1, self.total):
            limits.checkpoint()
            judged = self.revision(revision)
            forbidden.extend(judged.forbidden)
            filled.update(dict.fromkeys(judged.filled_fields))
            cosigned = cosigned or bool(judged.signature_fields)
            hits = sorted(n for n, _g in judged.written & dangling)
            if hits:
                forbidden.insert(0, Change("dangling-reference", revision, tuple(hits),
                                           "the signed revision refers to these objects without holding them"))
            if certified_no_changes and (judged.filled_fields or judged.signature_fields):
                forbidden.append(Change("certified-no-changes", revision, judged.signature_fields,
                                        "the certification (DocMDP /P 1) allows no change but validation data "
                                        "and document timestamps"))
        if self.trailing:
            forbidden.append(Change("trailing-bytes", self.total - 1, (),
                                    f"{self.trailing} bytes follow the last %%EOF"))
        return Review(tuple(forbidden), tuple(filled), cosigned)

    # --- dangling references ---------------------------------------------------------------------------

    def dangling(self, revision: int) -> set[tuple[int, int]]:
        """References that objects of ``revision`` hold to objects that do not exist in it."""
        if revision in self._dangling:
            return self._dangling[revision]
        resolver = self.reader.get_historical_resolver(revision)
        found: set[tuple[int, int]] = set()
        budget = limits.current().pdf_objects
        entered = 0

        def enter(ref: tuple[int, int], value: generic.IndirectObject) -> object:
            nonlocal entered
            entered += 1
            if entered > budget:
                limits.require("pdf_objects", entered)
            if self.xrefs.get_historical_ref(value.reference, revision) is None:
                found.add(ref)
                return None
            try:
                return resolver(generic.Reference(*ref))
            except Exception:  # an unreadable object is no reference to follow
                return None

        _walk_graph([resolver.trailer_view], enter)
        self._dangling[revision] = found
        return found

    # --- one revision ----------------------------------------------------------------------------------

    def revision(self, revision: int) -> RevisionReview:
        if revision not in self._revisions:
            self._revisions[revision] = self._walk(revision)
        return self._revisions[revision]

    def _numbers_before(self, revision: int) -> set[int]:
        """Object numbers that any revision before ``revision`` wrote, whatever the generation."""
        cache = self.__dict__.setdefault("_numbers_cache", {0: set()})
        done = max(r for r in cache if r <= revision)
        numbers = set(cache[done])
        for earlier in range(done, revision):
            numbers |= {r.idnum for r in self.xrefs.explicit_refs_in_revision(earlier)}
            cache[earlier + 1] = set(numbers)
        return numbers

    def _exists(self, ref: tuple[int, int], revision: int) -> bool:
        return self.xrefs.get_historical_ref(generic.Reference(*ref), revision) is not None

    def _walk(self, revision: int) -> RevisionReview:
        xrefs = self.xrefs
        freed = {(r.idnum, r.generation) for r in xrefs.refs_freed_in_revision(revision)}
        written = {(r.idnum, r.generation) for r in xrefs.explicit_refs_in_revision(revision)} - freed
        limits.require("pdf_objects", len(written))
        old = self.reader.get_historical_resolver(revision - 1)
        new = self.reader.get_historical_resolver(revision)
        new_refs = {ref for ref in written if not self._exists(ref, revision - 1)}
        ctx = _Context(revision, old, new, written, new_refs)
        reused = sorted(n for n, _g in new_refs if n in self._numbers_before(revision))
        if reused:  # readers that ignore generations take the newest object under that number
            ctx.forbid("generation-reuse", reused, "an object number of the signed document was written again "
                       "under another generation")
        if freed:
            ctx.forbid("freed-object", (n for n, _g in freed), "objects of the signed document were deleted")
        stream_ref = xrefs.get_xref_container_info(revision).stream_ref
        containers = {(r.idnum, r.generation) for r in xrefs.object_streams_used_in(revision)}
        if stream_ref is not None:
            containers.add((stream_ref.idnum, stream_ref.generation))
        ctx.explained |= containers & new_refs

        self._trailer(ctx)
        roles = _OldRoles(self, ctx) if written - new_refs - ctx.explained else None
        for ref in sorted(written - new_refs):
            limits.checkpoint()
            if ref in ctx.explained:
                continue
            try:
                old_value, new_value = old(generic.Reference(*ref)), new(generic.Reference(*ref))
            except Exception as exc:  # an override that cannot be read is no harmless one
                ctx.forbid("object", [ref[0]], f"unreadable: {exc}")
                continue
            if same(old_value, new_value):
                continue
            judge = roles.judge(ref) if roles else None
            if judge is None:
                ctx.forbid(roles.kind_of(ref, old_value) if roles else _describe(old_value), [ref[0]],
                           "an object of the signed revision was replaced")
            else:
                judge(old_value, new_value)
        self._annotations(ctx)
        self._explain_new(ctx)
        return RevisionReview(revision, tuple(ctx.forbidden), tuple(ctx.filled), tuple(ctx.cosigned),
                              frozenset(written))

    # --- the trailer and the catalog -------------------------------------------------------------------

    def _trailer(self, ctx: _Context) -> None:
        old_trailer, new_trailer = ctx.old.trailer_view, ctx.new.trailer_view
        old_root, new_root = _ref(_get(old_trailer, "/Root")), _ref(_get(new_trailer, "/Root"))
        if old_root != new_root:
            ctx.forbid("new-root", [new_root[0]] if new_root else [], "the update brings a new document catalog")
            self.catalog(ctx, ctx.old.root, ctx.new.root)
            if new_root in ctx.new_refs:
                ctx.explained.add(new_root)
        old_info, new_info = _get(old_trailer, "/Info"), _get(new_trailer, "/Info")
        if _ref(old_info) != _ref(new_info):
            self.info(ctx, _deref(ctx.old, old_info), _deref(ctx.new, new_info), _ref(new_info))
        if not same(_get(old_trailer, "/Encrypt"), _get(new_trailer, "/Encrypt")):
            ctx.forbid("encryption", [], "the update changes the encryption")

    def catalog(self, ctx: _Context, old: object, new: object) -> None:
        for key in sorted(_changed_keys(old, new)):
            value = _get(new, key)
            if key in ("/DSS", "/Extensions"):
                ctx.anchors.append(value)
            elif key == "/AcroForm":
                self.acroform(ctx, _resolve(_get(old, key)), _resolve(value), value)
            elif key == "/Metadata":
                self.metadata(ctx, _resolve(_get(old, key)), _resolve(value), value)
            else:
                ctx.forbid(_CATALOG_KINDS.get(key, "catalog"), [ctx.new.root_ref.idnum], f"catalog {key} changed")

    def acroform(self, ctx: _Context, old: object, new: object, raw: object) -> None:
        ref = _ref(raw)
        if ref in ctx.new_refs:
            ctx.explained.add(ref)
        for key in sorted(_changed_keys(old, new)):
            if key not in _ACROFORM_KEYS:
                ctx.forbid("acroform", [ref[0]] if ref else [], f"the form's {key} changed")
        old_fields = _get(old, "/Fields")
        new_fields = _get(new, "/Fields")
        if not same(old_fields, new_fields):
            if _ref(new_fields) in ctx.new_refs:
                ctx.explained.add(_ref(new_fields))
            self.fields(ctx, _resolve(old_fields), _resolve(new_fields))

    def fields(self, ctx: _Context, old: object, new: object) -> None:
        old_list = list(old) if isinstance(old, generic.ArrayObject) else []
        new_list = list(new) if isinstance(new, generic.ArrayObject) else []
        old_refs = [_ref(v) for v in old_list]
        new_refs = [_ref(v) for v in new_list]
        removed = [r for r in old_refs if r not in new_refs]
        if removed or None in new_refs:
            ctx.forbid("form-field", [r[0] for r in removed if r], "form fields were removed or replaced")
        for ref in new_refs:
            if ref is not None and ref not in old_refs:
                self.new_field(ctx, ref)

    def new_field(self, ctx: _Context, ref: tuple[int, int]) -> None:
        """A field added to the form: only signature fields, and visible ones only when a real signature
        signs them."""
        if ref not in ctx.new_refs:
            ctx.forbid("form-field", [ref[0]], "an existing object was made a form field")
            return
        field_obj = ctx.new(generic.Reference(*ref))
        if not isinstance(field_obj, generic.DictionaryObject) or field_obj.get("/FT") != "/Sig":
            ctx.forbid("form-field", [ref[0]], "a form field was added after signing")
            return
        self.signature_field(ctx, ref, field_obj)

    def signature_field(self, ctx: _Context, ref: tuple[int, int], field_obj: generic.DictionaryObject) -> None:
        value = _ref(_get(field_obj, "/V"))
        if value is None:  # empty now: who signs it in the end?
            try:
                value = _ref(_get(self.reader.get_object(generic.Reference(*ref)), "/V"))
            except Exception:
                value = None
        widgets = list(_widgets(field_obj))
        visible = [w for w in widgets if not _invisible(w[1])]
        if _actions(field_obj, widgets):
            ctx.forbid("actions", [ref[0], *(w[0][0] for w in widgets if w[0])],
                       "a signature field that carries an action (/A or /AA: JavaScript, a link)")
            return
        if value in self.signature_refs:
            ctx.cosigned.append(ref[0])
        elif visible:
            what = "a document timestamp's" if value in self.timestamp_refs else "an unsigned"
            ctx.forbid("signature-field", [ref[0], *(w[0][0] for w in visible if w[0])],
                       f"{what} signature field with a visible appearance")
            return
        if ref in ctx.new_refs:
            ctx.explained.add(ref)
        ctx.anchors.append(field_obj)
        for widget_ref, _widget in widgets:
            ctx.allowed_widgets.add(widget_ref or ref)

    def info(self, ctx: _Context, old: object, new: object, new_ref: tuple[int, int] | None) -> None:
        changed = _changed_keys(old, new) - _INFO_KEYS_WRITERS_UPDATE
        if changed:
            ctx.forbid("metadata", [new_ref[0]] if new_ref else [], f"document information {sorted(changed)} changed")
        elif new_ref in ctx.new_refs:
            ctx.explained.add(new_ref)

    def metadata(self, ctx: _Context, old: object, new: object, raw: object) -> None:
        ref = _ref(raw)
        before = _xmp_properties(old)
        if before is None or before != _xmp_properties(new):
            ctx.forbid("metadata", [ref[0]] if ref else [], "the XMP metadata changed")
        elif ref in ctx.new_refs:
            ctx.explained.add(ref)

    # --- pages and annotations -------------------------------------------------------------------------

    def page(self, ctx: _Context, ref: tuple[int, int], old: object, new: object) -> None:
        for key in sorted(_changed_keys(old, new)):
            if key == "/Annots":
                self.annots(ctx, ref, _resolve(_get(old, key)), _get(new, key))
            else:
                ctx.forbid(_PAGE_KINDS.get(key, "page"), [ref[0]], f"page {key} changed")

    def annots(self, ctx: _Context, page: tuple[int, int], old: object, raw_new: object) -> None:
        new = _resolve(raw_new)
        if _ref(raw_new) in ctx.new_refs:
            ctx.explained.add(_ref(raw_new))
        old_refs = [_ref(v) for v in old] if isinstance(old, generic.ArrayObject) else []
        new_refs = [_ref(v) for v in new] if isinstance(new, generic.ArrayObject) else []
        removed = [r for r in old_refs if r not in new_refs]
        if removed:
            ctx.forbid("annotation", [page[0], *(r[0] for r in removed if r)], "annotations were removed")
        for ref in new_refs:
            if ref not in old_refs:
                ctx.added_annotations.append((ref, page[0]))

    def _annotations(self, ctx: _Context) -> None:
        for ref, page in ctx.added_annotations:
            if ref is None or ref not in ctx.allowed_widgets:
                kind = "annotation"
                if ref is not None:
                    try:
                        kind = _describe(ctx.new(generic.Reference(*ref)))
                    except Exception:
                        kind = "annotation"
                    kind = kind if kind in ("signature-field", "form-field") else "annotation"
                ctx.forbid(kind, [page, *([ref[0]] if ref else [])], "an annotation was added to a page")

    # --- existing fields -------------------------------------------------------------------------------

    def existing_field(self, ctx: _Context, ref: tuple[int, int], name: str, is_signature: bool,
                       old: object, new: object) -> None:
        changed = _changed_keys(old, new)
        if is_signature:
            value = _ref(_get(new, "/V"))
            if changed <= _SIG_FIELD_KEYS and "/V" in changed and _get(old, "/V") is None and \
                    (value in self.signature_refs or value in self.timestamp_refs):
                if value in self.timestamp_refs and not all(_invisible(w) for _r, w in _widgets(new)):
                    ctx.forbid("signature-field", [ref[0]], "a document timestamp with a visible appearance")
                    return
                if value in self.signature_refs:
                    ctx.cosigned.append(ref[0])
                ctx.anchors.append(new)
                return
            ctx.forbid("signature-field", [ref[0]], f"signature field {name!r} changed ({sorted(changed)})")
            return
        if changed <= _FILL_KEYS:
            ctx.filled[name] = None
            ctx.anchors.append(_get(new, "/AP"))
            return
        ctx.forbid("form-field", [ref[0]], f"form field {name!r} changed ({sorted(changed)})")

    # --- new objects -----------------------------------------------------------------------------------

    def _explain_new(self, ctx: _Context) -> None:
        """New objects must hang off an allowed anchor through new objects only; the rest is unexplained."""
        def enter(ref: tuple[int, int], value: generic.IndirectObject) -> object:
            if ref not in ctx.new_refs:
                return None
            ctx.explained.add(ref)
            try:
                return value.get_object()
            except Exception:
                return None

        _walk_graph(ctx.anchors, enter, skip=("/P", "/Parent"))
        unexplained = sorted(ctx.new_refs - ctx.explained)
        by_kind: dict[str, list[int]] = {}
        for ref in unexplained:
            try:
                kind = _describe(ctx.new(generic.Reference(*ref)))
            except Exception:
                kind = "object"
            by_kind.setdefault(kind, []).append(ref[0])
        for kind, numbers in by_kind.items():
            ctx.forbid(kind, numbers, "new objects that no allowed change explains")


class _OldRoles:
    """What the objects of the revision before an update were, so an override can be judged by its role."""

    def __init__(self, analysis: ChangeAnalysis, ctx: _Context) -> None:
        self.analysis = analysis
        self.ctx = ctx
        self.judges: dict[tuple[int, int], object] = {}
        self.kinds: dict[tuple[int, int], str] = {}
        self._page_objects: list[generic.DictionaryObject] = []
        old = ctx.old
        root_ref = (old.root_ref.idnum, old.root_ref.generation)
        root = old.root
        self.judges[root_ref] = lambda o, n: analysis.catalog(ctx, o, n)
        info = _get(old.trailer_view, "/Info")
        if _ref(info):
            self.judges[_ref(info)] = lambda o, n: analysis.info(ctx, o, n, _ref(info))
        acroform = _get(root, "/AcroForm")
        if _ref(acroform):
            self.judges[_ref(acroform)] = lambda o, n: analysis.acroform(ctx, o, n, acroform)
        fields = _get(_resolve(acroform), "/Fields")
        if _ref(fields):
            self.judges[_ref(fields)] = lambda o, n: analysis.fields(ctx, o, n)
        metadata = _get(root, "/Metadata")
        if _ref(metadata):
            self.judges[_ref(metadata)] = lambda o, n: analysis.metadata(ctx, o, n, metadata)
        self._pages_seen: set[tuple[int, int]] = set()
        self._pages(_get(root, "/Pages"))
        for field_value in _fields_of(_resolve(acroform)):
            self._field(field_value, "", False, 0)
        # last, and only for what nothing else claims: an object the pages or fields use is judged as theirs
        # even when the DSS points at it too (a content stream listed among the certificates, then rewritten)
        for ref in self._reachable(_get(root, "/DSS")):
            self.judges.setdefault(ref, lambda o, n: ctx.anchors.append(n))  # validation data replaced
        self._kinds_complete = False

    def _reachable(self, value: object, limit: int = 4096) -> set[tuple[int, int]]:
        found: set[tuple[int, int]] = set()

        def enter(ref: tuple[int, int], item: generic.IndirectObject) -> object:
            if len(found) >= limit:
                return None
            found.add(ref)
            return _resolve(item)

        _walk_graph([value], enter, skip=("/P", "/Parent"))
        return found

    def _pages(self, node: object, depth: int = 0) -> None:
        ctx, analysis = self.ctx, self.analysis
        ref = _ref(node)
        obj = _resolve(node)
        if depth > _MAX_DEPTH or not isinstance(obj, generic.DictionaryObject) or ref in self._pages_seen:
            return
        if ref:
            self._pages_seen.add(ref)
        limits.checkpoint()
        if obj.get("/Type") == "/Pages" or "/Kids" in obj:
            if ref:
                self.kinds[ref] = "pages"
            kids = _resolve(_get(obj, "/Kids"))
            for kid in kids if isinstance(kids, generic.ArrayObject) else ():
                self._pages(kid, depth + 1)
            return
        if ref:
            self.kinds[ref] = "page"
            self.judges[ref] = lambda o, n: analysis.page(ctx, ref, o, n)
        self._page_objects.append(obj)
        annots = _get(obj, "/Annots")
        if _ref(annots):
            self.judges[_ref(annots)] = lambda o, n: analysis.annots(ctx, ref, o, n)
        for annot in _resolve(annots) if isinstance(_resolve(annots), generic.ArrayObject) else ():
            if _ref(annot):
                self.kinds.setdefault(_ref(annot), "annotation")

    def _field(self, value: object, parent: str, is_signature: bool, depth: int) -> None:
        ref = _ref(value)
        obj = _resolve(value)
        if depth > 16 or not isinstance(obj, generic.DictionaryObject) or ref in self.judges:
            return
        name = obj.get("/T")
        full = ".".join(p for p in (parent, str(name) if name is not None else "") if p)
        is_signature = is_signature or obj.get("/FT") == "/Sig"
        ctx, analysis = self.ctx, self.analysis
        if ref:
            self.judges[ref] = lambda o, n: analysis.existing_field(ctx, ref, full, is_signature, o, n)
        if not is_signature:
            appearance = _resolve(_get(obj, "/AP"))
            for state in ("/N", "/D", "/R"):
                for inner in self._reachable(_get(appearance, state), limit=64):
                    self.judges.setdefault(inner, lambda o, n, full=full: ctx.filled.__setitem__(full, None))
        kids = _resolve(_get(obj, "/Kids"))
        for kid in list(kids)[:1024] if isinstance(kids, generic.ArrayObject) else ():
            self._field(kid, full, is_signature, depth + 1)

    def judge(self, ref: tuple[int, int]):
        return self.judges.get(ref)

    def kind_of(self, ref: tuple[int, int], old_value: object) -> str:
        """The kind of a replaced object: what it says it is, else where the signed revision uses it."""
        described = _describe(old_value)
        if described not in ("object", "stream", "array"):
            return described
        if not self._kinds_complete:
            self._kinds_complete = True
            for page in self._page_objects:
                for key, kind in (("/Contents", "page-content"), ("/Resources", "resources")):
                    for inner in self._reachable(_get(page, key), limit=512):
                        self.kinds.setdefault(inner, kind)
            root = self.ctx.old.root
            for key, kind in _CATALOG_KINDS.items():
                if key != "/Pages":
                    for inner in self._reachable(_get(root, key), limit=256):
                        self.kinds.setdefault(inner, kind)
        return self.kinds.get(ref, described)


def _xmp_properties(stream: object) -> tuple | None:
    """The XMP properties but the ones every writer updates (dates, producer), or None when unreadable."""
    if stream is None:
        return ()
    if not isinstance(stream, generic.StreamObject):
        return None
    try:
        from lxml import etree

        data = stream.data
        limits.require("pdf_stream_bytes", len(data))
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True,
                                                             huge_tree=False))
    except limits.TooComplex:
        raise
    except Exception:
        return None
    tree = root.getroottree()
    found = []  # in document order, each value at its place: swapping two rdf:li values is a change
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in _XMP_WRITER_PROPERTIES:
            continue
        path = tree.getpath(element)
        text = (element.text or "").strip()
        if text:
            found.append((path, text))
        for name, value in sorted(element.attrib.items()):
            if name not in _XMP_WRITER_PROPERTIES and not name.endswith("}about"):
                found.append((f"{path}/@{name}", value))
    return tuple(found)
