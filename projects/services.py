"""Every state change of the project library (DOMAIN.md §3 steps 1–4), and the project's stage.

Intake follows 《海淀区城市更新实施指引（2025年版）》三(一): receipt, joint review with departments within
10 working days (not for 区域综合性 projects, which the district government decides), admission notice
within 30 working days of receipt; 三(二): the department moves a ready reserve project to the
implementation library. A 补正 suspends both clocks; they restart from the day complete materials arrive.

Two workflow tables hold the rules: `INTAKE` (the application, from draft to the implementation library,
including the entity's own steps on its draft) and `INTAKE_OPINION` (a department's intake opinion). Who
may act is only in their `actor` predicates, what is missing only in their guards; pages and the API ask
`available_for`. Later stages move the project through `move_stage`, the one way `Project.stage` changes
outside intake.
"""

from __future__ import annotations

import datetime
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from projects.choices import (
    ATTACHMENT_KINDS,
    DEADLINE_INTAKE_REVIEW,
    INTAKE_DEADLINES,
    REQUIRED_INTAKE_MATERIALS,
    CoordinationState,
    Library,
    Opinion,
    Path,
    Stage,
)
from projects.models import (
    AdmissionNotice,
    DistrictLibrarySettings,
    IntakeOpinion,
    Project,
    SupplementRequest,
)
from projects.readonly import exited_refusal, project_exited
from renewal import calendar as workdays
from renewal.attachments import attach
from renewal.choices import DeadlineState, DepartmentCode, OrganizationKind, Role
from renewal.models import Attachment, District, Organization
from renewal.permissions import require
from renewal.services import close_deadlines, open_deadline, record_event
from renewal.workflow import Availability, Transition, TransitionRefused, Workflow

EDITABLE_STAGES = (Stage.DRAFT, Stage.SUPPLEMENT)  # the application may change: a draft, an open 补正
OPINION_STAGES = (Stage.SUBMITTED, Stage.UNDER_REVIEW)  # departments may answer while review is open

# --- who may act (the tables' `actor` predicates) -------------------------------------------------


def is_project_entity(user, project: Project) -> bool:
    return user.role == Role.ENTITY and user.organization_id in (
        project.implementing_entity_id,
        project.coordinating_entity_id,
    )


def is_district_staff(user, project: Project) -> bool:
    return user.is_superuser or (user.role == Role.STAFF and user.district_id == project.district_id)


def is_lead_department(user, project: Project) -> bool:
    return (
        user.role == Role.REVIEWER
        and user.district_id == project.district_id
        and project.sub_type_id is not None
        and user.organization.department_code == project.sub_type.lead_department
    )


def is_lead_department_or_staff(user, project: Project) -> bool:
    """实施条件认定 is the lead department's (Haidian guidance 三(二)); housing-commission staff act only
    where the housing commission is the sub-type's lead department (issue 10 item 4)."""
    if is_lead_department(user, project):
        return True
    if user.is_superuser:
        return True
    return (
        is_district_staff(user, project)
        and project.sub_type_id is not None
        and project.sub_type.lead_department == DepartmentCode.HOUSING
    )


def is_routed_department(user, opinion: IntakeOpinion) -> bool:
    return user.role == Role.REVIEWER and user.organization_id == opinion.department_id


ENTITY_ONLY = "只有本项目的实施主体可以"
STAFF_ONLY = "只有本区城市更新主管部门可以"


def filing_refusal(user) -> str:
    """Why the user may not start an intake application ("" when they may): an entity of a district."""
    if user.is_authenticated and user.role == Role.ENTITY and user.district_id is not None:
        return ""
    return "只有区级实施主体可以填报入库申请。"


# --- guards: each returns what is missing, or None ------------------------------------------------


def intake_conditions(project: Project, **context) -> str | None:
    """Haidian guidance 三(一): lawful type, entity identified, goal clear, investment estimated."""
    missing = []
    if not project.name.strip():
        missing.append("项目名称")
    if project.category_id is None or project.sub_type_id is None:
        missing.append("项目类别和子类")
    elif project.sub_type.category_id != project.category_id:
        missing.append("与类别相符的子类")
    if project.implementing_entity_id is None and project.coordinating_entity_id is None:
        missing.append("统筹主体或实施主体")
    if not project.location.strip():
        missing.append("项目位置")
    if not project.renewal_goal.strip():
        missing.append("更新目标")
    if project.total_investment is None or project.total_investment <= 0:
        missing.append("资金匡算（总投资须大于0）")
    return ("尚缺：" + "、".join(missing)) if missing else None


def missing_materials(project: Project) -> list[str]:
    """Required intake materials (REQUIRED_INTAKE_MATERIALS) of which no file has been uploaded yet."""
    present = set(
        Attachment.objects.for_object(project)
        .filter(kind__in=REQUIRED_INTAKE_MATERIALS)
        .values_list("kind", flat=True)
    )
    return [kind for kind in REQUIRED_INTAKE_MATERIALS if kind not in present]


def materials_complete(project: Project, **context) -> str | None:
    """An application is received, and admitted, only with its required materials on file."""
    missing = missing_materials(project)
    return ("尚未上传必备材料：" + "、".join(missing)) if missing else None


