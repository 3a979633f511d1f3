"""Workflow tables of the permits app: permit lines, the works record (start, completion, exit) and the
monthly investment report (Haidian guidance 四、五; old-building measures 第十九条; DOMAIN.md §3 9–12).

Guards say what is missing in Chinese; the services in `permits.services` apply the steps.
"""

from __future__ import annotations

import datetime

from permits.choices import (
    DEADLINE_JOINT_ACCEPTANCE,
    DEADLINE_LIBRARY_EXIT,
    DEADLINE_MONTHLY_INVESTMENT,
    LandMode,
    LineState,
    MonthState,
    Procedure,
    Requirement,
    WorksState,
)
from projects.choices import Path, Stage
from projects.services import ENTITY_ONLY, STAFF_ONLY, is_district_staff, is_project_entity
from renewal import calendar as workdays
from renewal.workflow import Transition, Workflow

ENTITY_OR_STAFF = "只有本项目的实施主体或本区城市更新主管部门可以"
# Procedures whose applicant must be the rights holder on an old building (old-building measures 第十九条).
PLANNING_AND_CONSTRUCTION = (
    Procedure.MULTI_PLAN,
    Procedure.FACADE_PERMIT,
    Procedure.PLANNING_PERMIT,
    Procedure.CONSTRUCTION_PERMIT,
)


def _staff(user, obj) -> bool:
    return is_district_staff(user, obj.project)


def _entity(user, obj) -> bool:
    return is_project_entity(user, obj.project)


def _entity_or_staff(user, obj) -> bool:
    return _entity(user, obj) or _staff(user, obj)


# --- guards shared by every table ----------------------------------------------------------------


def not_exited(obj, **context) -> str | None:
    """An exited project is read-only (Haidian guidance 五(七)); the same words as every other table."""
    from projects.readonly import exited_refusal

    return exited_refusal(obj.project)


def _date_given(value) -> bool:
    return isinstance(value, datetime.date)


# --- permit lines --------------------------------------------------------------------------------


def checklist_open(line, **context) -> str | None:
    """The checklist is settled once works have started (the gate was passed on it)."""
    works = getattr(line.project, "works", None)
    if works is not None and works.state not in (WorksState.PENDING, WorksState.PERMITS):
        return "项目已登记开工，许可清单不再调整"
    return None


def requirement_valid(line, requirement: str | None = None, basis: str | None = None, **context):
    if requirement is None:
        return None
    if requirement not in Requirement.values:
        return "请选择办理要求（需办理、无需办理（豁免）或不适用）"
    if not (basis or "").strip():
        return "请写明依据"
    return None


def line_required(line, **context) -> str | None:
    if line.requirement != Requirement.REQUIRED:
        return f"“{line.get_procedure_display()}”已确认为{line.get_requirement_display()}，无需登记办理结果"
    return None


def record_complete(line, record: dict | None = None, **context) -> str | None:
    """Each record: document number, date and issuing body (Haidian guidance 四)."""
    if record is None:
        return None
    missing = []
    if not (record.get("document_number") or "").strip():
        missing.append("文号")
    if not _date_given(record.get("issued_on")):
        missing.append("办结日期")
    if not (record.get("issuing_body") or "").strip():
        missing.append("发证机关")
    if line.procedure == Procedure.LAND and not record.get("land_scope"):
        missing.append("用地手续范围（首期或全部）")
    if missing:
        return "请填写" + "、".join(missing)
    return None


def is_old_building(project) -> bool:
    return project.sub_type_id is not None and "楼宇" in project.sub_type.name


def rights_holders(project) -> list[str]:
    return [line.strip() for line in project.property_right_holders.splitlines() if line.strip()]


def applicant_is_rights_holder(line, record: dict | None = None, **context) -> str | None:
    """Old buildings whose implementing entity is not the rights holder: the rights holder applies for
    planning and construction procedures (old-building measures 第十九条)."""
    if record is None or line.procedure not in PLANNING_AND_CONSTRUCTION or not is_old_building(line.project):
        return None
    holders = rights_holders(line.project)
    entity = line.project.implementing_entity
    if not holders or (entity is not None and entity.name in holders):
        return None
    applicant = (record.get("applicant") or "").strip()
    if applicant not in holders:
        return (
            "实施主体与物业权利人不一致，规划建设手续的申请人应为物业权利人（"
            + "、".join(holders)
            + "）（《老旧低效楼宇更新实施办法（试行）》第十九条）"
        )
    return None


