"""The plan's whole way through the services: pre-review, revision, joint review, opinion, publicity."""

import datetime

import pytest
from django.utils import timezone

from projects.choices import Stage
from renewal.choices import DeadlineState
from renewal.models import Deadline
from review import services
from review.choices import CommentKind, Decision, PlanState, RequestStatus
from review.models import DepartmentReview
from tests.review.helpers import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return World()


def test_full_flow(world, monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: datetime.date(2026, 3, 2))
    plan = world.submitted_plan()
    assert plan.state == PlanState.SUBMITTED and plan.current_version == 1
    plan.project.refresh_from_db()
    assert plan.project.stage == Stage.PLAN_PRE_REVIEW
    plan = services.return_for_revision(
        plan, actor=world.staff, items=["补充交通组织方案", "补充协商表决情况"]
    )
    assert plan.state == PlanState.REVISION
    requests = list(plan.revision_requests.all())
    plan = services.save_plan(
        plan,
        actor=world.entity,
        modules={**plan.content, "planning": {**plan.content["planning"], "traffic": "新增慢行系统"}},
        facts=[],
    )
    plan = services.submit(
        plan, actor=world.entity, responses={requests[0].pk: "已补充", requests[1].pk: "已补充"}
    )
    assert plan.current_version == 2
    for item in requests:
        services.mark_request(item, actor=world.staff, resolved=True)
    plan = services.start_joint_review(plan, actor=world.staff)
    reviews = list(DepartmentReview.objects.filter(review_round__plan=plan).select_related("department"))
    codes = {r.department.department_code for r in reviews}
    assert {"district_government", "housing", "development_reform", "planning", "finance"} <= codes
    assert Deadline.objects.filter(kind="department_review", state=DeadlineState.OPEN).count() == len(reviews)
    first, *rest = reviews
    services.record_decision(
        first, actor=world.reviewer_of(first), decision=Decision.DISAGREE, text="建筑规模过大"
    )
    for review in rest:
        services.record_decision(review, actor=world.reviewer_of(review), decision=Decision.AGREE, text="")
    plan.refresh_from_db()
    assert plan.state == PlanState.REVISION
    plan = services.submit(plan, actor=world.entity, note="压减规模")
    item = plan.revision_requests.get(status=RequestStatus.OPEN)
    services.mark_request(item, actor=world.staff, resolved=True)
    plan = services.start_joint_review(plan, actor=world.staff)
    second = list(DepartmentReview.objects.filter(review_round__number=2, review_round__plan=plan))
    pending = [r for r in second if r.decision == Decision.PENDING]
    assert [r.department_id for r in pending] == [first.department_id]
    services.record_decision(
        pending[0], actor=world.reviewer_of(pending[0]), decision=Decision.AGREE, text=""
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.PASSED
    plan = services.issue_opinion(plan, actor=world.staff)
    assert plan.state == PlanState.OPINION_ISSUED
    land = {d.kind: d.due_date for d in Deadline.objects.filter(kind__startswith="land_")}
    assert land == {"land_first_phase": datetime.date(2028, 3, 2), "land_all": datetime.date(2031, 3, 3)}
    plan = services.publish(plan, actor=world.staff)
    publicity = plan.publicities.get()
    # Published Monday 2026-03-02: window 3 March to the end of the 15th working day, 23 March.
    assert timezone.localtime(publicity.starts_at).date() == datetime.date(2026, 3, 3)
    assert services.publicity_window(datetime.date(2026, 3, 2))[1].isoformat() == "2026-03-23T23:59:59+08:00"
    comment = services.submit_comment(
        publicity,
        kind=CommentKind.OBJECTION,
        text="我是张三，电话13812345678，反对",
        contact="13812345678",
        name="张三",
        now=publicity.starts_at,
    )
    assert "张三" not in services.public_text(comment) and "13812345678" not in services.public_text(comment)
    services.respond_to_comment(comment, actor=world.staff, response="已核实，不影响采光")
    assert services.close_expired_publicities(now=publicity.ends_at + datetime.timedelta(seconds=1)) == 1
    plan.refresh_from_db()
    plan.project.refresh_from_db()
    assert plan.state == PlanState.APPROVED and plan.project.stage == Stage.PERMITS
