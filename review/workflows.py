"""The review app's workflow tables: the one place where its rules live.

Every stateful record of plans, pre-review, joint review and publicity has a table here: the states with
their labels, each transition's sources and target, who may act (checked on the locked row), what must hold
(guards that say what is missing), the deadline kinds it opens and closes, the question asked before an
irreversible step and whether its audit event carries one department's opinion. Services run these tables
(`Workflow.apply`); pages draw their buttons and the API its `actions/` from `available_for`.

Rules: 《北京市城市更新实施方案联合审查管理办法（试行）》 第五条–第十二条, 第十八条;
《海淀区城市更新实施指引（2025年版）》 三(三)(四).
"""

from __future__ import annotations

from django.utils import timezone

from projects.choices import Library, Path
from projects.readonly import project_exited
from projects.services import is_district_staff, is_project_entity
from renewal.choices import OrganizationKind, Role
from renewal.models import Attachment, Organization
from renewal.workflow import Availability, Transition, Workflow
from review.choices import (
    DEADLINE_DEPARTMENT_REVIEW,
    DEADLINE_LAND_ALL,
    DEADLINE_LAND_FIRST_PHASE,
    DEADLINE_PUBLICITY_WINDOW,
    CommentKind,
    CommentModeration,
    CommentOutcome,
    Decision,
    DeliverableKind,
    PlanFact,
    PlanState,
    PreReviewState,
    PublicityState,
    RequestStatus,
    RoundOutcome,
)
from review.modules import EXPERT_FIRE_DESIGN, MODULES
from review.vote import check_vote

SYSTEM_STEP = "此步骤由系统自动办理。"

# --- who may act ------------------------------------------------------------------------------------


def is_plan_entity(user, plan) -> bool:
    """The project's implementing or coordinating entity."""
    return is_project_entity(user, plan.project)


def is_plan_staff(user, plan) -> bool:
    """The housing commission's staff of the plan's district."""
    return is_district_staff(user, plan.project)


def is_department(user, department_id) -> bool:
    """An officer of the department a review or comment was routed to."""
    return user.role == Role.REVIEWER and user.organization_id == department_id


def nobody(user, obj) -> bool:
    """A step the portal takes by itself (a round completes, a window ends)."""
    return False


def _review_staff(user, review) -> bool:
    return is_plan_staff(user, review.review_round.plan)


def _review_department(user, review) -> bool:
    return is_department(user, review.department_id)


def _part_staff(user, part) -> bool:
    return is_plan_staff(user, part.plan)


def _comment_department(user, comment) -> bool:
    return is_department(user, comment.department_id)


def _publicity_staff(user, publicity) -> bool:
    return is_plan_staff(user, publicity.plan)


def _public_comment_staff(user, comment) -> bool:
    return is_plan_staff(user, comment.publicity.plan)


STAFF_ONLY = "只有本区城市更新主管部门可以{}。"

# --- guards of the plan -----------------------------------------------------------------------------


def has_content(plan, **context) -> str | None:
    if not any(plan.content.get(m.code) for m in MODULES):
        return "实施方案尚未填写任何模块"
    return None


def has_text_deliverable(plan, **context) -> str | None:
    if not Attachment.objects.for_object(plan).current().filter(kind=DeliverableKind.TEXT).exists():
        return "尚未上传实施方案文本"
    return None


def _current_kinds(plan) -> set[str]:
    return set(Attachment.objects.for_object(plan).current().values_list("kind", flat=True))


