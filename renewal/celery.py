"""The Celery application; tasks are thin wrappers around services."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renewal.settings")

app = Celery("renewal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Daily sweep of deadlines every morning (CELERY_TIMEZONE, Asia/Shanghai): due dates in step with the
    # calendar, then reminders and escalation (renewal/sweep.py); a missed morning is caught up next time.
    "deadline-sweep": {"task": "renewal.tasks.sweep_deadlines", "schedule": crontab(minute=30, hour=7)},
    # Background jobs left running by a killed worker end failed (renewal/jobs.py); retried by hand.
    "job-interrupted": {"task": "renewal.tasks.fail_interrupted_jobs", "schedule": crontab(minute="*/5")},
    # Publicity windows end at 23:59:59 of their last working day; check every ten minutes.
    "publicity-close": {"task": "review.tasks.close_expired_publicities", "schedule": crontab(minute="*/10")},
    # Library exit on the first anniversary of completion (Haidian 五(七)) and the month's investment report.
    "permits-daily": {"task": "permits.tasks.daily_works", "schedule": crontab(minute=10, hour=0)},
}