def open_supplement(project: Project) -> SupplementRequest | None:
    """The 补正 request the entity has still to answer, if any."""
    return project.supplement_requests.filter(responded_on__isnull=True).order_by("-pk").first()


def supplement_answered(project: Project, response: str | None = None, **context) -> str | None:
    """补正 is answered with a written explanation and at least one file uploaded after the request
    (response=None: the explanation is still to be typed, as when the page asks what is possible)."""
    missing = []
    if response is not None and not response.strip():
        missing.append("请填写补正说明，逐项说明已补正的内容")
    supplement = open_supplement(project)
    if (
        supplement is not None
        and not Attachment.objects.for_object(project)
        .filter(uploaded_at__gte=supplement.requested_at)
        .exists()
    ):
        missing.append("补正通知发出后尚未上传新的或替换的材料，请至少上传一份补正材料")
    return "；".join(missing) if missing else None


def departments_agree(project: Project, **context) -> str | None:
    """Intake joint review (居住/产业/设施/公共空间): each routed department's latest opinion is 同意.

    A 补正 restarts the clocks but keeps the opinions already given; staff re-route a department when its
    opinion should be given again on the completed materials, and then only that newer opinion counts.
    """
    if project.is_regional:
        return None
    latest: dict[int, IntakeOpinion] = {}
    for opinion in project.intake_opinions.select_related("department").order_by("round", "pk"):
        latest[opinion.department_id] = opinion
    if not latest:
        return "尚未分送行业主管部门联合审查"
    waiting = [o.department.name for o in latest.values() if o.opinion == Opinion.PENDING]
    if waiting:
        return "尚待以下部门答复：" + "、".join(waiting)
    against = [o.department.name for o in latest.values() if o.opinion == Opinion.DISAGREE]
    if against:
        return "以下部门不同意入库：" + "、".join(against)
    return None


def regional_basis(project: Project, note: str | None = None, **context) -> str | None:
    """A 区域综合性 project is admitted on the district government's decision, which staff must cite
    (note=None: the basis is still to be typed)."""
    if project.is_regional and note is not None and not note.strip():
        return "区域综合性项目须填写区政府研究确定的依据（如会议纪要文号）"
    return None


def implementation_conditions(
    project: Project, requirements: dict | None = None, confirmation=None, **context
) -> str | None:
    """Haidian guidance 三(二): the 统筹/实施主体 confirmation document is on file and the planning,
    function and supervision requirements are basically clear (requirements=None: still to be typed)."""
    missing = []
    if project.implementing_entity_id is None and project.coordinating_entity_id is None:
        missing.append("统筹主体或实施主体确认")
    if project.category_id is None or project.sub_type_id is None:
        missing.append("项目类别和子类")
    # requirements=None: the form is still to be filled in (and may bring the document with it).
    if requirements is not None:
        if confirmation is None and not (
            Attachment.objects.for_object(project).filter(kind=CONFIRMATION_DOCUMENT).exists()
        ):
            missing.append("统筹或实施主体确认文件（请上传）")
        for key, label in IMPLEMENTATION_REQUIREMENTS.items():
            if not (requirements.get(key) or "").strip():
                missing.append(label)
    return ("尚缺：" + "、".join(missing)) if missing else None


CONFIRMATION_DOCUMENT = "主体确认文件"
IMPLEMENTATION_REQUIREMENTS = {
    "planning_requirements": "规划要求",
    "function_requirements": "功能要求",
    "supervision_requirements": "监管要求",
}


def city_plan_missing(project: Project) -> str | None:
    """Joint review measures 第二条、第五条: a plan is jointly reviewed only for a project in the city's
    城市更新计划. The Chinese refusal, or None when the project is in a batch (review app asks this)."""
    if project.city_plan_batch_id:
        return None
    if project.reported_to_city_on:
        return (
            f"项目已于{project.reported_to_city_on:%Y年%m月%d日}上报市级，尚未纳入城市更新计划，"
            "不能开展实施方案联合审查（联审管理办法第二条、第五条）"
        )
    return "项目尚未上报市级并纳入城市更新计划，不能开展实施方案联合审查（联审管理办法第二条、第五条）"


def not_regional(project: Project, **context) -> str | None:
    if project.is_regional:
        return "区域综合性项目由区政府组织相关部门共同研究确定，不分送部门联合审查"
    return None


def departments_chosen(project: Project, departments=None, **context) -> str | None:
    """Routing names at least one department, each a department of the project's own district
    (departments=None: still to be chosen)."""
    if departments is None:
        return None
    if not departments:
        return "请至少选择一个行业主管部门"
    wrong = [
        d.name
        for d in departments
        if d.kind != OrganizationKind.DEPARTMENT or d.district_id != project.district_id
    ]
    if wrong:
        return "只能分送本区的行业主管部门：" + "、".join(wrong) + " 不符合"
    return None


