"""The ledger's "导出Excel" (issue 13 "How it runs"): small results download at once; above the limit the
ledger job (reports/jobs.py) builds the file in the background — no large export inside a request."""

import io

import openpyxl
import pytest
from django.test import TestCase

from projects.choices import Library
from projects.views import ledger
from renewal.choices import JobStatus, Role
from renewal.models import AuditEvent, Job
from reports.jobs import LEDGER_JOB
from tests.projects import factories
from tests.projects.factories import HAIDIAN

EXPORT_URL = "/projects/export/"


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return factories.ledger_world()


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR, district_code=HAIDIAN)


def test_small_results_still_download_at_once(client, world, auditor):
    client.force_login(auditor)
    response = client.get(EXPORT_URL, {"library": Library.RESERVE})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert not Job.objects.exists()
    assert AuditEvent.objects.filter(action="ledger.export").count() == 1


def test_above_the_limit_the_export_becomes_a_job(client, world, auditor, monkeypatch):
    monkeypatch.setattr(ledger, "DIRECT_EXPORT_LIMIT", 2)
    client.force_login(auditor)

    page = client.get(EXPORT_URL, {"q": "", "page": "2", "sort": "code"})  # 3 海淀 projects > 2
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="export-confirm"' in html
    assert "超过直接下载的上限 2 个" in html
    assert not Job.objects.exists() and not AuditEvent.objects.filter(action="ledger.export").exists()

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"{EXPORT_URL}?sort=code&page=3")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.kind == LEDGER_JOB and job.params == {"sort": "code"} and job.created_by == auditor
    assert job.status == JobStatus.DONE and job.progress == 100 and job.result_rows == 3
    content = b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].value.startswith("海淀区城市更新项目库台账") and "共3个项目" in sheet["A1"].value
    assert AuditEvent.objects.filter(action="job.download", actor=auditor).count() == 1


def test_the_job_refuses_invalid_filters(client, world, make_user):
    xicheng_auditor = make_user(Role.AUDITOR, district_code="110102")
    client.force_login(xicheng_auditor)
    response = client.post(f"{EXPORT_URL}?district={world.haidian.pk}")
    assert response.status_code == 302 and response["Location"].startswith("/projects/?district=")
    assert not Job.objects.exists()
