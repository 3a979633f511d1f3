"""The last two departments answer at the same moment: the round completes exactly once.

services.record_decision locks the plan row before it reads the round, so of two concurrent final opinions
one waits for the other and only the later one sees every department answered. PostgreSQL only: SQLite
serialises writers for the whole file and cannot show the race.
"""

import threading

import pytest

from projects.choices import Stage
from renewal.choices import DepartmentCode
from renewal.models import AuditEvent
from review import services
from review.choices import Decision, PlanState
from review.models import DepartmentReview, ImplementationPlan, ReviewRound, RevisionRequest
from tests.review.helpers import World
from tests.services import need_postgresql

ATTEMPTS = 3


def plan_with_two_pending(world: World, name: str) -> tuple[ImplementationPlan, list[DepartmentReview]]:
    """A plan before 区政府, 住建 and 发改; 区政府 has agreed, the other two are still to answer."""
    plan = world.three_department_plan(world.implementation_project(name=name))
    plan = services.start_joint_review(plan, actor=world.staff)
    reviews = {
        r.department.department_code: r
        for r in DepartmentReview.objects.filter(review_round__plan=plan).select_related("department")
    }
    government = reviews.pop(DepartmentCode.DISTRICT_GOVERNMENT)
    services.record_decision(
        government, actor=world.reviewer_of(government), decision=Decision.AGREE, text=""
    )
    pending = [reviews[DepartmentCode.HOUSING], reviews[DepartmentCode.DEVELOPMENT_REFORM]]
    assert all(r.decision == Decision.PENDING for r in pending)
    return plan, pending


def answer_together(world: World, answers: list[tuple[DepartmentReview, str, str]]) -> list[Exception]:
    """Each department answers in its own thread; a barrier releases them at the same moment."""
    barrier = threading.Barrier(len(answers))
    errors: list[Exception] = []

    def answer(review, decision, text):
        from django.db import connection

        try:
            barrier.wait(timeout=30)
            services.record_decision(review, actor=world.reviewer_of(review), decision=decision, text=text)
        except Exception as exc:  # reported to the test thread, which fails on it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=answer_args) for answer_args in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a department's answer did not finish"
    return errors


def events(plan, action) -> int:
    return AuditEvent.objects.for_object(plan).filter(action=action).count()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_final_agreements_at_once_pass_the_plan_once():
    need_postgresql()
    world = World()
    for attempt in range(ATTEMPTS):
        plan, (housing, development) = plan_with_two_pending(world, f"并发同意项目{attempt}")
        errors = answer_together(
            world, [(housing, Decision.AGREE, "同意"), (development, Decision.AGREE, "同意实施")]
        )
        assert errors == [], errors
        housing.refresh_from_db()
        development.refresh_from_db()
        assert (housing.decision, housing.text) == (Decision.AGREE, "同意")
        assert (development.decision, development.text) == (Decision.AGREE, "同意实施")
        plan.refresh_from_db()
        assert plan.state == PlanState.PASSED, attempt
        assert events(plan, "plan.pass_review") == 1, attempt
        # Each decision is recorded on the department's own review (department_review.decide).
        decisions = AuditEvent.objects.filter(
            action="department_review.decide",
            object_id__in=[str(r.pk) for r in DepartmentReview.objects.filter(review_round__plan=plan)],
        )
        assert decisions.count() == 3
        review_round = ReviewRound.objects.get(plan=plan)
        assert review_round.outcome == "passed" and review_round.completed_at is not None
        # The round was closed by the later of the two answers, after both were recorded.
        assert review_round.completed_at >= max(housing.decided_at, development.decided_at)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_final_agreement_and_disagreement_at_once_return_the_plan_once():
    need_postgresql()
    world = World()
    for attempt in range(ATTEMPTS):
        plan, (housing, development) = plan_with_two_pending(world, f"并发退回项目{attempt}")
        errors = answer_together(
            world, [(housing, Decision.AGREE, ""), (development, Decision.DISAGREE, "资金来源不落实")]
        )
        assert errors == [], errors
        housing.refresh_from_db()
        development.refresh_from_db()
        assert housing.decision == Decision.AGREE
        assert (development.decision, development.text) == (Decision.DISAGREE, "资金来源不落实")
        plan.refresh_from_db()
        assert plan.state == PlanState.REVISION, attempt
        assert events(plan, "plan.return_after_review") == 1, attempt
        assert events(plan, "plan.pass_review") == 0
        assert list(RevisionRequest.objects.filter(plan=plan).values_list("text", flat=True)) == [
            "资金来源不落实"
        ]
        review_round = ReviewRound.objects.get(plan=plan)
        assert review_round.outcome == "returned" and review_round.completed_at is not None


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_plan_transitions_run_in_autocommit_mode():
    """Views call services.submit / start_joint_review / issue_opinion without a transaction of their own;
    each transition and the project's stage change must lock inside one (PostgreSQL refuses otherwise)."""
    need_postgresql()
    world = World()
    plan = world.three_department_plan()
    assert plan.state == PlanState.SUBMITTED
    plan = services.start_joint_review(plan, actor=world.staff)
    plan.project.refresh_from_db()
    assert plan.state == PlanState.JOINT_REVIEW and plan.project.stage == Stage.JOINT_REVIEW