def submission_materials(plan, **context) -> str | None:
    """联合审查办法 第六条: 申请书, the entities' licences, the plan (its own guard), and the written consent of
    a registered mortgagee or other right holder; 海淀指引 三(三) 附件: 授权说明 when the entity is not the
    rights holder, 消防专家评审意见 for performance-based or special fire design, 专家评审意见采信情况表 once
    an expert review was held."""
    kinds = _current_kinds(plan)
    basic = plan.content.get("basic_info") or {}
    required = [
        (True, DeliverableKind.APPLICATION, "联合审查申请书（第六条（一））"),
        (True, DeliverableKind.LICENCE, "统筹主体、实施主体合法有效证照（第六条（二））"),
        (
            basic.get("encumbrance"),
            DeliverableKind.ANNEX_RIGHT_HOLDER_CONSENT,
            "他项权益人书面同意意见（第六条（四））",
        ),
        (
            basic.get("entity_not_rights_holder"),
            DeliverableKind.ANNEX_AUTHORISATION,
            "授权说明（海淀指引 三(三)）",
        ),
        (
            PlanFact.SPECIAL_FIRE_DESIGN in plan.facts
            and (plan.content.get("architecture") or {}).get("fire_design_method") in EXPERT_FIRE_DESIGN,
            DeliverableKind.ANNEX_FIRE,
            "消防专家评审意见（海淀指引 三(三)）",
        ),
        (
            plan.pk is not None and plan.expert_reviews.exists(),
            DeliverableKind.ANNEX_EXPERT_ADOPTION,
            "专家评审意见采信情况表（海淀指引 三(三)）",
        ),
    ]
    missing = [label for needed, kind, label in required if needed and kind not in kinds]
    return ("尚缺报送材料：" + "、".join(missing)) if missing else None


def consent_recorded(plan, **context) -> str | None:
    """联合审查办法 第六条 (a plan agreed or voted by the owners) and 民法典 第二百七十八条: a common decision
    needs the vote recorded (area and heads of all owners, participants, those agreeing) and passed."""
    vote = plan.content.get("consultation") or {}
    if not vote.get("common_decision"):
        return None
    result = check_vote(vote)
    missing = [f"协商表决情况（{'、'.join(result.missing)}）"] if result.missing else []
    if DeliverableKind.ANNEX_VOTE not in _current_kinds(plan):
        missing.append("协商表决情况附件")
    if missing:
        return "涉及业主共同决定事项，尚缺" + "、".join(missing)
    if result.failures:
        return "业主表决未达到民法典第二百七十八条规定的比例：" + "；".join(result.failures)
    return None


def no_open_requests(plan, **context) -> str | None:
    open_items = plan.revision_requests.filter(status=RequestStatus.OPEN).count()
    return f"尚有 {open_items} 项修改要求未解决" if open_items else None


def is_major_project(plan, **context) -> str | None:
    return None if plan.major_project else "本项目不属于须经市政府批准的项目"


def city_approved(plan, **context) -> str | None:
    if plan.major_project and not plan.city_approved_on:
        return "重点项目、跨区域项目及涉密项目须先经市政府批准"
    return None


def publicity_finished(plan, **context) -> str | None:
    publicity = plan.publicities.order_by("-pk").first()
    if publicity is None or publicity.state != PublicityState.CLOSED:
        return "公示期尚未届满"
    pending = publicity.comments.filter(outcome=CommentOutcome.PENDING).count()
    return f"尚有 {pending} 条公示意见未答复" if pending else None


def _awaiting_correction(plan) -> bool:
    """A 修改后同意 of the current round whose change staff have not yet confirmed."""
    from review.models import DepartmentReview

    return DepartmentReview.objects.filter(
        review_round__plan_id=plan.pk,
        review_round__outcome=RoundOutcome.IN_REVIEW,
        is_active=True,
        decision=Decision.AGREE_AFTER_CHANGE,
        change_confirmed_at__isnull=True,
    ).exists()


def editable_now(plan, **context) -> str | None:
    """During joint review the entity edits only to answer a 修改后同意 (issue 10 item 13)."""
    if plan.state == PlanState.JOINT_REVIEW and not _awaiting_correction(plan):
        return "联合审查期间，只有部门提出“修改后同意”后，才能按其意见修改方案"
    return None


def correction_awaited(plan, **context) -> str | None:
    if not _awaiting_correction(plan):
        return "没有待落实的“修改后同意”意见，联合审查期间不能报送新版本"
    return None


