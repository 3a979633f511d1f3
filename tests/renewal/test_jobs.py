"""The job kernel (issue 12): a killed job ends failed and a retry succeeds; a result is served only when the
job is done, only to who may see it, and every download is logged; the pages and the API are scoped."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from renewal import jobs
from renewal.choices import JobStatus, Role
from renewal.models import AuditEvent, Job, Notification
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CALLS = {"kill": True}


class Killed(BaseException):
    """What a worker killed mid-way looks like from inside: nothing after this line runs."""


def _ok(job, progress):
    progress(50)
    return jobs.JobResult(
        filename="结果.csv", content="序号,名称\n1,测试\n".encode(), rows=1, summary={"filters": "全部"}
    )


def _crash(job, progress):
    raise RuntimeError("database exploded /secret/path")


def _killed_once(job, progress):
    progress(40)
    if CALLS["kill"]:
        CALLS["kill"] = False
        raise Killed()
    return _ok(job, progress)


def _from_path(job, progress):
    path = job.params["tmp"]
    with open(path, "wb") as out:
        out.write(b"x" * 10)
    return jobs.JobResult(filename="大文件.xlsx", path=__import__("pathlib").Path(path), rows=3)


for code, runner in {
    "test.ok": _ok,
    "test.crash": _crash,
    "test.killed": _killed_once,
    "test.path": _from_path,
}.items():
    jobs.register_job_kind(jobs.JobKind(code, f"测试任务{code}", runner, tuple(Role)))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    CALLS["kill"] = True
    return settings.MEDIA_ROOT


def _start(user, code="test.ok", **params):
    return jobs.start_job(code, user=user, params=params)


def test_start_writes_a_queued_job_and_enqueues_after_commit(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = _start(staff, q="海淀")
    assert callbacks, "the Celery task is handed the job only after commit"
    job.refresh_from_db()
    # CELERY_TASK_ALWAYS_EAGER in tests: the task ran the job.
    assert job.status == JobStatus.DONE and job.progress == 100 and job.attempts == 1
    assert job.result_name == "结果.csv" and job.result_rows == 1
    assert AuditEvent.objects.filter(action="job.start", data__job=job.pk).exists()
    assert AuditEvent.objects.filter(action="job.finish", object_id=str(job.pk)).exists()
    # The creator is told, with a link to the job's page.
    note = Notification.objects.get(user=staff, verb="job.done")
    assert note.link == reverse("job_detail", args=[job.pk])


def test_a_role_the_kind_does_not_admit_cannot_start_it(entity_user):
    jobs.register_job_kind(jobs.JobKind("test.staff_only", "仅工作人员", _ok, (Role.STAFF,)))
    with pytest.raises(Exception, match="不能发起"):
        jobs.start_job("test.staff_only", user=entity_user, params={})


def test_a_crashing_runner_ends_failed_with_a_chinese_message_and_no_internals(staff):
    job = _start(staff, "test.crash")
    job = jobs.run_job(job.pk)
    assert job.status == JobStatus.FAILED
    assert "任务执行出错" in job.error and "/secret/path" not in job.error
    assert not job.result


def test_a_killed_job_ends_failed_and_a_retry_succeeds(staff, media):
    job = _start(staff, "test.killed")
    with pytest.raises(Killed):
        jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # what a killed worker leaves behind
    assert not job.result
    assert not list(media.rglob("*.*"))  # nothing half-written is left where downloads come from
    # Still within the heartbeat: not touched.
    assert jobs.fail_interrupted_jobs() == 0
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=11))
    assert jobs.fail_interrupted_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "后台任务中断，可重试"
    assert AuditEvent.objects.filter(action="job.interrupt", object_id=str(job.pk)).exists()

    job = jobs.retry_job(job, user=staff)
    assert job.status == JobStatus.QUEUED and job.error == ""
    job = jobs.run_job(job.pk)
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert job.result.read().decode().startswith("序号")


def test_only_the_creator_or_an_administrator_may_retry(staff, make_user, administrator):
    job = jobs.run_job(_start(staff, "test.crash").pk)
    colleague = make_user(Role.STAFF)
    with pytest.raises(jobs.TransitionRefused, match="发起人或系统管理员"):
        jobs.retry_job(job, user=colleague)
    assert jobs.retry_job(job, user=administrator).status == JobStatus.QUEUED


def test_a_done_job_cannot_be_retried(staff):
    job = jobs.run_job(_start(staff).pk)
    with pytest.raises(jobs.TransitionRefused, match="当前状态为“已完成”"):
        jobs.retry_job(job, user=staff)


def test_a_result_on_disk_is_moved_into_place_whole(staff, tmp_path):
    job = jobs.run_job(_start(staff, "test.path", tmp=str(tmp_path / "out.part")).pk)
    assert job.status == JobStatus.DONE
    assert not (tmp_path / "out.part").exists()
    assert job.result.read() == b"x" * 10
    assert not list(__import__("pathlib").Path(job.result.path).parent.glob("*.part"))


def test_the_result_is_never_served_before_the_job_is_done(client, staff):
    job = _start(staff)
    client.login(username=staff.username, password=PASSWORD)
    url = reverse("job_download", args=[job.pk])
    response = client.get(url)
    assert response.status_code == 409
    assert "完成后才能下载" in response.content.decode()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    assert client.get(url).status_code == 409
    assert not AuditEvent.objects.filter(action="job.download").exists()


def test_a_download_is_logged_with_who_file_params_and_rows(client, staff):
    job = jobs.run_job(_start(staff, q="海淀").pk)
    client.login(username=staff.username, password=PASSWORD)
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith("序号".encode())
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="job.download")
    assert event.actor == staff
    assert (
        event.data["file"] == "结果.csv" and event.data["rows"] == 1 and event.data["params"] == {"q": "海淀"}
    )


def test_jobs_are_scoped_to_their_creator_and_administrators(client, staff, make_user, administrator):
    job = jobs.run_job(_start(staff).pk)
    other = make_user(Role.STAFF)
    client.login(username=other.username, password=PASSWORD)
    for name in ("job_detail", "job_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.get("/api/v1/jobs/").json()["count"] == 0
    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    client.login(username=administrator.username, password=PASSWORD)
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 200
    assert client.get(f"/api/v1/jobs/{job.pk}/").json()["status"] == "done"


def test_job_pages_show_progress_and_poll_while_running(client, staff, django_assert_max_num_queries):
    job = _start(staff)
    client.login(username=staff.username, password=PASSWORD)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "排队中" in page
    fragment = client.get(reverse("job_detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="job-progress"' in fragment and "<html" not in fragment
    jobs.run_job(job.pk)
    done = client.get(reverse("job_detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" not in done and reverse("job_download", args=[job.pk]) in done
    for _ in range(15):
        _start(staff)
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("job_list"), {"status": "queued"})
    assert listing.status_code == 200 and listing.content.decode().count("data-job=") == 15


def test_retry_from_the_page_and_the_api(client, staff):
    job = jobs.run_job(_start(staff, "test.crash").pk)
    client.login(username=staff.username, password=PASSWORD)
    assert "重试" in client.get(reverse("job_detail", args=[job.pk])).content.decode()
    response = client.post(reverse("job_detail", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    refused = client.post(f"/api/v1/jobs/{job.pk}/actions/retry/")
    assert refused.status_code == 409 and "排队中" in refused.json()["detail"]


def test_a_broker_that_cannot_take_the_job_leaves_it_queued_for_the_worker(
    staff, monkeypatch, django_capture_on_commit_callbacks
):
    from renewal import tasks

    def down(job_id):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.run_job, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(staff)  # the step that started it is not broken by the broker
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    monkeypatch.undo()
    assert jobs.enqueue_waiting_jobs() == 1  # as on worker start (eager here: it runs)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_the_api_lists_my_jobs_with_filters(client, staff):
    jobs.run_job(_start(staff).pk)
    jobs.run_job(_start(staff, "test.crash").pk)
    client.login(username=staff.username, password=PASSWORD)
    rows = client.get("/api/v1/jobs/", {"status": "failed"}).json()["results"]
    assert [row["status"] for row in rows] == ["failed"] and rows[0]["download_url"] is None
    done = client.get("/api/v1/jobs/", {"status": "done"}).json()["results"][0]
    assert done["download_url"] == reverse("job_download", args=[done["id"]])
    actions = client.get(f"/api/v1/jobs/{rows[0]['id']}/actions/").json()
    assert [a["name"] for a in actions if a["allowed"]] == ["retry"]
