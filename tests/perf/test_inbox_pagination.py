"""Issue 16: a department's inboxes at city scale (/review/inbox/ took 5.5 s, 100× a bare view): both the
joint-review inbox and the intake inbox paginate in the database, light only the page shown, and read a
number of queries that does not grow with the rows pending."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services as intake
from projects.choices import Opinion, Stage
from projects.models import IntakeOpinion
from renewal import services as kernel
from renewal.choices import OrganizationKind, Role
from review.choices import DEADLINE_DEPARTMENT_REVIEW, Decision, PlanState
from review.models import DepartmentReview, ImplementationPlan, PreReviewComment, ReviewRound
from tests.factories import OrganizationFactory, user
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 2)


@pytest.fixture
def department():
    return OrganizationFactory(kind=OrganizationKind.DEPARTMENT, name="海淀区发展改革委")


@pytest.fixture
def reviewer(department, client):
    who = user(Role.REVIEWER, organization=department)
    client.force_login(who)
    return who


@pytest.fixture
def staff():
    return user(Role.STAFF)


def in_joint_review(staff, department, n, *, first_day=0, with_deadline=True):
    """n plans in joint review, each asking `department` for its opinion; the opinion's clock starts on
    successive days from START + first_day (so the due dates are distinct and ordered), or is absent."""
    reviews = []
    for i in range(n):
        project = ProjectFactory(stage=Stage.JOINT_REVIEW)
        plan = ImplementationPlan.objects.create(
            project=project, state=PlanState.JOINT_REVIEW, current_version=1, created_by=staff
        )
        review_round = ReviewRound.objects.create(plan=plan, number=1, version=1, started_by=staff)
        review = DepartmentReview.objects.create(review_round=review_round, department=department)
        if with_deadline:
            kernel.open_deadline(
                review,
                kind=DEADLINE_DEPARTMENT_REVIEW,
                start=START + datetime.timedelta(days=first_day + i),
                responsible_organization=department,
            )
        reviews.append(review)
    return reviews


def asked_before_joint_review(staff, department, n):
    for _ in range(n):
        plan = ImplementationPlan.objects.create(
            project=ProjectFactory(stage=Stage.PLAN_PRE_REVIEW),
            state=PlanState.PRE_REVIEW,
            current_version=1,
            created_by=staff,
        )
        PreReviewComment.objects.create(plan=plan, version=1, department=department)


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


# --- /review/inbox/ as a department -------------------------------------------------------------------


def test_the_departments_review_inbox_pages_both_lists_in_constant_queries(
    client, reviewer, staff, department
):
    in_joint_review(staff, department, 2)
    asked_before_joint_review(staff, department, 2)
    url = reverse("review:review_inbox")
    _, few = get(client, url)
    in_joint_review(staff, department, 60, first_day=10)
    asked_before_joint_review(staff, department, 55)
    response, many = get(client, url)
    assert many == few, (few, many)

    rows = response.context["department_rows"]
    assert response.context["department_page"].paginator.count == 62
    assert len(rows) == 50 and all(row.deadline is not None for row in rows)
    assert response.context["pre_review_page"].paginator.count == 57
    assert len(response.context["pre_review_comments"]) == 50
    html = response.content.decode()
    assert "第 1 / 2 页，共 62 条" in html and "第 1 / 2 页，共 57 条" in html
    assert "pre_page=2" in html and "?page=2" in html

    # The two lists page independently, and a page keeps the other list's page in its links.
    second = client.get(url + "?page=2&pre_page=2")
    assert len(second.context["department_rows"]) == 12 and len(second.context["pre_review_comments"]) == 7
    assert "?page=2&pre_page=1" in second.content.decode()


def test_the_department_rows_come_earliest_deadline_first_and_undated_last(
    client, reviewer, staff, department
):
    late = in_joint_review(staff, department, 1, first_day=30)
    undated = in_joint_review(staff, department, 1, with_deadline=False)
    early = in_joint_review(staff, department, 2, first_day=0)
    # A second open clock on one review: the earlier one is the one shown and the one ordered by.
    kernel.open_deadline(
        late[0],
        kind=DEADLINE_DEPARTMENT_REVIEW,
        start=START - datetime.timedelta(days=20),
        responsible_organization=department,
    )
    # Not the department's: an answered opinion, another department's request, a later round's elsewhere.
    answered = in_joint_review(staff, department, 1)[0]
    DepartmentReview.objects.filter(pk=answered.pk).update(decision=Decision.AGREE)
    other = OrganizationFactory(kind=OrganizationKind.DEPARTMENT, name="海淀区规划自然资源分局")
    in_joint_review(staff, other, 1)
    superseded = in_joint_review(staff, department, 1)[0]
    ReviewRound.objects.create(plan=superseded.review_round.plan, number=2, version=2, started_by=staff)

    response = client.get(reverse("review:review_inbox"))
    rows = response.context["department_rows"]
    assert [row.review.pk for row in rows] == [late[0].pk, early[0].pk, early[1].pk, undated[0].pk]
    assert rows[0].deadline.deadline.start_date == START - datetime.timedelta(days=20)
    assert rows[-1].deadline is None
    html = response.content.decode()
    assert html.count("提出意见</a>") == 4 and "共 4 条" in html


# --- /projects/inbox/ as a department -----------------------------------------------------------------


def routed(staff, department, n, *, stage=Stage.UNDER_REVIEW, opinion=Opinion.PENDING):
    return [
        IntakeOpinion.objects.create(
            project=ProjectFactory(stage=stage),
            round=1,
            department=department,
            routed_by=staff,
            opinion=opinion,
        )
        for _ in range(n)
    ]


def test_the_departments_intake_inbox_pages_in_constant_queries(client, reviewer, staff, department):
    routed(staff, department, 2)
    url = reverse("projects:intake_inbox")
    _, few = get(client, url)
    routed(staff, department, 58, stage=Stage.SUBMITTED)
    # Rows the department may not answer are not counted, so that the pages add up.
    routed(staff, department, 3, opinion=Opinion.AGREE)
    routed(staff, department, 4, stage=Stage.RESERVE)
    routed(staff, OrganizationFactory(kind=OrganizationKind.DEPARTMENT), 5)
    response, many = get(client, url)
    assert many == few, (few, many)
    assert response.context["page"].paginator.count == 60
    assert len(response.context["pending_opinions"]) == 50
    assert "第 1 / 2 页，共 60 条" in response.content.decode()
    second = client.get(url + "?page=2")
    assert len(second.context["pending_opinions"]) == 10


def test_the_intake_filter_says_what_the_workflow_says(reviewer, staff, department):
    """answerable_opinions_in (the database filter the inbox pages) keeps exactly the opinions
    answerable_opinions (the workflow table, row by row) keeps, for the department and for others."""
    for stage in (Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SUPPLEMENT, Stage.RESERVE, Stage.EXITED):
        for opinion in (Opinion.PENDING, Opinion.AGREE, Opinion.DISAGREE):
            routed(staff, department, 1, stage=stage, opinion=opinion)
    routed(staff, OrganizationFactory(kind=OrganizationKind.DEPARTMENT), 2)
    everything = IntakeOpinion.objects.order_by("pk")
    for who in (reviewer, staff, user(Role.REVIEWER)):
        in_database = list(intake.answerable_opinions_in(who, everything))
        assert in_database == intake.answerable_opinions(who, everything), who.role
    assert len(intake.answerable_opinions_in(reviewer, everything)) == 2
