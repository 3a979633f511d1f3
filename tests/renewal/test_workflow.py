"""The transition helper (renewal.workflow) on a throw-away workflow over Deadline.state."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from renewal import services
from renewal.choices import DeadlineRule, DeadlineState, OrganizationKind, Role
from renewal.models import AuditEvent, Deadline
from renewal.workflow import Transition, TransitionRefused, Workflow
from tests import factories

LABELS = dict(DeadlineState.choices)  # open 进行中, met 已完成, cancelled 已撤销 …


def has_report(deadline, **context):
    return None if context.get("report") else "缺少办结报告"


def has_signature(deadline, **context):
    return None if context.get("signed") else "缺少负责人签字"


WORKFLOW = Workflow(
    name="testdeadline",
    state_field="state",
    state_labels=LABELS,
    transitions=[
        Transition("meet", "标记完成", (DeadlineState.OPEN,), DeadlineState.MET),
        Transition(
            "cancel", "撤销期限", (DeadlineState.OPEN,), DeadlineState.CANCELLED, reason_required=True
        ),
        Transition(
            "close_with_report",
            "办结",
            (DeadlineState.OPEN,),
            DeadlineState.MET,
            guards=(has_report, has_signature),
        ),
        Transition("note", "备注", (DeadlineState.OPEN, DeadlineState.MET), None),
        Transition("reopen", "重新开启", (DeadlineState.MET, DeadlineState.CANCELLED), DeadlineState.OPEN),
    ],
)


@pytest.fixture
def deadline(db):
    subject = factories.OrganizationFactory(
        kind=OrganizationKind.ENTITY, district=factories.district("110108")
    )
    return services.open_deadline(
        subject,
        kind="test.review",
        title="审查期限",
        rule=DeadlineRule.WORKING_DAYS,
        amount=10,
        start=datetime.date(2025, 9, 26),
    )


@pytest.fixture
def actor(make_user):
    return make_user(Role.STAFF, district_code="110108")


def events(deadline):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Deadline), object_id=str(deadline.pk)
    )


def test_allowed_transition_changes_state_and_writes_one_event(deadline, actor):
    result = WORKFLOW.apply(deadline, "meet", actor=actor, reason="已按时办结")
    assert result.state == DeadlineState.MET
    assert Deadline.objects.get(pk=deadline.pk).state == DeadlineState.MET
    assert deadline.state == DeadlineState.OPEN  # the caller's object is not mutated

    written = list(events(deadline))
    assert len(written) == 1
    event = written[0]
    assert event.action == "testdeadline.meet"
    assert event.action_label == "标记完成"
    assert (event.from_state, event.to_state) == (DeadlineState.OPEN, DeadlineState.MET)
    assert event.reason == "已按时办结"
    assert event.actor == actor
    assert event.district == deadline.district


def test_transition_without_target_records_without_changing_state(deadline, actor):
    WORKFLOW.apply(deadline, "note", actor=actor, reason="电话催办", data={"phone": True})
    event = events(deadline).get()
    assert Deadline.objects.get(pk=deadline.pk).state == DeadlineState.OPEN
    assert (event.from_state, event.to_state) == (DeadlineState.OPEN, DeadlineState.OPEN)
    assert event.data == {"phone": True}


def test_effects_run_inside_the_transaction_on_the_locked_row(deadline, actor):
    seen = {}

    def effects(locked):
        seen["in_atomic"] = connection.in_atomic_block
        seen["state"] = locked.state
        seen["same_object"] = locked is deadline
        locked.close_reason = "办结材料已上传"

    result = WORKFLOW.apply(deadline, "meet", actor=actor, effects=effects)
    assert seen == {"in_atomic": True, "state": DeadlineState.MET, "same_object": False}
    stored = Deadline.objects.get(pk=deadline.pk)
    assert stored.close_reason == "办结材料已上传"
    assert result.close_reason == "办结材料已上传"


def test_failing_effects_roll_back_state_and_audit(deadline, actor):
    def effects(locked):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        WORKFLOW.apply(deadline, "meet", actor=actor, effects=effects)
    assert Deadline.objects.get(pk=deadline.pk).state == DeadlineState.OPEN
    assert not events(deadline).exists()


def test_on_commit_is_deferred_until_commit(deadline, actor, django_capture_on_commit_callbacks):
    called = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        WORKFLOW.apply(deadline, "meet", actor=actor, on_commit=lambda locked: called.append(locked.state))
        assert called == []  # not yet: the transaction has not committed
        assert Deadline.objects.get(pk=deadline.pk).state == DeadlineState.MET
    assert len(callbacks) == 1
    assert called == [DeadlineState.MET]


def test_on_commit_is_not_run_when_the_transition_is_refused(
    deadline, actor, django_capture_on_commit_callbacks
):
    called = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TransitionRefused):
            WORKFLOW.apply(deadline, "cancel", actor=actor, on_commit=called.append)
    assert callbacks == []
    assert called == []


def test_wrong_state_is_refused_with_a_chinese_message_naming_the_state(deadline, actor):
    WORKFLOW.apply(deadline, "meet", actor=actor)
    before = events(deadline).count()
    with pytest.raises(TransitionRefused) as excinfo:
        WORKFLOW.apply(deadline, "meet", actor=actor)
    message = excinfo.value.message
    assert "当前状态为“已完成”" in message
    assert "标记完成" in message
    assert "进行中" in message  # the states it would be allowed from
    assert str(excinfo.value) == message
    assert Deadline.objects.get(pk=deadline.pk).state == DeadlineState.MET
    assert events(deadline).count() == before


def test_failing_guards_name_what_is_missing_and_nothing_is_written(deadline, actor):
    effects_called = []
    with pytest.raises(TransitionRefused) as excinfo:
        WORKFLOW.apply(deadline, "close_with_report", actor=actor, effects=effects_called.append)
    assert "缺少办结报告" in excinfo.value.message
    assert "缺少负责人签字" in excinfo.value.message
    assert excinfo.value.message.startswith("不能办结")
    assert excinfo.value.missing == ["缺少办结报告", "缺少负责人签字"]
    assert effects_called == []
    assert Deadline.objects.get(pk=deadline.pk).state == DeadlineState.OPEN
    assert not events(deadline).exists()

    with pytest.raises(TransitionRefused) as excinfo:
        WORKFLOW.apply(deadline, "close_with_report", actor=actor, report=True)
    assert excinfo.value.missing == ["缺少负责人签字"]
    assert not events(deadline).exists()


def test_guards_pass_with_context(deadline, actor):
    result = WORKFLOW.apply(deadline, "close_with_report", actor=actor, report=True, signed=True)
    assert result.state == DeadlineState.MET
    assert events(deadline).get().action == "testdeadline.close_with_report"


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_reason_required_refuses_a_blank_reason(deadline, actor, reason):
    with pytest.raises(TransitionRefused) as excinfo:
        WORKFLOW.apply(deadline, "cancel", actor=actor, reason=reason)
    assert "撤销期限须填写原因" in excinfo.value.message
    assert excinfo.value.missing == ["原因"]
    assert Deadline.objects.get(pk=deadline.pk).state == DeadlineState.OPEN
    assert not events(deadline).exists()


def test_reason_required_accepts_a_reason(deadline, actor):
    WORKFLOW.apply(deadline, "cancel", actor=actor, reason="项目撤回")
    event = events(deadline).get()
    assert (event.to_state, event.reason) == (DeadlineState.CANCELLED, "项目撤回")


def test_state_is_read_from_the_database_not_the_stale_object(deadline, actor):
    WORKFLOW.apply(deadline, "meet", actor=actor)
    assert deadline.state == DeadlineState.OPEN  # stale copy
    with pytest.raises(TransitionRefused, match="已完成"):
        WORKFLOW.apply(deadline, "cancel", actor=actor, reason="重复操作")


def test_available_lists_transitions_from_the_current_state(deadline, actor):
    assert {t.action for t in WORKFLOW.available(deadline)} == {"meet", "cancel", "close_with_report", "note"}
    met = WORKFLOW.apply(deadline, "meet", actor=actor)
    assert {t.action for t in WORKFLOW.available(met)} == {"note", "reopen"}


def test_request_ip_is_recorded(deadline, actor, rf):
    request = rf.post("/", REMOTE_ADDR="198.51.100.4")
    WORKFLOW.apply(deadline, "meet", actor=actor, request=request)
    assert events(deadline).get().ip == "198.51.100.4"


# --- who may act, available_for, audit vocabulary (issue 8) ----------------------------------------


def same_district_staff(user, deadline):
    return user.role == Role.STAFF and user.district_id == deadline.district_id


GUARDED = Workflow(
    name="testguarded",
    state_field="state",
    state_labels=LABELS,
    transitions=[
        Transition(
            "meet",
            "标记完成",
            (DeadlineState.OPEN,),
            DeadlineState.MET,
            actor=same_district_staff,
            actor_refusal="只有本区城市更新主管部门可以标记完成。",
            confirm="确认标记完成？",
        ),
        Transition(
            "cancel",
            "撤销期限",
            (DeadlineState.OPEN,),
            DeadlineState.CANCELLED,
            reason_required=True,
            actor=same_district_staff,
        ),
        Transition(
            "close_with_report", "办结", (DeadlineState.OPEN,), DeadlineState.MET, guards=(has_report,)
        ),
        Transition("reopen", "重新开启", (DeadlineState.MET,), DeadlineState.OPEN, actor=same_district_staff),
    ],
)


def test_available_for_gives_every_transition_allowed_or_with_its_reason(deadline, actor, make_user):
    rows = {row.action: row for row in GUARDED.available_for(actor, deadline)}
    assert list(rows) == ["meet", "cancel", "close_with_report", "reopen"]
    assert rows["meet"].allowed and rows["meet"].confirm == "确认标记完成？"
    assert rows["cancel"].allowed and rows["cancel"].reason_required  # the reason is typed in the form
    assert not rows["close_with_report"].allowed and "缺少办结报告" in rows["close_with_report"].reason
    assert not rows["reopen"].allowed and "进行中" in rows["reopen"].reason

    outsider = make_user(Role.STAFF, district_code="110102")
    refused = {row.action: row for row in GUARDED.available_for(outsider, deadline)}
    assert not refused["meet"].allowed and not refused["meet"].permitted
    assert refused["meet"].reason == "只有本区城市更新主管部门可以标记完成。"
    assert GUARDED.allowed_actions(outsider, deadline) == set()  # no report: the guard refuses too


def test_apply_checks_the_actor_on_the_locked_row(deadline, make_user):
    outsider = make_user(Role.ENTITY, district_code="110108")
    with pytest.raises(TransitionRefused, match="只有本区城市更新主管部门"):
        GUARDED.apply(deadline, "meet", actor=outsider)
    assert Deadline.objects.get(pk=deadline.pk).state == DeadlineState.OPEN
    assert not events(deadline).exists()


def test_available_for_agrees_with_apply(deadline, actor, make_user):
    """For every transition and user: allowed exactly when apply accepts it."""
    for user in (actor, make_user(Role.STAFF, district_code="110102"), make_user(Role.ENTITY)):
        for row in GUARDED.available_for(user, deadline, report=True):
            fresh = Deadline.objects.get(pk=deadline.pk)
            try:
                with transaction.atomic():
                    GUARDED.apply(fresh, row.action, actor=user, reason="理由", report=True)
                    raise _Rollback
            except _Rollback:
                accepted = True
            except TransitionRefused:
                accepted = False
            assert accepted == row.allowed, (user, row)


class _Rollback(Exception):
    pass


def test_workflow_transitions_are_audit_actions_with_their_own_state_labels():
    from renewal import audit_actions

    action = audit_actions.get("testguarded.meet")
    assert action.label == "标记完成"
    assert audit_actions.state_label("testguarded.meet", DeadlineState.OPEN) == "进行中"
    assert audit_actions.state_label("unknown.action", "draft") == "draft"


def test_record_event_refuses_a_code_outside_the_vocabulary(db):
    from renewal import audit_actions

    with pytest.raises(audit_actions.UnknownAuditAction, match="未登记的审计操作"):
        services.record_event(actor=None, action="typed.at.call.site")
    assert not AuditEvent.objects.filter(action="typed.at.call.site").exists()
