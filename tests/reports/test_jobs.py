"""Reports as background jobs: started from the ledger's filters, downloaded and logged, never half-served;
the auditor's workspace and the download log."""

import io
import re

import openpyxl
import pytest
from django.core.files.storage import default_storage

from projects.choices import Library
from renewal.choices import JobStatus, Role
from renewal.models import AuditEvent, Job
from reports import jobs
from reports.progress import ProgressReport
from tests.projects import factories

START_URL = "/reports/start/"


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return factories.ledger_world()


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR)


def start(client, user, query="", **data):
    """POST the ledger's button (filters in the query string); the eager worker runs the job on commit."""
    client.force_login(user)
    return client.post(f"{START_URL}{query}", data)


def test_the_ledger_button_starts_a_report_job_with_the_current_filters(
    client, world, auditor, django_capture_on_commit_callbacks
):
    client.force_login(auditor)
    page = client.get("/projects/", {"library": Library.RESERVE, "page": "1"}).content.decode()
    action = re.search(r'<form method="post" action="([^"]+)"[^>]*data-testid="report-job"', page).group(1)
    assert action == "/reports/start/?library=reserve"
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, auditor, "?library=reserve&page=2", layout="progress", next="/projects/")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == jobs.PROGRESS_JOB and job.params == {"library": "reserve"}
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress == 100 and job.result_rows == 1
    assert job.summary["filters"] == "项目库：储备项目库" and job.summary["total_yi"] == "1.20"
    assert job.result_name.startswith("海淀区城市更新项目进展情况表_")
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "筛选条件</dt>" in html and "项目库：储备项目库" in html and "library：" not in html

    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = [
        row[2]
        for row in workbook["项目进展"].iter_rows(min_row=5, values_only=True)
        if isinstance(row[0], int)
    ]
    assert names == [world.academy.name]


def test_every_download_is_logged_and_a_redownload_again(
    client, world, auditor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        start(client, auditor, f"?category={factories.category('residential').pk}", layout="library-list")
    job = Job.objects.get()
    assert job.kind == jobs.LIBRARY_LIST_JOB and job.status == JobStatus.DONE
    client.get(f"/jobs/{job.pk}/download/")
    # The workspace lists the report with a download link; downloading again is logged again.
    page = client.get("/reports/").content.decode()
    assert f'href="/jobs/{job.pk}/download/" data-testid="redownload"' in page
    client.get(f"/jobs/{job.pk}/download/")
    events = AuditEvent.objects.filter(action="job.download").order_by("pk")
    assert events.count() == 2
    for event in events:
        assert event.actor == auditor and event.data["file"] == job.result_name
        assert event.data["rows"] == 1 and event.data["filters"] == "类别：居住类"
    log = client.get("/reports/downloads/").content.decode()
    assert log.count(job.result_name) == 2 and "类别：居住类" in log


def test_the_ledger_export_runs_as_a_job_too(client, world, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(client, staff, "?stage=submitted", layout="ledger")
    job = Job.objects.get()
    assert job.kind == jobs.LEDGER_JOB and job.status == JobStatus.DONE and job.result_rows == 1
    content = b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [row[2] for row in sheet.iter_rows(min_row=3, values_only=True)] == [
        world.factory.name,
        "共1个项目",
    ]


def test_invalid_filters_start_no_job(client, world, make_user):
    xicheng_auditor = make_user(Role.AUDITOR, district_code="110102")
    response = start(
        client, xicheng_auditor, f"?district={world.haidian.pk}", layout="progress", next="/projects/"
    )
    assert response.status_code == 302 and response["Location"] == "/projects/"
    assert not Job.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages and messages[0].startswith("未能生成报表：筛选条件有误")
    for as_of, message in (
        ("2025-02-30", "不是有效日期"),
        ("0001-01-01", "日期应在1949年1月1日至2100年12月31日之间"),
    ):
        response = start(client, xicheng_auditor, layout="progress", as_of=as_of)
        assert response.status_code == 302 and response["Location"] == "/reports/"
        assert message in str(list(response.wsgi_request._messages)[-1])
    response = start(client, xicheng_auditor, layout="nonsense")
    assert "请选择要生成的报表" in str(list(response.wsgi_request._messages)[-1])
    assert not Job.objects.exists()


def test_a_job_killed_mid_way_never_serves_a_file(
    client, world, auditor, monkeypatch, django_capture_on_commit_callbacks, tmp_path
):
    written = []

    def dies_after_the_first_row(self, sheet, number, *args):
        written.append(number)
        if number > 1:
            raise RuntimeError("worker killed")
        return original(self, sheet, number, *args)

    original = ProgressReport._write_project
    monkeypatch.setattr(ProgressReport, "_write_project", dies_after_the_first_row)
    temp_dir = tmp_path / "tmp"
    temp_dir.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp_dir))
    with django_capture_on_commit_callbacks(execute=True):
        start(client, auditor, layout="progress")
    job = Job.objects.get()
    assert written == [1, 2]
    assert job.status == JobStatus.FAILED and not job.result and job.result_name == ""
    assert list(temp_dir.iterdir()) == []  # the half-written workbook is gone
    assert not default_storage.exists(f"jobs/{job.pk}")
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 409
    assert not AuditEvent.objects.filter(action="job.download").exists()


def test_reports_are_private_to_whoever_made_them(
    client, world, auditor, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        start(client, auditor, layout="progress")
    job = Job.objects.get()
    other = make_user(Role.AUDITOR)
    client.force_login(other)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert f"/jobs/{job.pk}/" not in client.get("/reports/").content.decode()


def test_download_log_filters_and_export(
    client, world, auditor, staff, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        start(client, auditor, layout="progress")
    job = Job.objects.get()
    client.get(f"/jobs/{job.pk}/download/")
    client.force_login(staff)
    client.get("/projects/export/")
    client.force_login(auditor)
    page = client.get("/reports/downloads/", {"action": "job.download"}).content.decode()
    assert job.result_name in page and page.count("<tr data-event=") == 1
    assert '<option value="job.download"' in page and '<option value="job.run"' not in page
    everything = client.get("/reports/downloads/").content.decode()
    assert everything.count("<tr data-event=") == 2 and "项目库台账_" in everything
    response = client.get("/reports/downloads/export/", {"action": "job.download"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    actions = [row[4] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert actions == ["job.download"]
    assert AuditEvent.objects.filter(action="audit.export", actor=auditor).exists()
    # Another district's auditor sees none of it.
    client.force_login(make_user(Role.AUDITOR, district_code="110102"))
    assert job.result_name not in client.get("/reports/downloads/").content.decode()


def test_workspace_list_has_constant_queries(
    client, world, auditor, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            start(client, auditor, layout="library-list")
    client.force_login(auditor)
    with django_assert_max_num_queries(20):
        response = client.get("/reports/")
    assert response.content.decode().count('data-testid="redownload"') == 3
