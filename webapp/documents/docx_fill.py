"""Filling a DOCX template fast, with exactly docxtpl's result: the template is prepared once per process.

docxtpl re-opens and re-parses the template and compiles its XML with Jinja on every ``render``; for a step
that issues a document that was most of the request (issue 14). A ``DocxTemplate`` cannot be rendered twice
safely (rendering replaces its body), so instead the template is prepared once per file version (path,
modification time and size: an office's edited template is read again at the next document):

- its parts as python-docx writes them, once, for everything the filling does not change;
- docxtpl's own pre-processing (``patch_xml``) of the body, headers and footers, compiled once in one Jinja
  environment (StrictUndefined, autoescape), and the core properties' strings compiled too.

Each document renders those compiled templates and post-processes them with docxtpl's own functions
(``resolve_listing``, ``fix_tables``, ``fix_docpr_ids``), then serializes the parts as python-docx would
have. The zip is written here (``_zip``): the parts the filling does not change (the styles alone are
0.8 MB of XML) were compressed once when the template was prepared, so a document compresses only its
few kilobytes of filled parts — at zlib's default level, as docxtpl does, so the file is as small as
docxtpl's. Every part's bytes equal what ``DocxTemplate.render`` + ``save`` gives
(tests/web/test_docx_fill.py).

Templates with parts this does not reproduce (footnotes, no core properties part) take docxtpl's way.
"""
from __future__ import annotations

import copy
import io
import re
import struct
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import parse_xml, serialize_part_xml
from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, Template

COMPRESSLEVEL = 6  # zlib's default, as docxtpl and python-docx write (the unchanged parts cost it only once)
FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# docxtpl.DocxTemplate.render_properties fills these core properties.
PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")

# One environment for every template: StrictUndefined, so that a misspelt field in an edited template fails
# loudly instead of leaving a blank; autoescape, so that a name with & or < stays text, not XML.
ENVIRONMENT = Environment(undefined=StrictUndefined, autoescape=True)


@dataclass
class _Header:
    member: str        # the zip member name of the header or footer part
    encoding: str
    template: Template


@dataclass(frozen=True)
class _Packed:
    """A zip member's name, CRC-32, size and deflated bytes."""
    name: bytes
    crc: int
    size: int
    data: bytes


def _pack(name: str, blob: bytes) -> _Packed:
    deflate = zlib.compressobj(COMPRESSLEVEL, zlib.DEFLATED, -15)  # raw deflate, as zip stores it
    return _Packed(name.encode(), zlib.crc32(blob), len(blob), deflate.compress(blob) + deflate.flush())


def _zip(members: list[_Packed]) -> bytes:
    """A zip of the members (deflated), as ``zipfile`` writes one from ``writestr``: local headers stamped
    with the current local time, a central directory, the end record."""
    now = time.localtime()
    dostime = now.tm_hour << 11 | now.tm_min << 5 | now.tm_sec // 2
    dosdate = (now.tm_year - 1980) << 9 | now.tm_mon << 5 | now.tm_mday
    out, directory, offset = io.BytesIO(), io.BytesIO(), 0
    for m in members:
        flags = 0 if m.name.isascii() else 0x800  # bit 11: the name is UTF-8
        out.write(struct.pack(zipfile.structFileHeader, zipfile.stringFileHeader, 20, 0, flags, zipfile.ZIP_DEFLATED,
                              dostime, dosdate, m.crc, len(m.data), m.size, len(m.name), 0))
        out.write(m.name)
        out.write(m.data)
        directory.write(struct.pack(zipfile.structCentralDir, zipfile.stringCentralDir, 20, 3, 20, 0, flags,
                                    zipfile.ZIP_DEFLATED, dostime, dosdate, m.crc, len(m.data), m.size, len(m.name),
                                    0, 0, 0, 0, 0o600 << 16, offset))
        directory.write(m.name)
        offset = out.tell()
    central = directory.getvalue()
    out.write(central)
    out.write(struct.pack(zipfile.structEndArchive, zipfile.stringEndArchive, 0, 0, len(members), len(members),
                          len(central), offset, 0))
    return out.getvalue()


@dataclass
class Prepared:
    members: list[tuple[str, _Packed | None]]  # the package in python-docx's order, each part compressed
                                                # once, or None for the parts every document fills
    body_member: str
    shell: object                     # the document element without its body
    body_index: int
    body: Template
    headers: list[_Header]
    core_member: str
    core: object                      # the core properties element as in the template
    properties: dict[str, Template]


_cache: dict[str, tuple[tuple[int, int], Prepared | None]] = {}
_lock = threading.Lock()


def _member(part) -> str:
    return part.partname.membername


