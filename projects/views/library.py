"""Staff pages of the library after admission (issue 10 items 4–7): the forms the project page posts for
the path, 上报市级, 纳入城市更新计划, removal and 实施条件认定, and the city-plan page where staff mark many
projects at once. Rules are in `projects.library.LIBRARY` and `projects.services.INTAKE`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views import View

from projects import library, services
from projects.choices import Path
from projects.models import CityPlanBatch, Project
from projects.selectors import ledger_queryset
from renewal import calendar as workdays
from renewal.attachments import validate_upload
from renewal.choices import Role
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused

PAGE_SIZE = 50


def _refuse(form, workflow, action: str, request, project) -> None:
    """An invalid form: the step's own refusal (state, who may act) comes first, then the form's errors;
    both are shown on the project page where the step was asked for."""
    refusal = workflow.refusal(project, action, user=request.user, reason=None)
    if refusal:
        raise TransitionRefused(refusal)
    errors = [
        f"{form.fields[name].label}：{error}" if name in form.fields else error
        for name, errors in form.errors.items()
        for error in errors
    ]
    raise TransitionRefused("；".join(errors), list(form.errors))


class PathForm(forms.Form):
    path = forms.ChoiceField(
        label="实施路径", choices=Path.choices, error_messages={"required": "请选择实施路径。"}
    )
    designated = forms.BooleanField(label="区政府确定需编制实施方案（联审管理办法第二条(4)）", required=False)
    reason = forms.CharField(
        label="确定理由及依据", error_messages={"required": "请填写确定理由及依据（如区政府会议纪要文号）。"}
    )


class CityReportForm(forms.Form):
    reported_on = forms.DateField(
        label="上报市级日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写上报市级日期。", "invalid": "请输入有效日期，如 2025-06-30。"},
    )


class CityPlanForm(forms.Form):
    batch = forms.ModelChoiceField(
        label="城市更新计划批次",
        queryset=CityPlanBatch.objects.all(),
        error_messages={"required": "请选择批次。", "invalid_choice": "请选择已登记的批次。"},
    )


class RemovalForm(forms.Form):
    reason = forms.CharField(label="调出理由", error_messages={"required": "请填写调出理由。"})
    document = forms.CharField(
        label="依据文号", max_length=120, error_messages={"required": "请填写调出项目库的依据文号。"}
    )


class ImplementationForm(forms.Form):
    planning_requirements = forms.CharField(
        label="规划要求",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写规划要求。"},
    )
    function_requirements = forms.CharField(
        label="功能要求",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写功能要求。"},
    )
    supervision_requirements = forms.CharField(
        label="监管要求",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写监管要求。"},
    )
    confirmation = forms.FileField(label="统筹或实施主体确认文件", required=False)
    reason = forms.CharField(label="认定意见", error_messages={"required": "请填写实施条件认定意见。"})

    def clean_confirmation(self):
        upload = self.cleaned_data.get("confirmation")
        if upload:
            validate_upload(upload)
        return upload


def perform_set_path(request, project, text):
    form = PathForm(request.POST)
    if not form.is_valid():
        _refuse(form, library.LIBRARY, "set_path", request, project)
    data = form.cleaned_data
    return library.set_path(
        project,
        actor=request.user,
        path=data["path"],
        designated=data["designated"],
        reason=data["reason"],
        request=request,
    )


def perform_report(request, project, text):
    form = CityReportForm(request.POST)
    if not form.is_valid():
        _refuse(form, library.LIBRARY, "report_to_city", request, project)
    return library.report_to_city(
        project, actor=request.user, reported_on=form.cleaned_data["reported_on"], request=request
    )


def perform_city_plan(request, project, text):
    form = CityPlanForm(request.POST)
    if not form.is_valid():
        _refuse(form, library.LIBRARY, "admit_to_city_plan", request, project)
    return library.admit_to_city_plan(
        project, actor=request.user, batch=form.cleaned_data["batch"], request=request
    )


def perform_remove(request, project, text):
    form = RemovalForm(request.POST)
    if not form.is_valid():
        _refuse(form, library.LIBRARY, "remove", request, project)
    data = form.cleaned_data
    return library.remove(
        project, actor=request.user, reason=data["reason"], document=data["document"], request=request
    )


def perform_implementation(request, project, text):
    form = ImplementationForm(request.POST, request.FILES)
    if not form.is_valid():
        _refuse(form, services.INTAKE, "move_to_implementation", request, project)
    data = form.cleaned_data
    return services.move_to_implementation(
        project,
        actor=request.user,
        reason=data["reason"],
        requirements={key: data[key] for key in services.IMPLEMENTATION_REQUIREMENTS},
        confirmation=data["confirmation"] or None,
        request=request,
    )


# The LIBRARY steps the project page posts to projects:project_action, by name.
PERFORM = {
    "set_path": perform_set_path,
    "report_to_city": perform_report,
    "admit_to_city_plan": perform_city_plan,
    "remove": perform_remove,
}


def detail_forms(project) -> dict:
    return {
        "path_form": PathForm(initial={"path": project.path, "designated": project.designated_by_government}),
        "report_form": CityReportForm(initial={"reported_on": workdays.today()}),
        "city_plan_form": CityPlanForm(),
    }


# --- the city-plan page ---------------------------------------------------------------------------


class BatchForm(forms.ModelForm):
    class Meta:
        model = CityPlanBatch
        fields = ["name", "document_number", "approved_on", "approving_body"]
        widgets = {"approved_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "name": {"required": "请填写批次名称。", "unique": "该批次名称已登记，请直接选择。"},
            "document_number": {"required": "请填写文号。"},
            "approved_on": {"required": "请填写批准日期。", "invalid": "请输入有效日期，如 2025-06-30。"},
            "approving_body": {"required": "请填写批准机关。"},
        }

    def clean_approved_on(self):
        value = self.cleaned_data["approved_on"]
        if value > workdays.today():
            raise forms.ValidationError("批准日期不能晚于今天。")
        return value


class SelectionForm(forms.Form):
    projects = forms.ModelMultipleChoiceField(
        label="项目", queryset=Project.objects.none(), error_messages={"required": "请至少勾选一个项目。"}
    )
    step = forms.ChoiceField(
        choices=[("report_to_city", "上报市级"), ("admit_to_city_plan", "纳入城市更新计划")],
        error_messages={"required": "请选择操作。", "invalid_choice": "请选择操作。"},
    )
    reported_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    batch = forms.ModelChoiceField(queryset=CityPlanBatch.objects.all(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = Project.objects.visible_to(user).filter(
            stage__in=library.CITY_PLAN_STAGES
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("step") == "report_to_city" and not cleaned.get("reported_on"):
            self.add_error("reported_on", "请填写上报市级日期。")
        if cleaned.get("step") == "admit_to_city_plan" and not cleaned.get("batch"):
            self.add_error("batch", "请选择城市更新计划批次。")
        return cleaned


class CityPlanView(RoleRequiredMixin, View):
    """城市更新计划: staff report library projects to the city and mark those a batch admitted."""

    allowed_roles = (Role.STAFF,)
    FILTERS = {
        "": "全部",
        "unreported": "未上报市级",
        "reported": "已上报、未纳入计划",
        "planned": "已纳入计划",
    }

    def _render(self, request, selection=None, batch_form=None, status=200):
        user = request.user
        shown = request.GET.get("show", "")
        if shown not in self.FILTERS:
            shown = ""
        queryset = ledger_queryset(user).filter(
            stage__in=library.CITY_PLAN_STAGES, district_id=user.district_id
        )
        queryset = queryset.select_related("city_plan_batch").order_by("reported_to_city_on", "code", "pk")
        if shown == "unreported":
            queryset = queryset.filter(reported_to_city_on__isnull=True)
        elif shown == "reported":
            queryset = queryset.filter(reported_to_city_on__isnull=False, city_plan_batch__isnull=True)
        elif shown == "planned":
            queryset = queryset.filter(city_plan_batch__isnull=False)
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        batches = CityPlanBatch.objects.annotate(
            here=Count("projects", filter=Q(projects__district_id=user.district_id))
        )
        selection = selection or SelectionForm(user=user)
        context = {
            "reported_on_value": selection.data.get("reported_on", "")
            if selection.is_bound
            else workdays.today().isoformat(),
            "page": page,
            "filters": self.FILTERS,
            "shown": shown,
            "selection": selection,
            "batch_form": batch_form or BatchForm(),
            "batches": [(b, b.here) for b in batches],
        }
        return render(request, "projects/city_plan.html", context, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        if request.POST.get("form") == "batch":
            form = BatchForm(request.POST)
            if not form.is_valid():
                return self._render(request, batch_form=form, status=400)
            batch = form.save(commit=False)
            batch.created_by = request.user
            batch.save()
            messages.success(request, f"已登记城市更新计划批次：{batch.name}（{batch.document_number}）。")
            return redirect("projects:city_plan")
        selection = SelectionForm(request.POST, user=request.user)
        if not selection.is_valid():
            return self._render(request, selection=selection, status=400)
        data = selection.cleaned_data
        if data["step"] == "report_to_city":
            done, refused = library.apply_to_each(
                data["projects"], library.report_to_city, actor=request.user, reported_on=data["reported_on"]
            )
        else:
            done, refused = library.apply_to_each(
                data["projects"], library.admit_to_city_plan, actor=request.user, batch=data["batch"]
            )
        label = library.LIBRARY.get(data["step"]).label
        if done:
            messages.success(request, f"已{label}：{len(done)}个项目。")
        for project, reason in refused:
            messages.error(request, f"{project.code} {project.name}：{reason}")
        return redirect("projects:city_plan")
