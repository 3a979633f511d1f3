"""Issue 16: closing expired 公示 notices in a fixed number of queries ("close 443 expired notices 11.9 s,
11,070 queries"), with the same results, deadlines, plan and project stages and audit trail as the
per-notice close it replaced (kept below as the reference)."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from projects.choices import Stage
from projects.models import Project
from renewal.choices import DeadlineState
from renewal.models import AuditEvent, Deadline
from renewal.services import close_deadlines
from review import services
from review.choices import DEADLINE_PUBLICITY_WINDOW, CommentKind, PlanState, PublicityState
from review.models import ImplementationPlan, Publicity
from review.services.publicity import finish_if_possible
from review.workflows import PUBLICITY
from tests.review.helpers import World

pytestmark = pytest.mark.django_db

PUBLISHED = datetime.date(2026, 3, 2)  # window 3 to 23 March 2026 (tests/review/test_public.py)
CLOSED_ON = datetime.date(2026, 3, 30)  # the beat task catches up a week late: 24–27 and 30 March, 5 days


def close_one_by_one(publicity_ids, now):
    """The per-notice close as it was before issue 16: the reference the set-based close must match."""
    for publicity_id in publicity_ids:
        with transaction.atomic():
            publicity = Publicity.objects.select_for_update().select_related("plan").get(pk=publicity_id)
            ImplementationPlan.objects.select_for_update().get(pk=publicity.plan_id)
            counts = {kind: publicity.comments.filter(kind=kind).count() for kind in CommentKind.values}
            result = (
                "公示期满。收到意见：支持 {support} 条，异议 {objection} 条，建议 {suggestion} 条。".format(
                    **counts
                )
            )

            def effects(locked, result=result):
                close_deadlines(
                    locked, kinds=(DEADLINE_PUBLICITY_WINDOW,), state=DeadlineState.MET, reason="公示期满"
                )
                locked.closed_at, locked.result = now, result

            PUBLICITY.apply(publicity, "close", actor=None, reason=result, effects=effects, now=now)
            finish_if_possible(ImplementationPlan.objects.get(pk=publicity.plan_id))


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: PUBLISHED)
    return World()


def notice(world, name, scenario):
    """A published notice with the public's comments of one scenario:
    held — an unanswered objection and an answered suggestion (the plan waits for the answer);
    answered — a support and a suggestion, both answered (the plan leaves publicity);
    silent — no comment at all (the plan leaves publicity)."""
    publicity = world.publicity(world.implementation_project(name=name))
    during = publicity.starts_at + datetime.timedelta(days=2)

    def comment(kind, text):
        return services.submit_comment(publicity, kind=kind, text=text, contact="13800000000", now=during)

    if scenario == "held":
        comment(CommentKind.OBJECTION, "反对加建")
        suggestion = comment(CommentKind.SUGGESTION, "建议保留大槐树")
        services.respond_to_comment(suggestion, actor=world.staff, response="采纳建议")
    elif scenario == "answered":
        for kind, text in ((CommentKind.SUPPORT, "支持改造"), (CommentKind.SUGGESTION, "建议增设电梯")):
            services.respond_to_comment(comment(kind, text), actor=world.staff, response="感谢，已研究")
    publicity.refresh_from_db()
    return publicity


def trail(publicity, since):
    """The audit events of the notice, its plan and its project written since `since`, in order, with
    the ids that differ between two notices replaced by what they name."""
    plan = publicity.plan
    objects = {
        (ContentType.objects.get_for_model(Publicity).pk, str(publicity.pk)): "notice",
        (ContentType.objects.get_for_model(ImplementationPlan).pk, str(plan.pk)): "plan",
        (ContentType.objects.get_for_model(Project).pk, str(plan.project_id)): "project",
    }
    rows = []
    for event in AuditEvent.objects.filter(pk__gt=since).order_by("pk"):
        whose = objects.get((event.content_type_id, event.object_id))
        if whose is None:
            continue
        data = dict(event.data)
        if "deadline" in data:
            data["deadline"] = Deadline.objects.get(pk=data["deadline"]).kind
        rows.append(
            (
                whose,
                event.action,
                event.action_label,
                event.actor_name,
                event.from_state,
                event.to_state,
                event.reason,
                data,
                event.district_id,
                event.organization_id == plan.project.implementing_entity_id,
                event.co_organization_id,
            )
        )
    return rows


def outcome(publicity):
    publicity.refresh_from_db()
    plan = ImplementationPlan.objects.select_related("project").get(pk=publicity.plan_id)
    window = Deadline.objects.for_subject(publicity).get(kind=DEADLINE_PUBLICITY_WINDOW)
    return (
        publicity.state,
        publicity.result,
        publicity.closed_at,
        (window.state, window.close_reason, window.closed_on, window.late_workdays, window.closed_by_id),
        plan.state,
        plan.project.stage,
    )


def test_the_set_based_close_does_what_the_per_notice_close_did(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    scenarios = ("held", "answered", "silent")
    reference = {s: notice(world, f"参照项目{s}", s) for s in scenarios}
    bulk = {s: notice(world, f"批量项目{s}", s) for s in scenarios}
    now = max(p.ends_at for p in (*reference.values(), *bulk.values())) + datetime.timedelta(seconds=1)
    monkeypatch.setattr("renewal.calendar.today", lambda: CLOSED_ON)
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    with django_capture_on_commit_callbacks(execute=True) as reference_reactions:
        close_one_by_one([reference[s].pk for s in scenarios], now)
    with django_capture_on_commit_callbacks(execute=True) as bulk_reactions:
        assert services.close_expired_publicities(now=now) == 3

    for s in scenarios:
        assert outcome(bulk[s]) == outcome(reference[s]), s
        assert trail(bulk[s], since) == trail(reference[s], since), s
    # What the rows say, so that a change to both would still be seen here.
    held, answered, silent = (outcome(bulk[s]) for s in scenarios)
    assert held[:3] == (PublicityState.CLOSED, "公示期满。收到意见：支持 0 条，异议 1 条，建议 1 条。", now)
    assert held[3] == (DeadlineState.MET, "公示期满", CLOSED_ON, 5, None)
    assert held[4:] == (PlanState.PUBLICITY, Stage.PUBLICITY)
    assert answered[1] == "公示期满。收到意见：支持 1 条，异议 0 条，建议 1 条。"
    assert answered[4:] == silent[4:] == (PlanState.APPROVED, Stage.PERMITS)
    assert [row[1] for row in trail(bulk["silent"], since)] == [
        "deadline.close",
        "publicity.close",
        "plan.finish_publicity",
        "project.stage",
    ]
    # The same reactions run after commit (record_events dispatches like record_event; a failing one raises
    # in tests, REACTIONS_RAISE).
    # (The bulk path also renews the cached public list once: bulk_update sends no post_save.)
    from review.public_cache import notices_changed

    reactions = [callback for callback in bulk_reactions if callback is not notices_changed]
    assert len(reactions) == len(bulk_reactions) - 1
    assert len(reactions) == len(reference_reactions) > 0


def test_closing_expired_notices_takes_the_same_queries_for_2_and_12(world, monkeypatch):
    """443 notices took 11,070 queries (about 25 each); now the count does not grow with the number."""
    scenarios = ("held", "answered", "silent")
    notices = [notice(world, f"公示项目{i}", scenarios[i % 3]) for i in range(14)]
    first_end = max(p.ends_at for p in notices)
    later = notices[2:]
    Publicity.objects.filter(pk__in=[p.pk for p in later]).update(
        ends_at=first_end + datetime.timedelta(days=1)
    )
    monkeypatch.setattr("renewal.calendar.today", lambda: CLOSED_ON)

    with CaptureQueriesContext(connection) as few:
        assert services.close_expired_publicities(now=first_end + datetime.timedelta(seconds=1)) == 2
    with CaptureQueriesContext(connection) as many:
        assert services.close_expired_publicities(now=first_end + datetime.timedelta(days=1, seconds=1)) == 12
    assert len(many) <= len(few) + 2, (len(few), len(many))
    assert len(many) < 30, len(many)

    assert not Publicity.objects.filter(state=PublicityState.OPEN).exists()
    states = dict(ImplementationPlan.objects.values_list("pk", "state"))
    for i, publicity in enumerate(notices):
        expected = PlanState.PUBLICITY if scenarios[i % 3] == "held" else PlanState.APPROVED
        assert states[publicity.plan_id] == expected, (i, scenarios[i % 3])
    assert not Deadline.objects.open().filter(kind=DEADLINE_PUBLICITY_WINDOW).exists()
    assert AuditEvent.objects.filter(action="publicity.close").count() == 14
    assert AuditEvent.objects.filter(action="deadline.close", reason="公示期满").count() == 14
    # Nothing left to close: one query, nothing written.
    with CaptureQueriesContext(connection) as idle:
        assert services.close_expired_publicities(now=first_end + datetime.timedelta(days=2)) == 0
    assert len([q for q in idle.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]) == 1


def test_a_notice_of_an_exited_project_is_left_as_it_is(world, monkeypatch):
    """PUBLICITY.read_only: an exited project's records are read-only; the others still close."""
    kept, closed = notice(world, "已退出项目", "silent"), notice(world, "在库项目", "silent")
    Project.objects.filter(pk=kept.plan.project_id).update(stage=Stage.EXITED)
    now = max(kept.ends_at, closed.ends_at) + datetime.timedelta(seconds=1)
    assert services.close_expired_publicities(now=now) == 1
    kept.refresh_from_db()
    closed.refresh_from_db()
    assert kept.state == PublicityState.OPEN and closed.state == PublicityState.CLOSED