def coordination_confirmed(project: Project, **context) -> str | None:
    """Issue 9: an application naming another organisation as 统筹主体 is submitted only once that
    organisation has confirmed it (intake_coordination below); naming oneself needs no confirmation."""
    state = project.coordination_state
    if state == CoordinationState.PROPOSED:
        return f"统筹主体尚未确认（已提请{project.coordinating_entity.name}确认）"
    if state == CoordinationState.DECLINED:
        reason = f"：{project.coordination_reason}" if project.coordination_reason else ""
        return (
            f"统筹主体尚未确认（{project.coordinating_entity.name}已拒绝担任统筹主体{reason}；"
            "请更换或取消统筹主体）"
        )
    return None


def review_open(opinion: IntakeOpinion, **context) -> str | None:
    """A department answers while the intake review is open (received, under joint review)."""
    project = opinion.project
    if project.stage not in OPINION_STAGES:
        return f"项目当前为“{project.get_stage_display()}”，入库审查不在进行中"
    return None


def decision_given(opinion: IntakeOpinion, decision: str | None = None, text: str | None = None, **context):
    """同意 or 不同意, and a 不同意 says why (decision=None: the form is still to be filled in)."""
    if decision is None:
        return None
    if decision not in (Opinion.AGREE, Opinion.DISAGREE):
        return "请选择“同意”或“不同意”"
    if decision == Opinion.DISAGREE and not (text or "").strip():
        return "不同意入库须说明理由"
    return None


# --- the tables -----------------------------------------------------------------------------------

INTAKE = Workflow(
    name="intake",
    state_field="stage",
    state_labels=dict(Stage.choices),
    read_only=project_exited,
    transitions=[
        Transition(
            "edit",
            "修改申请",
            EDITABLE_STAGES,
            None,
            actor=is_project_entity,
            actor_refusal=ENTITY_ONLY + "修改申请。",
        ),
        Transition(
            "upload",
            "上传申请材料",
            EDITABLE_STAGES,
            None,
            actor=is_project_entity,
            actor_refusal=ENTITY_ONLY + "上传申请材料。",
        ),
        Transition(
            "submit",
            "提交入库申请",
            (Stage.DRAFT,),
            Stage.SUBMITTED,
            guards=(intake_conditions, materials_complete, coordination_confirmed),
            actor=is_project_entity,
            actor_refusal=ENTITY_ONLY + "提交入库申请。",
            opens=INTAKE_DEADLINES,
        ),
        Transition(
            "delete",
            "删除草稿",
            (Stage.DRAFT,),
            None,  # the step's effect deletes the draft and its files; the audit event stays
            actor=is_project_entity,
            actor_refusal=ENTITY_ONLY + "删除草稿。",
            confirm="确认删除草稿“{name}”及其已上传的材料？删除后无法恢复。",
        ),
        Transition(
            "resubmit",
            "补正后重新提交",
            (Stage.SUPPLEMENT,),
            Stage.SUBMITTED,
            guards=(supplement_answered, intake_conditions, materials_complete),
            actor=is_project_entity,
            actor_refusal=ENTITY_ONLY + "提交补正材料。",
            opens=INTAKE_DEADLINES,
        ),
        Transition(
            "withdraw",
            "撤回入库申请",
            (Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SUPPLEMENT),
            Stage.WITHDRAWN,
            reason_required=True,
            actor=is_project_entity,
            actor_refusal=ENTITY_ONLY + "撤回入库申请。",
            closes=INTAKE_DEADLINES,
            confirm="确认撤回该入库申请？撤回后办理期限终止，申请不能恢复，如需入库须重新填报。",
        ),
        Transition(
            "route",
            "分送部门联合审查",
            (Stage.SUBMITTED, Stage.UNDER_REVIEW),
            Stage.UNDER_REVIEW,
            guards=(not_regional, departments_chosen),
            actor=is_district_staff,
            actor_refusal=STAFF_ONLY + "分送联合审查。",
        ),
        Transition(
            "request_supplement",
            "发出补正通知",
            (Stage.SUBMITTED, Stage.UNDER_REVIEW),
            Stage.SUPPLEMENT,
            reason_required=True,
            actor=is_district_staff,
            actor_refusal=STAFF_ONLY + "发出补正通知。",
            closes=INTAKE_DEADLINES,
        ),
        Transition(
            "admit",
            "确认入库",
            (Stage.SUBMITTED, Stage.UNDER_REVIEW),
            Stage.RESERVE,
            guards=(materials_complete, departments_agree, regional_basis),
            actor=is_district_staff,
            actor_refusal=STAFF_ONLY + "确认入库。",
            closes=INTAKE_DEADLINES,
            confirm="确认将该项目纳入储备项目库并制发入库通知书？此操作不可撤销。",
        ),
        Transition(
            "reject",
            "不予入库",
            (Stage.SUBMITTED, Stage.UNDER_REVIEW),
            Stage.REJECTED,
            reason_required=True,
            actor=is_district_staff,
            actor_refusal=STAFF_ONLY + "作出不予入库决定。",
            closes=INTAKE_DEADLINES,
            confirm="确认对该项目作出不予入库决定？此操作不可撤销。",
        ),
        Transition(
            "move_to_implementation",
            "转入实施项目库",
            (Stage.RESERVE,),
            Stage.IMPLEMENTATION,
            guards=(implementation_conditions,),
            reason_required=True,
            actor=is_lead_department_or_staff,
            actor_refusal=(
                "只有项目子类的牵头行业主管部门可以认定实施条件（城市更新主管部门仅在其为牵头部门时可以）。"
            ),
            confirm="确认该项目具备实施条件，转入实施项目库？此操作不可撤销。",
        ),
    ],
)

