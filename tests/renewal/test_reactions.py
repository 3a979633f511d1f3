"""Reactions run after the step commits, once per event, and never inside the step's transaction."""

import pytest
from django.db import transaction

from renewal import reactions
from renewal.services import record_event, record_events

pytestmark = pytest.mark.django_db(transaction=True)

seen = []


@reactions.react_to("system.heartbeat")
def _remember(event):
    seen.append((event.pk, event.reason, transaction.get_connection().in_atomic_block))


def test_handler_runs_after_commit_not_before():
    seen.clear()
    with transaction.atomic():
        record_event(actor=None, action="system.heartbeat", reason="一")
        assert seen == []
    assert [(reason, in_block) for _, reason, in_block in seen] == [("一", False)]
    assert seen[0][0] is not None


def test_rolled_back_step_runs_no_handler():
    seen.clear()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            record_event(actor=None, action="system.heartbeat", reason="二")
            raise RuntimeError
    assert seen == []


def test_bulk_events_each_reacted_to_once():
    seen.clear()
    record_events([{"actor": None, "action": "system.heartbeat", "reason": str(n)} for n in range(3)])
    assert sorted(reason for _, reason, _ in seen) == ["0", "1", "2"]
    assert reactions.reactions_for("system.heartbeat") == [_remember]


def test_failing_handler_is_raised_in_tests(settings):
    @reactions.react_to("system.heartbeat")
    def _broken(event):
        raise ValueError("坏")

    try:
        with pytest.raises(ValueError):
            record_event(actor=None, action="system.heartbeat", reason="三")
        settings.REACTIONS_RAISE = False
        record_event(actor=None, action="system.heartbeat", reason="四")  # logged, not raised
    finally:
        reactions._HANDLERS["system.heartbeat"].remove(_broken)