def differs_from_last_version(plan, **context) -> str | None:
    """A corrected version must change something: the content or a deliverable."""
    last = plan.versions.order_by("-number").first()
    if last is None:
        return None
    current_files = sorted(Attachment.objects.for_object(plan).current().values_list("pk", flat=True))
    if last.content == plan.content and sorted(last.attachment_ids) == current_files:
        return f"方案内容和成果文件与第{last.number}版相同，请先按部门意见修改"
    return None


def in_city_plan(plan, **context) -> str | None:
    """联合审查办法 第二条、第五条: only a project in the city's 城市更新计划 is jointly reviewed."""
    from projects.services import city_plan_missing

    return city_plan_missing(plan.project)


def unregistered_determined(plan, **context) -> str | None:
    """联合审查办法 第七条: the district government's investigation and determination of unregistered
    buildings, and the publicity of those to be included, come before the joint review."""
    if PlanFact.UNREGISTERED_BUILDINGS not in plan.facts:
        return None
    missing = []
    if not plan.unregistered_determination or not plan.unregistered_determined_on:
        missing.append("区政府的调查认定（文件、日期）")
    if not plan.unregistered_publicity_on:
        missing.append("拟纳入方案的未登记建筑公示")
    if missing:
        return "涉及未登记建筑，尚未登记" + "、".join(missing) + "（联合审查办法 第七条）"
    return None


def unregistered_department_designated(plan, **context) -> str | None:
    """第十二条（七）: the department the district government designates reviews unregistered buildings;
    the administrator records it as a routing rule, and there is no silent default."""
    from review.models import RoutingRule

    if PlanFact.UNREGISTERED_BUILDINGS not in plan.facts:
        return None
    codes = RoutingRule.objects.filter(is_active=True, fact=PlanFact.UNREGISTERED_BUILDINGS).values_list(
        "department_code", flat=True
    )
    if not Organization.objects.filter(
        district_id=plan.project.district_id,
        kind=OrganizationKind.DEPARTMENT,
        is_active=True,
        department_code__in=list(codes),
    ).exists():
        return (
            "区政府指定的未登记建筑物处理审查部门尚未设置（联合审查办法 第十二条（七）），"
            "请系统管理员在会签路由规则中设置"
        )
    return None


def involves_unregistered(plan, **context) -> str | None:
    if PlanFact.UNREGISTERED_BUILDINGS not in plan.facts:
        return "本方案不涉及未登记建筑"
    return None


def transition_approval_recorded(plan, **context) -> str | None:
    """联合审查办法 第十八条: for a plan using the five-year transition policy the land limits do not run
    ("按照相关规定执行"); the district's transition approval (海淀指引 六(三)) is recorded instead."""
    if PlanFact.TRANSITION_POLICY in plan.facts and not (
        plan.transition_approval and plan.transition_approved_on
    ):
        return "使用五年过渡期政策的方案，须先登记过渡期政策批准文件及日期"
    return None


def transition_policy_used(plan, **context) -> str | None:
    if PlanFact.TRANSITION_POLICY not in plan.facts:
        return "本方案未使用五年过渡期政策"
    return None


EDITABLE_STATES = (PlanState.DRAFT, PlanState.REVISION)
EDITING_STATES = (*EDITABLE_STATES, PlanState.JOINT_REVIEW)
BEFORE_JOINT_REVIEW = (PlanState.SUBMITTED, PlanState.PRE_REVIEW)
UNTIL_JOINT_REVIEW = (*EDITABLE_STATES, *BEFORE_JOINT_REVIEW)
MAJOR_PROJECT_STATES = (PlanState.SUBMITTED, PlanState.PRE_REVIEW, PlanState.JOINT_REVIEW, PlanState.PASSED)
ENTITY_ONLY = "只有本项目的实施主体可以编制实施方案。"