def _with_paragraph_breaks(xml: str) -> str:
    """As ``DocxTemplate.render_xml_part`` does before compiling (so that errors carry line numbers)."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _prepare(path: Path) -> Prepared | None:
    tpl = DocxTemplate(path)
    doc = tpl.get_docx()
    package = doc.part.package
    if any(part.content_type == FOOTNOTES for part in package.iter_parts()):
        return None
    try:
        core_part = package.part_related_by(RT.CORE_PROPERTIES)
    except KeyError:  # python-docx would add one stamped with the time of the save
        return None
    out = io.BytesIO()
    doc.save(out)
    filled = {_member(doc.part), _member(core_part)}
    filled.update(_member(part) for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI)
                  for _key, part in tpl.get_headers_footers(uri))
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as pristine:
        members = [(info.filename, None if info.filename in filled else _pack(info.filename, pristine.read(info)))
                   for info in pristine.infolist()]
    root = doc.element
    body_index = list(root).index(root.body)
    shell = copy.deepcopy(root)
    shell.remove(shell[body_index])
    headers = []
    for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
        for _key, part in tpl.get_headers_footers(uri):
            xml = tpl.get_part_xml(part)
            headers.append(_Header(_member(part), tpl.get_headers_footers_encoding(xml),
                                   ENVIRONMENT.from_string(_with_paragraph_breaks(tpl.patch_xml(xml)))))
    properties = {name: ENVIRONMENT.from_string(getattr(doc.core_properties, name)) for name in PROPERTIES}
    return Prepared(members=members, body_member=_member(doc.part), shell=shell, body_index=body_index,
                    body=ENVIRONMENT.from_string(_with_paragraph_breaks(tpl.patch_xml(tpl.get_xml()))),
                    headers=headers, core_member=_member(core_part), core=core_part.element,
                    properties=properties)


def prepared(path: Path) -> Prepared | None:
    """The prepared template of ``path`` as the file is now (``None``: fill it with docxtpl)."""
    stat = path.stat()
    version = (stat.st_mtime_ns, stat.st_size)
    key = str(path)
    hit = _cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    with _lock:
        hit = _cache.get(key)
        if hit is None or hit[0] != version:
            hit = (version, _prepare(path))
            _cache[key] = hit
    return hit[1]


def _finish(tpl: DocxTemplate, xml: str) -> str:
    """docxtpl's post-processing of a rendered part (``DocxTemplate.render_xml_part``)."""
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    return tpl.resolve_listing(xml)


@dataclass
class Filled:
    """A filled template before it is zipped: each part compressed, except those holding one of the
    placeholders ``fill_parts`` was given, kept as XML until ``docx`` replaces them (a document's number,
    taken when its transaction commits: ``numbering``)."""
    members: list[tuple[str, _Packed | bytes]]

    def docx(self, replace: dict[str, str] | None = None) -> bytes:
        """The DOCX, every placeholder in ``replace`` replaced by its text in the parts that hold one."""
        members = []
        for name, part in self.members:
            if isinstance(part, bytes):
                for old, new in (replace or {}).items():
                    part = part.replace(old.encode(), new.encode())
                part = _pack(name, part)
            members.append(part)
        return _zip(members)


def _held(name: str, blob: bytes, placeholders: tuple[str, ...]) -> _Packed | bytes:
    return blob if any(p.encode() in blob for p in placeholders) else _pack(name, blob)


def fill(path: Path, context: dict) -> bytes:
    """The DOCX of template ``path`` filled with ``context``. Raises what docxtpl raises (Jinja's
    ``TemplateError``, ``OSError``, ``ValueError``, ``KeyError``)."""
    if prepared(path) is None:
        return fill_with_docxtpl(path, context)
    return fill_parts(path, context).docx()


def fill_parts(path: Path, context: dict, placeholders: tuple[str, ...] = ()) -> Filled:
    """``fill`` up to the zip: the parts that print one of ``placeholders`` stay XML (``Filled.docx``).
    The placeholders are plain text a template prints as it is (``{{ number }}``)."""
    ready = prepared(path)
    if ready is None:  # docxtpl's way: its zip opened again, its parts held the same way
        with zipfile.ZipFile(io.BytesIO(fill_with_docxtpl(path, context))) as filled:
            return Filled([(info.filename, _held(info.filename, filled.read(info), placeholders))
                           for info in filled.infolist()])
    tpl = DocxTemplate(path)  # only for docxtpl's helper methods: the file is not opened
    tpl.docx_ids_index = 1000
    replaced: dict[str, bytes] = {}
    tree = tpl.fix_tables(_finish(tpl, ready.body.render(context)))
    tpl.fix_docpr_ids(tree)
    root = copy.deepcopy(ready.shell)
    root.insert(ready.body_index, tree)
    replaced[ready.body_member] = serialize_part_xml(root)
    for header in ready.headers:
        xml = _finish(tpl, header.template.render(context)).encode(header.encoding)
        replaced[header.member] = serialize_part_xml(parse_xml(xml))
    core = copy.deepcopy(ready.core)
    properties = CoreProperties(core)
    for name, template in ready.properties.items():
        setattr(properties, name, template.render(context))
    replaced[ready.core_member] = serialize_part_xml(core)
    return Filled([(name, packed or _held(name, replaced[name], placeholders)) for name, packed in ready.members])


def fill_with_docxtpl(path: Path, context: dict) -> bytes:
    """docxtpl's own way: open, render, save (the reference the fast way is compared with)."""
    template = DocxTemplate(path)
    template.render(context, jinja_env=Environment(undefined=StrictUndefined), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
