"""The review app's API: scoped plans, versions and department reviews; public notices without login."""

import copy
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from renewal.choices import Role
from review import services
from review.choices import CommentKind, Decision, PlanState, PublicityState, RequestStatus
from review.models import DepartmentReview, Publicity
from tests.factories import user
from tests.review.helpers import World, submit_correction

pytestmark = pytest.mark.django_db

D = datetime.date


def api(person=None) -> APIClient:
    client = APIClient()
    if person is not None:
        client.force_authenticate(person)
    return client


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def world(db, monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: D(2026, 3, 2))
    return World()


@pytest.fixture
def plan_in_review(world):
    """Returned once for revision (two open requests), resubmitted as version 2, now in joint review."""
    plan = world.submitted_plan()
    plan = services.return_for_revision(plan, actor=world.staff, items=["补充交通组织方案", "补充日照分析"])
    plan = services.submit(plan, actor=world.entity, note="已补充")
    first = plan.revision_requests.order_by("pk").first()
    services.mark_request(first, actor=world.staff, resolved=True)
    return plan


@pytest.fixture
def publicity(world):
    return world.publicity()


# --- public notices -------------------------------------------------------------------------------


def test_public_notices_need_no_login_and_show_the_window_in_iso_8601(publicity, world):
    comment = services.submit_comment(
        publicity,
        kind=CommentKind.SUPPORT,
        text="支持改造，我是刘洋，电话13812345678",
        contact="13812345678",
        name="刘洋",
        client="fingerprint-of-the-visitor",
        now=publicity.starts_at,
    )
    assert results(api().get(reverse("review-api:public-notice-list")))[0]["comments"] == []  # issue 9
    services.publish_comment(comment, actor=world.staff, text=services.masked_text(comment))
    rows = results(api().get(reverse("review-api:public-notice-list")))
    assert [row["id"] for row in rows] == [publicity.pk]
    row = rows[0]
    project = publicity.plan.project
    assert row["project_name"] == project.name and row["district"] == "海淀区"
    assert row["district_code"] == "110108"
    assert (row["category"], row["sub_type"]) == ("区域综合性", "老旧街区改造")
    assert row["location"] == "海淀区学院路街道" and row["entity"] == project.implementing_entity.name
    assert row["summary"] == "科技创新与宜居融合的活力街区" and row["indicators"] == publicity.indicators
    assert row["starts_at"] == "2026-03-03T00:00:00+08:00"
    assert row["ends_at"] == "2026-03-23T23:59:59+08:00"
    assert (row["workdays"], row["provisional"], row["state"]) == (15, False, PublicityState.OPEN)
    assert (row["status"], row["days_left"]) == ("ended", None)  # real time is past 23 March 2026
    (comment,) = row["comments"]
    assert comment["kind"] == "support" and comment["text"] == "支持改造，我是＊＊＊，电话＊＊＊"
    assert "name" not in comment and "contact" not in comment and "client_fingerprint" not in comment
    body = api().get(reverse("review-api:public-notice-detail", args=[publicity.pk])).content.decode()
    for term in ("刘洋", "13812345678", "fingerprint-of-the-visitor"):
        assert term not in body


def test_public_notice_days_left_while_open(publicity):
    today = timezone.localdate()
    zone = timezone.get_default_timezone()
    Publicity.objects.filter(pk=publicity.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=10),
        ends_at=datetime.datetime.combine(today, datetime.time(23, 59, 59), tzinfo=zone),
    )
    row = api().get(reverse("review-api:public-notice-detail", args=[publicity.pk])).json()
    assert (row["status"], row["days_left"]) == ("open", 0)


def test_withdrawn_notice_is_absent_from_the_public_api(publicity, world):
    Publicity.objects.filter(pk=publicity.pk).update(state=PublicityState.WITHDRAWN)
    assert results(api().get(reverse("review-api:public-notice-list"))) == []
    assert api().get(reverse("review-api:public-notice-detail", args=[publicity.pk])).status_code == 404
    # Signing in changes nothing: the public endpoint shows only published notices.
    assert results(api(world.staff).get(reverse("review-api:public-notice-list"))) == []


def test_public_notices_are_read_only(publicity):
    response = api().post(reverse("review-api:public-notice-list"), {"summary": "篡改"}, format="json")
    assert response.status_code == 405
    response = api().patch(
        reverse("review-api:public-notice-detail", args=[publicity.pk]), {"summary": "篡改"}, format="json"
    )
    assert response.status_code == 405


def test_public_notices_filter_by_district(publicity, monkeypatch):
    xicheng = World("110102")
    other = xicheng.publicity(xicheng.implementation_project(name="什刹海片区城市更新"))
    every = [row["id"] for row in results(api().get(reverse("review-api:public-notice-list")))]
    assert sorted(every) == sorted([publicity.pk, other.pk])
    rows = results(api().get(reverse("review-api:public-notice-list"), {"district": "110102"}))
    assert [row["id"] for row in rows] == [other.pk]


# --- scoped endpoints -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["review-api:plan-list", "review-api:plan-version-list", "review-api:review-list"]
)
def test_scoped_endpoints_need_a_login(plan_in_review, name):
    assert api().get(reverse(name)).status_code in (401, 403)