INTAKE_OPINION = Workflow(
    name="intake_opinion",
    state_field="opinion",
    state_labels=dict(Opinion.choices),
    read_only=project_exited,
    transitions=[
        # One step with the department's choice: 待审查 → 同意 or 不同意 (the effect sets the chosen state).
        Transition(
            "decide",
            "答复入库审查意见",
            (Opinion.PENDING,),
            None,
            guards=(review_open, decision_given),
            actor=is_routed_department,
            actor_refusal="只有被分送的部门可以答复本部门的审查意见。",
            closes=(DEADLINE_INTAKE_REVIEW,),
            exposes_opinion=True,
        ),
    ],
)


def names_another_organisation(project: Project, **context) -> str | None:
    if (
        project.coordinating_entity_id is None
        or project.coordinating_entity_id == project.implementing_entity_id
    ):
        return "申请未指定其他单位为统筹主体"
    return None


def still_a_draft(project: Project, **context) -> str | None:
    if project.stage != Stage.DRAFT:
        return f"申请当前为“{project.get_stage_display()}”，不在草稿阶段"
    return None


def is_named_coordinator(user, project: Project) -> bool:
    """A user of the organisation the application names as 统筹主体 (not the applicant itself)."""
    return (
        user.role == Role.ENTITY
        and project.coordinating_entity_id is not None
        and user.organization_id == project.coordinating_entity_id
        and user.organization_id != project.implementing_entity_id
    )


COORDINATOR_ONLY = "只有被指定为统筹主体的单位可以"

# Issue 9: an entity may not make another organisation 统筹主体 without its consent. Naming it (editing the
# draft) proposes; a user of the named organisation confirms or declines with a reason; submit waits.
INTAKE_COORDINATION = Workflow(
    name="intake_coordination",
    state_field="coordination_state",
    state_labels=dict(CoordinationState.choices),
    read_only=project_exited,
    transitions=[
        # Taken by saving the draft (create_draft / update_draft), never offered as a button of its own.
        Transition(
            "propose",
            "提请统筹主体确认",
            tuple(CoordinationState.values),
            CoordinationState.PROPOSED,
            guards=(names_another_organisation, still_a_draft),
            actor=is_project_entity,
            actor_refusal=ENTITY_ONLY + "指定统筹主体。",
        ),
        Transition(
            "clear",
            "不再需要统筹主体确认",
            (CoordinationState.PROPOSED, CoordinationState.CONFIRMED, CoordinationState.DECLINED),
            CoordinationState.NOT_NEEDED,
            guards=(still_a_draft,),
            actor=is_project_entity,
            actor_refusal=ENTITY_ONLY + "指定统筹主体。",
        ),
        Transition(
            "confirm",
            "确认担任统筹主体",
            (CoordinationState.PROPOSED,),
            CoordinationState.CONFIRMED,
            guards=(still_a_draft,),
            actor=is_named_coordinator,
            actor_refusal=COORDINATOR_ONLY + "确认担任统筹主体。",
            confirm="确认本单位担任该项目的统筹主体？确认后申请单位即可提交入库申请，本单位可查看和上传该项目材料。",
        ),
        Transition(
            "decline",
            "拒绝担任统筹主体",
            (CoordinationState.PROPOSED,),
            CoordinationState.DECLINED,
            reason_required=True,
            guards=(still_a_draft,),
            actor=is_named_coordinator,
            actor_refusal=COORDINATOR_ONLY + "拒绝担任统筹主体。",
            confirm="确认拒绝担任该项目的统筹主体？申请单位须更换或取消统筹主体后才能提交。",
        ),
    ],
)


def project_actions(user, project: Project) -> list[Availability]:
    """Every INTAKE step as this user sees it on this project now (the page's buttons, the API's
    `actions/`); a confirmation question that names the project is filled in."""
    return [
        replace(row, confirm=row.confirm.format(name=project.name)) if row.confirm else row
        for row in INTAKE.available_for(user, project)
    ]


def opinion_actions(user, opinion: IntakeOpinion) -> list[Availability]:
    return INTAKE_OPINION.available_for(user, opinion)


def answerable_opinions(user, opinions) -> list[IntakeOpinion]:
    """The opinions among `opinions` this user may answer now."""
    return [o for o in opinions if INTAKE_OPINION.refusal(o, "decide", user=user, reason=None) == ""]


def answerable_opinions_in(user, opinions):
    """answerable_opinions as a filter of the queryset `opinions`, for lists paginated in the database
    (issue 16): INTAKE_OPINION "decide" for this user, written as columns — routed to the user's
    department (is_routed_department), still pending (the step's sources), while the project's intake
    review is open (review_open; an exited project is never at those stages, so read_only holds too)."""
    if user.role != Role.REVIEWER:
        return opinions.none()
    return opinions.filter(
        department_id=user.organization_id,
        opinion__in=INTAKE_OPINION.get("decide").sources,
        project__stage__in=OPINION_STAGES,
    )


# --- the project's stage after intake -------------------------------------------------------------

