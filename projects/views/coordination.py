"""统筹主体确认 (issue 9): the organisation an intake application names as 统筹主体 reads the draft's
summary and confirms, or declines with a reason; the applicant sees where it stands. The rules are the
table `INTAKE_COORDINATION` in projects/services.py; this page draws its steps."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views import View

from projects import services
from projects.choices import CoordinationState
from projects.models import Project
from projects.views.intake import project_queryset
from renewal.choices import Role
from renewal.permissions import get_visible_or_404
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused

STEPS = ("confirm", "decline")


class DeclineCoordinationForm(forms.Form):
    reason = forms.CharField(
        label="拒绝理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="申请单位可以看到此理由",
        error_messages={"required": "请填写拒绝理由。", "max_length": "拒绝理由不能超过1000字。"},
    )


def coordination_requests(user):
    """Drafts naming the user's organisation as 统筹主体 that wait for its answer (the entity's inbox)."""
    if user.role != Role.ENTITY or user.organization_id is None:
        return Project.objects.none()
    return (
        project_queryset()
        .visible_to(user)
        .filter(coordinating_entity_id=user.organization_id, coordination_state=CoordinationState.PROPOSED)
        .exclude(implementing_entity_id=user.organization_id)
        .order_by("updated_at", "pk")
    )


def _steps(user, project) -> dict:
    here = {t.action for t in services.INTAKE_COORDINATION.available(project)}
    return {
        row.action: row
        for row in services.INTAKE_COORDINATION.available_for(user, project)
        if row.permitted and row.action in STEPS and row.action in here
    }


def _render(request, project, *, form=None, error="", status=200):
    context = {
        "project": project,
        "steps": _steps(request.user, project),
        "form": form or DeclineCoordinationForm(),
        "error": error,
    }
    return render(request, "projects/coordination.html", context, status=status)


class CoordinationView(RoleRequiredMixin, View):
    """The named 统筹主体 confirms or declines; the applicant reads the answer."""

    allowed_roles = (Role.ENTITY,)

    def _project(self, request, pk):
        return get_visible_or_404(project_queryset(), request.user, pk=pk)

    def get(self, request, pk):
        return _render(request, self._project(request, pk))

    def post(self, request, pk):
        project = self._project(request, pk)
        action = request.POST.get("action", "")
        if action not in STEPS:
            return _render(request, project, error="请选择确认或拒绝。", status=400)
        transition = services.INTAKE_COORDINATION.get(action)
        if not transition.may_act(request.user, project):
            raise PermissionDenied(transition.actor_refusal)
        form = DeclineCoordinationForm(request.POST) if action == "decline" else None
        if form is not None and not form.is_valid():
            return _render(request, project, form=form, status=400)
        try:
            if action == "confirm":
                services.confirm_coordination(project, actor=request.user, request=request)
                messages.success(request, "已确认担任该项目的统筹主体。")
            else:
                services.decline_coordination(
                    project, actor=request.user, reason=form.cleaned_data["reason"], request=request
                )
                messages.success(request, "已拒绝担任该项目的统筹主体，申请单位将看到拒绝理由。")
        except TransitionRefused as refusal:
            return _render(request, project, form=form, error=refusal.message, status=400)
        return redirect("projects:coordination", pk=project.pk)
