"""Permits pages (DOMAIN.md §3 steps 9–12): the list of projects in permits and after, one project's
permits / construction / completion page, the monthly report form, and who has not reported. Each POST
validates a form and calls one service; refusals come back as messages. Buttons come from the workflow
tables (`available_for`); no view restates a rule."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from permits import forms, services
from permits.choices import MonthState, Procedure, WorksState
from permits.models import InvestmentMonth, MonthlyInvestmentReport, PermitLine
from permits.selectors import investment_figures
from permits.workflows import INVESTMENT_MONTH, PERMIT_LINE, WORKS
from projects.choices import Stage
from projects.models import Project
from renewal import calendar as workdays
from renewal.choices import DepartmentCode, Role
from renewal.models import Deadline
from renewal.permissions import get_visible_or_404, require
from renewal.selectors import deadlines_with_lights, worst_of
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused

READ_ROLES = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR)
ACTING_ROLES = (Role.STAFF, Role.ENTITY, Role.ADMINISTRATOR)
# Auditors read every list of their scope (DOMAIN.md §1), including who has not reported.
MISSING_ROLES = (Role.STAFF, Role.REVIEWER, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR)
PERMIT_STAGES = (Stage.PERMITS, Stage.CONSTRUCTION, Stage.COMPLETION, Stage.COMPLETED, Stage.EXITED)
OTHER_PATH_STAGES = (Stage.IMPLEMENTATION,)
PAGE_SIZE = 20


def offered(workflow, user, obj, **context):
    """The steps a page offers this user on obj from its current state (allowed, or why not)."""
    from_here = {t.action for t in workflow.available(obj)}
    return {
        row.action: row
        for row in workflow.available_for(user, obj, **context)
        if row.permitted and row.action in from_here
    }


def visible_project(request, pk) -> Project:
    return get_visible_or_404(
        Project.objects.select_related("district", "sub_type", "implementing_entity"), request.user, pk=pk
    )


def refuse_unless_permitted(workflow, action, user, obj):
    transition = workflow.get(action)
    require(transition.may_act(user, obj), transition.actor_refusal or f"您不能{transition.label}。")


class WorksListView(RoleRequiredMixin, View):
    """Projects from 行政许可办理 to 已出库, with the worst open deadline's light; filter by stage and name."""

    allowed_roles = READ_ROLES

    def get(self, request):
        projects = (
            Project.objects.visible_to(request.user)
            .filter(stage__in=PERMIT_STAGES + OTHER_PATH_STAGES)
            .select_related("district", "implementing_entity")
            .order_by("-updated_at", "-pk")
        )
        stage = request.GET.get("stage", "")
        if stage in PERMIT_STAGES + OTHER_PATH_STAGES:
            projects = projects.filter(stage=stage)
        elif stage:
            messages.error(request, "未知的阶段筛选，已显示全部。")
        q = request.GET.get("q", "").strip()
        if q:
            projects = projects.filter(Q(name__icontains=q) | Q(code__icontains=q))
        page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
        ids = [p.pk for p in page.object_list]
        today = workdays.today()
        open_rows = Deadline.objects.filter(
            project_object_id__in=ids, project_content_type__model="project", state="open"
        )
        by_project = {}
        for row in deadlines_with_lights(open_rows, today):
            by_project.setdefault(int(row.deadline.project_object_id), []).append(row)
        figures = investment_figures(ids, year=today.year)
        rows = [
            {
                "project": p,
                "worst": worst_of(by_project.get(p.pk, [])),
                "figures": figures.get(p.pk, {}),
                # Every completed project says when it leaves the library (Haidian guidance 五(七)).
                "exit_on": services.library_exit_date(p.completion_accepted_on)
                if p.completion_accepted_on and not p.library_exit_on
                else None,
            }
            for p in page.object_list
        ]
        stages = [(s, Stage(s).label) for s in OTHER_PATH_STAGES + PERMIT_STAGES]
        return render(
            request,
            "permits/works_list.html",
            {"page": page, "rows": rows, "stages": stages, "stage": stage, "q": q},
        )


