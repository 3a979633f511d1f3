"""Intake pages: the entity's application form, the project page with its actions, opinions, the notice."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from projects import services
from projects.choices import REQUIRED_INTAKE_MATERIALS, Opinion, Stage
from projects.forms import AttachmentForm, OpinionForm, ProjectForm, ReasonForm, RouteForm
from projects.models import AdmissionNotice, IntakeOpinion, Project
from renewal.choices import DeadlineState, Role
from renewal.models import Attachment, AuditEvent, Deadline
from renewal.permissions import get_visible_or_404
from renewal.selectors import deadlines_with_lights
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused

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


STAGE_LABELS = dict(Stage.choices)


def project_timeline(events) -> list:
    """The project's audit events; a change of the project's stage is labelled with the stage's own
    name (the kernel's state registry is shared by every workflow, where "draft" may mean a plan's)."""
    events = list(events)
    for event in events:
        codes = (event.from_state, event.to_state)
        if event.action.startswith(("intake.", "project.")) and all(c in STAGE_LABELS for c in codes if c):
            event.stage_change = tuple(STAGE_LABELS.get(c, "") for c in codes)
    return events


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

    def get(self, request, pk):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        form = ProjectForm(instance=project, district=project.district)
        return render(request, "projects/project_form.html", form_context(form, project))

    def post(self, request, pk):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        form = ProjectForm(request.POST, instance=Project.objects.get(pk=pk), district=project.district)
        if not form.is_valid():
            return render(request, "projects/project_form.html", form_context(form, project), status=400)
        try:
            services.update_draft(project, actor=request.user, data=form.cleaned_data, request=request)
        except TransitionRefused as refusal:
            if not refusal.missing:  # a state refusal: nothing to correct in the form
                messages.error(request, refusal.message)
                return redirect("projects:project_detail", pk=pk)
            refusal_as_form_error(form, refusal)
            return render(request, "projects/project_form.html", form_context(form, project), status=400)
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
        actions = services.allowed_actions(user, project)
        deadlines = list(project.deadlines.all())
        open_rows = deadlines_with_lights([d for d in deadlines if d.state == DeadlineState.OPEN])
        closed = [d for d in deadlines if d.state != DeadlineState.OPEN]
        rounds: dict[int, list] = {}
        for opinion in project.intake_opinions.all():
            rounds.setdefault(opinion.round, []).append(opinion)
        my_opinions = [
            o
            for o in project.intake_opinions.all()
            if user.role == Role.REVIEWER
            and o.department_id == user.organization_id
            and o.opinion == Opinion.PENDING
            and project.stage in services.OPINION_STAGES
        ]
        attachments = [a for a in project.attachments.all() if not hasattr(a, "superseded_by")]
        supplement = next(
            (s for s in reversed(project.supplement_requests.all()) if s.responded_on is None), None
        )
        context = {
            "project": project,
            "actions": actions,
            "confirm": CONFIRMATIONS,
            "checklist": material_checklist(attachments) if project.stage in CHECKLIST_STAGES else None,
            "open_supplement": supplement if project.stage == Stage.SUPPLEMENT else None,
            "open_rows": open_rows,
            "closed_deadlines": closed,
            "rounds": sorted(rounds.items()),
            "supplements": list(project.supplement_requests.all()),
            "attachments": attachments,
            "old_attachments": [a for a in project.attachments.all() if hasattr(a, "superseded_by")],
            "events": project_timeline(
                AuditEvent.objects.visible_to(user).for_object(project).order_by("created_at", "pk")
            ),
            "notice": AdmissionNotice.objects.filter(project=project).first(),
            "attachment_form": upload_form(attachments) if "upload" in actions else None,
            "route_form": RouteForm(project=project) if "route" in actions else None,
            "my_opinions": my_opinions,
            "plan": visible_plan(project, user),
        }
        return render(request, "projects/project_detail.html", context)


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
            messages.error(request, refusal.message)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, f"已上传：{attachment}")
        return redirect("projects:project_detail", pk=pk)


ACTION_LABELS = {t.action: t.label for t in services.INTAKE.transitions}
CONFIRMATIONS = {t.action: t.confirm for t in services.INTAKE.transitions if t.confirm}
ACTION_LABELS["delete"] = "删除草稿"


class ProjectActionView(RoleRequiredMixin, View):
    """POST one intake transition; a refusal comes back as a message saying what is missing."""

    allowed_roles = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.ADMINISTRATOR)

    def post(self, request, pk, action):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        reason = ReasonForm(request.POST)
        text = reason.cleaned_data["reason"] if reason.is_valid() else ""
        user = request.user
        try:
            if action == "submit":
                services.submit(project, actor=user, request=request)
            elif action == "route":
                form = RouteForm(request.POST, project=project)
                if not form.is_valid():
                    raise TransitionRefused("请至少选择一个行业主管部门。")
                services.route(
                    project, actor=user, departments=form.cleaned_data["departments"], request=request
                )
            elif action == "request_supplement":
                services.request_supplement(project, actor=user, items=text, request=request)
            elif action == "resubmit":
                services.resubmit(project, actor=user, response=text, request=request)
            elif action == "withdraw":
                services.withdraw(project, actor=user, reason=text, request=request)
            elif action == "delete":
                services.delete_draft(project, actor=user, request=request)
                messages.success(request, f"已删除草稿“{project.name}”。")
                return redirect("projects:intake_inbox")
            elif action == "admit":
                services.admit(project, actor=user, note=text, request=request)
            elif action == "reject":
                services.reject(project, actor=user, reason=text, request=request)
            elif action == "move_to_implementation":
                services.move_to_implementation(project, actor=user, reason=text, request=request)
            else:
                messages.error(request, "未知的操作。")
                return redirect("projects:project_detail", pk=pk)
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"已{ACTION_LABELS.get(action, '完成操作')}。")
        return redirect("projects:project_detail", pk=pk)


class OpinionView(RoleRequiredMixin, View):
    """A department records its intake opinion."""

    allowed_roles = (Role.REVIEWER,)

    def _opinion(self, request, pk):
        return get_visible_or_404(
            IntakeOpinion.objects.select_related("project", "department"), request.user, pk=pk
        )

    def get(self, request, pk):
        opinion = self._opinion(request, pk)
        return render(request, "projects/opinion_form.html", {"opinion": opinion, "form": OpinionForm()})

    def post(self, request, pk):
        opinion = self._opinion(request, pk)
        form = OpinionForm(request.POST)
        if not form.is_valid():
            return render(
                request, "projects/opinion_form.html", {"opinion": opinion, "form": form}, status=400
            )
        try:
            services.record_opinion(
                opinion,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                text=form.cleaned_data["text"],
                request=request,
            )
        except TransitionRefused as refusal:
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

    def get(self, request):
        user = request.user
        context = {"pending_opinions": [], "rows": []}
        if user.role == Role.REVIEWER:
            context["pending_opinions"] = list(
                IntakeOpinion.objects.visible_to(user)
                .filter(opinion=Opinion.PENDING, project__stage__in=services.OPINION_STAGES)
                .select_related("project", "project__category")
                .order_by("routed_at")
            )
        else:
            stages = self.INTAKE_STAGES if user.role == Role.ENTITY else self.INTAKE_STAGES[1:]
            projects = list(
                project_queryset()
                .visible_to(user)
                .filter(stage__in=stages)
                .prefetch_related(
                    Prefetch(
                        "deadlines",
                        queryset=Deadline.objects.visible_to(user).filter(state=DeadlineState.OPEN),
                    )
                )
                .order_by("received_on", "pk")
            )
            rows = deadlines_with_lights([d for p in projects for d in p.deadlines.all()])
            by_project: dict[int, list] = {}
            for row in rows:
                by_project.setdefault(row.deadline.object_id, []).append(row)
            context["rows"] = [(p, by_project.get(p.pk, [])) for p in projects]
        context["can_create"] = user.role == Role.ENTITY
        context["create_url"] = reverse("projects:project_create")
        return render(request, "projects/intake_inbox.html", context)
