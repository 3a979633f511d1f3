"""Thin Celery tasks over kernel services."""

from celery import shared_task
from celery.signals import worker_ready


@shared_task(name="renewal.tasks.sweep_deadlines")
def sweep_deadlines():
    """Daily: keep open deadlines in step with the calendar table, then lights, reminders and escalation."""
    from renewal.sweep import daily_sweep

    return daily_sweep().as_dict()


@shared_task(name="renewal.tasks.run_job")
def run_job(job_id: int):
    """Run one background job (renewal/jobs.py); the job row records the outcome, not Celery."""
    from renewal.jobs import run_job as run

    job = run(job_id)
    return job.status if job is not None else None


@shared_task(name="renewal.tasks.fail_interrupted_jobs")
def fail_interrupted_jobs():
    """Jobs left running by a killed worker end failed (and may be retried)."""
    from renewal.jobs import fail_interrupted_jobs as check

    return check()


@worker_ready.connect
def _check_jobs_on_start(**kwargs):
    """A worker that starts fails jobs a killed worker left running and takes the jobs still queued."""
    try:
        from renewal.jobs import enqueue_waiting_jobs
        from renewal.jobs import fail_interrupted_jobs as check

        check()
        enqueue_waiting_jobs()
    except Exception:  # the worker must start even if the database is not reachable yet
        import logging

        logging.getLogger(__name__).exception("checking interrupted jobs on worker start failed")


@shared_task(name="renewal.tasks.record_heartbeat")
def record_heartbeat(note: str):
    """Writes one audit event; used to prove that a worker is consuming the broker."""
    from renewal.services import record_event

    record_event(actor=None, action="system.heartbeat", action_label="后台任务心跳", reason=note)
    return note