def works_context(request, project, **forms_in_error):
    works = services.works_for(project)
    user = request.user
    lines = sorted(
        PermitLine.objects.filter(project=project).prefetch_related("attachments"),
        key=lambda line: list(Procedure.values).index(line.procedure),
    )
    line_rows = [{"line": line, "actions": offered(PERMIT_LINE, user, line)} for line in lines]
    months = list(InvestmentMonth.objects.filter(project=project).order_by("-month"))
    month_deadlines = {
        d.object_id: d
        for d in Deadline.objects.filter(
            content_type__model="investmentmonth", object_id__in=[m.pk for m in months]
        )
    }
    lights = {row.deadline.object_id: row for row in deadlines_with_lights(month_deadlines.values())}
    reports = {
        r.period_id: r for r in MonthlyInvestmentReport.objects.filter(project=project, is_current=True)
    }
    month_rows = [
        {
            "month": m,
            "report": reports.get(m.pk),
            "deadline": lights.get(m.pk),
            "actions": offered(INVESTMENT_MONTH, user, m),
        }
        for m in months
    ]
    works_deadlines = deadlines_with_lights(Deadline.objects.for_subject(works))
    actions = offered(WORKS, user, works)
    today = workdays.today()
    context = {
        "project": project,
        "works": works,
        "line_rows": line_rows,
        "month_rows": month_rows,
        "actions": actions,
        "works_deadlines": works_deadlines,
        "figures": investment_figures([project.pk], year=today.year)[project.pk],
        "annual_plans": project.annual_plans.all(),
        "exit_on": services.library_exit_date(project.completion_accepted_on)
        if project.completion_accepted_on
        else None,
        # Before the first proposal, the jointly reviewed plan's facts are offered as the starting point.
        "facts_form": forms.FactsForm(
            instance=works, initial=None if lines else services.facts_from_plan(project) or None
        ),
        "change_form": forms.ChangeLineForm(),
        "grant_form": forms.GrantForm(),
        "enter_form": forms.EnterPermitsForm(),
        "start_form": forms.StartWorksForm(initial={"planned_completion_on": works.planned_completion_on}),
        "construction_form": forms.ConstructionForm(
            instance=works,
            # Haidian guidance 五(二): the agreement is signed with 中关村科学城管委会 in Haidian.
            initial=None
            if works.supervision_agreement_body
            else {"supervision_agreement_body": DepartmentCode.ZGC.label},
        ),
        "annual_form": forms.AnnualPlanForm(initial={"year": today.year}),
        "builder_form": forms.BuilderAcceptanceForm(),
        "apply_form": forms.JointApplicationForm(initial={"applied_on": today}),
        "pass_form": forms.JointPassForm(),
        "separate_form": forms.SeparateAcceptanceForm(),
        "registration_form": forms.RegistrationForm(),
        "licence_form": forms.LicenceForm(),
        "WorksState": WorksState,
    }
    context.update(forms_in_error)
    return context


class WorksDetailView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def get(self, request, pk):
        project = visible_project(request, pk)
        if project.stage not in PERMIT_STAGES + OTHER_PATH_STAGES:
            raise Http404("项目尚未进入行政许可阶段。")
        return render(request, "permits/works_detail.html", works_context(request, project))