PERMIT_LINE = Workflow(
    name="permit_line",
    state_field="state",
    state_labels=dict(LineState.choices),
    transitions=[
        Transition(
            "confirm",
            "确认办理要求",
            sources=(LineState.PROPOSED,),
            target=LineState.CONFIRMED,
            guards=(not_exited, checklist_open),
            actor=_staff,
            actor_refusal=STAFF_ONLY + "确认许可清单。",
        ),
        Transition(
            "change",
            "调整办理要求",
            sources=(LineState.PROPOSED, LineState.CONFIRMED),
            target=LineState.CONFIRMED,
            guards=(not_exited, checklist_open, requirement_valid),
            reason_required=True,
            actor=_staff,
            actor_refusal=STAFF_ONLY + "调整许可清单。",
        ),
        Transition(
            "grant",
            "登记办理结果",
            sources=(LineState.CONFIRMED,),
            target=LineState.GRANTED,
            guards=(not_exited, line_required, record_complete, applicant_is_rights_holder),
            actor=_entity_or_staff,
            actor_refusal=ENTITY_OR_STAFF + "登记办理结果。",
        ),
    ],
)


# --- the works record ----------------------------------------------------------------------------


def works_gate(works, **context) -> str | None:
    """开工 only when every required line is granted or exempt — fire review and facade permit included —
    and the city government's approval is recorded where needed (Haidian guidance 四(五); old-building 第十八条)."""
    lines = list(works.project.permit_lines.all())
    if not lines:
        return "尚未生成许可清单"
    missing = []
    for line in sorted(lines, key=lambda x: list(Procedure.values).index(x.procedure)):
        if line.state == LineState.PROPOSED:
            missing.append(f"“{line.get_procedure_display()}”办理要求尚未确认")
        elif not line.done:
            missing.append(f"“{line.get_procedure_display()}”尚未办结")
    project = works.project
    city = project.city_approval_missing()  # old-building measures 第十八条 (projects app, issue 10)
    if city:
        missing.append(city)
    return "；".join(missing) or None


def start_given(works, started_on=None, **context) -> str | None:
    if started_on is None:
        return None
    if not _date_given(started_on):
        return "请填写开工日期"
    if started_on > workdays.today():
        return "开工日期不能晚于今天"
    return None


def builder_date_given(works, accepted_on=None, **context) -> str | None:
    if accepted_on is None:
        return None
    if not _date_given(accepted_on):
        return "请填写竣工验收（自查）合格日期"
    if accepted_on > workdays.today():
        return "竣工验收日期不能晚于今天"
    if works.project.works_started_on and accepted_on < works.project.works_started_on:
        return "竣工验收日期不能早于开工日期"
    return None


def joint_intended(works, **context) -> str | None:
    if not works.joint_acceptance_intended:
        return "项目未申报联合验收意向"
    return None


def joint_not_intended(works, **context) -> str | None:
    if works.joint_acceptance_intended:
        return "项目实施联合验收，须登记联合验收结果"
    return None


def joint_applied(works, **context) -> str | None:
    if works.joint_acceptance_applied_on is None:
        return "尚未登记联合验收申请"
    return None


def not_yet_applied(works, **context) -> str | None:
    if works.joint_acceptance_applied_on is not None:
        return "已登记联合验收申请"
    return None


def passed_date_given(works, passed_on=None, **context) -> str | None:
    if passed_on is None:
        return None
    if not _date_given(passed_on):
        return "请填写联合验收通过日期"
    if passed_on > workdays.today():
        return "联合验收通过日期不能晚于今天"
    if works.joint_acceptance_applied_on and passed_on < works.joint_acceptance_applied_on:
        return "联合验收通过日期不能早于申请日期"
    return None


def separate_acceptances_recorded(works, separate=None, **context) -> str | None:
    if separate is None:
        return None
    if not (separate or "").strip():
        return "请填写各部门单独验收情况"
    return None


