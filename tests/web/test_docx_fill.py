"""The prepared templates (``docx_fill``) give every part of the document docxtpl's own rendering gives."""
from __future__ import annotations

import io
import os
import threading
import zipfile

import pytest
from docx import Document as Docx

from webapp.documents import catalogue, docx_fill


class Anything:
    """A value for every field a template may name: text with markup characters, two items when looped over,
    and the same again for any attribute or key — so every template can be filled without a case."""

    def __init__(self, path: str = "值"):
        self.path = path

    def __getattr__(self, name: str) -> Anything:
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything(f"{self.path}.{name}")

    def __getitem__(self, key) -> Anything:
        return Anything(f"{self.path}[{key}]")

    def __iter__(self):
        return iter((Anything(f"{self.path}#1"), Anything(f"{self.path}#2")))

    def __len__(self) -> int:
        return 2

    def __str__(self) -> str:
        return f"甲&乙<{self.path}>\n第二行"


class Context(dict):
    def __missing__(self, key: str) -> Anything:
        return Anything(key)


def _parts(docx: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _context(template) -> Context:
    """Every variable the template names (docxtpl lists them), each an ``Anything``."""
    from docxtpl import DocxTemplate
    return Context({name: Anything(name) for name in DocxTemplate(template).get_undeclared_template_variables()})


@pytest.mark.parametrize("code", sorted(catalogue.KINDS))
def test_every_template_gives_docxtpls_parts_byte_for_byte(code):
    template = catalogue.KINDS[code].template
    context = _context(template)
    expected = _parts(docx_fill.fill_with_docxtpl(template, context))
    assert docx_fill.prepared(template) is not None  # the fast way, not the fallback
    assert _parts(docx_fill.fill(template, context)) == expected
    assert _parts(docx_fill.fill(template, context)) == expected  # and again from the cache


def test_an_edited_template_is_read_again(tmp_path):
    template = tmp_path / "commitment.docx"
    doc = Docx(catalogue.KINDS["commitment"].template)
    doc.save(template)
    context = _context(template)
    first = docx_fill.fill(template, context)
    doc.add_paragraph("本局新增的一段话")
    doc.save(template)
    stat = template.stat()
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = docx_fill.fill(template, context)
    assert "本局新增的一段话" not in dict(_parts(first))["word/document.xml"].decode()
    assert "本局新增的一段话" in dict(_parts(second))["word/document.xml"].decode()
    assert _parts(second) == _parts(docx_fill.fill_with_docxtpl(template, context))


def test_documents_filled_at_once_in_several_threads_are_all_whole():
    template = catalogue.KINDS["rectification_notice"].template
    context = _context(template)
    expected = _parts(docx_fill.fill_with_docxtpl(template, context))
    results, barrier = [], threading.Barrier(4)

    def fill():
        barrier.wait()
        results.extend(_parts(docx_fill.fill(template, context)) for _ in range(5))

    threads = [threading.Thread(target=fill) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20 and all(parts == expected for parts in results)


def test_a_step_that_issues_a_document_reads_no_department_names_of_its_own(app, login):
    """The letter names departments: the worker's copy, current by the revision read with the account."""
    from sqlalchemy import event
    from web_support import REGISTRATION, instance_version, submit, task_guid_in

    from webapp.core import db

    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    version = instance_version(app)
    with app.app_context():
        bind = db.session().get_bind()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(bind, "before_cursor_execute", count)
    try:
        assert submit(town, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, version).status_code == 302
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert any("INSERT INTO case_document" in s for s in statements)  # the letter was issued
    assert not [s for s in statements if "FROM department ORDER BY" in " ".join(s.split())]


def test_the_zip_is_the_one_zipfile_writes():
    """The parts compressed once when the template was prepared, the filled ones per document: byte for byte the
    zip ``zipfile`` writes from the same parts (same order, time stamps, level), so any reader opens it."""
    import time_machine

    template = catalogue.KINDS["commitment"].template
    with time_machine.travel(1767225600, tick=False):
        ours = docx_fill.fill(template, _context(template))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=docx_fill.COMPRESSLEVEL) as z:
            for name, blob in _parts(ours):
                z.writestr(name, blob)
    assert ours == out.getvalue()
    assert zipfile.ZipFile(io.BytesIO(ours)).testzip() is None
