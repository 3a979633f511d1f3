from django.conf import settings
from django.db import models

from renewal.choices import CalendarDayKind, CalendarYearStatus
from renewal.dates import chinese_date


class CalendarYear(models.Model):
    """Whether a year's working days follow the State Council's notice (confirmed) or a guess."""

    year = models.PositiveIntegerField("年度", unique=True)
    status = models.CharField("状态", max_length=16, choices=CalendarYearStatus.choices)
    source = models.CharField("来源", max_length=200, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        ordering = ["year"]
        verbose_name = verbose_name_plural = "工作日历年度"

    def __str__(self):
        return f"{self.year}年（{self.get_status_display()}）"

    @property
    def is_provisional(self) -> bool:
        return self.status == CalendarYearStatus.PROVISIONAL


class WorkCalendarDay(models.Model):
    """One day of the working calendar (国务院办公厅放假调休安排)."""

    date = models.DateField("日期", primary_key=True)
    is_workday = models.BooleanField("工作日")
    kind = models.CharField("类型", max_length=20, choices=CalendarDayKind.choices)
    name = models.CharField("节日/说明", max_length=60, blank=True)
    source = models.CharField("来源", max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "工作日历"

    def __str__(self):
        return f"{chinese_date(self.date)} {self.get_kind_display()}"
