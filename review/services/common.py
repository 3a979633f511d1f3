"""What the review services share: a plan transition together with the project's stage, the dates of
acts recorded after the fact, and the district's departments a step may name."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q

from projects.choices import Stage
from projects.services import move_stage
from renewal import calendar as workdays
from renewal.choices import OrganizationKind
from renewal.models import Organization
from renewal.workflow import TransitionRefused
from review.choices import PlanState
from review.models import ImplementationPlan, ReviewRound
from review.workflows import PLAN

# The project's stage follows its plan (DOMAIN.md §3 steps 5–9).
PROJECT_STAGE_FOR = {
    PlanState.DRAFT: Stage.PLAN_DRAFTING,
    PlanState.REVISION: Stage.PLAN_DRAFTING,
    PlanState.SUBMITTED: Stage.PLAN_PRE_REVIEW,
    PlanState.PRE_REVIEW: Stage.PLAN_PRE_REVIEW,
    PlanState.JOINT_REVIEW: Stage.JOINT_REVIEW,
    PlanState.PASSED: Stage.JOINT_REVIEW,
    PlanState.OPINION_ISSUED: Stage.JOINT_REVIEW,
    PlanState.PUBLICITY: Stage.PUBLICITY,
    PlanState.APPROVED: Stage.PERMITS,
}


def _move_project_stage(project, *, stage: str, actor, request=None) -> None:
    """The one place the review app changes a project's stage: through the projects app's own service."""
    move_stage(project, stage=stage, actor=actor, request=request)


def sync_project_stage(plan: ImplementationPlan, actor, request=None) -> None:
    _move_project_stage(plan.project, stage=PROJECT_STAGE_FOR[PlanState(plan.state)], actor=actor)


@transaction.atomic
def apply_plan(plan, action, *, actor, effects=None, reason="", request=None, data=None, **context):
    """One plan transition and the project's stage change, in one transaction."""
    locked = PLAN.apply(
        plan, action, actor=actor, reason=reason, request=request, data=data, effects=effects, **context
    )
    sync_project_stage(locked, actor)
    return locked


def recorded_date(day: datetime.date | None, what: str) -> datetime.date:
    """The date of an act: today, or an earlier day when the act is recorded after it took place (e.g.
    a notice published before the platform was in use). Never a day in the future."""
    today = workdays.today()
    if day is None:
        return today
    if day > today:
        raise TransitionRefused(f"{what}不能晚于今天（{workdays.chinese_date(today)}）。", [what])
    return day


def askable_departments_q(plan) -> Q:
    """Departments a plan's review may ask: its district's, and city-level ones (no district) where the
    matter is the city's (联合审查办法 第十二条（八） "涉及市级部门职责范围的，应提请市级部门审查")."""
    return Q(kind=OrganizationKind.DEPARTMENT, district_id=plan.project.district_id) | Q(
        kind=OrganizationKind.CITY, district__isnull=True
    )


def is_askable(organization, plan) -> bool:
    if organization.kind == OrganizationKind.CITY:
        return organization.district_id is None
    return (
        organization.kind == OrganizationKind.DEPARTMENT
        and organization.district_id == plan.project.district_id
    )


def district_departments(plan: ImplementationPlan, organizations) -> list[Organization]:
    """The departments chosen for a step; refused unless each is a department of the plan's district or
    a city-level department (第十二条（八）)."""
    organizations = list(organizations)
    wrong = [o.name for o in organizations if not is_askable(o, plan)]
    if wrong:
        raise TransitionRefused("只能选择本区的行业主管部门或市级部门：" + "、".join(wrong) + " 不符合。")
    return organizations


def current_round(plan) -> ReviewRound | None:
    return plan.review_rounds.order_by("-number").first()
