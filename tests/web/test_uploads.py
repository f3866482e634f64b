"""Photos and evidence files (附件) uploaded with a step: stored with the step or not at all, listed on the
case, downloaded by whoever may see the case, every upload and download on the audit trail."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from web_support import (
    INSPECTION,
    NOTICE,
    REGISTRATION,
    close_out,
    instance_version,
    refusals,
    submit,
    task_guid_in,
    walk_to_notice,
)

from engine import audit
from engine.tables import Event, OpenTask
from webapp.attachments import storage
from webapp.core import db
from webapp.models import Attachment

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x01" * 3000
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2000


def files(*pairs):
    """Form values for a file box: fresh streams for each request."""
    return [(io.BytesIO(content), name) for name, content in pairs]


def to_inspection(app, login):
    """Register the well and sign the commitment: (task force client, inspection task id)."""
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app))
    force = login("task_force.clerk")
    return force, task_guid_in(force.get("/inbox/").get_data(as_text=True), "inspect")


def inspect_with(app, client, guid, *pairs):
    return submit(client, guid, {**INSPECTION, "site_photos": files(*pairs)}, instance_version(app))


def rows(app):
    with app.app_context():
        return list(db.session().scalars(select(Attachment).order_by(Attachment.id)))


def on_disk(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / "cases"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def events(app, kind):
    with app.app_context():
        return list(db.session().scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def still_open(app, guid) -> bool:
    with app.app_context():
        return db.session().scalar(select(func.count()).where(OpenTask.task_guid == guid)) == 1


def assert_nothing_written(app, guid):
    assert rows(app) == [] and on_disk(app) == [] and events(app, "file_uploaded") == []
    assert still_open(app, guid)


def test_files_are_stored_with_the_step_listed_and_downloaded_unchanged(app, login):
    force, guid = to_inspection(app, login)
    page = force.get(f"/tasks/{guid}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and 'multiple' in page and 'accept="image/jpeg,image/png,application/pdf' in page
    response = inspect_with(app, force, guid, ("井口.jpg", JPEG), ("水表 截图.PNG", PNG), ("../../检查笔录.pdf", PDF))
    assert response.status_code == 302, response.get_data(as_text=True)

    stored = rows(app)
    assert [(r.file_name, r.content_type, r.size, r.field, r.form_key, r.task_guid, r.uploaded_by) for r in stored] == [
        ("井口.jpg", "image/jpeg", len(JPEG), "site_photos", "inspection", guid, "task_force.clerk"),
        ("水表 截图.PNG", "image/png", len(PNG), "site_photos", "inspection", guid, "task_force.clerk"),
        ("检查笔录.pdf", "application/pdf", len(PDF), "site_photos", "inspection", guid, "task_force.clerk")]
    paths = on_disk(app)
    assert len(paths) == 3 and all(p.parent.name == "1" for p in paths)  # one folder per case
    assert not any("井口" in p.name or "检查" in p.name for p in paths)  # never the clerk's name on disk
    for row, content in zip(stored, (JPEG, PNG, PDF)):
        assert row.sha256 == hashlib.sha256(content).hexdigest()
        assert (Path(app.config["UPLOAD_DIR"]) / row.stored_path).read_bytes() == content

    # The files are not task data (the engine stores JSON), but the step says it came with them.
    completed = [e for e in events(app, "task_completed") if e.task_guid == guid][0]
    assert "site_photos" not in completed.data
    uploaded = events(app, "file_uploaded")
    assert [(e.title, e.task_guid, e.actor, e.data["sha256"]) for e in uploaded] == [
        (r.file_name, guid, "task_force.clerk", r.sha256) for r in stored]

    case_page = login("water.clerk").get("/cases/1").get_data(as_text=True)
    assert 'data-testid="attachments"' in case_page and "现场检查 · 现场照片" in case_page
    assert "井口.jpg" in case_page and "检查笔录.pdf" in case_page and "task_force.clerk" in case_page
    assert '<a href="#attachments">3 个</a>' in case_page

    water = login("water.clerk")
    download = water.get(f"/attachments/{stored[0].id}")
    assert download.status_code == 200 and download.data == JPEG and download.mimetype == "image/jpeg"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download.headers["Cache-Control"]
    assert water.get(f"/attachments/{stored[2].id}").data == PDF
    view = water.get(f"/attachments/{stored[1].id}/view")
    assert view.status_code == 200 and view.data == PNG and view.headers["Content-Disposition"].startswith("inline")
    assert water.get(f"/attachments/{stored[2].id}/view").status_code == 404  # only photos are shown inline
    downloaded = events(app, "file_downloaded")
    assert [(e.actor, e.data["attachment"], e.data["inline"]) for e in downloaded] == [
        ("water.clerk", stored[0].id, False), ("water.clerk", stored[2].id, False), ("water.clerk", stored[1].id, True)]
    with app.app_context():
        assert audit.verify(db.session(), app.config["AUDIT_KEY"]).ok
    trail = login("leading_office.supervisor").get("/supervise/audit?kind=file_uploaded").get_data(as_text=True)
    assert trail.count("上传附件") >= 3 and "水表 截图.PNG" in trail


@pytest.mark.parametrize("name, content, message", [
    ("安装包.exe", EXE, "“安装包.exe”不是可以上传的文件类型，只能上传照片（JPG、PNG）或 PDF 文件"),
    ("井口.jpg", EXE, "“井口.jpg”的内容不是照片，可能是改了扩展名的其他文件"),
    ("笔录.pdf", JPEG, "“笔录.pdf”的内容不是 PDF 文件"),
    ("照片.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 100, "“照片.heic”不是可以上传的文件类型"),
    ("空白.jpg", b"", "“空白.jpg”是空文件"),
], ids=["exe", "exe_named_jpg", "jpeg_named_pdf", "heic", "empty"])
def test_a_wrong_file_refuses_the_step_and_writes_nothing(app, login, name, content, message):
    force, guid = to_inspection(app, login)
    response = inspect_with(app, force, guid, ("好的.jpg", JPEG), (name, content))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "已选的文件需要重新选择" in html
    assert_nothing_written(app, guid)


def test_limits_of_size_count_and_total_come_from_the_settings(make_app, login):
    app = make_app(UPLOAD_MAX_FILE_MB="1", UPLOAD_MAX_FILES="3", UPLOAD_MAX_TOTAL_MB="2")
    assert app.config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024
    force, guid = to_inspection(app, lambda user: login(user, on=app))
    assert "最多 3 个，每个不超过 1 MB，合计不超过 2 MB" in force.get(f"/tasks/{guid}").get_data(as_text=True)
    big = JPEG + b"\x00" * (1024 * 1024)
    response = inspect_with(app, force, guid, ("大图.jpg", big))
    assert response.status_code == 422 and "“大图.jpg”有 1.0 MB，每个文件不能超过 1 MB" in response.get_data(as_text=True)
    four = [(f"{i}.jpg", JPEG) for i in range(4)]
    response = inspect_with(app, force, guid, *four)
    assert response.status_code == 422 and "每次最多上传 3 个文件，这次选了 4 个" in response.get_data(as_text=True)
    almost = JPEG + b"\x00" * (1000 * 1024)
    response = inspect_with(app, force, guid, ("1.jpg", almost), ("2.jpg", almost), ("3.jpg", almost))
    assert response.status_code == 422 and "不能超过 2 MB" in response.get_data(as_text=True)
    # Beyond the request limit the request is not even read: the error page, and nothing written.
    response = inspect_with(app, force, guid, ("1.jpg", big), ("2.jpg", big), ("3.jpg", big))
    assert response.status_code == 413 and "这次提交没有保存" in response.get_data(as_text=True)
    assert_nothing_written(app, guid)
    assert inspect_with(app, force, guid, ("1.jpg", almost), ("2.jpg", almost)).status_code == 302
    assert len(rows(app)) == 2


def test_a_stale_or_handled_step_writes_no_file(app, login):
    force, guid = to_inspection(app, login)
    stale = submit(force, guid, {**INSPECTION, "site_photos": files(("a.jpg", JPEG))}, instance_version(app) - 1)
    assert stale.status_code == 409
    assert_nothing_written(app, guid)
    assert inspect_with(app, force, guid, ("a.jpg", JPEG)).status_code == 302
    again = inspect_with(app, force, guid, ("b.jpg", JPEG))  # the second click on a slow phone
    assert again.status_code == 410
    assert [r.file_name for r in rows(app)] == ["a.jpg"] and len(on_disk(app)) == 1


def test_a_step_that_fails_after_writing_deletes_its_files(app, login, monkeypatch):
    force, guid = to_inspection(app, login)
    real_write, calls = storage._write, []

    def disk_full_on_second(session, upload, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_write(session, upload, path)

    monkeypatch.setattr(storage, "_write", disk_full_on_second)
    response = inspect_with(app, force, guid, ("1.jpg", JPEG), ("2.jpg", JPEG))
    assert response.status_code == 422
    assert "附件“2.jpg”未能保存（服务器存储出错），本次提交未保存" in response.get_data(as_text=True)
    assert calls[0].parent.exists() and not calls[0].exists()  # the first file was written, then deleted
    assert_nothing_written(app, guid)
    assert [e.kind for e in events(app, "task_completed") if e.task_guid == guid] == []


def test_a_failed_commit_deletes_the_files(app, login, monkeypatch):
    force, guid = to_inspection(app, login)

    def failing_commit():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        inspect_with(app, force, guid, ("1.jpg", JPEG))
    monkeypatch.undo()
    assert_nothing_written(app, guid)


def test_only_those_who_may_see_the_case_download(app, login):
    force, guid = to_inspection(app, login)
    assert inspect_with(app, force, guid, ("a.jpg", JPEG)).status_code == 302
    attachment = rows(app)[0].id
    other_town = login("dagushan.clerk")
    assert other_town.get(f"/attachments/{attachment}").status_code == 403
    assert other_town.get(f"/attachments/{attachment}/view").status_code == 403
    denied = refusals(app)
    assert [(e.actor, e.case_id, e.path) for e in denied] == [
        ("dagushan.clerk", 1, f"/attachments/{attachment}"), ("dagushan.clerk", 1, f"/attachments/{attachment}/view")]
    assert events(app, "file_downloaded") == []
    assert login("xiacun.clerk").get(f"/attachments/{attachment}").data == JPEG  # the case's own town
    assert login("housing.clerk").get(f"/attachments/{attachment}").status_code == 200  # bureaus see every case
    assert login("water.clerk").get(f"/attachments/{attachment + 1}").status_code == 404
    anonymous = app.test_client().get(f"/attachments/{attachment}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_file_missing_on_disk_is_explained(app, login):
    force, guid = to_inspection(app, login)
    assert inspect_with(app, force, guid, ("a.jpg", JPEG)).status_code == 302
    on_disk(app)[0].unlink()
    response = login("water.clerk").get(f"/attachments/{rows(app)[0].id}")
    assert response.status_code == 404 and "文件已不在服务器上" in response.get_data(as_text=True)


def test_sealing_and_recheck_take_their_evidence(app, login):
    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE, instance_version(app)).status_code == 302
    for user, spec, data in [
            ("water.clerk", "rectify_report", {"reported_on": "2026-03-02", "report_summary": "已停止取水",
                                               "report_files": files(("整改报告.pdf", PDF))}),
            ("water_group.clerk", "supply_connection", {"supply_agreement_no": "GS-1", "connected_on": "2026-03-02"}),
            ("enforcement.clerk", "seal_well", {"seal_obstructed": "no", "sealed_on": "2026-03-02",
                                                "disposal_type": "backfill", "seal_no": "F-1", "latitude": "36.92",
                                                "longitude": "121.52", "sealing_photos": files(("封条.jpg", JPEG))}),
            ("water.clerk", "seal_acceptance", {"accepted_on": "2026-03-02", "seal_accepted": "yes",
                                                "signatories": ["water", "town"], "acceptance_opinion": "合格"}),
            ("water.clerk", "recheck", {"rechecked_on": "2026-03-02", "recheck_findings": "逐项核查",
                                        **close_out(True, True), "evidence_files": files(("水表.png", PNG))})]:
        client = login(user)
        response = submit(client, task_guid_in(client.get("/inbox/").get_data(as_text=True), spec), data,
                          instance_version(app))
        assert response.status_code == 302, response.get_data(as_text=True)
    assert [(r.form_key, r.field, r.file_name) for r in rows(app)] == [
        ("rectification_report", "report_files", "整改报告.pdf"), ("sealing_record", "sealing_photos", "封条.jpg"),
        ("recheck", "evidence_files", "水表.png")]
    page = water.get("/cases/1").get_data(as_text=True)
    assert "封井记录 · 封井照片" in page and "复查（回头看） · 整改证据" in page


@pytest.mark.parametrize("settings, named", [
    ({"UPLOAD_MAX_FILE_MB": "60"}, "WELLS_UPLOAD_MAX_FILE_MB"),
    ({"UPLOAD_MAX_FILES": "0"}, "WELLS_UPLOAD_MAX_FILES"),
    ({"UPLOAD_MAX_TOTAL_MB": "很多"}, "WELLS_UPLOAD_MAX_TOTAL_MB"),
])
def test_wrong_limits_stop_the_app_naming_the_setting(settings, named):
    from webapp.core.config import ConfigError, from_environment

    with pytest.raises(ConfigError, match=named):
        from_environment({"TESTING": True, **settings})