# Where a project may go from each stage once it is in the implementation library (DOMAIN.md §3 steps
# 5–8): the plan is drafted, pre-reviewed, jointly reviewed, publicised; each review step may send it
# back to drafting. Later stages (permits, completion, exit) add their moves here.
STAGE_PIPELINE: dict[str, tuple[str, ...]] = {
    # Other path (Haidian guidance 三): the plan is approved under the industry's rules → permits (issue 11).
    Stage.IMPLEMENTATION: (Stage.PLAN_DRAFTING, Stage.PERMITS),
    Stage.PLAN_DRAFTING: (Stage.PLAN_PRE_REVIEW,),
    Stage.PLAN_PRE_REVIEW: (Stage.PLAN_DRAFTING, Stage.JOINT_REVIEW),
    Stage.JOINT_REVIEW: (Stage.PLAN_DRAFTING, Stage.PUBLICITY),
    Stage.PUBLICITY: (Stage.PLAN_DRAFTING, Stage.PERMITS),
    # Permits app (issue 11): works start, completion, accepted, exit one year later (Haidian 五(七)).
    Stage.PERMITS: (Stage.CONSTRUCTION,),
    Stage.CONSTRUCTION: (Stage.COMPLETION,),
    Stage.COMPLETION: (Stage.COMPLETED,),
    Stage.COMPLETED: (Stage.EXITED,),
    Stage.EXITED: (),
    # 动态调整 (projects.library LIBRARY "remove", with reason and document): terminal, nothing moves on.
    Stage.REMOVED: (),
}


def stage_refusal(current: str, stage: str) -> str:
    """Why a project in `current` may not move to `stage` through `move_stage` ("" when it may)."""
    if stage not in Stage.values:
        return f"未知的项目阶段：{stage}。"
    if stage == current:
        return ""
    allowed = STAGE_PIPELINE.get(current, ())
    if stage in allowed:
        return ""
    message = f"项目当前处于“{Stage(current).label}”阶段，不能转入“{Stage(stage).label}”阶段"
    if allowed:
        return message + "（可转入：" + "、".join(Stage(s).label for s in allowed) + "）。"
    return message + "。"