def registration_allowed(works, applicant=None, **context) -> str | None:
    """不动产登记 (Haidian guidance 五(五)): not when no planning permit was needed, not during a transition
    period; the applicant is the construction unit on the planning permit and the land user."""
    planning = next(
        (x for x in works.project.permit_lines.all() if x.procedure == Procedure.PLANNING_PERMIT), None
    )
    if planning is None or planning.requirement != Requirement.REQUIRED:
        return "无需办理建设工程规划许可的项目不再重新办理不动产登记（五(五)）"
    if works.land_mode == LandMode.TRANSITION:
        return "采取五年过渡期政策的，过渡期内暂不办理不动产登记（五(五)）"
    if applicant is not None and planning.applicant and applicant.strip() != planning.applicant.strip():
        return f"登记申请人应为建设工程规划许可证记载的建设单位（{planning.applicant}）并与土地使用权人一致"
    return None


def exit_due(works, today=None, **context) -> str | None:
    project = works.project
    if project.completion_accepted_on is None:
        return "尚未登记竣工验收日期"
    due = workdays.add_calendar_years(project.completion_accepted_on, 1)
    if (today or workdays.today()) < due:
        return f"出库日为{due.isoformat()}"
    return None


ACTIVE = (WorksState.PERMITS, WorksState.CONSTRUCTION, WorksState.COMPLETION, WorksState.COMPLETED)


def other_path_ready(works, approval=None, **context) -> str | None:
    """Other path (Haidian guidance 三): from the implementation library once the industry approval is recorded."""
    project = works.project
    if project.stage != Stage.IMPLEMENTATION or project.path != Path.OTHER:
        return "仅“按其他路径实施类”且已转入实施项目库的项目可直接办理行政许可"
    if approval is None:
        return None
    missing = [
        label
        for key, label in (("document", "批复文号"), ("approved_on", "批复日期"), ("body", "批复机关"))
        if not approval.get(key)
    ]
    if approval.get("approved_on") is not None and not _date_given(approval.get("approved_on")):
        missing.append("批复日期")
    return ("请填写行业方案批复的" + "、".join(dict.fromkeys(missing))) if missing else None


