"""The plan itself: starting it, its modules and deliverables, and its submission as a frozen version
(联合审查办法 第六条; 海淀指引 三(三)(四))."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from projects.models import Project
from renewal.attachments import attach
from renewal.models import Attachment
from renewal.services import record_event
from renewal.workflow import TransitionRefused
from review.choices import PlanFact, PlanState, RequestStatus
from review.facts import derived_facts
from review.models import ImplementationPlan, PlanVersion
from review.modules import BY_CODE, clean_modules
from review.services.common import apply_plan, sync_project_stage
from review.workflows import PLAN, PLAN_START


@transaction.atomic
def start_plan(project: Project, *, actor, request=None) -> ImplementationPlan:
    """The entity starts the plan of an implementation-library project on the joint-review path."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    PLAN_START.check(project, "start", user=actor)
    plan = ImplementationPlan.objects.create(project=project, created_by=actor)
    record_event(
        actor=actor,
        action="plan.start",
        action_label="开始编制实施方案",
        obj=plan,
        to_state=PlanState.DRAFT,
        request=request,
    )
    sync_project_stage(plan, actor)
    return plan


def save_plan(
    plan: ImplementationPlan, *, actor, modules: dict, facts: list, major_project=None, request=None
) -> ImplementationPlan:
    """Save the draft: cleaned module data (refused with the errors per field) and ticked facts."""
    content, errors = clean_modules(modules)
    valid = set(PlanFact.values) - {PlanFact.ALWAYS}
    ticked = {f for f in facts if f in valid}
    details = {}

    def effects(locked):
        if errors:
            raise TransitionRefused(f"实施方案有 {len(errors)} 处填写错误。", list(errors.items()))
        changed = sorted(
            code for code in {*content, *locked.content} if content.get(code) != locked.content.get(code)
        )
        locked.content = content
        locked.declared_facts = sorted(ticked)  # kept apart, so a tick survives figures that change later
        locked.facts = sorted(ticked | derived_facts(content))
        if major_project is not None and bool(major_project) != locked.major_project:
            if locked.current_version > 0:
                raise TransitionRefused(
                    "实施方案报送后，“重点项目”认定由区城市更新主管部门调整。", ["重点项目"]
                )
            locked.major_project = bool(major_project)
            # Declared by the entity before submission; the project carries it for the works-start check.
            Project.objects.filter(pk=locked.project_id).update(city_approval_required=bool(major_project))
        details.update(modules_changed=[BY_CODE[c].title for c in changed], facts=locked.facts)

    return PLAN.apply(plan, "save", actor=actor, effects=effects, request=request, data=details)


@transaction.atomic
def upload_deliverable(plan: ImplementationPlan, upload, *, actor, kind: str, replaces=None, request=None):
    """The entity uploads a deliverable (文本、附表、图纸、附件), or a new version of one."""
    locked = ImplementationPlan.objects.select_for_update().select_related("project").get(pk=plan.pk)
    PLAN.check(locked, "upload", user=actor)
    if replaces is not None and not (
        Attachment.objects.for_object(locked).current().filter(pk=replaces.pk).exists()
    ):
        raise TransitionRefused("只能替换本方案现行版本的成果文件。", ["替换已有文件"])
    try:
        return attach(locked, upload, kind=kind, actor=actor, replaces=replaces, request=request)
    except ValidationError as error:
        raise TransitionRefused("；".join(error.messages), ["文件"]) from error


def _freeze_version(locked: ImplementationPlan, *, actor, note: str) -> PlanVersion:
    locked.current_version += 1
    attachment_ids = list(Attachment.objects.for_object(locked).current().values_list("pk", flat=True))
    return PlanVersion.objects.create(
        plan=locked,
        number=locked.current_version,
        content=locked.content,
        facts=locked.facts,
        attachment_ids=attachment_ids,
        note=note.strip(),
        submitted_by=actor,
    )


def submit_correction(plan: ImplementationPlan, *, actor, note: str = "", request=None):
    """修改后同意 (issue 10 item 13): during the round the entity submits the corrected version (报批稿);
    staff confirm each such opinion against it and the opinion is issued on it."""
    details = {}

    def effects(locked: ImplementationPlan):
        version = _freeze_version(locked, actor=actor, note=note or "按“修改后同意”意见修改（报批稿）")
        details["version"] = version.number

    return apply_plan(
        plan, "submit_correction", actor=actor, effects=effects, reason=note, request=request, data=details
    )


def submit(plan: ImplementationPlan, *, actor, note: str = "", responses: dict | None = None, request=None):
    """Freeze a version and send it to the housing commission (联合审查办法 第六条)."""
    responses = responses or {}

    def effects(locked: ImplementationPlan):
        _freeze_version(locked, actor=actor, note=note)
        for item in locked.revision_requests.filter(status=RequestStatus.OPEN):
            answer = (responses.get(item.pk) or responses.get(str(item.pk)) or "").strip()
            if answer:
                item.response = answer
                item.save(update_fields=["response"])

    return apply_plan(plan, "submit", actor=actor, effects=effects, reason=note, request=request)
