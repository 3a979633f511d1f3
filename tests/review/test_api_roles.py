"""The supervision office (督查) reads neither plans nor their reviews through the API, as the plan pages
do not let it in either (DOMAIN.md §1: its part is the district's supervision tasks); the roles that read
plans still do."""

import pytest

from renewal.choices import Role
from tests.factories import user
from tests.review.helpers import World

pytestmark = pytest.mark.django_db

REVIEW_LISTS = (
    "/api/v1/plans/",
    "/api/v1/plan-versions/",
    "/api/v1/reviews/",
    "/api/v1/pre-review-comments/",
    "/api/v1/revision-requests/",
    "/api/v1/publicity-comments/",
)


def test_the_supervision_office_reads_no_plan_or_review_in_the_api(client):
    world = World()
    plan = world.submitted_plan()
    client.force_login(user(Role.SUPERVISION))
    for url in (*REVIEW_LISTS, f"/api/v1/plans/{plan.pk}/"):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/v1/supervision-tasks/").status_code == 200
    assert client.get(f"/review/plans/{plan.pk}/").status_code == 403  # as the page


def test_the_roles_that_read_plans_still_read_them(client):
    world = World()
    plan = world.submitted_plan()
    for who in (world.staff, world.entity):
        client.force_login(who)
        listed = client.get("/api/v1/plans/").json()
        assert plan.pk in [row["id"] for row in listed["results"]], who
