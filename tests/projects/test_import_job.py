"""The library-list import as a background job (issue 13 "How it runs"): "确认导入" queues a job that
commits the previewed batch with progress, in one transaction, and says how many projects it created."""

import io

import openpyxl
import pytest
from django.test import TestCase
from django.urls import reverse

from projects import importing
from projects.choices import ImportStatus
from projects.models import ImportBatch, Project
from renewal import jobs
from renewal.choices import JobStatus, Role
from renewal.models import AuditEvent, Job
from tests.projects.test_import import HAIDIAN, HAIDIAN_ROWS, commit, import_job, message_texts, upload


@pytest.fixture
def staff(make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_user(Role.STAFF, district_code=HAIDIAN)


@pytest.fixture
def batch(client, staff):
    client.force_login(staff)
    upload(client, HAIDIAN_ROWS)
    return ImportBatch.objects.get()


def test_confirm_queues_a_job_and_the_request_writes_no_project(client, batch):
    """Without the worker running, the request only queues: nothing is imported inside it."""
    response = client.post(reverse("projects:import_commit", args=[batch.pk]))

    job = import_job()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == JobStatus.QUEUED and job.params == {"batch": batch.pk, "file": batch.original_name}
    assert Project.objects.count() == 0
    # the preview shows the pending job instead of a second "确认导入"
    preview = client.get(reverse("projects:import_preview", args=[batch.pk])).content.decode()
    assert 'data-testid="pending-job"' in preview and reverse("job_detail", args=[job.pk]) in preview
    assert 'data-testid="commit"' not in preview
    again = client.post(reverse("projects:import_commit", args=[batch.pk]))
    assert again["Location"] == reverse("job_detail", args=[job.pk])
    assert any("已在进行中" in text for text in message_texts(again))
    assert Job.objects.count() == 1


def test_the_job_commits_with_progress_to_100_and_lists_what_it_created(client, batch, monkeypatch):
    seen = []
    reporter = jobs._progress_reporter

    def recording(job):
        report = reporter(job)

        def progress(percent):
            seen.append(percent)
            report(percent)

        return progress

    monkeypatch.setattr(jobs, "_progress_reporter", recording)
    commit(client, batch)

    job = import_job()
    assert job.status == JobStatus.DONE and job.progress == 100
    assert seen == sorted(seen) and seen[-1] == 100 and len(set(seen)) > 3  # parse, write, audit, done
    assert job.summary["projects"] == 2 and job.summary["message"] == "已导入 2 个项目，总投资 12.5 亿元"
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED and batch.row_count == 2
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "入库项目清单导入" in page and "共2行" in page
    assert "清单文件</dt>" in page and batch.original_name in page and f"第{batch.pk}号" in page
    assert "已导入 2 个项目，总投资 12.5 亿元" in page and "batch：" not in page
    content = b"".join(client.get(reverse("job_download", args=[job.pk])).streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [row[1] for row in rows] == ["HD-2025-001", "HD-2025-002", None]
    assert rows[-1][0] == "合计" and float(rows[-1][3]) == 12.5
    assert job.result_name.endswith("_2个项目.xlsx")


def test_a_failure_mid_write_leaves_nothing_half_written(client, batch, monkeypatch):
    """One transaction: the projects were inserted, then the audit write failed — all of it is undone."""

    def broken(*args, **kwargs):
        assert Project.objects.count() == 2  # the rows were written in this transaction
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "_write_audit_events", broken)
    commit(client, batch)

    job = import_job()
    assert job.status == JobStatus.FAILED and job.error.startswith("任务执行出错")
    assert Project.objects.count() == 0
    assert Project.districts.through.objects.count() == 0
    assert not AuditEvent.objects.filter(action__in=["ledger.import", "project.import"]).exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEW and batch.committed_at is None
    # the failed job may be retried once the cause is gone, and then imports the whole list
    monkeypatch.undo()
    with TestCase.captureOnCommitCallbacks(execute=True):
        jobs.retry_job(job, user=batch.uploaded_by)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and Project.objects.count() == 2


def test_only_import_roles_may_confirm(client, batch, make_user):
    client.force_login(make_user(Role.AUDITOR, district_code=HAIDIAN))
    assert client.post(reverse("projects:import_commit", args=[batch.pk])).status_code == 403
    assert not Job.objects.exists()
