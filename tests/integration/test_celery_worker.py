"""A real Celery worker process, started by the test against Redis, writes to PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from renewal.celery import app as celery_app
from renewal.models import AuditEvent
from renewal.tasks import record_heartbeat
from tests.services import need_postgresql, need_redis

ROOT = Path(settings.BASE_DIR)


def database_url(db: dict) -> str:
    """The test database's URL for the worker process, credentials included."""
    from urllib.parse import quote

    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_real_worker_executes_task_against_redis_and_postgresql(tmp_path):
    need_postgresql()
    broker = need_redis()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "renewal.settings",
        "DATABASE_URL": database_url(db),
        "CELERY_BROKER_URL": broker,
        "RENEWAL_VAR_DIR": str(tmp_path),
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "renewal",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    note = f"heartbeat {queue}"
    previous_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write(broker) as conn:
            record_heartbeat.apply_async(args=[note], queue=queue, connection=conn)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if AuditEvent.objects.filter(action="system.heartbeat", reason=note).exists():
                break
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
        event = AuditEvent.objects.filter(action="system.heartbeat", reason=note).first()
        assert event is not None, "worker did not run the task:\n" + (tmp_path / "worker.log").read_text()
        assert event.actor is None and event.actor_name == "系统"
    finally:
        celery_app.conf.task_always_eager = previous_eager
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