PLAN = Workflow(
    name="plan",
    state_field="state",
    state_labels=dict(PlanState.choices),
    read_only=project_exited,  # an exited project is read-only (projects.readonly)
    transitions=[
        Transition(
            "save",
            "保存实施方案草稿",
            EDITING_STATES,
            None,
            guards=(editable_now,),
            actor=is_plan_entity,
            actor_refusal=ENTITY_ONLY,
        ),
        Transition(
            "upload",
            "上传成果文件",
            EDITING_STATES,
            None,
            guards=(editable_now,),
            actor=is_plan_entity,
            actor_refusal=ENTITY_ONLY,
        ),
        Transition(
            "submit",
            "报送实施方案",
            EDITABLE_STATES,
            PlanState.SUBMITTED,
            guards=(has_content, has_text_deliverable, submission_materials, consent_recorded),
            actor=is_plan_entity,
            actor_refusal="只有本项目的实施主体可以报送实施方案。",
            confirm="报送后将冻结为一个版本，在审查结束或退回修改前不能再修改方案。确认报送实施方案？",
        ),
        # 修改后同意 (issue 10 item 13): the corrected version (报批稿) is submitted during the round; staff
        # then confirm each such opinion against it, and the opinion letter is issued on it.
        Transition(
            "submit_correction",
            "报送修改后版本（报批稿）",
            (PlanState.JOINT_REVIEW,),
            None,
            guards=(
                correction_awaited,
                differs_from_last_version,
                has_text_deliverable,
                submission_materials,
                consent_recorded,
            ),
            actor=is_plan_entity,
            actor_refusal="只有本项目的实施主体可以报送修改后的实施方案。",
            confirm="报送后将冻结为新版本，供主管部门对照“修改后同意”意见确认修改。确认报送？",
        ),
        Transition(
            "record_unregistered_determination",
            "登记未登记建筑调查认定及公示",
            UNTIL_JOINT_REVIEW,
            None,
            guards=(involves_unregistered,),
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("登记未登记建筑的调查认定"),
            confirm="确认登记区政府对未登记建筑的调查认定及公示情况？",
        ),
        Transition(
            "record_transition_approval",
            "登记过渡期政策批准",
            (*UNTIL_JOINT_REVIEW, PlanState.JOINT_REVIEW, PlanState.PASSED),
            None,
            guards=(transition_policy_used,),
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("登记过渡期政策批准"),
        ),
        Transition(
            "request_pre_review",
            "征求部门预审意见",
            (PlanState.SUBMITTED,),
            PlanState.PRE_REVIEW,
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("组织预审"),
        ),
        Transition(
            "return_for_revision",
            "退回修改",
            BEFORE_JOINT_REVIEW,
            PlanState.REVISION,
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("退回实施方案"),
            confirm="确认将实施方案退回实施主体修改？退回后须待实施主体修改并重新报送。",
        ),
        Transition(
            "expert_review",
            "登记专家评审",
            BEFORE_JOINT_REVIEW,
            None,
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("登记专家评审"),
        ),
        Transition(
            "start_joint_review",
            "提请联合审查",
            BEFORE_JOINT_REVIEW,
            PlanState.JOINT_REVIEW,
            guards=(
                in_city_plan,
                unregistered_determined,
                unregistered_department_designated,
                no_open_requests,
            ),
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("提请联合审查"),
            opens=(DEADLINE_DEPARTMENT_REVIEW,),
            confirm="确认提请联合审查？将按上表分送各部门并联会签，并开始计算各部门的办理期限。",
        ),
        Transition(
            "add_departments",
            "增加会签部门",
            (PlanState.JOINT_REVIEW,),
            None,
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("调整会签部门"),
            opens=(DEADLINE_DEPARTMENT_REVIEW,),
        ),
        Transition(
            "return_after_review",
            "联合审查未通过，退回修改",
            (PlanState.JOINT_REVIEW,),
            PlanState.REVISION,
            actor=nobody,
            actor_refusal=SYSTEM_STEP,
        ),
        Transition(
            "pass_review",
            "联合审查通过",
            (PlanState.JOINT_REVIEW,),
            PlanState.PASSED,
            actor=nobody,
            actor_refusal=SYSTEM_STEP,
        ),
        Transition(
            "set_major_project",
            "认定是否须经市政府批准",
            MAJOR_PROJECT_STATES,
            None,
            reason_required=True,
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("认定重点项目"),
        ),
        Transition(
            "record_city_approval",
            "登记市政府批准",
            (*MAJOR_PROJECT_STATES, PlanState.OPINION_ISSUED, PlanState.PUBLICITY, PlanState.APPROVED),
            None,
            guards=(is_major_project,),
            reason_required=True,
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("登记市政府批准"),
            confirm="市政府批准登记后不能修改。确认登记？",
        ),
        Transition(
            "issue_opinion",
            "出具联合审查意见",
            (PlanState.PASSED,),
            PlanState.OPINION_ISSUED,
            # City approval (old-building measures 第十八条) is needed before implementation, checked at
            # works start by the permits stage, not before the opinion (issue 10 item 16).
            guards=(transition_approval_recorded,),
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("出具联合审查意见"),
            # A new opinion (after an accepted objection) cancels the land limits of the one it replaces.
            opens=(DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL),
            closes=(DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL),
            confirm="联合审查意见出具后将编号存档，并起算2年、5年用地手续期限（使用五年过渡期政策的除外），不能撤回。确认出具联合审查意见？",
        ),
        # 第十八条 "原则上": staff may record an extension of, or an exception to, a land limit, with the
        # reason and the document; the audit event keeps both.
        Transition(
            "adjust_land_deadline",
            "登记用地手续期限延长或例外",
            (PlanState.OPINION_ISSUED, PlanState.PUBLICITY, PlanState.APPROVED),
            None,
            reason_required=True,
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("登记用地手续期限的延长或例外"),
            confirm="确认登记用地手续期限的延长或例外？登记后记入审计记录。",
        ),
        Transition(
            "publish",
            "发布公示",
            (PlanState.OPINION_ISSUED,),
            PlanState.PUBLICITY,
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("发布公示"),
            opens=(DEADLINE_PUBLICITY_WINDOW,),
            confirm="公示发布后立即向社会公开，公示期内不能撤回或提前结束。确认发布公示？",
        ),
        Transition(
            "accept_objection",
            "采纳异议，退回修改",
            (PlanState.PUBLICITY,),
            PlanState.REVISION,
            reason_required=True,
            actor=is_plan_staff,
            actor_refusal=STAFF_ONLY.format("采纳公示异议"),
            closes=(DEADLINE_PUBLICITY_WINDOW, DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL),
        ),
        Transition(
            "finish_publicity",
            "公示完成，转入行政许可",
            (PlanState.PUBLICITY,),
            PlanState.APPROVED,
            guards=(publicity_finished,),
            actor=nobody,
            actor_refusal=SYSTEM_STEP,
        ),
    ],
)

