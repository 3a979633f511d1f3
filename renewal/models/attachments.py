import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from renewal.permissions import ScopedQuerySet


def attachment_path(instance, filename):
    # Stored under a random name: the original name is kept in the row, never trusted for the path.
    return f"attachments/{timezone.localtime(instance.uploaded_at):%Y/%m}/{uuid.uuid4().hex}.{instance.extension}"


class AttachmentQuerySet(ScopedQuerySet):
    scope_district = "district"
    scope_organizations = ("organization", "co_organization")

    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=obj.pk
        )

    def current(self):
        """Only the newest version of each document (older versions stay, superseded)."""
        return self.filter(superseded_by__isnull=True)


class Attachment(models.Model):
    """An uploaded document. Never overwritten: a replacement is a new row that supersedes the old one."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    district = models.ForeignKey(
        "renewal.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "renewal.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    co_organization = models.ForeignKey(
        "renewal.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("材料类型", max_length=60)
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    original_name = models.CharField("原文件名", max_length=255)
    extension = models.CharField("类型", max_length=10)
    mime_type = models.CharField("MIME", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    replaces = models.OneToOneField(
        "self",
        verbose_name="替换的旧版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "original_name", "-version"]
        verbose_name = verbose_name_plural = "附件"
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_subject")]

    def __str__(self):
        return f"{self.original_name}（第{self.version}版）"

    @property
    def size_display(self) -> str:
        size = float(self.size)
        for unit in ("B", "KB", "MB"):
            if size < 1024 or unit == "MB":
                return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
            size /= 1024
        return ""
