"""Rules found in review: re-review keeps every department that has not agreed; answers that quote a
commenter stay private; an accepted objection suspends the old opinion's land clocks; redaction of the
forms people actually write."""

import pytest

from renewal.choices import DeadlineState, DepartmentCode, Role
from renewal.models import Deadline
from review import services
from review.choices import CommentKind, Decision, PlanState
from review.models import DepartmentReview
from review.redaction import MASK, redact
from tests.factories import user
from tests.review.helpers import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return World()


def test_a_department_that_disagreed_is_asked_again_even_if_routing_no_longer_names_it(world):
    plan = world.three_department_plan()
    plan = services.start_joint_review(plan, actor=world.staff, add=[world.departments[DepartmentCode.FIRE]])
    for review in DepartmentReview.objects.filter(review_round__plan=plan).select_related("department"):
        decision = (
            Decision.DISAGREE if review.department.department_code == DepartmentCode.FIRE else Decision.AGREE
        )
        services.record_decision(
            review, actor=world.reviewer_of(review), decision=decision, text="消防通道不足"
        )
    plan.refresh_from_db()
    assert plan.state == PlanState.REVISION
    plan = services.submit(plan, actor=world.entity, note="已修改")
    services.mark_request(plan.revision_requests.get(), actor=world.staff, resolved=True)
    plan = services.start_joint_review(plan, actor=world.staff)  # the fire department is not in the routing
    second = DepartmentReview.objects.get(
        review_round__plan=plan, review_round__number=2, department=world.departments[DepartmentCode.FIRE]
    )
    assert second.is_active and second.decision == Decision.PENDING
    assert plan.state == PlanState.JOINT_REVIEW  # it cannot pass without the department that disagreed


def test_answers_quoting_a_commenter_are_private_to_the_answering_staff(world, client):
    publicity = world.publicity()
    comment = services.submit_comment(
        publicity,
        kind=CommentKind.OBJECTION,
        text="反对",
        name="张小明",
        contact="13800138000",
        now=publicity.starts_at,
    )
    services.respond_to_comment(
        comment, actor=world.staff, response="已电话联系张小明（13800138000）核实", accept=True
    )
    plan = publicity.plan
    client.force_login(world.entity)
    for url in (
        f"/review/plans/{plan.pk}/",
        f"/review/publicities/{publicity.pk}/comments/",
        f"/projects/{plan.project_id}/",
        "/api/v1/plans/",
    ):
        body = client.get(url).content.decode()
        assert "13800138000" not in body and "张小明" not in body, url
    client.force_login(world.staff)
    assert "13800138000" in client.get(f"/review/publicities/{publicity.pk}/comments/").content.decode()
    outsider = user(Role.STAFF, district_code="110102")
    client.force_login(outsider)
    assert client.get(f"/review/publicities/{publicity.pk}/comments/").status_code == 404


def test_accepted_objection_suspends_the_land_clocks_of_the_withdrawn_opinion(world):
    publicity = world.publicity()
    comment = services.submit_comment(
        publicity, kind=CommentKind.OBJECTION, text="反对", contact="x@y.cn", now=publicity.starts_at
    )
    services.respond_to_comment(comment, actor=world.staff, response="采纳", accept=True)
    land = Deadline.objects.filter(kind__startswith="land_")
    assert {d.state for d in land} == {DeadlineState.SUSPENDED}


@pytest.mark.parametrize(
    "text, secret",
    [
        ("电话１３８００１３８０００", "１３８００１３８０００"),
        ("电话138.0013.8000", "138.0013.8000"),
        ("旧身份证110101900307123", "110101900307123"),
        ("身份证 110101 19900307 1234", "19900307"),
        ("联系人 王小明", "王小明"),
        ("业主张三丰反对", "张三丰"),
        ("我是欧阳娜娜", "欧阳娜娜"),
    ],
)
def test_redaction_of_common_ways_of_writing_personal_data(text, secret):
    assert secret not in redact(text) and MASK in redact(text)


@pytest.mark.parametrize("text", ["本人坚决反对加建", "我是业主，支持改造", "业主大会表决通过"])
def test_redaction_keeps_ordinary_words(text):
    assert redact(text) == text