# --- starting a plan (on the project) -----------------------------------------------------------------


def on_joint_review_path(project, **context) -> str | None:
    if project.path != Path.JOINT_REVIEW:
        return "按其他路径实施的项目，方案按相关行业政策编制、报批，不在本平台联合审查"
    return None


def in_implementation_library(project, **context) -> str | None:
    if project.library != Library.IMPLEMENTATION:
        return "项目纳入实施项目库后方可编制实施方案"
    return None


def has_no_plan(project, **context) -> str | None:
    return "本项目已有实施方案" if hasattr(project, "plan") else None


# The project page asks this table (by name, through renewal.workflow.workflows()) whether to offer
# "开始编制实施方案"; the plan itself is created by review.services.start_plan.
PLAN_START = Workflow(
    name="plan_start",
    state_field="library",
    state_labels=dict(Library.choices),
    read_only=project_exited,  # an exited project is read-only (projects.readonly)
    transitions=[
        Transition(
            "start",
            "开始编制实施方案",
            tuple(Library.values),
            None,
            guards=(on_joint_review_path, in_implementation_library, has_no_plan),
            actor=is_project_entity,
            actor_refusal=ENTITY_ONLY,
        )
    ],
)

# --- pre-review comments and revision requests ----------------------------------------------------------


def pre_review_open(comment, **context) -> str | None:
    plan = comment.plan
    if plan.state != PlanState.PRE_REVIEW or comment.version != plan.current_version:
        return "本轮预审已结束，不能再答复"
    return None