@transaction.atomic
def move_stage(project: Project, *, stage: str, actor, reason: str = "", request=None, data=None) -> Project:
    """Move the project to `stage` as later stages progress (the plan's steps in the review app).

    Locks the project, refuses a move the pipeline does not allow from the current stage, and records one
    `project.stage` event on the project's own timeline. Moving to the stage it is in changes nothing
    and records nothing, so callers may ask after every step of their own workflow.
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    moving = stage != locked.stage
    refusal = (exited_refusal(locked) if moving else None) or stage_refusal(locked.stage, stage)
    if refusal:
        raise TransitionRefused(refusal, ["项目阶段"])
    if locked.stage == stage:
        return locked
    before = locked.stage
    locked.stage = stage
    locked.save(update_fields=["stage", "updated_at"])
    record_event(
        actor=actor,
        action="project.stage",
        action_label=f"项目进入“{Stage(stage).label}”阶段",
        obj=locked,
        from_state=before,
        to_state=stage,
        reason=reason,
        data=data,
        request=request,
    )
    return locked


# --- helpers --------------------------------------------------------------------------------------


def housing_commission(district: District) -> Organization | None:
    return Organization.objects.filter(district=district, kind=OrganizationKind.HOUSING_COMMISSION).first()


def decide_path(project: Project) -> str:
    """Joint review measures 第二条: which projects need an implementation plan and joint review."""
    needs_plan = (
        project.is_regional
        or project.changes_land_or_building
        or project.involves_public_interest
        or project.designated_by_government
    )
    return Path.JOINT_REVIEW if needs_plan else Path.OTHER


def _allocate_code(project: Project, today: datetime.date) -> str:
    """District code, year and a sequence, e.g. 110108-2026-0007; the district row is locked meanwhile."""
    District.objects.select_for_update().get(pk=project.district_id)
    prefix = f"{project.district.code}-{today.year}-"
    taken = Project.objects.filter(district=project.district, code__startswith=prefix).values_list(
        "code", flat=True
    )
    sequence = (
        max((int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()), default=0) + 1
    )
    return f"{prefix}{sequence:04d}"


def _open_intake_clocks(project: Project, action: str, received_on, actor):
    """The clocks the step opens (its `opens` in INTAKE), from the day of receipt (受理日; not counted).
    A 区域综合性 project has no departmental joint review, so no review clock."""
    responsible = housing_commission(project.district)
    for kind in INTAKE.get(action).opens:
        if kind == DEADLINE_INTAKE_REVIEW and project.is_regional:
            continue
        open_deadline(
            project, kind=kind, start=received_on, responsible_organization=responsible, actor=actor
        )


def _close_intake_clocks(project: Project, action: str, *, state: str, reason: str, actor) -> None:
    """The clocks the step closes (its `closes` in INTAKE)."""
    close_deadlines(project, kinds=INTAKE.get(action).closes, state=state, reason=reason, actor=actor)


# --- drafts ---------------------------------------------------------------------------------------

EDITABLE_FIELDS = [
    "name",
    "category",
    "sub_type",
    "generation_mode",
    "changes_land_or_building",
    "involves_public_interest",
    "coordinating_entity",
    "property_right_holders",
    "location",
    "locality",
    "land_area",
    "building_area",
    "renewal_goal",
    "total_investment",
    "funding_sources",
]


def _check_sub_type(project: Project) -> None:
    """The sub-type belongs to the chosen category (the form says so too; the service is the rule)."""
    sub_type, category = project.sub_type, project.category
    if sub_type is not None and category is not None and sub_type.category_id != category.pk:
        raise TransitionRefused(f"子类“{sub_type.name}”不属于“{category.name}”，请重新选择。", ["子类"])
    if sub_type is not None and category is None:
        raise TransitionRefused("请先选择项目类别，再选择子类。", ["类别"])


def _check_coordinating_entity(project: Project, data: dict) -> None:
    """The 统筹主体 is an implementing entity of the project's district; once the application has been
    received it no longer changes here, because everything already filed is scoped to it."""
    if "coordinating_entity" not in data:
        return
    new = data["coordinating_entity"]
    if new is not None and (new.kind != OrganizationKind.ENTITY or new.district_id != project.district_id):
        raise TransitionRefused("统筹主体须为本区的统筹主体或实施主体单位。", ["统筹主体"])
    if project.first_received_on and (new.pk if new else None) != project.coordinating_entity_id:
        raise TransitionRefused(
            "申请受理后不能更换统筹主体；如需调整，请联系区城市更新主管部门。", ["统筹主体"]
        )


@transaction.atomic
def create_draft(*, actor, data: dict, request=None) -> Project:
    """An entity starts an intake application for its own organisation in its own district."""
    refusal = filing_refusal(actor)
    require(not refusal, refusal)
    project = Project(district_id=actor.district_id, implementing_entity=actor.organization, created_by=actor)
    _check_coordinating_entity(project, data)
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(project, field, data[field])
    _check_sub_type(project)
    project.path = decide_path(project)
    project.save()
    record_event(
        actor=actor,
        action="project.create",
        action_label="创建入库申请草稿",
        obj=project,
        to_state=Stage.DRAFT,
        request=request,
    )
    return _coordination_after_edit(project, actor=actor, request=request)


def _coordination_after_edit(project: Project, *, actor, request=None) -> Project:
    """After the draft names (or stops naming) another organisation as 统筹主体: ask it, or stop asking."""
    if names_another_organisation(project) is None:
        return INTAKE_COORDINATION.apply(
            project,
            "propose",
            actor=actor,
            request=request,
            data={"coordinating_entity": project.coordinating_entity.name},
        )
    if project.coordination_state != CoordinationState.NOT_NEEDED:
        return INTAKE_COORDINATION.apply(project, "clear", actor=actor, request=request)
    return project


def confirm_coordination(project: Project, *, actor, request=None) -> Project:
    """The named organisation agrees to be the application's 统筹主体."""

    def effects(locked: Project):
        locked.coordination_reason = ""
        locked.coordination_decided_by, locked.coordination_decided_at = actor, timezone.now()

    return INTAKE_COORDINATION.apply(project, "confirm", actor=actor, request=request, effects=effects)


def decline_coordination(project: Project, *, actor, reason: str, request=None) -> Project:
    """The named organisation refuses, saying why; the applicant must change or drop the 统筹主体."""
    reason = (reason or "").strip()[:1000]

    def effects(locked: Project):
        locked.coordination_reason = reason
        locked.coordination_decided_by, locked.coordination_decided_at = actor, timezone.now()

    return INTAKE_COORDINATION.apply(
        project, "decline", actor=actor, reason=reason, request=request, effects=effects
    )


@transaction.atomic
def update_draft(project: Project, *, actor, data: dict, request=None) -> Project:
    """The entity changes its application while it may change (a draft, an open 补正)."""
    changed: dict[str, list[str]] = {}

    def effects(locked: Project):
        _check_coordinating_entity(locked, data)
        for field in EDITABLE_FIELDS:
            if field in data and getattr(locked, field) != data[field]:
                old = getattr(locked, field)
                changed[field] = [
                    str(old) if old is not None else "",
                    str(data[field]) if data[field] is not None else "",
                ]
                setattr(locked, field, data[field])
        _check_sub_type(locked)
        locked.path = decide_path(locked)

    project = INTAKE.apply(
        project, "edit", actor=actor, request=request, effects=effects, data={"changed": changed}
    )
    if "coordinating_entity" in changed and project.stage == Stage.DRAFT:
        project = _coordination_after_edit(project, actor=actor, request=request)
    return project


def add_material(
    project: Project, upload, *, kind: str, actor, replaces: Attachment | None = None, request=None
) -> Attachment:
    """The entity files a document (or a new version of one) while its application may still change:
    as a draft, and while a 补正 is open."""
    filed: dict = {}
    audit: dict = {}

    def effects(locked: Project):
        if kind not in ATTACHMENT_KINDS:
            raise TransitionRefused("请选择材料类型：" + "、".join(ATTACHMENT_KINDS) + "。", ["材料类型"])
        filed["attachment"] = attach(
            locked, upload, kind=kind, actor=actor, replaces=replaces, request=request
        )
        audit.update(attachment=filed["attachment"].pk, kind=kind, file=str(filed["attachment"]))

    INTAKE.apply(project, "upload", actor=actor, request=request, effects=effects, data=audit)
    return filed["attachment"]


