"""Storing and serving attachments: type decided by content, size limit, SHA-256, versions, scoped download."""

import hashlib
import os
import threading
import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import request_finished
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from renewal.models.attachments import Attachment
from renewal.services import record_event, scope_of

# What a file is, decided from its first bytes; the extension the user gave is not trusted.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Word/Excel/PowerPoint container
ALLOWED = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "tif": "image/tiff",
    "bmp": "image/bmp",
    "webp": "image/webp",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "dwg": "image/vnd.dwg",
    "zip": "application/zip",
}
# The extensions a person may give a file of each detected type (a .jpeg is a jpg; an Office 97–2003
# container hides whether it is Word, Excel or PowerPoint).
ACCEPTED_NAMES = {
    "jpg": {"jpg", "jpeg", "jpe"},
    "tif": {"tif", "tiff"},
    "doc": {"doc", "xls", "ppt"},
    "xls": {"xls"},
    "ppt": {"ppt"},
}
# Members of a zip container (a .zip, or an Office 2007+ document) that are refused: programs and scripts.
EXECUTABLE_EXTENSIONS = {
    "exe",
    "com",
    "bat",
    "cmd",
    "scr",
    "pif",
    "msi",
    "msp",
    "dll",
    "cpl",
    "sys",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "ps1",
    "psm1",
    "jar",
    "apk",
    "app",
    "sh",
    "elf",
    "hta",
    "lnk",
    "reg",
    "gadget",
}
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"#!")
ZIP_MEMBER_LIMIT = 10000
AUDIT_STATE_LENGTH = 64  # AuditEvent.from_state / to_state
ALLOWED_LABEL = (
    "PDF、图片（JPG/PNG/TIFF/BMP/WEBP）、Office 文档（Word/Excel/PowerPoint）、DWG 图纸或 ZIP 压缩包"
)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(extension, mime type) of an allowed file from its first bytes, or None."""
    kind = filetype.guess(head)
    if kind is not None and kind.extension in ALLOWED:
        return kind.extension, ALLOWED[kind.extension]
    if kind is None and head.startswith(OLE2_MAGIC):
        return "doc", "application/x-ole-storage"  # an Office 97–2003 file whose sub-type the header hides
    return None


def declared_extension(name: str) -> str:
    """The extension the user's file name declares, lower case, without the dot ("" when none)."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    stem, dot, extension = base.rpartition(".")
    return extension.lower() if dot and stem else ""


def download_name(original_name: str, extension: str) -> str:
    """The name a download is offered under: the user's name with the extension of the detected content."""
    base = os.path.basename(str(original_name or "").replace("\\", "/")) or "附件"
    stem, dot, _ = base.rpartition(".")
    return f"{stem if dot and stem else base}.{extension}"