WORKS = Workflow(
    name="works",
    state_field="state",
    state_labels=dict(WorksState.choices),
    transitions=[
        Transition(
            "enter_permits",
            "登记行业方案批复并转入行政许可",
            sources=(WorksState.PENDING,),
            target=WorksState.PERMITS,
            guards=(other_path_ready,),
            actor=_staff,
            actor_refusal=STAFF_ONLY + "登记行业方案批复。",
        ),
        Transition(
            "propose",
            "根据项目情况生成许可清单",
            sources=(WorksState.PERMITS,),
            target=None,
            guards=(not_exited,),
            actor=_entity_or_staff,
            actor_refusal=ENTITY_OR_STAFF + "填写项目情况。",
        ),
        Transition(
            "start_works",
            "登记开工",
            sources=(WorksState.PERMITS,),
            target=WorksState.CONSTRUCTION,
            guards=(not_exited, works_gate, start_given),
            actor=_entity_or_staff,
            actor_refusal=ENTITY_OR_STAFF + "登记开工。",
            opens=(DEADLINE_MONTHLY_INVESTMENT,),
            confirm="登记开工后许可清单不再调整，并开始按月填报固定资产投资。确定登记开工吗？",
        ),
        Transition(
            "record_construction",
            "登记建设管理信息",
            sources=(WorksState.PERMITS, WorksState.CONSTRUCTION, WorksState.COMPLETION),
            target=None,
            guards=(not_exited,),
            actor=_entity_or_staff,
            actor_refusal=ENTITY_OR_STAFF + "登记建设管理信息。",
        ),
        Transition(
            "record_annual_plan",
            "填报年度计划投资",
            sources=ACTIVE,
            target=None,
            guards=(not_exited,),
            actor=_entity_or_staff,
            actor_refusal=ENTITY_OR_STAFF + "填报年度计划投资。",
        ),
        Transition(
            "record_builder_acceptance",
            "登记竣工验收（自查）合格",
            sources=(WorksState.CONSTRUCTION,),
            target=WorksState.COMPLETION,
            guards=(not_exited, builder_date_given),
            actor=_entity,
            actor_refusal=ENTITY_ONLY + "登记竣工验收（自查）合格。",
            opens=(DEADLINE_JOINT_ACCEPTANCE,),
        ),
        Transition(
            "apply_joint_acceptance",
            "登记联合验收申请",
            sources=(WorksState.COMPLETION,),
            target=None,
            guards=(not_exited, joint_intended, not_yet_applied),
            actor=_entity,
            actor_refusal=ENTITY_ONLY + "登记联合验收申请。",
            closes=(DEADLINE_JOINT_ACCEPTANCE,),
        ),
        Transition(
            "pass_joint_acceptance",
            "登记联合验收通过",
            sources=(WorksState.COMPLETION,),
            target=WorksState.COMPLETED,
            guards=(not_exited, joint_intended, joint_applied, passed_date_given),
            actor=_staff,
            actor_refusal=STAFF_ONLY + "登记联合验收结果。",
            opens=(DEADLINE_LIBRARY_EXIT,),
            confirm="联合验收通过日即竣工验收日期，项目将于一年后自动退出项目库。确定登记吗？",
        ),
        Transition(
            "accept_separately",
            "登记竣工验收（各部门单独验收）",
            sources=(WorksState.COMPLETION,),
            target=WorksState.COMPLETED,
            guards=(not_exited, joint_not_intended, separate_acceptances_recorded),
            actor=_staff,
            actor_refusal=STAFF_ONLY + "登记竣工验收结果。",
            opens=(DEADLINE_LIBRARY_EXIT,),
            confirm="以建设单位竣工验收合格日为竣工验收日期，项目将于一年后自动退出项目库。确定登记吗？",
        ),
        Transition(
            "record_registration",
            "登记不动产登记",
            sources=(WorksState.COMPLETED,),
            target=None,
            guards=(not_exited, registration_allowed),
            actor=_entity_or_staff,
            actor_refusal=ENTITY_OR_STAFF + "登记不动产登记。",
        ),
        Transition(
            "record_business_licence",
            "登记营业执照",
            sources=(WorksState.CONSTRUCTION, WorksState.COMPLETION, WorksState.COMPLETED),
            target=None,
            guards=(not_exited,),
            actor=_entity_or_staff,
            actor_refusal=ENTITY_OR_STAFF + "登记营业执照。",
        ),
        Transition(
            "exit",
            "退出项目库",
            sources=(WorksState.COMPLETED,),
            target=WorksState.EXITED,
            guards=(exit_due,),
            system=True,
            closes=(DEADLINE_LIBRARY_EXIT,),
        ),
    ],
)


# --- monthly investment reports ------------------------------------------------------------------


def month_started(period, **context) -> str | None:
    if period.month > workdays.today():
        return "该月尚未开始"
    return None


def percent_explained(period, invested=None, explanation=None, **context) -> str | None:
    """Above 100% of the total investment is allowed with an explanation (issue 11 §2)."""
    if invested is None:
        return None
    from permits.services import since_start_with

    total = period.project.total_investment
    if total and since_start_with(period, invested) > total and not (explanation or "").strip():
        return "累计完成投资超过项目总投资，请填写说明"
    return None


def report_fields(period, invested=None, progress_text=None, **context) -> str | None:
    if invested is None and progress_text is None:
        return None
    missing = []
    if invested is None:
        missing.append("本月完成投资")
    elif invested < 0:
        return "本月完成投资不能为负数"
    if not (progress_text or "").strip():
        missing.append("形象进度")
    return ("请填写" + "、".join(missing)) if missing else None


INVESTMENT_MONTH = Workflow(
    name="investment_month",
    state_field="state",
    state_labels=dict(MonthState.choices),
    transitions=[
        Transition(
            "report",
            "填报固定资产投资月报",
            sources=(MonthState.DUE, MonthState.REPORTED),
            target=MonthState.REPORTED,
            guards=(not_exited, month_started, report_fields, percent_explained),
            actor=_entity,
            actor_refusal=ENTITY_ONLY + "填报投资月报。",
            closes=(DEADLINE_MONTHLY_INVESTMENT,),
        ),
    ],
)