@transaction.atomic
def delete_draft(project: Project, *, actor, request=None) -> None:
    """The entity deletes a draft nobody else has seen: the row and its files go, the audit event stays.

    The `delete` step runs on the locked row (who may, in which state, the event); its effect follows in
    the same transaction, under the same lock."""
    files: list[Attachment] = []
    audit: dict = {}

    def effects(locked: Project):
        # Newest versions first: an older version is protected while a newer one points at it.
        files.extend(Attachment.objects.for_object(locked).order_by("-version", "-pk"))
        audit.update(name=locked.name, attachments=[f"{a.original_name} v{a.version}" for a in files])

    locked = INTAKE.apply(
        project, "delete", actor=actor, reason=project.name, request=request, effects=effects, data=audit
    )
    stored = [a.file.name for a in files if a.file]
    for attachment in files:
        attachment.delete()
    Project.objects.filter(pk=locked.pk).delete()

    def remove_files():
        storage = Attachment._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)

    transaction.on_commit(remove_files)


# --- transitions ----------------------------------------------------------------------------------


def submit(project: Project, *, actor, received_on: datetime.date | None = None, request=None) -> Project:
    """The application is received: a code, the receipt day and the 10/30-working-day clocks.

    `received_on` is the day of receipt when it lies in the past (an application received on paper and
    entered later, or the demo); it defaults to today.
    """
    today = workdays.today()
    received_on = received_on or today
    if received_on > today:
        raise TransitionRefused("受理日不能晚于今天。", ["受理日"])

    def effects(locked: Project):
        locked.path = decide_path(locked)
        if not locked.code:
            locked.code = _allocate_code(locked, received_on)
        locked.intake_round += 1
        locked.received_on = received_on
        locked.first_received_on = locked.first_received_on or received_on
        _open_intake_clocks(locked, "submit", received_on, actor)

    return INTAKE.apply(project, "submit", actor=actor, request=request, effects=effects)


@transaction.atomic
def route(project: Project, *, actor, departments, request=None) -> Project:
    """Send the application to departments of the project's district for their intake opinion.

    Routing again to departments that already have the application changes nothing and is not recorded
    again (ten identical requests at once write one audit event): the project row is locked first, the
    step is checked as the table says, and only a routing that adds a department is applied."""
    departments = list(departments)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    INTAKE.check(locked, "route", user=actor, departments=departments)
    routed = set(
        IntakeOpinion.objects.filter(project=locked, round=locked.intake_round).values_list(
            "department_id", flat=True
        )
    )
    if locked.stage == Stage.UNDER_REVIEW and all(d.pk in routed for d in departments):
        return locked

    def effects(locked: Project):
        existing = set(
            IntakeOpinion.objects.filter(project=locked, round=locked.intake_round).values_list(
                "department_id", flat=True
            )
        )
        IntakeOpinion.objects.bulk_create(
            IntakeOpinion(project=locked, round=locked.intake_round, department=d, routed_by=actor)
            for d in departments
            if d.pk not in existing
        )

    return INTAKE.apply(
        project,
        "route",
        actor=actor,
        request=request,
        effects=effects,
        data={"departments": [d.name for d in departments]},
        departments=departments,
    )


def record_opinion(opinion: IntakeOpinion, *, actor, decision: str, text: str, request=None) -> IntakeOpinion:
    """A department gives its intake opinion (agree / disagree with text)."""

    def effects(locked: IntakeOpinion):
        # The project row is locked too: the last answer of several departments closes the review clock.
        project = Project.objects.select_for_update().get(pk=locked.project_id)
        locked.opinion, locked.text = decision, text.strip()
        locked.decided_by, locked.decided_at = actor, timezone.now()
        pending = IntakeOpinion.objects.filter(project=project, opinion=Opinion.PENDING).exclude(pk=locked.pk)
        if not pending.exists():
            # Haidian 三(一)2: the joint review is done once every routed department has answered; the
            # 30-day admission-notice clock runs on until staff decide.
            close_deadlines(
                project,
                kinds=INTAKE_OPINION.get("decide").closes,
                state=DeadlineState.MET,
                reason="各部门均已答复",
                actor=actor,
            )

    return INTAKE_OPINION.apply(
        opinion,
        "decide",
        actor=actor,
        reason=text.strip(),
        request=request,
        effects=effects,
        data={"project": opinion.project_id, "round": opinion.round},
        decision=decision,
        text=text,
    )


def request_supplement(project: Project, *, actor, items: str, request=None) -> Project:
    """补正: list what is missing; both clocks stop and will restart when complete materials arrive."""

    def effects(locked: Project):
        SupplementRequest.objects.create(
            project=locked, round=locked.intake_round, items=items.strip(), requested_by=actor
        )
        _close_intake_clocks(
            locked,
            "request_supplement",
            state=DeadlineState.SUSPENDED,
            reason="补正：材料补齐后重新计时",
            actor=actor,
        )

    return INTAKE.apply(
        project, "request_supplement", actor=actor, reason=items, request=request, effects=effects
    )