def executable_in_zip(upload) -> str | None:
    """The name of the first program or script inside a zip container, or None."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MEMBER_LIMIT:
                return f"（压缩包内文件超过 {ZIP_MEMBER_LIMIT} 个）"
            for member in members:
                if member.is_dir():
                    continue
                name = member.filename
                if declared_extension(name) in EXECUTABLE_EXTENSIONS:
                    return name
                if declared_extension(name) == "zip" or name.lower().endswith((".zip", ".rar", ".7z")):
                    return name  # a nested archive is not inspected further: refused
                with archive.open(member) as inner:
                    if inner.read(4).startswith(EXECUTABLE_MAGIC):
                        return name
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
        return "（压缩包已损坏或已加密，无法检查）"
    finally:
        upload.seek(0)
    return None


def short_state(text: str) -> str:
    """A text that fits an audit state column (the whole text goes into the event's data)."""
    text = str(text or "")
    return text if len(text) <= AUDIT_STATE_LENGTH else text[: AUDIT_STATE_LENGTH - 1] + "…"


def validate_upload(upload) -> tuple[str, str]:
    """Raise a Chinese ValidationError for a file that is too large, of a type not allowed, whose content
    does not match the extension of its name, or a zip container holding a program."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        limit = settings.ATTACHMENT_MAX_BYTES / 1024 / 1024
        raise ValidationError(f"文件“{upload.name}”超过大小上限 {limit:.0f} MB。")
    if upload.size == 0:
        raise ValidationError(f"文件“{upload.name}”是空文件。")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    detected = sniff(head)
    if detected is None:
        raise ValidationError(f"文件“{upload.name}”的内容不是允许的类型。允许：{ALLOWED_LABEL}。")
    declared = declared_extension(upload.name)
    if declared and declared not in ACCEPTED_NAMES.get(detected[0], {detected[0]}):
        raise ValidationError(
            f"文件“{upload.name}”的扩展名（.{declared}）与文件内容（{detected[0].upper()}）不符，"
            "请确认文件后重新上传。"
        )
    if detected[1] == "application/x-ole-storage" and declared in ("xls", "ppt"):
        detected = declared, ALLOWED[declared]  # the container is the same; the name says which
    if zipfile.is_zipfile(upload):
        found = executable_in_zip(upload)
        if found:
            raise ValidationError(f"文件“{upload.name}”中含有程序或脚本、嵌套压缩包，不能上传：{found}。")
    upload.seek(0)
    return detected


# Files stored inside a transaction that has not committed yet, per thread: deleted when the transaction
# rolls back (a failed step must not leave a file on disk without its row). Per thread, as Django's
# database connections are.
_local = threading.local()


def _pending() -> dict:
    if not hasattr(_local, "files"):
        _local.files = {}
    return _local.files


def _forget(name: str) -> None:
    _pending().pop(name, None)


def _delete_stored(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        pass


def discard_uncommitted_files() -> None:
    """Delete the files whose transaction ended without committing (run once no transaction is open)."""
    if transaction.get_connection().in_atomic_block:
        return
    pending = _pending()
    for name, storage in list(pending.items()):
        pending.pop(name, None)
        _delete_stored(storage, name)


@receiver(request_finished, dispatch_uid="renewal.attachments.discard_uncommitted_files")
def _discard_after_request(sender, **kwargs):
    discard_uncommitted_files()


def _delete_on_rollback(storage, name: str) -> None:
    """Keep the stored file only if the surrounding transaction commits."""
    if not transaction.get_connection().in_atomic_block:
        return
    _pending()[name] = storage
    transaction.on_commit(lambda: _forget(name))


def attach(
    subject, upload, *, kind: str, actor, replaces: Attachment | None = None, request=None
) -> Attachment:
    """Store an uploaded file on subject; with `replaces`, as the next version of that document.

    The stored file is deleted again when this step fails, and when the surrounding transaction rolls back
    (at the end of the request, once no transaction is open)."""
    stored = []
    try:
        with transaction.atomic():
            return _attach(
                subject, upload, kind=kind, actor=actor, replaces=replaces, request=request, stored=stored
            )
    except BaseException:
        for storage, name in stored:
            _forget(name)
            _delete_stored(storage, name)
        raise


def _attach(subject, upload, *, kind, actor, replaces, request, stored) -> Attachment:
    extension, mime_type = validate_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    district, (owner, co_owner) = scope_of(subject)
    version = 1
    if replaces is not None:
        replaces = Attachment.objects.select_for_update().get(pk=replaces.pk)
        if replaces.subject != subject:
            raise ValidationError("只能替换本对象的附件。")
        if Attachment.objects.filter(replaces=replaces).exists():
            raise ValidationError("该附件已有新版本，请替换最新版本。")
        version, kind = replaces.version + 1, replaces.kind
    attachment = Attachment(
        subject=subject,
        district=district,
        organization=owner,
        co_organization=co_owner,
        kind=kind,
        original_name=upload.name[:255],
        extension=extension,
        mime_type=mime_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        version=version,
        replaces=replaces,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    attachment.file.save(upload.name, upload, save=False)
    stored.append((attachment.file.storage, attachment.file.name))
    _delete_on_rollback(attachment.file.storage, attachment.file.name)
    attachment.save()
    record_event(
        actor=actor,
        action="attachment.upload",
        action_label=f"上传附件：{kind}",
        obj=subject,
        to_state=short_state(f"{attachment.original_name} v{version}"),
        data={
            "attachment": attachment.pk,
            "file": attachment.original_name,
            "version": version,
            "sha256": attachment.sha256,
            "size": attachment.size,
            "replaces": replaces.pk if replaces else None,
        },
        request=request,
    )
    return attachment
