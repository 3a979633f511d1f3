"""The workflow contract across every app (issue 8): one table per stateful record, who may act written
in the table, every audit code in the vocabulary with its own workflow's state labels, and no department
reading another department's opinion through the audit trail."""

import pytest
from django.core.management import call_command

from renewal import audit_actions
from renewal.choices import Role
from renewal.models import AuditEvent, User
from renewal.workflow import workflows


def test_every_transition_says_who_may_act():
    tables = workflows()
    assert {"intake", "plan"} <= set(tables)
    for name, workflow in tables.items():
        if name.startswith("test"):
            continue
        for transition in workflow.transitions:
            assert transition.actor is not None or transition.system, f"{name}.{transition.action}"
            if transition.actor is not None:
                assert transition.actor_refusal, f"{name}.{transition.action} has no refusal message"


def test_every_transition_is_an_audit_action_with_its_workflows_labels():
    for workflow in workflows().values():
        for transition in workflow.transitions:
            action = audit_actions.get(workflow.audit_code(transition.action))
            assert action.label == transition.label
            for code, label in workflow.state_labels.items():
                assert action.state_label(code) == label


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))


def test_every_event_of_the_demo_is_in_the_vocabulary_and_shows_its_own_labels(demo):
    from renewal.selectors import event_state_label

    events = list(AuditEvent.objects.all())
    assert len(events) > 50
    unknown = sorted({e.action for e in events if not audit_actions.is_registered(e.action)})
    assert not unknown, f"audit codes outside the vocabulary: {unknown}"
    intake_submits = [e for e in events if e.action == "intake.submit"]
    assert intake_submits
    for event in intake_submits:
        # 草稿 → 已受理 (the intake's labels), never the plan's 编制中 → 已报送.
        assert event_state_label(event.action, event.from_state) == "草稿"
        assert event_state_label(event.action, event.to_state) == "已受理"
    plan_submits = [e for e in events if e.action == "plan.submit"]
    assert plan_submits
    assert event_state_label("plan.submit", plan_submits[0].from_state) == "编制中"


def test_no_department_reads_another_departments_opinion_in_the_trail(demo):
    opinion_codes = {a.code for a in audit_actions.all_actions() if a.exposes_opinion}
    assert opinion_codes, "no audit action is marked as exposing a department's opinion"
    opinions = AuditEvent.objects.filter(action__in=opinion_codes)
    assert opinions.exists()
    for reviewer in User.objects.filter(role=Role.REVIEWER):
        visible = AuditEvent.objects.visible_to(reviewer).filter(action__in=opinion_codes)
        foreign = visible.exclude(actor__organization_id=reviewer.organization_id)
        assert not foreign.exists(), (reviewer.username, list(foreign.values_list("action", "actor_name")))
