"""Photos and evidence files on task forms (现场照片, 封井照片, 整改证据…).

One optional multi-file field per form, made by :func:`evidence_field`. Its files never go into the
task data (the engine stores JSON only): ``TaskForm.uploads()`` hands them to the web app, which stores
them with the step (``webapp/attachments``).

What is accepted: photos as JPEG or PNG and documents as PDF, checked twice — by the file name's
extension and by the first bytes of the content — so an ``.exe`` renamed ``.jpg`` is refused. HEIC (the
iPhone's own format) is not accepted: office PCs cannot open it without an add-on, and iPhones send
JPEG anyway when the page asks for JPEG (the ``accept`` hint below). The limits are settings (see
``webapp/config.py``); the values here are their defaults and what a form uses outside the app.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms.validators import StopValidation

MAX_FILES = 10      # per step
MAX_FILE_MB = 10    # per file: a phone photo is 2–8 MB
MAX_TOTAL_MB = 50   # per step, all files together: the request limit follows from it

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png")
DOCUMENT_EXTENSIONS = ("pdf",)
# Content type -> the extension a stored file gets; the extension of the clerk's name is not trusted.
STORED_EXTENSION = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
# What a phone's file chooser offers: the camera and the gallery (images) and files (PDF). Explicit
# types rather than image/*: iPhones then convert HEIC photos to JPEG when sending.
ACCEPT = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"
KINDS_TEXT = "照片（JPG、PNG）或 PDF 文件"


def sniff(head: bytes) -> str | None:
    """The content type of a file from its first bytes (JPEG, PNG, PDF), else None.

    A few fixed signatures are all this needs; a library (python-magic) would bring a C dependency.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def extension(filename: str) -> str:
    return os.path.splitext(filename or "")[1].lower().lstrip(".")


def allowed_content(ext: str) -> tuple[str, ...]:
    """The content types a file with this extension may have: any photo format for a photo name (a
    screenshot saved as .jpg is still a photo), a PDF for a .pdf."""
    if ext in IMAGE_EXTENSIONS:
        return ("image/jpeg", "image/png")
    if ext in DOCUMENT_EXTENSIONS:
        return ("application/pdf",)
    return ()


def file_size(storage: FileStorage) -> int:
    stream = storage.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def content_type(storage: FileStorage) -> str | None:
    storage.stream.seek(0)
    head = storage.stream.read(16)
    storage.stream.seek(0)
    return sniff(head)


def display_name(filename: str | None) -> str:
    """The clerk's file name without any folder a browser may send (old browsers send C:\\…\\a.jpg)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable()) or "未命名文件"


@dataclass(frozen=True)
class Limits:
    files: int = MAX_FILES
    file_mb: int = MAX_FILE_MB
    total_mb: int = MAX_TOTAL_MB

    @classmethod
    def current(cls) -> "Limits":
        """The app's settings (``UPLOAD_MAX_*``), or the defaults outside an app."""
        if not has_app_context():
            return cls()
        config = current_app.config
        return cls(config.get("UPLOAD_MAX_FILES", MAX_FILES), config.get("UPLOAD_MAX_FILE_MB", MAX_FILE_MB),
                   config.get("UPLOAD_MAX_TOTAL_MB", MAX_TOTAL_MB))

    @property
    def text(self) -> str:
        return f"{KINDS_TEXT}，最多 {self.files} 个，每个不超过 {self.file_mb} MB，合计不超过 {self.total_mb} MB"


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


class EvidenceFiles:
    """Checks the selected files one by one and names the one that is wrong.

    Flask-WTF's ``FileAllowed`` / ``FileSize`` give one fixed message for the whole list (a clerk who
    picked eight photos would not know which one) and fix the size when the form class is defined,
    before the settings are known; so the checks are done here, with the limits of the running app.
    """

    def __call__(self, form, field):
        files = field.uploads()
        if not files:
            return
        limits = Limits.current()
        if len(files) > limits.files:
            raise StopValidation(f"每次最多上传 {limits.files} 个文件，这次选了 {len(files)} 个，"
                                 "请只选最能说明情况的文件")
        total = 0
        for storage in files:
            name = display_name(storage.filename)
            allowed = allowed_content(extension(name))
            if not allowed:
                raise StopValidation(f"“{name}”不是可以上传的文件类型，只能上传{KINDS_TEXT}")
            size = file_size(storage)
            if size == 0:
                raise StopValidation(f"“{name}”是空文件，请重新选择")
            if size > limits.file_mb * 1024 * 1024:
                raise StopValidation(f"“{name}”有 {_mb(size)}，每个文件不能超过 {limits.file_mb} MB，"
                                     "请压缩后上传（PDF 可分成几个文件）")
            if content_type(storage) not in allowed:
                raise StopValidation(f"“{name}”的内容不是{'照片' if 'image/jpeg' in allowed else ' PDF 文件'}，"
                                     "可能是改了扩展名的其他文件，请重新选择")
            total += size
        if total > limits.total_mb * 1024 * 1024:
            raise StopValidation(f"这次选的文件合计 {_mb(total)}，不能超过 {limits.total_mb} MB，"
                                 "请删去部分文件或压缩后上传")


class EvidenceField(MultipleFileField):
    """An optional multi-file box for photos and PDF files; ``field_kind`` draws it as "file"."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"accept": ACCEPT, **kwargs.pop("render_kw", {})}
        super().__init__(label, [EvidenceFiles(), *(validators or [])], render_kw=render_kw, **kwargs)

    def uploads(self) -> list[FileStorage]:
        """The files the clerk selected (none: an empty list)."""
        return [f for f in (self.data or []) if isinstance(f, FileStorage) and f]


def evidence_field(label: str, description: str = "") -> EvidenceField:
    return EvidenceField(label, description=description)
