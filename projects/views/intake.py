"""Intake pages: the entity's application form, the project page with its actions, opinions, the notice."""

from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from projects import library, services
from projects.choices import REQUIRED_INTAKE_MATERIALS, Stage
from projects.forms import AttachmentForm, OpinionForm, ProjectForm, ReasonForm, RouteForm
from projects.models import AdmissionNotice, IntakeOpinion, Project
from projects.selectors import project_timeline
from projects.templatetags.ledger_rows import INTAKE_ROW_FIELDS
from projects.views import library as library_views
from renewal.choices import DeadlineState, Role
from renewal.models import Attachment, Deadline
from renewal.permissions import get_visible_or_404
from renewal.selectors import deadlines_with_lights
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused, workflows

PROJECT_ROLES = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR)


def project_queryset():
    return Project.objects.select_related(
        "district", "category", "sub_type", "implementing_entity", "coordinating_entity"
    )


CHECKLIST_STAGES = (Stage.DRAFT, Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SUPPLEMENT)


def material_checklist(attachments) -> list[dict]:
    """Each required intake material with the current files of that kind (none: still missing)."""
    return [
        {"kind": kind, "files": [a for a in attachments if a.kind == kind]}
        for kind in REQUIRED_INTAKE_MATERIALS
    ]


def offered(workflow, rows, obj) -> dict:
    """The steps to show the user, by name: their own steps that are allowed now, and those the current
    state allows but something is still missing for (shown disabled, with the reason)."""
    in_state = {t.action for t in workflow.available(obj)}
    return {row.action: row for row in rows if row.permitted and (row.allowed or row.action in in_state)}


def refusal_for_role(workflow, action: str, user, obj, refusal: TransitionRefused) -> None:
    """A step refused because of who the user is answers 403 with the table's reason (like a page the
    role may not use); any other refusal is shown where the step was asked for."""
    if not workflow.get(action).may_act(user, obj):
        raise PermissionDenied(refusal.message)


def upload_form(attachments) -> AttachmentForm:
    """The upload form, its type preset to the first required material still missing."""
    present = {a.kind for a in attachments}
    missing = [kind for kind in REQUIRED_INTAKE_MATERIALS if kind not in present]
    return AttachmentForm(initial={"kind": missing[0]} if missing else {})


def form_context(form, project=None) -> dict:
    files = list(Attachment.objects.for_object(project).current()) if project is not None else []
    return {"form": form, "project": project, "checklist": material_checklist(files)}


def refusal_as_form_error(form, refusal: TransitionRefused) -> None:
    """A service refusal shown where the form shows errors (next to the field when it names one)."""
    field = {"子类": "sub_type", "类别": "category", "统筹主体": "coordinating_entity"}.get(
        (refusal.missing or [""])[0]
    )
    form.add_error(field, refusal.message)


class ProjectCreateView(RoleRequiredMixin, View):
    allowed_roles = (Role.ENTITY,)

    def get(self, request):
        form = ProjectForm(district=request.user.district)
        return render(request, "projects/project_form.html", form_context(form))

    def post(self, request):
        form = ProjectForm(request.POST, district=request.user.district)
        if form.is_valid():
            try:
                project = services.create_draft(actor=request.user, data=form.cleaned_data, request=request)
            except TransitionRefused as refusal:
                refusal_as_form_error(form, refusal)
            else:
                messages.success(
                    request,
                    "入库申请草稿已保存。请上传" + "、".join(REQUIRED_INTAKE_MATERIALS) + "等材料后提交。",
                )
                return redirect("projects:project_detail", pk=project.pk)
        return render(request, "projects/project_form.html", form_context(form), status=400)