# Each works action: the form that types its input and the service call.
WORKS_ACTIONS = {
    "enter_permits": (
        "enter_form",
        forms.EnterPermitsForm,
        lambda p, u, d, r: services.enter_permits(p, actor=u, approval=d, request=r),
        "已登记行业方案批复，项目转入行政许可办理。",
    ),
    "propose": (
        "facts_form",
        forms.FactsForm,
        lambda p, u, d, r: services.propose_checklist(p, actor=u, facts=d, request=r),
        "已根据项目情况生成许可清单，请主管部门确认。",
    ),
    "start_works": (
        "start_form",
        forms.StartWorksForm,
        lambda p, u, d, r: services.start_works(p, actor=u, request=r, **d),
        "已登记开工。",
    ),
    "record_construction": (
        "construction_form",
        forms.ConstructionForm,
        lambda p, u, d, r: services.record_construction(p, actor=u, data=d, request=r),
        "已保存建设管理信息。",
    ),
    "record_annual_plan": (
        "annual_form",
        forms.AnnualPlanForm,
        lambda p, u, d, r: services.record_annual_plan(p, actor=u, request=r, **d),
        "已保存年度计划投资。",
    ),
    "record_builder_acceptance": (
        "builder_form",
        forms.BuilderAcceptanceForm,
        lambda p, u, d, r: services.record_builder_acceptance(p, actor=u, request=r, **d),
        "已登记竣工验收（自查）合格。",
    ),
    "apply_joint_acceptance": (
        "apply_form",
        forms.JointApplicationForm,
        lambda p, u, d, r: services.apply_joint_acceptance(p, actor=u, request=r, **d),
        "已登记联合验收申请。",
    ),
    "pass_joint_acceptance": (
        "pass_form",
        forms.JointPassForm,
        lambda p, u, d, r: services.pass_joint_acceptance(p, actor=u, request=r, **d),
        "已登记联合验收通过。",
    ),
    "accept_separately": (
        "separate_form",
        forms.SeparateAcceptanceForm,
        lambda p, u, d, r: services.accept_separately(p, actor=u, request=r, **d),
        "已登记竣工验收。",
    ),
    "record_registration": (
        "registration_form",
        forms.RegistrationForm,
        lambda p, u, d, r: services.record_registration(p, actor=u, request=r, **d),
        "已登记不动产登记。",
    ),
    "record_business_licence": (
        "licence_form",
        forms.LicenceForm,
        lambda p, u, d, r: services.record_business_licence(p, actor=u, request=r, **d),
        "已登记营业执照。",
    ),
}


class WorksActionView(RoleRequiredMixin, View):
    allowed_roles = ACTING_ROLES

    def post(self, request, pk, action):
        if action not in WORKS_ACTIONS:
            raise Http404("未知的操作。")
        project = visible_project(request, pk)
        works = services.works_for(project)
        refuse_unless_permitted(WORKS, action, request.user, works)
        form_name, form_class, call, done = WORKS_ACTIONS[action]
        kwargs = {"instance": works} if issubclass(form_class, forms.forms.ModelForm) else {}
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            context = works_context(request, project, **{form_name: form})
            context["open_form"] = action
            messages.error(request, "请检查填写的内容。")
            return render(request, "permits/works_detail.html", context, status=400)
        data = form.cleaned_data
        try:
            call(project, request.user, data, request)
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
            return render(request, "permits/works_detail.html", works_context(request, project), status=409)
        messages.success(request, done)
        return redirect("permits:works", pk=project.pk)


class LineActionView(RoleRequiredMixin, View):
    allowed_roles = ACTING_ROLES

    def post(self, request, pk, action):
        if action not in ("confirm", "change", "grant"):
            raise Http404("未知的操作。")
        line = get_visible_or_404(PermitLine.objects.select_related("project"), request.user, pk=pk)
        refuse_unless_permitted(PERMIT_LINE, action, request.user, line)
        try:
            if action == "confirm":
                services.confirm_line(line, actor=request.user, request=request)
            elif action == "change":
                form = forms.ChangeLineForm(request.POST)
                if not form.is_valid():
                    return self.invalid(request, line, form, "change_form")
                services.change_line(line, actor=request.user, request=request, **form.cleaned_data)
            else:
                form = forms.GrantForm(request.POST, request.FILES)
                if not form.is_valid():
                    return self.invalid(request, line, form, "grant_form")
                record = dict(form.cleaned_data)
                scan = record.pop("scan", None)
                services.grant_line(line, actor=request.user, record=record, scan=scan, request=request)
        except TransitionRefused as refusal:
            messages.error(request, f"{line.get_procedure_display()}：{refusal.message}")
            return render(
                request, "permits/works_detail.html", works_context(request, line.project), status=409
            )
        messages.success(request, f"已{PERMIT_LINE.get(action).label}：{line.get_procedure_display()}。")
        return redirect("permits:works", pk=line.project_id)

    def invalid(self, request, line, form, name):
        messages.error(request, f"{line.get_procedure_display()}：请检查填写的内容。")
        context = works_context(request, line.project, **{name: form})
        context["open_line"] = line.pk
        return render(request, "permits/works_detail.html", context, status=400)


