"""Storing and serving attachments: type decided by content, size limit, SHA-256, versions, scoped download."""

import hashlib

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
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


def validate_upload(upload) -> tuple[str, str]:
    """Raise a Chinese ValidationError for a file that is too large or of a type not allowed."""
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
    return detected


@transaction.atomic
def attach(
    subject, upload, *, kind: str, actor, replaces: Attachment | None = None, request=None
) -> Attachment:
    """Store an uploaded file on subject; with `replaces`, as the next version of that document."""
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
    attachment.save()
    record_event(
        actor=actor,
        action="attachment.upload",
        action_label=f"上传附件：{kind}",
        obj=subject,
        to_state=f"{attachment.original_name} v{version}",
        data={
            "attachment": attachment.pk,
            "sha256": attachment.sha256,
            "size": attachment.size,
            "replaces": replaces.pk if replaces else None,
        },
        request=request,
    )
    return attachment