class ProjectEditView(RoleRequiredMixin, View):
    allowed_roles = (Role.ENTITY,)

    def _context(self, request, form, project) -> dict:
        rows = services.project_actions(request.user, project)
        return {**form_context(form, project), "edit": next(row for row in rows if row.action == "edit")}

    def get(self, request, pk):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        form = ProjectForm(instance=project, district=project.district)
        return render(request, "projects/project_form.html", self._context(request, form, project))

    def post(self, request, pk):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        form = ProjectForm(request.POST, instance=Project.objects.get(pk=pk), district=project.district)
        if not form.is_valid():
            context = self._context(request, form, project)
            return render(request, "projects/project_form.html", context, status=400)
        try:
            services.update_draft(project, actor=request.user, data=form.cleaned_data, request=request)
        except TransitionRefused as refusal:
            refusal_for_role(services.INTAKE, "edit", request.user, project, refusal)
            if not refusal.missing:  # a state refusal: nothing to correct in the form
                messages.error(request, refusal.message)
                return redirect("projects:project_detail", pk=pk)
            refusal_as_form_error(form, refusal)
            context = self._context(request, form, project)
            return render(request, "projects/project_form.html", context, status=400)
        messages.success(request, "申请内容已保存。")
        return redirect("projects:project_detail", pk=pk)


class ProjectDetailView(RoleRequiredMixin, View):
    """Facts, attachments, opinions by round, supplement rounds, open deadlines and the timeline."""

    allowed_roles = PROJECT_ROLES

    def get(self, request, pk):
        project = get_visible_or_404(
            project_queryset().prefetch_related(
                Prefetch(
                    "intake_opinions",
                    # Each row is scoped too: a department reads only its own opinions.
                    queryset=IntakeOpinion.objects.visible_to(request.user).select_related(
                        "department", "decided_by"
                    ),
                ),
                "supplement_requests",
                Prefetch(
                    "attachments", queryset=Attachment.objects.select_related("uploaded_by", "superseded_by")
                ),
                Prefetch(
                    "deadlines",
                    queryset=Deadline.objects.visible_to(request.user).select_related(
                        "responsible_organization"
                    ),
                ),
            ),
            request.user,
            pk=pk,
        )
        user = request.user
        actions = offered(services.INTAKE, services.project_actions(user, project), project)
        library_rows = [
            replace(row, confirm=row.confirm.format(name=project.name)) if row.confirm else row
            for row in library.LIBRARY.available_for(user, project)
        ]
        actions |= offered(library.LIBRARY, library_rows, project)
        deadlines = list(project.deadlines.all())
        open_rows = deadlines_with_lights([d for d in deadlines if d.state == DeadlineState.OPEN])
        closed = [d for d in deadlines if d.state != DeadlineState.OPEN]
        rounds: dict[int, list] = {}
        for opinion in project.intake_opinions.all():
            rounds.setdefault(opinion.round, []).append(opinion)
        attachments = [a for a in project.attachments.all() if not hasattr(a, "superseded_by")]
        supplement = next(
            (s for s in reversed(project.supplement_requests.all()) if s.responded_on is None), None
        )
        upload = actions.get("upload")
        context = {
            "project": project,
            "actions": actions,
            "checklist": material_checklist(attachments) if project.stage in CHECKLIST_STAGES else None,
            "open_supplement": supplement if project.stage == Stage.SUPPLEMENT else None,
            "open_rows": open_rows,
            "closed_deadlines": closed,
            "rounds": sorted(rounds.items()),
            "supplements": list(project.supplement_requests.all()),
            "attachments": attachments,
            "old_attachments": [a for a in project.attachments.all() if hasattr(a, "superseded_by")],
            "events": project_timeline(project, user),
            "notice": AdmissionNotice.objects.filter(project=project).first(),
            "attachment_form": upload_form(attachments) if upload and upload.allowed else None,
            "route_form": RouteForm(project=project) if "route" in actions else None,
            "my_opinions": services.answerable_opinions(user, project.intake_opinions.all()),
            "plan": visible_plan(project, user),
            "plan_start": plan_start(project, user),
            "implementation_form": library_views.ImplementationForm(
                initial={key: getattr(project, key) for key in services.IMPLEMENTATION_REQUIREMENTS}
            )
            if "move_to_implementation" in actions
            else None,
            "city_plan_missing": services.city_plan_missing(project) if project.library != "none" else None,
            **library_views.detail_forms(project),
        }
        return render(request, "projects/project_detail.html", context)