def resubmit(project: Project, *, actor, response: str = "", request=None) -> Project:
    """Complete materials are back: a new receipt day, new clocks, a new review round."""
    today = workdays.today()

    def effects(locked: Project):
        supplement = open_supplement(locked)
        if supplement is not None:
            supplement.response, supplement.responded_by, supplement.responded_on = (
                response.strip(),
                actor,
                today,
            )
            supplement.save()
        locked.path = decide_path(locked)
        locked.intake_round += 1
        locked.received_on = today
        _open_intake_clocks(locked, "resubmit", today, actor)

    return INTAKE.apply(
        project,
        "resubmit",
        actor=actor,
        reason=response,
        request=request,
        effects=effects,
        response=response,
    )


def withdraw(project: Project, *, actor, reason: str, request=None) -> Project:
    """The entity withdraws a received application before staff decide; its clocks are cancelled."""

    def effects(locked: Project):
        locked.withdrawn_on = workdays.today()
        locked.withdrawal_reason = reason.strip()
        _close_intake_clocks(
            locked, "withdraw", state=DeadlineState.CANCELLED, reason="申请已撤回", actor=actor
        )

    return INTAKE.apply(project, "withdraw", actor=actor, reason=reason, request=request, effects=effects)


def admit(project: Project, *, actor, note: str = "", request=None) -> Project:
    """Admit to the reserve library and issue the numbered admission notice."""
    today = workdays.today()

    def effects(locked: Project):
        locked.library = Library.RESERVE
        locked.admitted_on = today
        issue_admission_notice(locked, actor=actor, issued_on=today)
        _close_intake_clocks(locked, "admit", state=DeadlineState.MET, reason="已确认入库", actor=actor)

    return INTAKE.apply(
        project, "admit", actor=actor, reason=note, request=request, effects=effects, note=note
    )


def issue_admission_notice(project: Project, *, actor, issued_on) -> AdmissionNotice:
    """《北京市城市更新项目纳入储备项目库通知书》, numbered per district and year under a row lock."""
    district = District.objects.select_for_update().get(pk=project.district_id)
    last = (
        AdmissionNotice.objects.filter(district=district, year=issued_on.year).order_by("-sequence").first()
    )
    sequence = (last.sequence if last else 0) + 1
    issuer = housing_commission(district)
    configured = library_settings(district)  # issue 10 item 8: the district's own basis and number format
    notice = AdmissionNotice.objects.create(
        project=project,
        district=district,
        year=issued_on.year,
        sequence=sequence,
        number=format_number(configured.notice_number_format, district, issued_on.year, sequence),
        basis=configured.admission_basis,
        issued_on=issued_on,
        issued_by=actor,
        issuer_name=issuer.name if issuer else f"{district.name}住房和城乡建设委员会",
    )
    record_event(
        actor=actor,
        action="intake.notice",
        action_label="制发入库通知书",
        obj=project,
        to_state=notice.number,
        data={"notice": notice.pk},
    )
    return notice


def reject(project: Project, *, actor, reason: str, request=None) -> Project:
    def effects(locked: Project):
        locked.rejected_on = workdays.today()
        locked.rejection_reason = reason.strip()
        _close_intake_clocks(
            locked, "reject", state=DeadlineState.MET, reason="已作出不予入库决定", actor=actor
        )

    return INTAKE.apply(project, "reject", actor=actor, reason=reason, request=request, effects=effects)


def move_to_implementation(
    project: Project, *, actor, reason: str, requirements: dict | None = None, confirmation=None, request=None
) -> Project:
    """实施条件认定 (Haidian guidance 三(二)): the lead department moves a ready reserve project, recording
    the planning, function and supervision requirements; the confirmation document may come with it."""
    requirements = {key: (requirements or {}).get(key, "") or "" for key in IMPLEMENTATION_REQUIREMENTS}

    def effects(locked: Project):
        locked.library = Library.IMPLEMENTATION
        locked.implementation_on = workdays.today()
        for key, value in requirements.items():
            setattr(locked, key, value.strip())
        if confirmation is not None:
            attach(locked, confirmation, kind=CONFIRMATION_DOCUMENT, actor=actor, request=request)

    return INTAKE.apply(
        project,
        "move_to_implementation",
        actor=actor,
        reason=reason,
        request=request,
        effects=effects,
        data={key: value.strip() for key, value in requirements.items()},
        requirements=requirements,
        confirmation=confirmation,
    )


def library_settings(district: District) -> DistrictLibrarySettings:
    """The district's configured wording (issue 10 item 8), or the defaults when none is saved."""
    found = DistrictLibrarySettings.objects.filter(district=district).first()
    return found or DistrictLibrarySettings(district=district)


def format_number(template: str, district: District, year: int, sequence: int) -> str:
    """A document number from a district's format, e.g. "{district}城更入库〔{year}〕{sequence}号"."""
    return template.format(district=district.short_name or district.name, year=year, sequence=sequence)


def opinion_number(district: District, year: int, sequence: int) -> str:
    """The 联合审查意见 number in the district's configured format (for the review app)."""
    return format_number(library_settings(district).opinion_number_format, district, year, sequence)