def test_confirming_a_calendar_year_never_leaves_a_window_short(world, monkeypatch):
    """Published on Monday 2026-12-28 while 2027 was provisional (only 1 January off): the window ends
    on 2027-01-19. The official schedule then gives 1–5 January off: the 15th working day after
    publication becomes 2027-01-21 and the notice follows. A later schedule with fewer holidays never
    shortens an announced window."""
    import datetime

    from django.utils import timezone

    from renewal import services as kernel

    monkeypatch.setattr("renewal.calendar.today", lambda: datetime.date(2026, 12, 28))
    publicity = world.publicity()
    assert timezone.localtime(publicity.ends_at).date() == datetime.date(2027, 1, 19)
    assert publicity.provisional
    holidays = [f"2027-01-0{d},holiday,元旦" for d in range(1, 6)]
    kernel.confirm_year(2027, holidays, source="test")
    publicity.refresh_from_db()
    assert timezone.localtime(publicity.ends_at) == datetime.datetime(
        2027, 1, 21, 23, 59, 59, tzinfo=timezone.get_default_timezone()
    )
    assert not publicity.provisional
    assert (
        publicity.plan.project.__class__.objects.get(pk=publicity.plan.project_id).publicity_end
        == publicity.ends_at
    )
    from renewal.models import AuditEvent

    assert AuditEvent.objects.filter(action="publicity.window_moved").count() == 1
    kernel.confirm_year(2027, ["2027-01-01,holiday,元旦"], source="test again")
    publicity.refresh_from_db()
    assert timezone.localtime(publicity.ends_at).date() == datetime.date(2027, 1, 21)  # not shortened


def test_unconfirmed_agree_after_change_conditions_travel_with_a_returned_plan(world):
    plan = services.start_joint_review(world.three_department_plan(), actor=world.staff)
    reviews = list(DepartmentReview.objects.filter(review_round__plan=plan).order_by("pk"))
    services.record_decision(
        reviews[0], actor=world.reviewer_of(reviews[0]), decision=Decision.DISAGREE, text="不符合规划"
    )
    services.record_decision(
        reviews[1],
        actor=world.reviewer_of(reviews[1]),
        decision=Decision.AGREE_AFTER_CHANGE,
        text="补充停车位测算",
    )
    services.record_decision(
        reviews[2], actor=world.reviewer_of(reviews[2]), decision=Decision.AGREE, text=""
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.REVISION
    texts = sorted(plan.revision_requests.values_list("text", flat=True))
    assert texts == ["不符合规划", "（修改后同意）补充停车位测算"]


def test_after_submission_only_staff_decide_whether_city_approval_is_needed(world, client):
    plan = world.submitted_plan()
    services.return_for_revision(plan, actor=world.staff, items=["补充"])
    plan.refresh_from_db()
    with pytest.raises(services.TransitionRefused, match="由区城市更新主管部门调整"):
        services.save_plan(plan, actor=world.entity, modules=plan.content, facts=[], major_project=True)
    plan = services.submit(plan, actor=world.entity)
    client.force_login(world.staff)
    url = f"/review/plans/{plan.pk}/actions/set_major_project/"
    client.post(url, {"major": "on", "reason": ""})
    plan.refresh_from_db()
    assert not plan.major_project  # a reason is required
    client.post(url, {"major": "on", "reason": "跨区域项目"})
    plan.refresh_from_db()
    assert plan.major_project
    client.force_login(world.entity)
    assert client.post(url, {"major": "", "reason": "不是"}).status_code == 403
    plan.refresh_from_db()
    assert plan.major_project


def test_history_is_not_open_to_a_department_the_plan_was_never_routed_to(world, client):
    plan = services.start_joint_review(world.three_department_plan(), actor=world.staff)
    url = f"/review/projects/{plan.project_id}/history/"
    client.force_login(world.reviewers[DepartmentCode.FINANCE])  # not routed (no fiscal funds)
    assert client.get(url).status_code == 404
    client.force_login(world.reviewers[DepartmentCode.DEVELOPMENT_REFORM])  # always routed
    assert client.get(url).status_code == 200
