"""Staff cataloguing of a library project (issue 10 follow-ups): an imported project's category and
sub-type, and a 跨区 project's listed districts. Rules are in `projects.catalogue.CATALOGUE`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views import View

from projects import catalogue
from projects.models import Category, Project, SubType
from renewal.choices import Role
from renewal.models import District
from renewal.permissions import get_visible_or_404
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused

CATALOGUE_ROLES = (Role.STAFF, Role.ADMINISTRATOR)
REASON_ERRORS = {"required": "请填写原因。", "max_length": "原因不超过 500 个字。"}


class CategoryForm(forms.Form):
    category = forms.ModelChoiceField(
        label="类别",
        queryset=Category.objects.all(),
        error_messages={"required": "请选择类别。", "invalid_choice": "请选择有效的类别。"},
    )
    sub_type = forms.ModelChoiceField(
        label="子类",
        queryset=SubType.objects.select_related("category"),
        help_text="牵头部门按子类确定",
        error_messages={"required": "请选择子类。", "invalid_choice": "请选择有效的子类。"},
    )
    reason = forms.CharField(
        label="编目依据/原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=REASON_ERRORS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("category", "sub_type"):
            css = "form-select form-select-sm"
            self.fields[name].widget.attrs["class"] = f"{css} is-invalid" if self.errors.get(name) else css
        self.fields["sub_type"].label_from_instance = lambda s: (
            f"{s.category.name} / {s.name}（{s.get_lead_department_display()}牵头）"
        )


class DistrictsForm(forms.Form):
    districts = forms.ModelMultipleChoiceField(
        label="涉及区域",
        queryset=District.objects.all(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": "请至少选择一个区。", "invalid_choice": "请选择有效的行政区。"},
    )
    reason = forms.CharField(
        label="调整原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=REASON_ERRORS,
    )


FORMS = {"set_category": CategoryForm, "set_districts": DistrictsForm}


def project_queryset():
    return Project.objects.select_related("district", "category", "sub_type").prefetch_related("districts")


class CatalogueView(RoleRequiredMixin, View):
    """项目编目: the two staff steps of CATALOGUE on one page, each offered or refused by the table."""

    allowed_roles = CATALOGUE_ROLES

    def get(self, request, pk):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        return self._render(request, project, {})

    def post(self, request, pk):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        step = request.POST.get("step", "")
        if step not in FORMS:
            messages.error(request, "未知的操作。")
            return self._render(request, project, {}, status=400)
        form = FORMS[step](request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if step == "set_category":
                    catalogue.set_category(
                        project,
                        actor=request.user,
                        category=data["category"],
                        sub_type=data["sub_type"],
                        reason=data["reason"],
                        request=request,
                    )
                    messages.success(
                        request, f"已编目为“{data['category'].name} / {data['sub_type'].name}”。"
                    )
                else:
                    catalogue.set_districts(
                        project,
                        actor=request.user,
                        districts=list(data["districts"]),
                        reason=data["reason"],
                        request=request,
                    )
                    messages.success(request, "已调整项目涉及区域。")
                return redirect("projects:project_detail", pk=project.pk)
            except TransitionRefused as refused:
                form.add_error(None, refused.message)
        return self._render(request, project, {step: form}, status=400)

    def _render(self, request, project, bound, status=200):
        offered = {row.action: row for row in catalogue.CATALOGUE.available_for(request.user, project)}
        listed = catalogue.listed_districts(project)
        forms_by_step = {
            "set_category": bound.get("set_category")
            or CategoryForm(initial={"category": project.category_id, "sub_type": project.sub_type_id}),
            "set_districts": bound.get("set_districts")
            or DistrictsForm(initial={"districts": [d.pk for d in listed]}),
        }
        return render(
            request,
            "projects/catalogue.html",
            {
                "project": project,
                "listed": listed,
                "steps": [(offered[step], form) for step, form in forms_by_step.items()],
            },
            status=status,
        )
