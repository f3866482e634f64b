"""``flask files sweep`` (also run hourly by the timer worker): attachment files no row points at, left by
a worker killed between writing and committing, and expired ledger error reports are deleted; files with
a row, files still young and anything the platform did not write are kept (issue 12)."""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from web_support import REGISTRATION

from webapp.core import db
from webapp.ledger import report
from webapp.models import Attachment


def _file(path: Path, age_seconds: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8\xff photo")
    stamp = time.time() - age_seconds  # the tests' clock, as the sweep reads it
    os.utime(path, (stamp, stamp))
    return path


def test_sweep_removes_orphan_files_and_expired_reports_only(app, login):
    assert login("water.clerk").post("/cases/new", data=REGISTRATION).status_code == 302
    uploads = Path(app.config["UPLOAD_DIR"])
    kept_name = f"cases/1/{secrets.token_hex(16)}.jpg"
    with app.app_context():
        db.session().add(Attachment(case_id=1, task_guid="t", form_key="inspect", field="photos", file_name="现场.jpg",
                                    content_type="image/jpeg", size=14, sha256="0" * 64, stored_path=kept_name,
                                    uploaded_by="water.clerk"))
        db.commit()
    with_row = _file(uploads / kept_name, 3 * 3600)
    orphan = _file(uploads / f"cases/1/{secrets.token_hex(16)}.jpg", 2 * 3600)       # killed mid-upload
    young = _file(uploads / f"cases/1/{secrets.token_hex(16)}.pdf", 600)             # a step still committing
    foreign = _file(uploads / "cases/1/说明.txt", 5 * 24 * 3600)                      # not a name we write
    old_report = _file(report.folder(str(uploads)) / f"abc-{secrets.token_urlsafe(24)}.json", 25 * 3600)
    new_report = _file(report.folder(str(uploads)) / f"abc-{secrets.token_urlsafe(24)}.json", 3600)

    result = app.test_cli_runner().invoke(args=["files", "sweep"])
    assert result.exit_code == 0, result.output
    assert "无记录的附件文件 1 个" in result.output and "过期的台账错误报告 1 个" in result.output
    assert not orphan.exists() and not old_report.exists()
    assert with_row.exists() and young.exists() and foreign.exists() and new_report.exists()


def test_the_timer_worker_sweeps_files_too(app):
    uploads = Path(app.config["UPLOAD_DIR"])
    old_report = _file(report.folder(str(uploads)) / f"abc-{secrets.token_urlsafe(24)}.json", 25 * 3600)
    output = app.test_cli_runner().invoke(args=["timers", "run", "--once"]).output
    assert "触发计时器 0 个" in output and "过期的台账错误报告 1 个" in output
    assert not old_report.exists()
