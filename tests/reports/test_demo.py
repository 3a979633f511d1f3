"""The reports demo gives the auditor's workspace and the download log a row each; re-running adds nothing."""

import io

import pytest

from renewal import demo as renewal_demo
from renewal.models import AuditEvent, Job
from reports import demo
from tests.projects.factories import ProjectFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_demo_report_and_download_once(db, client):
    renewal_demo.load(io.StringIO())
    ProjectFactory(name="演示报表项目")
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    job = Job.objects.get()
    assert job.status == "done" and job.result_rows == 1 and job.created_by.username == "hd_auditor"
    assert AuditEvent.objects.filter(action="job.download").count() == 1
    assert "演示报表已存在" in out.getvalue()
    client.force_login(job.created_by)
    assert f"/jobs/{job.pk}/download/" in client.get("/reports/").content.decode()
    assert job.result_name in client.get("/reports/downloads/").content.decode()
