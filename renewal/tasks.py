"""Thin Celery tasks over kernel services."""

from celery import shared_task


@shared_task(name="renewal.tasks.sweep_deadlines")
def sweep_deadlines():
    """Daily: keep open deadlines in step with the calendar table (reminders are added by supervision)."""
    from renewal.services import sweep_open_deadlines

    return sweep_open_deadlines()


@shared_task(name="renewal.tasks.record_heartbeat")
def record_heartbeat(note: str):
    """Writes one audit event; used to prove that a worker is consuming the broker."""
    from renewal.services import record_event

    record_event(actor=None, action="system.heartbeat", action_label="后台任务心跳", reason=note)
    return note
