from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from renewal.choices import DeadlineOutcome, DeadlineRule, DeadlineState
from renewal.dates import chinese_date
from renewal.permissions import ScopedQuerySet


class DeadlineQuerySet(ScopedQuerySet):
    scope_district = "district"
    scope_organizations = ("responsible_organization", "subject_organization", "subject_co_organization")

    def open(self):
        return self.filter(state=DeadlineState.OPEN)

    def for_subject(self, subject):
        return self.filter(
            content_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
            object_id=subject.pk,
        )

    def for_project(self, project):
        """Every deadline of a project: its own and those of its reviews, plans and notices."""
        return self.filter(
            project_content_type=ContentType.objects.get_for_model(project, for_concrete_model=False),
            project_object_id=project.pk,
        )

    # A department sees the deadlines it is responsible for, not every deadline of its district.
    scope_reviewer = staticmethod(lambda user: models.Q(responsible_organization_id=user.organization_id))


class Deadline(models.Model):
    """A statutory time limit on some object: a row, so sweeps and lists read it with one query.

    The due date is computed from the calendar table when the deadline is opened and recomputed when a
    calendar year is confirmed; never from timedelta for working days.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    subject_repr = models.CharField("对象", max_length=200)
    # The project the duty belongs to (the subject itself when it is the project), kept on the row so
    # lists name it and link to it without loading every subject.
    project_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    project_object_id = models.PositiveBigIntegerField(null=True, blank=True)
    project = GenericForeignKey("project_content_type", "project_object_id")
    project_label = models.CharField("项目", max_length=200, blank=True)
    district = models.ForeignKey(
        "renewal.District",
        verbose_name="区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_organization = models.ForeignKey(
        "renewal.Organization",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deadlines",
    )
    subject_organization = models.ForeignKey(
        "renewal.Organization",
        verbose_name="对象所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="实施主体据此看到与本单位项目有关的期限",
    )
    subject_co_organization = models.ForeignKey(
        "renewal.Organization",
        verbose_name="对象所属单位（统筹主体）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField("期限类型", max_length=64, db_index=True)
    title = models.CharField("名称", max_length=120)
    basis = models.CharField("依据", max_length=200, blank=True)
    rule = models.CharField("计算规则", max_length=20, choices=DeadlineRule.choices)
    amount = models.PositiveIntegerField("期限长度")
    start_date = models.DateField("起算日")
    due_date = models.DateField("到期日", db_index=True)
    provisional = models.BooleanField("暂定", default=False, help_text="计算涉及尚未确认的年度日历")
    state = models.CharField("状态", max_length=16, choices=DeadlineState.choices, default=DeadlineState.OPEN)
    opened_at = models.DateTimeField("开启时间", auto_now_add=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_reason = models.CharField("关闭原因", max_length=200, blank=True)
    closed_on = models.DateField("完成/关闭日期", null=True, blank=True)
    late_workdays = models.PositiveIntegerField(
        "逾期工作日数",
        null=True,
        blank=True,
        help_text="按期完成为0；完成日晚于到期日时为到期日之后至完成日的工作日数（按工作日历计算）",
    )

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = verbose_name_plural = "办理期限"
        indexes = [
            models.Index(fields=["state", "due_date"], name="deadline_state_due"),
            models.Index(fields=["content_type", "object_id", "state"], name="deadline_subject_state"),
            # The deadlines met late, by year closed (the dashboard's 逾期完成 and the list's late_year):
            # a small partial index the counts read without touching the table (key columns, not INCLUDE,
            # which SQLite does not have).
            models.Index(
                fields=["closed_on", "responsible_organization", "district", "late_workdays"],
                condition=models.Q(state=DeadlineState.MET, late_workdays__gt=0),
                name="deadline_met_late_by_year",
            ),
            # The open deadlines by due date with who answers for them: the dashboard's overdue counts
            # per responsible organisation and district read this index alone.
            models.Index(
                fields=["due_date", "responsible_organization", "district"],
                condition=models.Q(state=DeadlineState.OPEN),
                name="deadline_open_by_due",
            ),
            # A district's open deadlines by due date: the home pages' red/yellow/green counts
            # (renewal/selectors.py light_counts) are an index-only scan of it (issue 16).
            models.Index(
                fields=["district", "due_date"],
                condition=models.Q(state=DeadlineState.OPEN),
                name="deadline_open_district_due",
            ),
        ]

    def __str__(self):
        return f"{self.subject_repr}：{self.title}（{chinese_date(self.due_date)}到期）"

    @property
    def is_open(self) -> bool:
        return self.state == DeadlineState.OPEN

    @property
    def is_late(self) -> bool:
        return self.state == DeadlineState.MET and bool(self.late_workdays)

    @property
    def outcome_label(self) -> str:
        """进行中 / 按时完成 / 逾期完成 / 已中止 / 已撤销: the state as a person reads it."""
        if self.state == DeadlineState.MET:
            return DeadlineOutcome.LATE.label if self.late_workdays else DeadlineOutcome.ON_TIME.label
        return self.get_state_display()

    @property
    def counts_calendar_years(self) -> bool:
        return self.rule == DeadlineRule.CALENDAR_YEARS

    def describe_amount(self) -> str:
        if self.rule == DeadlineRule.FIXED_DATE:
            return "指定日期"
        unit = "个工作日" if self.rule == DeadlineRule.WORKING_DAYS else "年"
        return f"{self.amount}{unit}"
