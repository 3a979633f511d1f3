"""Staff steps on a library project after admission (issue 10 items 5, 6, 7): the path designation, the
two library levels (上报市级, 纳入城市更新计划) and 动态调整 (removal).

- Path: joint review measures 第二条 lists what puts a project on the joint-review path; (4) "区政府确定"
  is the district government's designation, recorded by staff with the basis, never by the entity.
- City plan: joint review measures 第二条、第五条 — only projects in the city's 城市更新计划 have their plan
  jointly reviewed; districts report projects (上报市级) and the city admits them in batches.
- 动态调整: Haidian guidance 一(四)5 (the library's 动态调整 function): staff remove a project with a
  reason and a document; distinct from the automatic exit a year after completion (五(七)).

One workflow table, `LIBRARY`, on the project's stage; the bulk pages apply it project by project so each
project gets its own audit event.
"""

from __future__ import annotations

import datetime

from projects.choices import Library, Path, Stage
from projects.models import CityPlanBatch, Project
from projects.readonly import project_exited
from projects.services import STAFF_ONLY, decide_path, is_district_staff
from renewal import calendar as workdays
from renewal.choices import DeadlineState
from renewal.services import close_deadlines
from renewal.workflow import Transition, TransitionRefused, Workflow

# Stages in which a project is in the library and before its plan is jointly reviewed / under way.
IN_LIBRARY = (
    Stage.RESERVE,
    Stage.IMPLEMENTATION,
    Stage.PLAN_DRAFTING,
    Stage.PLAN_PRE_REVIEW,
    Stage.JOINT_REVIEW,
    Stage.PUBLICITY,
    Stage.PERMITS,
)
CITY_PLAN_STAGES = (Stage.RESERVE, Stage.IMPLEMENTATION, Stage.PLAN_DRAFTING, Stage.PLAN_PRE_REVIEW)
PATH_STAGES = (Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SUPPLEMENT, Stage.RESERVE, Stage.IMPLEMENTATION)


def facts_require_joint_review(project: Project) -> bool:
    """第二条 (1)–(3): the facts (category, land/building changes, public interest) alone."""
    return project.is_regional or project.changes_land_or_building or project.involves_public_interest


# --- guards ---------------------------------------------------------------------------------------


def path_consistent(project: Project, path: str | None = None, designated=None, **context) -> str | None:
    """The path staff choose agrees with 第二条: facts or the designation → joint review; joint review
    without any fact needs the district government's designation (path=None: still to be chosen)."""
    if path is None:
        return None
    if path not in Path.values:
        return "请选择实施路径"
    needs = facts_require_joint_review(project) or bool(designated)
    if path == Path.OTHER and needs:
        return "项目属联审管理办法第二条所列情形（或区政府已确定），实施路径须为“实施方案联合审查类”"
    if path == Path.JOINT_REVIEW and not needs:
        return "项目不属第二条(1)—(3)所列情形，如需编制实施方案须勾选“区政府确定”并写明依据（第二条(4)）"
    return None


def not_yet_reported(project: Project, **context) -> str | None:
    if project.reported_to_city_on:
        return f"已于{project.reported_to_city_on:%Y年%m月%d日}上报市级"
    return None


def report_date_valid(project: Project, reported_on=None, **context) -> str | None:
    if reported_on is not None and reported_on > workdays.today():
        return "上报市级日期不能晚于今天"
    return None


def reported_not_planned(project: Project, batch=None, **context) -> str | None:
    """A batch admits reported projects not yet in the plan (batch=None: still to be chosen)."""
    if not project.reported_to_city_on:
        return "尚未上报市级，不能纳入城市更新计划"
    if project.city_plan_batch_id:
        return f"已纳入城市更新计划（{project.city_plan_batch}）"
    if batch is not None and batch.approved_on < project.reported_to_city_on:
        return f"批次批准日期早于上报市级日期（{project.reported_to_city_on:%Y年%m月%d日}）"
    return None


def removal_document_given(project: Project, document: str | None = None, **context) -> str | None:
    if document is not None and not document.strip():
        return "请填写调出项目库的依据文号"
    return None


# --- the table ------------------------------------------------------------------------------------