def test_staff_sees_plans_with_revision_requests(plan_in_review, world):
    (row,) = results(api(world.staff).get(reverse("review-api:plan-list")))
    project = plan_in_review.project
    assert row["id"] == plan_in_review.pk
    assert row["project"] == {"id": project.pk, "code": project.code, "name": project.name}
    assert (row["state"], row["current_version"], row["major_project"]) == (PlanState.SUBMITTED, 2, False)
    assert "fiscal_funds" in row["facts"] and row["content"]["positioning"]
    statuses = {item["text"]: (item["status"], item["status_label"]) for item in row["revision_requests"]}
    assert statuses == {
        "补充交通组织方案": (RequestStatus.RESOLVED, "已解决"),
        "补充日照分析": (RequestStatus.OPEN, "未解决"),
    }
    detail = api(world.staff).get(reverse("review-api:plan-detail", args=[plan_in_review.pk]))
    assert detail.status_code == 200 and detail.json()["id"] == plan_in_review.pk


def test_plan_versions_are_scoped_through_the_plan_and_filter_by_plan(plan_in_review, world):
    other_plan = world.submitted_plan(world.implementation_project(name="五道口片区更新"))
    rows = results(api(world.staff).get(reverse("review-api:plan-version-list")))
    assert sorted((row["plan"], row["number"]) for row in rows) == sorted(
        [(plan_in_review.pk, 1), (plan_in_review.pk, 2), (other_plan.pk, 1)]
    )
    rows = results(api(world.staff).get(reverse("review-api:plan-version-list"), {"plan": plan_in_review.pk}))
    assert [row["number"] for row in rows] == [1, 2]
    assert rows[1]["facts"] == plan_in_review.facts and rows[1]["content"] == plan_in_review.content
    assert rows[0]["note"] == "首次报送" and rows[0]["submitted_at"]


def test_reviews_show_each_departments_opinion_and_reviewers_see_only_their_own(plan_in_review, world):
    open_item = plan_in_review.revision_requests.get(status=RequestStatus.OPEN)
    services.mark_request(open_item, actor=world.staff, resolved=True)
    plan = services.start_joint_review(plan_in_review, actor=world.staff)
    reviews = list(DepartmentReview.objects.filter(review_round__plan=plan).select_related("department"))
    first, *_ = reviews
    services.record_decision(
        first, actor=world.reviewer_of(first), decision=Decision.AGREE_AFTER_CHANGE, text="补充绿化指标"
    )
    rows = results(api(world.staff).get(reverse("review-api:review-list")))
    assert len(rows) == len(reviews) >= 2
    row = next(r for r in rows if r["id"] == first.pk)
    assert (row["plan"], row["round_number"], row["version"]) == (plan.pk, 1, 2)
    assert row["department"] == first.department.name
    assert (row["decision"], row["text"]) == (Decision.AGREE_AFTER_CHANGE, "补充绿化指标")
    assert row["decided_at"] and row["carried_over"] is False and row["is_active"] is True
    assert row["counts_as_agreement"] is False  # 修改后同意 counts only once the change is confirmed
    submit_correction(world, plan)  # 修改后同意 is confirmed against the corrected version (issue 10)
    services.confirm_change(first, actor=world.staff)
    row = api(world.staff).get(reverse("review-api:review-detail", args=[first.pk])).json()
    assert row["counts_as_agreement"] is True
    reviewer = world.reviewer_of(first)
    mine = results(api(reviewer).get(reverse("review-api:review-list")))
    assert [r["id"] for r in mine] == [first.pk]
    other = reviews[1]
    assert api(reviewer).get(reverse("review-api:review-detail", args=[other.pk])).status_code == 404


def test_another_districts_staff_sees_nothing(plan_in_review, world):
    open_item = plan_in_review.revision_requests.get(status=RequestStatus.OPEN)
    services.mark_request(open_item, actor=world.staff, resolved=True)
    services.start_joint_review(plan_in_review, actor=world.staff)
    review = DepartmentReview.objects.filter(review_round__plan=plan_in_review).first()
    version = plan_in_review.versions.first()
    stranger = api(user(Role.STAFF, district_code="110102"))
    for name in ("review-api:plan-list", "review-api:plan-version-list", "review-api:review-list"):
        assert results(stranger.get(reverse(name))) == []
    assert (
        stranger.get(reverse("review-api:plan-version-list"), {"plan": plan_in_review.pk}).json()["count"]
        == 0
    )
    for name, pk in (
        ("review-api:plan-detail", plan_in_review.pk),
        ("review-api:plan-version-detail", version.pk),
        ("review-api:review-detail", review.pk),
    ):
        assert stranger.get(reverse(name, args=[pk])).status_code == 404
        assert api(world.staff).get(reverse(name, args=[pk])).status_code == 200


def test_an_entity_sees_only_its_own_plans(plan_in_review, world):
    neighbour = copy.copy(world)
    neighbour.entity = user(Role.ENTITY)
    their_plan = neighbour.submitted_plan(neighbour.implementation_project(name="五道口片区更新"))
    mine = results(api(world.entity).get(reverse("review-api:plan-list")))
    assert [row["id"] for row in mine] == [plan_in_review.pk]
    theirs = results(api(neighbour.entity).get(reverse("review-api:plan-list")))
    assert [row["id"] for row in theirs] == [their_plan.pk]
    assert api(world.entity).get(reverse("review-api:plan-detail", args=[their_plan.pk])).status_code == 404
    versions = results(api(world.entity).get(reverse("review-api:plan-version-list")))
    assert {row["plan"] for row in versions} == {plan_in_review.pk}
    their_version = their_plan.versions.get()
    response = api(world.entity).get(reverse("review-api:plan-version-detail", args=[their_version.pk]))
    assert response.status_code == 404