class MonthReportView(RoleRequiredMixin, View):
    """One month's report: every version, and the form (pre-filled from the last month) for the entity."""

    allowed_roles = READ_ROLES

    def context(self, request, period, form=None):
        last = services.last_report(period.project, before=period.month)
        current = period.reports.filter(is_current=True).first()
        source = current or last
        initial = {}
        if source is not None:
            initial = {
                "invested": current.invested if current else None,
                "progress_text": source.progress_text,
                "narrative": source.narrative,
                "problems": source.problems,
                "next_steps": source.next_steps,
            }
        deadline_rows = deadlines_with_lights(Deadline.objects.for_subject(period))
        return {
            "period": period,
            "project": period.project,
            "versions": period.reports.order_by("-version").prefetch_related("attachments"),
            "form": form or forms.ReportForm(initial=initial),
            "prefilled_from": None if current or last is None else last.month,
            "actions": offered(INVESTMENT_MONTH, request.user, period),
            "deadline": deadline_rows[0] if deadline_rows else None,
        }

    def get_period(self, request, pk):
        return get_visible_or_404(InvestmentMonth.objects.select_related("project"), request.user, pk=pk)

    def get(self, request, pk):
        period = self.get_period(request, pk)
        return render(request, "permits/month_report.html", self.context(request, period))

    def post(self, request, pk):
        period = self.get_period(request, pk)
        refuse_unless_permitted(INVESTMENT_MONTH, "report", request.user, period)
        form = forms.ReportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(
                request, "permits/month_report.html", self.context(request, period, form), status=400
            )
        data = dict(form.cleaned_data)
        photo = data.pop("photo", None)
        try:
            report = services.submit_report(
                period, actor=request.user, data=data, photos=[photo] if photo else [], request=request
            )
        except TransitionRefused as refusal:
            form.add_error(None, refusal.message)
            return render(
                request, "permits/month_report.html", self.context(request, period, form), status=409
            )
        messages.success(
            request, f"已填报{period.month.year}年{period.month.month}月投资月报（第{report.version}版）。"
        )
        return redirect("permits:works", pk=period.project_id)


class MissingReportsView(RoleRequiredMixin, View):
    """Months not yet reported, by project: the sub-type's lead department sees its own sub-types."""

    allowed_roles = MISSING_ROLES

    def get(self, request):
        months = (
            InvestmentMonth.objects.visible_to(request.user)
            .filter(state=MonthState.DUE)
            .select_related("project", "project__implementing_entity", "project__sub_type")
            .order_by("month", "project__code")
        )
        user = request.user
        if user.role == Role.REVIEWER:
            code = user.organization.department_code
            months = months.filter(project__sub_type__lead_department=code) if code else months.none()
        only_overdue = request.GET.get("overdue") == "1"
        deadlines = {
            d.object_id: d
            for d in Deadline.objects.filter(
                content_type__model="investmentmonth", object_id__in=months.values("pk")
            )
        }
        rows = []
        lights = {row.deadline.object_id: row for row in deadlines_with_lights(deadlines.values())}
        for period in months:
            light = lights.get(period.pk)
            if only_overdue and not (light and light.light.light == "red"):
                continue
            rows.append({"period": period, "deadline": light})
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        department = (
            DepartmentCode(user.organization.department_code).label
            if user.role == Role.REVIEWER and user.organization.department_code
            else ""
        )
        return render(
            request,
            "permits/missing_reports.html",
            {"page": page, "only_overdue": only_overdue, "department": department},
        )