def plan_start(project, user):
    """The later stage's first step on this project (the review app's `plan_start` table, asked by name so
    the project library does not depend on the app that builds on it); None where no such table exists."""
    table = workflows().get("plan_start")
    if table is None:
        return None
    return next((row for row in table.available_for(user, project) if row.action == "start"), None)


def visible_plan(project, user):
    """The project's plan, only when the viewer may open it (a department not routed to it may not)."""
    plan = getattr(project, "plan", None)
    if plan is None or not type(plan).objects.visible_to(user).filter(pk=plan.pk).exists():
        return None
    return plan


class AttachmentUploadView(RoleRequiredMixin, View):
    allowed_roles = (Role.ENTITY,)

    def post(self, request, pk):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        form = AttachmentForm(request.POST, request.FILES)
        replaces = None
        if request.POST.get("replaces", "").isdigit():
            replaces = Attachment.objects.for_object(project).filter(pk=int(request.POST["replaces"])).first()
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("projects:project_detail", pk=pk)
        try:
            attachment = services.add_material(
                project,
                form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                actor=request.user,
                replaces=replaces,
                request=request,
            )
        except TransitionRefused as refusal:
            refusal_for_role(services.INTAKE, "upload", request.user, project, refusal)
            messages.error(request, refusal.message)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, f"已上传：{attachment}")
        return redirect("projects:project_detail", pk=pk)


def _route(request, project, text):
    form = RouteForm(request.POST, project=project)
    departments = form.cleaned_data["departments"] if form.is_valid() else []  # none: the table says so
    return services.route(project, actor=request.user, departments=departments, request=request)


# Each INTAKE step the project page posts here, with the fields of its form (`text`: the reason box).
PERFORM = {
    "submit": lambda request, project, text: services.submit(project, actor=request.user, request=request),
    "route": _route,
    "request_supplement": lambda request, project, text: services.request_supplement(
        project, actor=request.user, items=text, request=request
    ),
    "resubmit": lambda request, project, text: services.resubmit(
        project, actor=request.user, response=text, request=request
    ),
    "withdraw": lambda request, project, text: services.withdraw(
        project, actor=request.user, reason=text, request=request
    ),
    "delete": lambda request, project, text: services.delete_draft(
        project, actor=request.user, request=request
    ),
    "admit": lambda request, project, text: services.admit(
        project, actor=request.user, note=text, request=request
    ),
    "reject": lambda request, project, text: services.reject(
        project, actor=request.user, reason=text, request=request
    ),
    "move_to_implementation": library_views.perform_implementation,
    **library_views.PERFORM,
}


def workflow_of(action: str):
    """The table a step of the project page belongs to: INTAKE, or LIBRARY (path, city plan, removal)."""
    return library.LIBRARY if action in library_views.PERFORM else services.INTAKE


class ProjectActionView(RoleRequiredMixin, View):
    """POST one intake step; a refusal comes back as a message saying what is missing (403 when the
    step is not the user's to take)."""

    allowed_roles = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.ADMINISTRATOR)

    def post(self, request, pk, action):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        if action not in PERFORM:
            messages.error(request, "未知的操作。")
            return redirect("projects:project_detail", pk=pk)
        reason = ReasonForm(request.POST)
        text = reason.cleaned_data["reason"] if reason.is_valid() else ""
        try:
            PERFORM[action](request, project, text)
        except TransitionRefused as refusal:
            refusal_for_role(workflow_of(action), action, request.user, project, refusal)
            messages.error(request, refusal.message)
            return redirect("projects:project_detail", pk=pk)
        if action == "delete":
            messages.success(request, f"已删除草稿“{project.name}”。")
            return redirect("projects:intake_inbox")
        messages.success(request, f"已{workflow_of(action).get(action).label}。")
        return redirect("projects:project_detail", pk=pk)


