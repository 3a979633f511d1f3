"""Intake pages: the entity's application form, the project page with its actions, opinions, the notice."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from projects import services
from projects.choices import Opinion, Stage
from projects.forms import AttachmentForm, OpinionForm, ProjectForm, ReasonForm, RouteForm
from projects.models import AdmissionNotice, IntakeOpinion, Project
from renewal.attachments import attach
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


class ProjectCreateView(RoleRequiredMixin, View):
    allowed_roles = (Role.ENTITY,)

    def get(self, request):
        return render(
            request, "projects/project_form.html", {"form": ProjectForm(district=request.user.district)}
        )

    def post(self, request):
        form = ProjectForm(request.POST, district=request.user.district)
        if not form.is_valid():
            return render(request, "projects/project_form.html", {"form": form}, status=400)
        project = services.create_draft(actor=request.user, data=form.cleaned_data, request=request)
        messages.success(request, "入库申请草稿已保存。请上传申报材料后提交。")
        return redirect("projects:project_detail", pk=project.pk)


class ProjectEditView(RoleRequiredMixin, View):
    allowed_roles = (Role.ENTITY,)

    def get(self, request, pk):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        form = ProjectForm(instance=project, district=project.district)
        return render(request, "projects/project_form.html", {"form": form, "project": project})

    def post(self, request, pk):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        form = ProjectForm(request.POST, instance=Project.objects.get(pk=pk), district=project.district)
        if not form.is_valid():
            return render(
                request, "projects/project_form.html", {"form": form, "project": project}, status=400
            )
        try:
            services.update_draft(project, actor=request.user, data=form.cleaned_data, request=request)
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
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
        context = {
            "project": project,
            "actions": actions,
            "open_rows": open_rows,
            "closed_deadlines": closed,
            "rounds": sorted(rounds.items()),
            "supplements": list(project.supplement_requests.all()),
            "attachments": [a for a in project.attachments.all() if not hasattr(a, "superseded_by")],
            "old_attachments": [a for a in project.attachments.all() if hasattr(a, "superseded_by")],
            "events": AuditEvent.objects.visible_to(user).for_object(project).order_by("created_at", "pk"),
            "notice": AdmissionNotice.objects.filter(project=project).first(),
            "attachment_form": AttachmentForm() if "edit" in actions else None,
            "route_form": RouteForm(project=project) if "route" in actions else None,
            "my_opinions": my_opinions,
            "plan": getattr(project, "plan", None),
        }
        return render(request, "projects/project_detail.html", context)


class AttachmentUploadView(RoleRequiredMixin, View):
    allowed_roles = (Role.ENTITY,)

    def post(self, request, pk):
        project = get_visible_or_404(project_queryset(), request.user, pk=pk)
        if "edit" not in services.allowed_actions(request.user, project):
            messages.error(
                request,
                f"项目当前为“{project.get_stage_display()}”，不能上传申请材料（仅草稿或待补正时可以）。",
            )
            return redirect("projects:project_detail", pk=pk)
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
            attachment = attach(
                project,
                form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                actor=request.user,
                replaces=replaces,
                request=request,
            )
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, f"已上传：{attachment}")
        return redirect("projects:project_detail", pk=pk)


ACTION_LABELS = {t.action: t.label for t in services.INTAKE.transitions}


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