PRE_REVIEW = Workflow(
    name="pre_review",
    state_field="state",  # a property: answered once answered_at is set
    state_labels=dict(PreReviewState.choices),
    read_only=project_exited,  # an exited project is read-only (projects.readonly)
    transitions=[
        Transition(
            "answer",
            "提出预审意见",
            (PreReviewState.REQUESTED,),
            None,
            guards=(pre_review_open,),
            actor=_comment_department,
            actor_refusal="只有被征求意见的部门可以答复。",
            confirm="预审意见提交后不能修改。确认提交本部门预审意见？",
            exposes_opinion=True,
        )
    ],
)


def requests_being_checked(item, **context) -> str | None:
    if item.plan.state not in BEFORE_JOINT_REVIEW:
        return "只能在实施方案报送后、提请联合审查前确认修改要求"
    return None


def answered_by_a_later_version(item, **context) -> str | None:
    if item.raised_on_version >= item.plan.current_version:
        return "该要求是针对当前版本提出的，须待实施主体报送新版本后确认"
    return None


REQUEST_CHECKS = (requests_being_checked, answered_by_a_later_version)
REVISION_REQUEST = Workflow(
    name="revision_request",
    state_field="status",
    state_labels=dict(RequestStatus.choices),
    read_only=project_exited,  # an exited project is read-only (projects.readonly)
    transitions=[
        Transition(
            "resolve",
            "确认修改要求已解决",
            (RequestStatus.OPEN,),
            RequestStatus.RESOLVED,
            guards=REQUEST_CHECKS,
            actor=_part_staff,
            actor_refusal=STAFF_ONLY.format("确认修改要求的落实情况"),
        ),
        Transition(
            "reopen",
            "确认修改要求仍未解决",
            (RequestStatus.RESOLVED,),
            RequestStatus.OPEN,
            guards=REQUEST_CHECKS,
            actor=_part_staff,
            actor_refusal=STAFF_ONLY.format("确认修改要求的落实情况"),
        ),
    ],
)

# --- joint review: department reviews and rounds ---------------------------------------------------------


def _round_is_current(review) -> bool:
    review_round = review.review_round
    plan = review_round.plan
    return plan.state == PlanState.JOINT_REVIEW and review_round.number == plan.latest_round_number


def open_for_opinion(review, **context) -> str | None:
    return None if _round_is_current(review) else "本轮联合审查已结束，不能再提出意见"


def open_for_changes(review, **context) -> str | None:
    return None if _round_is_current(review) else "本轮联合审查已结束"


def department_in_round(review, **context) -> str | None:
    # Once the round is over, that is the reason (open_for_opinion); a removal matters only before.
    return None if review.is_active or not _round_is_current(review) else "本部门已被移出本轮会签"


def still_in_round(review, **context) -> str | None:
    return None if review.is_active else "该部门已移出本轮会签"


def change_not_yet_confirmed(review, **context) -> str | None:
    return "该部门意见的修改落实情况已确认" if review.change_confirmed_at else None


def corrected_version_submitted(review, **context) -> str | None:
    """Issue 10 item 13: a 修改后同意 is confirmed only against a version submitted after the opinion."""
    seen = review.reviewed_version or review.review_round.version
    if review.review_round.plan.current_version <= seen:
        return f"实施主体尚未报送按该部门意见修改后的新版本（报批稿，第{seen}版之后），不能确认"
    return None