LIBRARY = Workflow(
    name="library",
    state_field="stage",
    state_labels=dict(Stage.choices),
    read_only=project_exited,
    transitions=[
        Transition(
            "set_path",
            "确定实施路径",
            PATH_STAGES,
            None,
            guards=(path_consistent,),
            reason_required=True,
            actor=is_district_staff,
            actor_refusal=STAFF_ONLY + "确定实施路径（实施主体只申报项目情况）。",
        ),
        Transition(
            "report_to_city",
            "上报市级项目库",
            CITY_PLAN_STAGES,
            None,
            guards=(not_yet_reported, report_date_valid),
            actor=is_district_staff,
            actor_refusal=STAFF_ONLY + "上报市级。",
        ),
        Transition(
            "admit_to_city_plan",
            "纳入城市更新计划",
            CITY_PLAN_STAGES,
            None,
            guards=(reported_not_planned,),
            actor=is_district_staff,
            actor_refusal=STAFF_ONLY + "登记纳入城市更新计划。",
        ),
        Transition(
            "remove",
            "调出项目库",
            IN_LIBRARY,
            Stage.REMOVED,
            guards=(removal_document_given,),
            reason_required=True,
            actor=is_district_staff,
            actor_refusal=STAFF_ONLY + "调出项目库。",
            confirm="确认将“{name}”调出项目库？调出后项目终止，办理期限撤销，此操作不可撤销。",
        ),
    ],
)


# --- steps ----------------------------------------------------------------------------------------


def set_path(project: Project, *, actor, path: str, designated: bool, reason: str, request=None) -> Project:
    """Staff decide the path and whether the district government designated the project (第二条(4))."""

    def effects(locked: Project):
        locked.designated_by_government = bool(designated)
        locked.path = path
        locked.path_reason = reason.strip()
        if decide_path(locked) != path:  # the guard has said so already; the derived path must agree
            raise TransitionRefused("实施路径与第二条所列情形不符", ["实施路径"])

    return LIBRARY.apply(
        project,
        "set_path",
        actor=actor,
        reason=reason,
        request=request,
        effects=effects,
        data={"path": path, "designated_by_government": bool(designated)},
        path=path,
        designated=designated,
    )


def report_to_city(project: Project, *, actor, reported_on: datetime.date, request=None) -> Project:
    def effects(locked: Project):
        locked.reported_to_city_on = reported_on

    return LIBRARY.apply(
        project,
        "report_to_city",
        actor=actor,
        request=request,
        effects=effects,
        data={"reported_on": reported_on.isoformat()},
        reported_on=reported_on,
    )


def admit_to_city_plan(project: Project, *, actor, batch: CityPlanBatch, request=None) -> Project:
    def effects(locked: Project):
        locked.city_plan_batch = batch

    return LIBRARY.apply(
        project,
        "admit_to_city_plan",
        actor=actor,
        reason=f"{batch.name}（{batch.document_number}）",
        request=request,
        effects=effects,
        data={"batch": batch.pk, "document_number": batch.document_number},
        batch=batch,
    )


def remove(project: Project, *, actor, reason: str, document: str, request=None) -> Project:
    """动态调整: the project leaves the library (Library.REMOVED); its open clocks are cancelled."""

    def effects(locked: Project):
        locked.library = Library.REMOVED
        locked.removed_on = workdays.today()
        locked.removal_reason = reason.strip()
        locked.removal_document = document.strip()
        close_deadlines(locked, state=DeadlineState.CANCELLED, reason="项目已调出项目库", actor=actor)

    return LIBRARY.apply(
        project,
        "remove",
        actor=actor,
        reason=reason,
        request=request,
        effects=effects,
        data={"document": document.strip()},
        document=document,
    )


def apply_to_each(projects, step, **kwargs) -> tuple[list[Project], list[tuple[Project, str]]]:
    """Run a step on each selected project; (done, [(project, refusal)]). One refusal stops no other."""
    done, refused = [], []
    for project in projects:
        try:
            done.append(step(project, **kwargs))
        except TransitionRefused as refusal:
            refused.append((project, refusal.message))
    return done, refused
