"""Permits, construction, monthly investment, completion and library exit (DOMAIN.md §3 steps 9–12).

One `ProjectWorks` row per project carries the facts the permit checklist is worked out from and the
construction / completion record; its `state` mirrors the project's stage from 行政许可办理 to 已出库.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse

from permits.choices import (
    LandMode,
    LandScope,
    LineState,
    MonthState,
    Procedure,
    Requirement,
    RiskLevel,
    WaterLevel,
    WorksState,
)
from renewal.models import Attachment, Deadline
from renewal.permissions import ScopedQuerySet


class ProjectScopedQuerySet(ScopedQuerySet):
    scope_district = "project__district"
    scope_organizations = ("project__implementing_entity", "project__coordinating_entity")


class ProjectPart(models.Model):
    """A record that belongs to one project: scoped, audited and filed under it."""

    class Meta:
        abstract = True

    @property
    def district(self):
        return self.project.district

    def scope_owners(self):
        return self.project.scope_owners()


class ProjectWorks(ProjectPart):
    project = models.OneToOneField(
        "projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="works"
    )
    state = models.CharField("阶段", max_length=20, choices=WorksState.choices, default=WorksState.PERMITS)
    # --- facts the checklist is proposed from (Haidian guidance 四) ---
    government_invested = models.BooleanField("政府投资项目", default=False)
    changes_use_scale_outline = models.BooleanField(
        "改变建筑使用功能、增加建筑规模或改变建筑外轮廓", default=False
    )
    on_exemption_list = models.BooleanField("符合建设工程规划许可证豁免清单", default=False)
    exemption_list_item = models.CharField("豁免清单条目", max_length=200, blank=True)
    facade_works_in_designated_area = models.BooleanField(
        "位于重要大街、历史文化街区或市政府规定特定区域的外立面装修", default=False
    )
    simple_low_risk = models.BooleanField("社会投资简易低风险工程", default=False)
    land_mode = models.CharField("用地方式", max_length=20, choices=LandMode.choices, blank=True, default="")
    small_works_under_limit = models.BooleanField("限额以下小型工程", default=False)
    water_works = models.BooleanField("水利工程", default=False)
    water_level = models.CharField("水利工程立项层级", max_length=10, choices=WaterLevel.choices, blank=True)
    city_matter = models.BooleanField("涉及市级权责（市住建委审批）", default=False)
    special_construction = models.BooleanField("特殊建设工程（消防设计审查）", default=False)
    drawing_review_class = models.BooleanField(
        "市政基础设施、机要工程或政府投资的重大工程和重要民生项目", default=False
    )
    joint_review_departments = models.TextField("已参与联合审查的部门（会商不再征求）", blank=True)
    # Other path (Haidian guidance 三): the plan approved under the industry's own rules.
    industry_approval_document = models.CharField("行业方案批复文号", max_length=120, blank=True)
    industry_approval_on = models.DateField("行业方案批复日期", null=True, blank=True)
    industry_approval_body = models.CharField("批复机关", max_length=120, blank=True)
    # --- construction (Haidian guidance 五(二)(三)) ---
    planned_completion_on = models.DateField("计划竣工日期", null=True, blank=True)
    supervision_agreement_required = models.BooleanField("区政府明确需签订产业监管协议", default=False)
    supervision_agreement_on = models.DateField("产业监管协议签订日期", null=True, blank=True)
    supervision_agreement_body = models.CharField("协议签订机构", max_length=100, blank=True)
    supervision_agreement_terms = models.TextField("产业定位、发展目标、考核机制、管理机制", blank=True)
    statistics_included_on = models.DateField("纳统日期", null=True, blank=True)
    statistics_code = models.CharField("统计编码", max_length=60, blank=True)
    # --- completion (Haidian guidance 五(四)–(六)) ---
    joint_acceptance_intended = models.BooleanField("申请联合验收", default=False)
    risk_level = models.CharField("综合风险等级", max_length=10, choices=RiskLevel.choices, blank=True)
    builder_accepted_on = models.DateField("竣工验收（自查）合格日期", null=True, blank=True)
    joint_acceptance_applied_on = models.DateField("联合验收申请日期", null=True, blank=True)
    joint_acceptance_passed_on = models.DateField("联合验收通过日期", null=True, blank=True)
    separate_acceptances = models.TextField("各部门单独验收情况", blank=True)
    registration_on = models.DateField("不动产登记日期", null=True, blank=True)
    registration_applicant = models.CharField("不动产登记申请人", max_length=200, blank=True)
    registration_not_needed_reason = models.CharField(
        "无需（暂不）办理不动产登记的原因", max_length=200, blank=True
    )
    business_licence_number = models.CharField("营业执照统一社会信用代码", max_length=60, blank=True)
    business_licence_on = models.DateField("营业执照日期", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    deadlines = GenericRelation(Deadline)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "项目许可与建设"

    def __str__(self):
        return f"{self.project} · 许可与建设"

    def get_absolute_url(self):
        return reverse("permits:works", args=[self.project_id])


class PermitLine(ProjectPart):
    """One procedure of the checklist: the portal's proposal, staff's confirmation and the record."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="permit_lines"
    )
    procedure = models.CharField("手续", max_length=30, choices=Procedure.choices)
    proposed = models.CharField("系统建议", max_length=20, choices=Requirement.choices)
    proposed_basis = models.TextField("建议依据")
    requirement = models.CharField("办理要求", max_length=20, choices=Requirement.choices)
    basis = models.TextField("依据")
    state = models.CharField("状态", max_length=20, choices=LineState.choices, default=LineState.PROPOSED)
    # The record: a document, or the exemption with its basis.
    document_number = models.CharField("文号", max_length=120, blank=True)
    issued_on = models.DateField("发证（办结）日期", null=True, blank=True)
    issuing_body = models.CharField("发证机关", max_length=120, blank=True)
    applicant = models.CharField("申请人", max_length=200, blank=True)
    land_mode = models.CharField("用地方式", max_length=20, choices=LandMode.choices, blank=True)
    land_scope = models.CharField("用地手续范围", max_length=20, choices=LandScope.choices, blank=True)
    tax_pushed_on = models.DateField("缴费信息推送税务日期", null=True, blank=True)
    tax_confirmed_on = models.DateField("税务确认征缴日期", null=True, blank=True)
    transition_end_on = models.DateField("五年过渡期届满日", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    attachments = GenericRelation(Attachment)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "行政许可事项"
        constraints = [models.UniqueConstraint(fields=["project", "procedure"], name="permit_line_unique")]

    def __str__(self):
        return f"{self.project} · {self.get_procedure_display()}"

    def get_absolute_url(self):
        return reverse("permits:works", args=[self.project_id])

    @property
    def done(self) -> bool:
        """Nothing left to do on this line (granted, or confirmed as exempt / not applicable)."""
        if self.state == LineState.GRANTED:
            return True
        return self.state == LineState.CONFIRMED and self.requirement != Requirement.REQUIRED


class InvestmentMonth(ProjectPart):
    """One month whose fixed-asset investment report is due (the subject of its deadline)."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="investment_months"
    )
    month = models.DateField("月份")  # first day of the month
    state = models.CharField("状态", max_length=10, choices=MonthState.choices, default=MonthState.DUE)
    reported_at = models.DateTimeField("首次填报时间", null=True, blank=True)

    deadlines = GenericRelation(Deadline)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "month"]
        verbose_name = verbose_name_plural = "固定资产投资月报期"
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="investment_month_unique")]

    def __str__(self):
        return f"{self.project} · {self.month.year}年{self.month.month}月投资月报"

    def get_absolute_url(self):
        return reverse("permits:month", args=[self.pk])


class MonthlyInvestmentReportQuerySet(ProjectScopedQuerySet):
    def current(self):
        return self.filter(is_current=True)


class MonthlyInvestmentReport(ProjectPart):
    """One version of a month's report; the newest version counts (older ones are kept)."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="investment_reports"
    )
    period = models.ForeignKey(
        InvestmentMonth, verbose_name="月报期", on_delete=models.CASCADE, related_name="reports"
    )
    month = models.DateField("月份")
    version = models.PositiveIntegerField("版本", default=1)
    is_current = models.BooleanField("现行版本", default=True)
    invested = models.DecimalField("本月完成投资（万元）", max_digits=14, decimal_places=2)
    percent_explanation = models.TextField("累计超过总投资的说明", blank=True)
    progress_text = models.CharField("形象进度", max_length=300)
    narrative = models.TextField("进展情况", blank=True)
    problems = models.TextField("存在问题", blank=True)
    next_steps = models.TextField("下一步计划", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("填报时间", auto_now_add=True)

    attachments = GenericRelation(Attachment)

    objects = MonthlyInvestmentReportQuerySet.as_manager()

    class Meta:
        ordering = ["project", "month", "-version"]
        verbose_name = verbose_name_plural = "固定资产投资月报"
        constraints = [
            models.UniqueConstraint(fields=["project", "month", "version"], name="investment_report_version"),
            models.UniqueConstraint(
                fields=["project", "month"],
                condition=Q(is_current=True),
                name="investment_report_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.month.year}年{self.month.month}月投资月报（第{self.version}版）"


class AnnualInvestmentPlan(ProjectPart):
    """本年计划投资 of a project (万元), entered by the entity or staff."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="annual_plans"
    )
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("本年计划投资（万元）", max_digits=14, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-year"]
        verbose_name = verbose_name_plural = "年度计划投资"
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="annual_plan_unique")]

    def __str__(self):
        return f"{self.project} · {self.year}年计划投资"