DEPARTMENT_REVIEW = Workflow(
    name="department_review",
    state_field="decision",
    state_labels=dict(Decision.choices),
    read_only=project_exited,  # an exited project is read-only (projects.readonly)
    transitions=[
        Transition(
            "decide",
            "提出会签意见",
            (Decision.PENDING,),
            None,  # the decision chosen (同意 / 修改后同意 / 不同意) is the new state
            guards=(open_for_opinion, department_in_round),
            actor=_review_department,
            actor_refusal="只有被分送的部门可以提出本部门的审查意见。",
            closes=(DEADLINE_DEPARTMENT_REVIEW,),
            confirm="本部门会签意见提交后不能修改或撤回（选择“不同意”的，实施方案将退回修改）。确认提交？",
            exposes_opinion=True,
        ),
        Transition(
            "confirm_change",
            "确认已按部门意见修改",
            (Decision.AGREE_AFTER_CHANGE,),
            None,
            guards=(open_for_changes, still_in_round, change_not_yet_confirmed, corrected_version_submitted),
            actor=_review_staff,
            actor_refusal=STAFF_ONLY.format("确认修改落实情况"),
            confirm="确认实施主体报送的最新版本已落实该部门提出的修改要求？确认后该意见计为同意，不能撤回。",
        ),
        Transition(
            "remove",
            "移出会签部门",
            tuple(Decision.values),
            None,
            guards=(open_for_changes, still_in_round),
            reason_required=True,
            actor=_review_staff,
            actor_refusal=STAFF_ONLY.format("调整会签部门"),
            closes=(DEADLINE_DEPARTMENT_REVIEW,),
            confirm="确认将该部门移出本轮会签？其办理期限将随之取消。",
        ),
    ],
)


def _active_reviews(review_round) -> list:
    return list(review_round.department_reviews.filter(is_active=True))


def every_department_agrees(review_round, **context) -> str | None:
    reviews = _active_reviews(review_round)
    if not reviews or not all(r.counts_as_agreement for r in reviews):
        return "尚有部门未提出意见或未同意"
    return None


def every_department_answered_one_disagrees(review_round, **context) -> str | None:
    reviews = _active_reviews(review_round)
    if not reviews or any(r.decision == Decision.PENDING for r in reviews):
        return "尚有部门未提出意见"
    if not any(r.decision == Decision.DISAGREE for r in reviews):
        return "没有部门不同意"
    return None


REVIEW_ROUND = Workflow(
    name="review_round",
    state_field="outcome",
    state_labels=dict(RoundOutcome.choices),
    read_only=project_exited,  # an exited project is read-only (projects.readonly)
    transitions=[
        Transition(
            "pass",
            "联合审查通过",
            (RoundOutcome.IN_REVIEW,),
            RoundOutcome.PASSED,
            guards=(every_department_agrees,),
            actor=nobody,
            actor_refusal=SYSTEM_STEP,
        ),
        Transition(
            "return",
            "联合审查未通过，退回修改",
            (RoundOutcome.IN_REVIEW,),
            RoundOutcome.RETURNED,
            guards=(every_department_answered_one_disagrees,),
            actor=nobody,
            actor_refusal=SYSTEM_STEP,
        ),
    ],
)

# --- publicity and the public's comments ------------------------------------------------------------------


def window_ended(publicity, now=None, **context) -> str | None:
    if (now or timezone.now()) <= publicity.ends_at:
        return "公示期尚未届满"
    return None


PUBLICITY = Workflow(
    name="publicity",
    state_field="state",
    state_labels=dict(PublicityState.choices),
    read_only=project_exited,  # an exited project is read-only (projects.readonly)
    transitions=[
        Transition(
            "close",
            "公示期满",
            (PublicityState.OPEN,),
            PublicityState.CLOSED,
            guards=(window_ended,),
            actor=nobody,
            actor_refusal=SYSTEM_STEP,
            closes=(DEADLINE_PUBLICITY_WINDOW,),
        ),
        Transition(
            "withdraw",
            "因异议采纳终止公示",
            (PublicityState.OPEN, PublicityState.CLOSED),
            PublicityState.WITHDRAWN,
            actor=_publicity_staff,
            actor_refusal=STAFF_ONLY.format("终止公示"),
            closes=(DEADLINE_PUBLICITY_WINDOW,),
        ),
    ],
)


def is_an_objection(comment, **context) -> str | None:
    return None if comment.kind == CommentKind.OBJECTION else "只有异议可以“采纳并退回修改”"


