"""Background jobs (issue 12): one row per long piece of work, run by a Celery worker.

The row is the job's whole story: who started it with which parameters, where it is (queued, running,
done, failed), its progress and heartbeat, the error a user can read, and the result file, which exists
only once the job is done. The rules that move it are the `job` workflow in renewal/jobs.py.
"""

from django.conf import settings
from django.db import models

from renewal.choices import JobStatus


class JobQuerySet(models.QuerySet):
    """A job is private to whoever started it; administrators see every job (others get 404)."""

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role == "administrator":
            return self
        return self.filter(created_by=user)


class Job(models.Model):
    kind = models.CharField("任务类型", max_length=64, db_index=True)
    label = models.CharField("名称", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    district = models.ForeignKey(
        "renewal.District",
        verbose_name="区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "renewal.Organization",
        verbose_name="发起单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    error = models.TextField("错误信息", blank=True)
    result = models.FileField("结果文件", upload_to="jobs/", max_length=255, blank=True)
    result_name = models.CharField("结果文件名", max_length=200, blank=True)
    result_rows = models.PositiveIntegerField("结果行数", null=True, blank=True)
    summary = models.JSONField("结果摘要", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True, help_text="运行中的任务定期更新")
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "后台任务"
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="job_creator_recent"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self):
        return f"{self.label}（{self.get_status_display()}）"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("job_detail", args=[self.pk])

    def scope_owners(self):
        """The organisation that started the job owns its audit events (renewal.services.scope_of)."""
        return (self.organization,)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def status_badge(self) -> str:
        return JobStatus(self.status).badge
