"""Notifications (in-app inbox and e-mail) and the reminder log of the daily sweep (issue 12, DOMAIN.md §5)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class NotificationQuerySet(models.QuerySet):
    """A notification is read only by the user it was written for (administrators too: it is a mailbox)."""

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(user=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    verb = models.CharField(
        "事由代码", max_length=64, db_index=True, help_text="引发通知的审计操作或提醒类型"
    )
    text = models.CharField("内容", max_length=300)
    link = models.CharField("链接", max_length=300, blank=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "通知"
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Whether a user also receives notifications by e-mail (on unless they turn it off)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField("同时发送电子邮件", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知设置"

    def __str__(self):
        return f"{self.user}：{'接收' if self.email else '不接收'}邮件"


class ReminderKind(models.TextChoices):
    YELLOW = "yellow", "临期提醒"
    DUE_DAY = "due_day", "到期日提醒"
    OVERDUE = "overdue", "逾期提醒"
    ESCALATION = "escalation", "逾期督办"


class Reminder(models.Model):
    """One reminder sent for one deadline, kind and day: the unique key is what makes it never twice."""

    deadline = models.ForeignKey("renewal.Deadline", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField("提醒类型", max_length=16, choices=ReminderKind.choices)
    day = models.DateField("提醒日")
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)
    recipients = models.PositiveIntegerField("收件人数", default=0)

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = verbose_name_plural = "期限提醒记录"
        constraints = [
            models.UniqueConstraint(fields=["deadline", "kind", "day"], name="reminder_once_per_day"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.deadline_id}（{self.day}）"