def notice_in_force(comment, **context) -> str | None:
    publicity = comment.publicity
    if publicity.state == PublicityState.WITHDRAWN or publicity.plan.state != PlanState.PUBLICITY:
        return "该公示已终止，方案已进入新的审查，不能再据此退回；请作为一般意见答复"
    return None


PUBLIC_COMMENT = Workflow(
    name="public_comment",
    state_field="outcome",
    state_labels=dict(CommentOutcome.choices),
    read_only=project_exited,  # an exited project is read-only (projects.readonly)
    transitions=[
        Transition(
            "answer",
            "答复公示意见",
            (CommentOutcome.PENDING,),
            CommentOutcome.ANSWERED,
            actor=_public_comment_staff,
            actor_refusal=STAFF_ONLY.format("答复公示意见"),
            confirm="答复保存后不能修改；经审核公开后才在公示页面显示。确认保存答复？",
        ),
        Transition(
            "accept",
            "采纳异议并退回修改",
            (CommentOutcome.PENDING,),
            CommentOutcome.ACCEPTED,
            guards=(is_an_objection, notice_in_force),
            actor=_public_comment_staff,
            actor_refusal=STAFF_ONLY.format("答复公示意见"),
            confirm="确认采纳该异议？实施方案将退回修改，本次公示随即终止，修改后须重新联合审查并公示。此操作不可撤销。",
        ),
    ],
)


def answer_awaits_publication(comment, **context) -> str | None:
    if not comment.response:
        return "该意见尚未答复"
    if comment.response_published_at is not None:
        return "答复已公开"
    return None


MODERATOR_ONLY = STAFF_ONLY.format("审核公示意见")

# Issue 9: nothing the public wrote is public before the district's staff read it. A comment is received
# (the commenter holds a receipt number); staff publish an edited public version or decline with a reason;
# an answer is published the same way, once the comment itself is public.
PUBLIC_COMMENT_MODERATION = Workflow(
    name="public_comment_moderation",
    state_field="moderation",
    state_labels=dict(CommentModeration.choices),
    read_only=project_exited,  # an exited project is read-only (projects.readonly)
    transitions=[
        Transition(
            "publish",
            "公开公示意见",
            (CommentModeration.RECEIVED,),
            CommentModeration.PUBLISHED,
            actor=_public_comment_staff,
            actor_refusal=MODERATOR_ONLY,
            confirm="公开后任何人都能在公示页面读到这段文字。请确认已隐去姓名、电话、证件号、门牌等个人信息。确认公开？",
        ),
        Transition(
            "decline",
            "不予公开",
            (CommentModeration.RECEIVED,),
            CommentModeration.DECLINED,
            reason_required=True,
            actor=_public_comment_staff,
            actor_refusal=MODERATOR_ONLY,
            confirm="该意见将不在公示页面公开，提交人凭回执号可查到不予公开的原因。确认不予公开？",
        ),
        Transition(
            "publish_answer",
            "公开答复",
            (CommentModeration.PUBLISHED,),
            None,
            guards=(answer_awaits_publication,),
            actor=_public_comment_staff,
            actor_refusal=MODERATOR_ONLY,
            confirm="公开后任何人都能在公示页面读到这段答复。请确认已隐去个人信息。确认公开答复？",
        ),
    ],
)

WORKFLOWS = (
    PLAN,
    PLAN_START,
    PRE_REVIEW,
    REVISION_REQUEST,
    DEPARTMENT_REVIEW,
    REVIEW_ROUND,
    PUBLICITY,
    PUBLIC_COMMENT,
    PUBLIC_COMMENT_MODERATION,
)


def offered(workflow: Workflow, user, obj, **context) -> dict[str, Availability]:
    """What a page offers this user on obj: each transition the user may take from the object's current
    state, allowed now or with the reason it is refused (shown as an enabled or a disabled button)."""
    from_here = {t.action for t in workflow.available(obj)}
    return {
        row.action: row
        for row in workflow.available_for(user, obj, **context)
        if row.permitted and row.action in from_here
    }
