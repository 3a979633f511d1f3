"""Every state change of the project library (DOMAIN.md §3 steps 1–4).

Intake follows 《海淀区城市更新实施指引（2025年版）》三(一): receipt, joint review with departments within
10 working days (not for 区域综合性 projects, which the district government decides), admission notice
within 30 working days of receipt; 三(二): the department moves a ready reserve project to the
implementation library. A 补正 suspends both clocks; they restart from the day complete materials arrive.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from projects.choices import (
    ATTACHMENT_KINDS,
    DEADLINE_ADMISSION_NOTICE,
    DEADLINE_INTAKE_REVIEW,
    INTAKE_DEADLINES,
    REQUIRED_INTAKE_MATERIALS,
    Library,
    Opinion,
    Path,
    Stage,
)
from projects.models import AdmissionNotice, IntakeOpinion, Project, SupplementRequest
from renewal import calendar as workdays
from renewal.attachments import attach
from renewal.choices import DeadlineRule, DeadlineState, OrganizationKind, Role
from renewal.models import Attachment, District, Organization
from renewal.permissions import require
from renewal.services import close_deadlines, open_deadline, record_event
from renewal.workflow import Transition, TransitionRefused, Workflow

INTAKE_REVIEW_WORKDAYS = 10  # Haidian guidance 三(一)2
ADMISSION_NOTICE_WORKDAYS = 30  # Haidian guidance 三(一)3

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


def implementation_conditions(project: Project, **context) -> str | None:
    """Haidian guidance 三(二): the 统筹/实施主体 is confirmed and the project is catalogued."""
    missing = []
    if project.implementing_entity_id is None and project.coordinating_entity_id is None:
        missing.append("统筹主体或实施主体确认")
    if project.category_id is None or project.sub_type_id is None:
        missing.append("项目类别和子类")
    return ("尚缺：" + "、".join(missing)) if missing else None


def not_regional(project: Project, **context) -> str | None:
    if project.is_regional:
        return "区域综合性项目由区政府组织相关部门共同研究确定，不分送部门联合审查"
    return None


INTAKE = Workflow(
    name="intake",
    state_field="stage",
    state_labels=dict(Stage.choices),
    transitions=[
        Transition(
            "submit",
            "提交入库申请",
            (Stage.DRAFT,),
            Stage.SUBMITTED,
            guards=(intake_conditions, materials_complete),
        ),
        Transition(
            "route",
            "分送部门联合审查",
            (Stage.SUBMITTED, Stage.UNDER_REVIEW),
            Stage.UNDER_REVIEW,
            guards=(not_regional,),
        ),
        Transition(
            "request_supplement",
            "发出补正通知",
            (Stage.SUBMITTED, Stage.UNDER_REVIEW),
            Stage.SUPPLEMENT,
            reason_required=True,
        ),
        Transition(
            "resubmit",
            "补正后重新提交",
            (Stage.SUPPLEMENT,),
            Stage.SUBMITTED,
            guards=(supplement_answered, intake_conditions, materials_complete),
        ),
        Transition(
            "withdraw",
            "撤回入库申请",
            (Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SUPPLEMENT),
            Stage.WITHDRAWN,
            reason_required=True,
            confirm="确认撤回该入库申请？撤回后办理期限终止，申请不能恢复，如需入库须重新填报。",
        ),
        Transition(
            "admit",
            "确认入库",
            (Stage.SUBMITTED, Stage.UNDER_REVIEW),
            Stage.RESERVE,
            guards=(materials_complete, departments_agree),
            confirm="确认将该项目纳入储备项目库并制发入库通知书？此操作不可撤销。",
        ),
        Transition(
            "reject",
            "不予入库",
            (Stage.SUBMITTED, Stage.UNDER_REVIEW),
            Stage.REJECTED,
            reason_required=True,
            confirm="确认对该项目作出不予入库决定？此操作不可撤销。",
        ),
        Transition(
            "move_to_implementation",
            "转入实施项目库",
            (Stage.RESERVE,),
            Stage.IMPLEMENTATION,
            guards=(implementation_conditions,),
            reason_required=True,
            confirm="确认该项目具备实施条件，转入实施项目库？此操作不可撤销。",
        ),
    ],
)

EDITABLE_STAGES = (Stage.DRAFT, Stage.SUPPLEMENT)
OPINION_STAGES = (Stage.SUBMITTED, Stage.UNDER_REVIEW)  # departments may answer while review is open


# --- who may act ----------------------------------------------------------------------------------


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


def allowed_actions(user, project: Project) -> set[str]:
    """Actions the user may attempt now (the workflow's guards still decide); drives the buttons."""
    state_allows = {t.action for t in INTAKE.available(project)}
    mine = set()
    if is_project_entity(user, project):
        mine |= {"submit", "resubmit", "withdraw", "edit", "upload", "delete"}
    if is_district_staff(user, project):
        mine |= {"route", "request_supplement", "admit", "reject", "move_to_implementation"}
    if is_lead_department(user, project):
        mine |= {"move_to_implementation"}
    actions = mine & state_allows
    if "edit" in mine and project.stage in EDITABLE_STAGES:
        actions |= {"edit", "upload"}  # materials may change while the application may change
    if "delete" in mine and project.stage == Stage.DRAFT:
        actions.add("delete")
    return actions


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


def _open_intake_clocks(project: Project, received_on, actor):
    """Both clocks start from the day of receipt (受理日); the receipt day itself is not counted."""
    responsible = housing_commission(project.district)
    if not project.is_regional:
        open_deadline(
            project,
            kind=DEADLINE_INTAKE_REVIEW,
            title="入库联合审查",
            rule=DeadlineRule.WORKING_DAYS,
            amount=INTAKE_REVIEW_WORKDAYS,
            start=received_on,
            responsible_organization=responsible,
            basis="海淀区城市更新实施指引 三(一)2",
            actor=actor,
        )
    open_deadline(
        project,
        kind=DEADLINE_ADMISSION_NOTICE,
        title="制发入库通知书",
        rule=DeadlineRule.WORKING_DAYS,
        amount=ADMISSION_NOTICE_WORKDAYS,
        start=received_on,
        responsible_organization=responsible,
        basis="海淀区城市更新实施指引 三(一)3",
        actor=actor,
    )


# --- drafts ---------------------------------------------------------------------------------------

EDITABLE_FIELDS = [
    "name",
    "category",
    "sub_type",
    "generation_mode",
    "changes_land_or_building",
    "involves_public_interest",
    "designated_by_government",
    "coordinating_entity",
    "property_right_holders",
    "location",
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
    require(actor.role == Role.ENTITY and actor.district_id is not None, "只有区级实施主体可以填报入库申请。")
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
    return project


@transaction.atomic
def update_draft(project: Project, *, actor, data: dict, request=None) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(is_project_entity(actor, project), "只有本项目的实施主体可以修改申请。")
    if project.stage not in EDITABLE_STAGES:
        raise TransitionRefused(
            f"当前状态为“{project.get_stage_display()}”，申请内容不能修改（仅草稿或待补正时可以）。"
        )
    _check_coordinating_entity(project, data)
    changed = {}
    for field in EDITABLE_FIELDS:
        if field in data and getattr(project, field) != data[field]:
            old = getattr(project, field)
            changed[field] = [
                str(old) if old is not None else "",
                str(data[field]) if data[field] is not None else "",
            ]
            setattr(project, field, data[field])
    _check_sub_type(project)
    project.path = decide_path(project)
    project.save()
    if changed:
        record_event(
            actor=actor,
            action="project.update",
            action_label="修改申请内容",
            obj=project,
            data={"changed": changed},
            request=request,
        )
    return project


def add_material(
    project: Project, upload, *, kind: str, actor, replaces: Attachment | None = None, request=None
) -> Attachment:
    """The entity files a document (or a new version of one) while its application may still change:
    as a draft, and while a 补正 is open."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        require(is_project_entity(actor, locked), "只有本项目的实施主体可以上传申请材料。")
        if locked.stage not in EDITABLE_STAGES:
            raise TransitionRefused(
                f"项目当前为“{locked.get_stage_display()}”，不能上传申请材料（仅草稿或待补正时可以）。"
            )
        if kind not in ATTACHMENT_KINDS:
            raise TransitionRefused("请选择材料类型：" + "、".join(ATTACHMENT_KINDS) + "。", ["材料类型"])
        return attach(locked, upload, kind=kind, actor=actor, replaces=replaces, request=request)


@transaction.atomic
def delete_draft(project: Project, *, actor, request=None) -> None:
    """The entity deletes a draft nobody else has seen: the row and its files go, the audit event stays."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(is_project_entity(actor, project), "只有本项目的实施主体可以删除草稿。")
    if project.stage != Stage.DRAFT:
        raise TransitionRefused(
            f"当前状态为“{project.get_stage_display()}”，不能删除（仅草稿可以删除；已提交的申请可以撤回）。"
        )
    # Newest versions first: an older version is protected while a newer one points at it.
    files = list(Attachment.objects.for_object(project).order_by("-version", "-pk"))
    record_event(
        actor=actor,
        action="project.delete",
        action_label="删除入库申请草稿",
        obj=project,
        from_state=Stage.DRAFT,
        reason=project.name,
        data={"name": project.name, "attachments": [f"{a.original_name} v{a.version}" for a in files]},
        request=request,
    )
    stored = [a.file.name for a in files if a.file]
    for attachment in files:
        attachment.delete()
    project.delete()

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
    require(is_project_entity(actor, project), "只有本项目的实施主体可以提交入库申请。")
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
        _open_intake_clocks(locked, received_on, actor)

    return INTAKE.apply(project, "submit", actor=actor, request=request, effects=effects)


def route(project: Project, *, actor, departments, request=None) -> Project:
    """Send the application to departments of the project's district for their intake opinion."""
    require(is_district_staff(actor, project), "只有本区城市更新主管部门可以分送联合审查。")
    departments = list(departments)
    if not departments:
        raise TransitionRefused("请至少选择一个行业主管部门。", ["部门"])
    wrong = [
        d.name
        for d in departments
        if d.kind != OrganizationKind.DEPARTMENT or d.district_id != project.district_id
    ]
    if wrong:
        raise TransitionRefused("只能分送本区的行业主管部门：" + "、".join(wrong) + " 不符合。")

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
    )


@transaction.atomic
def record_opinion(opinion: IntakeOpinion, *, actor, decision: str, text: str, request=None) -> IntakeOpinion:
    """A department gives its intake opinion (agree / disagree with text)."""
    opinion = (
        IntakeOpinion.objects.select_for_update().select_related("project", "department").get(pk=opinion.pk)
    )
    project = opinion.project
    require(
        actor.role == Role.REVIEWER and actor.organization_id == opinion.department_id,
        "只有被分送的部门可以答复本部门的审查意见。",
    )
    if decision not in (Opinion.AGREE, Opinion.DISAGREE):
        raise TransitionRefused("请选择“同意”或“不同意”。", ["意见"])
    if decision == Opinion.DISAGREE and not text.strip():
        raise TransitionRefused("不同意入库须说明理由。", ["意见说明"])
    if opinion.opinion != Opinion.PENDING:
        raise TransitionRefused(f"本部门已于{workdays.chinese_date(opinion.decided_at)}答复，不能重复答复。")
    if project.stage not in OPINION_STAGES:
        raise TransitionRefused(f"项目当前为“{project.get_stage_display()}”，入库审查不在进行中，不能答复。")
    opinion.opinion, opinion.text = decision, text.strip()
    opinion.decided_by, opinion.decided_at = actor, timezone.now()
    opinion.save()
    record_event(
        actor=actor,
        action="intake.opinion",
        action_label=f"{opinion.department.name}答复入库审查意见",
        obj=project,
        to_state=decision,
        reason=opinion.text,
        request=request,
        data={"opinion": opinion.pk, "round": opinion.round},
    )
    if not IntakeOpinion.objects.filter(project=project, opinion=Opinion.PENDING).exists():
        # Haidian 三(一)2: the joint review is done once every routed department has answered; the
        # 30-day admission-notice clock runs on until staff decide.
        close_deadlines(
            project,
            kinds=(DEADLINE_INTAKE_REVIEW,),
            state=DeadlineState.MET,
            reason="各部门均已答复",
            actor=actor,
        )
    return opinion


def request_supplement(project: Project, *, actor, items: str, request=None) -> Project:
    """补正: list what is missing; both clocks stop and will restart when complete materials arrive."""
    require(is_district_staff(actor, project), "只有本区城市更新主管部门可以发出补正通知。")

    def effects(locked: Project):
        SupplementRequest.objects.create(
            project=locked, round=locked.intake_round, items=items.strip(), requested_by=actor
        )
        close_deadlines(
            locked,
            kinds=INTAKE_DEADLINES,
            state=DeadlineState.SUSPENDED,
            reason="补正：材料补齐后重新计时",
            actor=actor,
        )

    return INTAKE.apply(
        project, "request_supplement", actor=actor, reason=items, request=request, effects=effects
    )


def resubmit(project: Project, *, actor, response: str = "", request=None) -> Project:
    """Complete materials are back: a new receipt day, new clocks, a new review round."""
    require(is_project_entity(actor, project), "只有本项目的实施主体可以提交补正材料。")
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
        _open_intake_clocks(locked, today, actor)

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
    require(is_project_entity(actor, project), "只有本项目的实施主体可以撤回入库申请。")

    def effects(locked: Project):
        locked.withdrawn_on = workdays.today()
        locked.withdrawal_reason = reason.strip()
        close_deadlines(locked, state=DeadlineState.CANCELLED, reason="申请已撤回", actor=actor)

    return INTAKE.apply(project, "withdraw", actor=actor, reason=reason, request=request, effects=effects)


def admit(project: Project, *, actor, note: str = "", request=None) -> Project:
    """Admit to the reserve library and issue the numbered admission notice."""
    require(is_district_staff(actor, project), "只有本区城市更新主管部门可以确认入库。")
    if project.is_regional and not note.strip():
        raise TransitionRefused("区域综合性项目须填写区政府研究确定的依据（如会议纪要文号）。", ["入库依据"])
    today = workdays.today()

    def effects(locked: Project):
        locked.library = Library.RESERVE
        locked.admitted_on = today
        issue_admission_notice(locked, actor=actor, issued_on=today)
        close_deadlines(
            locked, kinds=INTAKE_DEADLINES, state=DeadlineState.MET, reason="已确认入库", actor=actor
        )

    return INTAKE.apply(project, "admit", actor=actor, reason=note, request=request, effects=effects)


def issue_admission_notice(project: Project, *, actor, issued_on) -> AdmissionNotice:
    """《北京市城市更新项目纳入储备项目库通知书》, numbered per district and year under a row lock."""
    district = District.objects.select_for_update().get(pk=project.district_id)
    last = (
        AdmissionNotice.objects.filter(district=district, year=issued_on.year).order_by("-sequence").first()
    )
    sequence = (last.sequence if last else 0) + 1
    issuer = housing_commission(district)
    notice = AdmissionNotice.objects.create(
        project=project,
        district=district,
        year=issued_on.year,
        sequence=sequence,
        number=f"{district.short_name or district.name}城更入库〔{issued_on.year}〕{sequence}号",
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
    require(is_district_staff(actor, project), "只有本区城市更新主管部门可以作出不予入库决定。")

    def effects(locked: Project):
        locked.rejected_on = workdays.today()
        locked.rejection_reason = reason.strip()
        close_deadlines(
            locked, kinds=INTAKE_DEADLINES, state=DeadlineState.MET, reason="已作出不予入库决定", actor=actor
        )

    return INTAKE.apply(project, "reject", actor=actor, reason=reason, request=request, effects=effects)


def move_to_implementation(project: Project, *, actor, reason: str, request=None) -> Project:
    """实施条件认定 (Haidian guidance 三(二)): the lead department, or staff, moves a ready reserve project."""
    require(
        is_lead_department(actor, project) or is_district_staff(actor, project),
        "只有项目子类的牵头行业主管部门或本区城市更新主管部门可以认定实施条件。",
    )

    def effects(locked: Project):
        locked.library = Library.IMPLEMENTATION
        locked.implementation_on = workdays.today()

    return INTAKE.apply(
        project, "move_to_implementation", actor=actor, reason=reason, request=request, effects=effects
    )
