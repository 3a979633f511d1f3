"""Supervision lists, their tasks (督查事项), responsible units and dated progress entries (issue 15)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse

from renewal.models import Deadline
from renewal.permissions import ScopedQuerySet
from supervision.choices import SourceType, TaskState


def _unit_of(prefix: str):
    """A unit's user (department reviewer or entity) sees only what their organisation is responsible for."""
    return staticmethod(lambda user: Q(**{f"{prefix}units": user.organization_id}))


class SupervisionListQuerySet(ScopedQuerySet):
    scope_district = "district"
    scope_organizations = ("tasks__units",)
    scope_reviewer = _unit_of("tasks__")

    def visible_to(self, user):
        return super().visible_to(user).distinct()


class SupervisionList(models.Model):
    """One of the district's tables, e.g. 区政府承办2025年市政府工作报告重点任务进展情况."""

    title = models.CharField("标题", max_length=300)
    year = models.PositiveIntegerField("年度")
    district = models.ForeignKey("renewal.District", verbose_name="所属区", on_delete=models.PROTECT)
    source_document = models.CharField("来源文件", max_length=300, blank=True)
    # The header row as the district wrote it, so that an export gives back the same cells.
    headers = models.JSONField("表头", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="建立人", null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("建立时间", auto_now_add=True)

    objects = SupervisionListQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = verbose_name_plural = "督查清单"
        constraints = [
            models.UniqueConstraint(fields=["district", "title"], name="supervision_list_title_per_district")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("supervision:list_detail", args=[self.pk])


class SupervisionTaskQuerySet(ScopedQuerySet):
    scope_district = "district"
    scope_organizations = ("units",)
    scope_reviewer = _unit_of("")

    def visible_to(self, user):
        return super().visible_to(user).distinct()


class SupervisionTask(models.Model):
    """One row of the table: 序号 | 任务来源 | 任务内容 | 主责单位 | 完成时限 | 进展情况."""

    supervision_list = models.ForeignKey(
        SupervisionList, verbose_name="督查清单", on_delete=models.CASCADE, related_name="tasks"
    )
    district = models.ForeignKey("renewal.District", verbose_name="所属区", on_delete=models.PROTECT)
    number = models.CharField("序号", max_length=20)
    position = models.PositiveIntegerField("排序", default=0)
    source = models.CharField("任务来源", max_length=300, blank=True)
    source_type = models.CharField(
        "来源类型", max_length=24, choices=SourceType.choices, default=SourceType.OTHER
    )
    content = models.TextField("任务内容/督查事项")  # kept exactly as written
    units = models.ManyToManyField(
        "renewal.Organization", verbose_name="主责单位", through="TaskUnit", related_name="supervision_tasks"
    )
    # The 主责单位 cell as imported; exported unchanged while it still names the same units in order.
    units_text = models.TextField("主责单位（原表写法）", blank=True)
    due_date = models.DateField("完成时限", null=True, blank=True)
    due_text = models.CharField("完成时限（原表写法）", max_length=60, blank=True)
    state = models.CharField("状态", max_length=16, choices=TaskState.choices, default=TaskState.NEW)
    projects = models.ManyToManyField(
        "projects.Project", verbose_name="关联项目", blank=True, related_name="supervision_tasks"
    )
    # The portal's own tasks (谁审查、谁监管) carry a key so that they are made once.
    origin = models.CharField("来源标识", max_length=100, blank=True, db_index=True)
    round_requested_on = models.DateField("本轮进展催报日期", null=True, blank=True)
    created_at = models.DateTimeField("建立时间", auto_now_add=True)

    deadlines = GenericRelation(Deadline)
    objects = SupervisionTaskQuerySet.as_manager()

    class Meta:
        ordering = ["supervision_list", "position", "pk"]
        verbose_name = verbose_name_plural = "督查事项"
        constraints = [
            models.UniqueConstraint(
                fields=["supervision_list", "number"], name="supervision_task_number_once"
            )
        ]

    def __str__(self):
        return f"{self.supervision_list.title} 第{self.number}项"

    def get_absolute_url(self):
        return reverse("supervision:task_detail", args=[self.pk])

    def scope_owners(self):
        """The lead unit (and the second one) own the task's deadline and audit rows."""
        return [link.organization for link in self.unit_links.all()[:2]]

    def ordered_units(self) -> list:
        return [link.organization for link in self.unit_links.all()]

    @property
    def lead_unit(self):
        units = self.ordered_units()
        return units[0] if units else None


class TaskUnit(models.Model):
    """A responsible unit of a task, in the table's order: the first is the lead (主责单位牵头)."""

    task = models.ForeignKey(SupervisionTask, on_delete=models.CASCADE, related_name="unit_links")
    organization = models.ForeignKey("renewal.Organization", verbose_name="单位", on_delete=models.PROTECT)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = verbose_name_plural = "主责单位"
        constraints = [models.UniqueConstraint(fields=["task", "organization"], name="task_unit_once")]

    def __str__(self):
        return f"{self.task}：{self.organization}"


class ProgressEntryQuerySet(ScopedQuerySet):
    scope_district = "task__district"
    scope_organizations = ("task__units",)
    scope_reviewer = _unit_of("task__")

    def visible_to(self, user):
        return super().visible_to(user).distinct()


class ProgressEntry(models.Model):
    """A dated progress update; the table's 进展情况 cell is the latest one, the history stays."""

    task = models.ForeignKey(
        SupervisionTask, verbose_name="督查事项", on_delete=models.CASCADE, related_name="entries"
    )
    date = models.DateField("进展日期")
    text = models.TextField("进展情况")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, blank=True, on_delete=models.PROTECT
    )
    organization = models.ForeignKey(
        "renewal.Organization", verbose_name="填报单位", null=True, blank=True, on_delete=models.PROTECT
    )
    imported = models.BooleanField("导入", default=False)
    created_at = models.DateTimeField("填报时间", auto_now_add=True)

    objects = ProgressEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created_at", "-pk"]
        verbose_name = verbose_name_plural = "进展情况"

    def __str__(self):
        return f"{self.task} {self.date:%Y-%m-%d}"


class SupervisionImport(models.Model):
    """An uploaded table waiting for its preview to be confirmed (the file is read again on commit)."""

    file = models.FileField("文件", upload_to="supervision/imports/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    district = models.ForeignKey("renewal.District", verbose_name="所属区", on_delete=models.PROTECT)
    create_units = models.BooleanField("自动建立未知单位", default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    supervision_list = models.ForeignKey(
        SupervisionList, verbose_name="督查清单", null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = verbose_name_plural = "督查表导入"

    def __str__(self):
        return self.original_name