class OpinionView(RoleRequiredMixin, View):
    """A department records its intake opinion."""

    allowed_roles = (Role.REVIEWER,)

    def _opinion(self, request, pk):
        return get_visible_or_404(
            IntakeOpinion.objects.select_related("project", "department"), request.user, pk=pk
        )

    def _page(self, request, opinion, form, status=200):
        rows = services.opinion_actions(request.user, opinion)
        context = {"opinion": opinion, "form": form, "decide": next(r for r in rows if r.action == "decide")}
        return render(request, "projects/opinion_form.html", context, status=status)

    def get(self, request, pk):
        return self._page(request, self._opinion(request, pk), OpinionForm())

    def post(self, request, pk):
        opinion = self._opinion(request, pk)
        form = OpinionForm(request.POST)
        if not form.is_valid():
            return self._page(request, opinion, form, status=400)
        try:
            services.record_opinion(
                opinion,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                text=form.cleaned_data["text"],
                request=request,
            )
        except TransitionRefused as refusal:
            refusal_for_role(services.INTAKE_OPINION, "decide", request.user, opinion, refusal)
            messages.error(request, refusal.message)
        else:
            messages.success(request, "审查意见已提交。")
        return redirect("projects:project_detail", pk=opinion.project_id)


class AdmissionNoticeView(RoleRequiredMixin, View):
    """The printable 入库通知书."""

    allowed_roles = PROJECT_ROLES

    def get(self, request, pk):
        notice = get_visible_or_404(
            AdmissionNotice.objects.select_related(
                "project__category",
                "project__sub_type",
                "district",
                "project__implementing_entity",
                "project__coordinating_entity",
            ),
            request.user,
            project_id=pk,
        )
        return render(
            request, "projects/admission_notice.html", {"notice": notice, "project": notice.project}
        )


class IntakeInboxView(RoleRequiredMixin, View):
    """Staff: received applications with their clocks; departments: opinions to give; entities: their filings."""

    allowed_roles = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.ADMINISTRATOR)
    INTAKE_STAGES = (Stage.DRAFT, Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SUPPLEMENT)
    page_size = 50

    def get(self, request):
        user = request.user
        context = {"pending_opinions": [], "rows": [], "page": None}
        if user.role == Role.REVIEWER:
            # Filtered and paginated in the database (issue 16): a department of the city is asked about
            # thousands of applications; one page is read.
            opinions = services.answerable_opinions_in(
                user,
                IntakeOpinion.objects.visible_to(user)
                .select_related("project", "project__category")
                .order_by("routed_at", "pk"),
            )
            page = Paginator(opinions, self.page_size).get_page(request.GET.get("page"))
            context["pending_opinions"] = list(page.object_list)
            context["page"] = page
        else:
            stages = self.INTAKE_STAGES if user.role == Role.ENTITY else self.INTAKE_STAGES[1:]
            queryset = (
                Project.objects.visible_to(user)
                .filter(stage__in=stages)
                .select_related("category", "sub_type")
                .only(*INTAKE_ROW_FIELDS)
                .prefetch_related(
                    Prefetch(
                        "deadlines",
                        queryset=Deadline.objects.visible_to(user).filter(state=DeadlineState.OPEN),
                        # As a list: prefetched into the manager, Django clones the filtered queryset once per
                        # project (a tenth of the page's time at 50 rows; issue 16).
                        to_attr="open_deadlines",
                    )
                )
                .order_by("received_on", "pk")
            )
            # A city's staff may have 14,000 pending applications (issue 16): one page is read and lit.
            page = Paginator(queryset, self.page_size).get_page(request.GET.get("page"))
            projects = list(page.object_list)
            rows = deadlines_with_lights([d for p in projects for d in p.open_deadlines])
            by_project: dict[int, list] = {}
            for row in rows:
                by_project.setdefault(row.deadline.object_id, []).append(row)
            context["rows"] = [(p, by_project.get(p.pk, [])) for p in projects]
            context["page"] = page
        context["can_create"] = not services.filing_refusal(user)
        context["create_url"] = reverse("projects:project_create")
        # Drafts of other organisations naming this one as 统筹主体, waiting for its answer (issue 9).
        from projects.views.coordination import coordination_requests

        context["coordination_requests"] = list(coordination_requests(user))
        return render(request, "projects/intake_inbox.html", context)
