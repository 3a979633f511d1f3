"""Annual fixed-asset investment targets (DOMAIN.md §5 dashboards), entered by staff with their source."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from renewal.choices import DepartmentCode
from renewal.permissions import ScopedQuerySet


class InvestmentTargetQuerySet(ScopedQuerySet):
    scope_district = "district"

    def totals(self):
        """District-wide rows: neither a lead department nor a locality (the figure the district reports)."""
        return self.filter(lead_department="", locality="")


class InvestmentTarget(models.Model):
    """One target of one year: the district's total, or its share for a lead department or a locality
    (街镇/园区), as stated in a source document (e.g. the district government's work report)."""

    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    district = models.ForeignKey(
        "renewal.District", verbose_name="区", on_delete=models.PROTECT, related_name="+"
    )
    lead_department = models.CharField(
        "牵头部门", max_length=32, choices=DepartmentCode.choices, blank=True, help_text="不填为全区目标"
    )
    locality = models.CharField("属地（街镇/园区）", max_length=60, blank=True, help_text="不填为全区目标")
    amount = models.DecimalField(
        "目标金额（亿元）", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    source_document = models.CharField("依据文件", max_length=200, help_text="如：海淀区2026年政府工作报告")
    source_date = models.DateField("文件日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = InvestmentTargetQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "district__code", "lead_department", "locality"]
        verbose_name = verbose_name_plural = "固定资产投资目标"
        constraints = [
            models.UniqueConstraint(
                fields=["year", "district", "lead_department", "locality"], name="investment_target_unique"
            ),
            models.CheckConstraint(
                condition=Q(lead_department="") | Q(locality=""), name="investment_target_one_split"
            ),
        ]

    def __str__(self):
        scope = self.get_lead_department_display() if self.lead_department else self.locality or "全区"
        return f"{self.year}年 {self.district} {scope}：{self.amount}亿元"

    @property
    def scope_label(self) -> str:
        if self.lead_department:
            return f"牵头部门：{self.get_lead_department_display()}"
        if self.locality:
            return f"属地：{self.locality}"
        return "全区"
