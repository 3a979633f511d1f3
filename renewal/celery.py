"""The Celery application; tasks are thin wrappers around services."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renewal.settings")

app = Celery("renewal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Daily sweep of deadlines: refresh lights and provisional flags (supervision adds reminders).
    "deadline-sweep": {"task": "renewal.tasks.sweep_deadlines", "schedule": crontab(minute=5, hour=0)},
    # Publicity windows end at 23:59:59 of their last working day; check every ten minutes.
    "publicity-close": {"task": "review.tasks.close_expired_publicities", "schedule": crontab(minute="*/10")},
}
