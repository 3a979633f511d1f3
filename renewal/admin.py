from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.html import format_html

from renewal import services
from renewal.accounts import PortalAdminAuthenticationForm
from renewal.models import AuditEvent, CalendarYear, Deadline, District, Organization, User, WorkCalendarDay

admin.site.site_header = "城市更新项目管理平台 · 系统管理"
admin.site.site_title = "城市更新项目管理平台"
# The portal's login lock-out applies to the admin login too.
admin.site.login_form = PortalAdminAuthenticationForm


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name"]
    search_fields = ["name", "code"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "district", "department_code", "is_active"]
    list_filter = ["kind", "district", "department_code", "is_active"]
    search_fields = ["name", "credit_code"]


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "get_full_name", "role", "organization", "is_active"]
    list_filter = ["role", "organization__district", "is_active"]
    list_select_related = ["organization"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("岗位", {"fields": ["organization", "role", "phone"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        ("岗位", {"fields": ["organization", "role", "phone"]}),
    ]


class ScheduleUploadForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    file = forms.FileField(
        label="官方放假安排文件",
        help_text="每行“日期,holiday|workday,说明”，如 2027-02-06,holiday,春节；未列出的日期按周一至周五上班处理。",
    )


def _job_message(outcome):
    """A calendar change whose recompute went to a background job: how many may move, and where to watch."""
    return format_html(
        '受影响的期限较多（约 {} 项），已转入后台重算：<a href="{}">查看进度</a>',
        outcome.candidates,
        outcome.job.get_absolute_url(),
    )


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "status", "source", "confirmed_at", "confirmed_by"]
    readonly_fields = ["year", "status", "source", "confirmed_at", "confirmed_by"]

    def has_add_permission(self, request):
        return False  # a year is seeded, or confirmed through 加载官方放假安排

    def has_delete_permission(self, request, obj=None):
        return False

    change_list_template = "admin/renewal/calendaryear/change_list.html"

    def get_urls(self):
        return [
            path(
                "confirm/", self.admin_site.admin_view(self.confirm_view), name="renewal_calendaryear_confirm"
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_confirm": request.user.is_administrator}
        return super().changelist_view(request, extra_context=extra_context)

    def confirm_view(self, request):
        """Load a year's official schedule and mark it confirmed; its open deadlines are recomputed here when
        few, else by a background job whose page the message links to."""
        if not request.user.is_administrator:
            # The calendar counts every district's deadlines: administrators keep it (and only they may
            # start the recompute job a large change needs).
            raise PermissionDenied("只有系统管理员可以确认年度工作日历。")
        form = ScheduleUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                lines = upload.read().decode("utf-8-sig").splitlines()
                outcome = services.confirm_year_or_start_job(
                    form.cleaned_data["year"], lines, source=upload.name, actor=request.user, request=request
                )
            except (ValueError, UnicodeDecodeError) as exc:
                form.add_error("file", str(exc))
            else:
                year = form.cleaned_data["year"]
                if outcome.job is not None:
                    messages.success(
                        request, format_html("{}年工作日历已确认。{}", year, _job_message(outcome))
                    )
                else:
                    messages.success(request, f"{year}年工作日历已确认，重算期限 {len(outcome.changed)} 项。")
                return redirect("admin:renewal_calendaryear_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "加载官方放假安排",
            "opts": self.model._meta,
            "inline_limit": settings.CALENDAR_RECOMPUTE_INLINE_LIMIT,
        }
        return render(request, "admin/renewal/calendaryear/confirm.html", context)


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "kind", "name", "source"]
    list_filter = ["is_workday", "kind"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        outcome = services.set_calendar_day_or_start_job(obj, actor=request.user, request=request)
        if outcome.job is not None:
            messages.info(request, _job_message(outcome))
        elif outcome.changed:
            messages.info(request, f"已重算受影响的期限 {len(outcome.changed)} 项。")

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False  # years are written whole by seeding or by loading an official schedule

    def has_change_permission(self, request, obj=None):
        # Administrators only, as the year's confirmation: a changed day moves deadlines of every district.
        return request.user.is_administrator and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ["date", "source"] if obj is not None else []


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "project_label",
        "responsible_organization",
        "start_date",
        "due_date",
        "provisional",
        "state",
        "closed_on",
        "late_workdays",
        "district",
    ]
    list_filter = ["state", "kind", "provisional", "district"]
    list_select_related = ["responsible_organization", "district"]
    search_fields = ["project_label", "subject_repr", "title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_name", "action_label", "object_repr", "from_state", "to_state", "ip"]
    list_filter = ["action", "district"]
    search_fields = ["object_repr", "actor_name", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
