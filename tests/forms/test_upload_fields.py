"""The photo and evidence fields of the task forms: which forms have one, what they accept, and that the
files stay out of the task data (the engine stores JSON)."""
from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from forms import FORMS
from forms.uploads import EvidenceField, Limits, display_name, sniff

JPEG = b"\xff\xd8\xff\xdb" + b"\x00" * 100
PDF = b"%PDF-1.4\n" + b"\x00" * 100

# form key -> its file field; the steps whose record is evidence (on site, or papers handed in).
EVIDENCE_FIELDS = {
    "inspection": "site_photos", "sealing_record": "sealing_photos", "recheck": "evidence_files",
    "patrol_record": "patrol_photos", "police_record": "police_files", "rectification_report": "report_files",
    "penalty_investigation": "investigation_files", "penalty_substitute_sealing": "substitute_photos",
}
PATROL = {"patrolled_on": "2022-08-15", "patrollers": "巡查员甲、巡查员乙", "seal_intact": "yes",
          "abstraction_resumed": "no", "continue_patrol": "yes", "patrol_findings": "封条完好", "instance_version": "3"}


def upload(name: str, content: bytes) -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name)


def test_signatures_are_read_from_the_first_bytes():
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n\x00\x00") == "image/png"
    assert sniff(PDF) == "application/pdf"
    assert sniff(b"MZ\x90\x00") is None and sniff(b"") is None
    assert sniff(b"<html><script>") is None and sniff(b"GIF89a") is None


def test_the_evidence_steps_have_a_file_field_and_no_other_form_does():
    having = {key: [name for name, field in vars(cls).items() if getattr(field, "field_class", None) is EvidenceField]
              for key, cls in FORMS.items()}
    assert {key: names for key, names in having.items() if names} == {k: [v] for k, v in EVIDENCE_FIELDS.items()}


@pytest.mark.parametrize("key", sorted(EVIDENCE_FIELDS))
def test_the_file_field_is_optional_and_offers_photos_and_pdf(bind, key):
    field = bind(FORMS[key], {})[EVIDENCE_FIELDS[key]]
    assert not field.flags.required and field.label.text.endswith("（选填）")
    html = field()
    assert 'type="file"' in html and "multiple" in html and 'accept="image/jpeg,image/png,application/pdf' in html
    assert "capture" not in html  # see _macros.html: the camera-only chooser replaces earlier photos


def test_files_are_handed_over_apart_from_the_task_data(bind):
    photos = [upload("封条.jpg", JPEG), upload("记录.pdf", PDF)]
    form = bind(FORMS["patrol_record"], {**PATROL, "patrol_photos": photos})
    assert form.validate(), form.errors
    assert "patrol_photos" not in form.task_data()
    assert form.uploads() == {"patrol_photos": photos}


def test_a_form_without_files_hands_over_none(bind):
    form = bind(FORMS["patrol_record"], PATROL)
    assert form.validate(), form.errors
    assert form.uploads() == {} and "patrol_photos" not in form.task_data()


def test_each_wrong_file_is_named_and_the_limits_are_the_apps(bind, forms_app):
    form = bind(FORMS["patrol_record"], {**PATROL, "patrol_photos": [upload("a.jpg", JPEG), upload("b.jpg", PDF)]})
    assert not form.validate()
    assert form.patrol_photos.errors == ["“b.jpg”的内容不是照片，可能是改了扩展名的其他文件，请重新选择"]
    forms_app.config["UPLOAD_MAX_FILES"] = 1
    try:
        form = bind(FORMS["patrol_record"], {**PATROL, "patrol_photos": [upload("a.jpg", JPEG)] * 2})
        assert not form.validate()
        assert form.patrol_photos.errors[0].startswith("每次最多上传 1 个文件，这次选了 2 个")
        assert Limits.current() == Limits(files=1)
    finally:
        del forms_app.config["UPLOAD_MAX_FILES"]
    assert Limits() == Limits(files=10, file_mb=10, total_mb=50)


def test_the_clerks_file_name_is_kept_without_folders_or_control_characters():
    assert display_name("C:\\Users\\办公室\\现场 照片.JPG") == "现场 照片.JPG"
    assert display_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert display_name("a\x00b\n.jpg") == "ab.jpg"
    assert display_name("") == display_name(None) == "未命名文件"


def test_a_form_made_from_the_request_sees_the_files_too(bind):
    """``for_case`` forms read the request itself, as in the app (the recheck builds its problem rows)."""
    cls = FORMS["recheck"]
    form = bind(cls, {"rechecked_on": "2022-08-15", "recheck_passed": "yes", "recheck_findings": "x",
                      "instance_version": "3", "evidence_files": [upload("水表.jpg", JPEG)]},
                factory=lambda: cls.for_case(None))
    assert form.validate(), form.errors
    assert [(f.filename, f.read()) for f in form.uploads()["evidence_files"]] == [("水表.jpg", JPEG)]
    assert set(form.task_data()) == {"rechecked_on", "recheck_passed", "recheck_findings"}
