"""Background jobs: the kernel pattern for long work (exports, reports, bulk recomputation; issue 12).

An app registers a `JobKind` (code, label, runner, roles) from its AppConfig.ready(); a view calls
`start_job(code, user=…, params=…)`, which writes a queued `Job` row and, after commit, hands its id to the
thin Celery task `renewal.tasks.run_job`. The worker calls `runner(job, progress)`; the runner returns a
`JobResult` (bytes or a finished file on disk), which is moved into place only when complete, so a job
killed mid-way never serves a partial file. Every status change is a transition of the `job` workflow
below (audit codes job.run, job.finish, job.fail, job.interrupt, job.retry); starting and downloading
are audit events too (job.start, job.download: the download log; registered in renewal/audit.py).
"""

from __future__ import annotations

import datetime
import logging
import os
import pathlib
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from renewal.choices import JobStatus, Role
from renewal.models import Job
from renewal.services import record_event
from renewal.workflow import Transition, TransitionRefused, Workflow

logger = logging.getLogger(__name__)

INTERRUPTED = "后台任务中断，可重试"
PROGRESS_EVERY_SECONDS = 1.0  # progress is written at most this often (and at 100)


@dataclass(frozen=True)
class JobKind:
    code: str
    label: str
    runner: Callable  # runner(job, progress) -> JobResult
    roles: tuple = tuple(Role)  # roles that may start it
    # describe(job) -> [(label, value)]: the job's parameters as its page shows them, in Chinese (the stored
    # params are codes and ids for the runner).
    describe: Callable | None = None


@dataclass
class JobResult:
    """What a runner hands back: the download's name and either its bytes or a finished file's path."""

    filename: str
    content: bytes | None = None
    path: pathlib.Path | None = None
    rows: int | None = None
    summary: dict = field(default_factory=dict)


class JobError(Exception):
    """A runner's failure whose message a user may read (Chinese); other exceptions are reported generically."""


_KINDS: dict[str, JobKind] = {}


def register_job_kind(kind: JobKind) -> None:
    existing = _KINDS.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"job kind {kind.code!r} is registered twice with different definitions")
    _KINDS[kind.code] = kind


def get_kind(code: str) -> JobKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise ValueError(f"未登记的后台任务类型：{code}") from None


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return kind.label if kind else code


def described_parameters(job: Job) -> list[tuple[str, str]]:
    """The job's parameters as a person reads them; a kind that does not describe its own shows none."""
    kind = _KINDS.get(job.kind)
    if kind is None or kind.describe is None:
        return []
    return [(str(label), str(value)) for label, value in kind.describe(job)]


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.code, kind.label) for kind in _KINDS.values()]


# --- the workflow ---------------------------------------------------------------------------------


def _may_retry(user, job: Job) -> bool:
    return user.is_administrator or (job.created_by_id is not None and job.created_by_id == user.pk)


def _kind_registered(job: Job, **context) -> str | None:
    return None if job.kind in _KINDS else f"任务类型“{job.kind}”已不再提供"


JOB = Workflow(
    name="job",
    state_field="status",
    state_labels=dict(JobStatus.choices),
    transitions=[
        Transition("run", "开始执行后台任务", (JobStatus.QUEUED,), JobStatus.RUNNING, system=True),
        Transition("finish", "后台任务完成", (JobStatus.RUNNING,), JobStatus.DONE, system=True),
        Transition("fail", "后台任务失败", (JobStatus.RUNNING,), JobStatus.FAILED, system=True),
        Transition("interrupt", "后台任务中断", (JobStatus.RUNNING,), JobStatus.FAILED, system=True),
        Transition(
            "retry",
            "重试",
            (JobStatus.FAILED,),
            JobStatus.QUEUED,
            guards=(_kind_registered,),
            actor=_may_retry,
            actor_refusal="只有任务发起人或系统管理员可以重试。",
        ),
    ],
)


# --- starting and running -------------------------------------------------------------------------


def _enqueue(job_id: int) -> None:
    transaction.on_commit(lambda: _hand_to_worker(job_id))


def _hand_to_worker(job_id: int) -> None:
    """Send the job to the broker; if the broker cannot take it, the job stays queued (the step that
    started it has committed) and a worker picks it up when it starts (`enqueue_waiting_jobs`)."""
    from renewal.tasks import run_job as task

    try:
        task.delay(job_id)
    except Exception:
        logger.exception("job %s could not be handed to the broker; it stays queued", job_id)


def enqueue_waiting_jobs() -> int:
    """On worker start: hand every queued job to the broker again (running a job twice is refused by the
    `run` transition, so a job already in the broker is not run twice)."""
    ids = list(Job.objects.filter(status=JobStatus.QUEUED).values_list("pk", flat=True))
    for job_id in ids:
        _hand_to_worker(job_id)
    return len(ids)


def start_job(code: str, *, user, params: dict | None = None, district=None) -> Job:
    """Write a queued job and enqueue it after commit; refuses a role the kind does not admit."""
    kind = get_kind(code)
    if user is not None and user.effective_role not in kind.roles:
        raise PermissionDenied(f"您的角色不能发起“{kind.label}”。")
    with transaction.atomic():
        job = Job.objects.create(
            kind=code,
            label=kind.label,
            created_by=user,
            district=district if district is not None else getattr(user, "district", None),
            organization=getattr(user, "organization", None),
            params=params or {},
        )
        record_event(
            actor=user,
            action="job.start",
            action_label=f"发起后台任务：{kind.label}",
            obj=job,
            to_state=JobStatus.QUEUED,
            data={"job": job.pk, "kind": code, "params": job.params},
        )
        _enqueue(job.pk)
    return job


def retry_job(job: Job, *, user) -> Job:
    """Put a failed job back in the queue (the creator or an administrator)."""

    def reset(locked: Job) -> None:
        locked.progress, locked.error, locked.heartbeat_at = 0, "", None
        locked.started_at = locked.finished_at = None

    with transaction.atomic():
        job = JOB.apply(job, "retry", actor=user, effects=reset)
        _enqueue(job.pk)
    return job


def _progress_reporter(job: Job) -> Callable[[int], None]:
    """progress(percent): saves progress and the heartbeat, at most once a second (and always at 100)."""
    last = {"percent": job.progress, "at": timezone.now()}

    def progress(percent) -> None:
        percent = max(0, min(100, int(percent)))
        now = timezone.now()
        elapsed = (now - last["at"]).total_seconds()
        if elapsed < PROGRESS_EVERY_SECONDS and percent < 100:
            return
        if percent == last["percent"] and elapsed < 15:
            return
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(progress=percent, heartbeat_at=now)
        last.update(percent=percent, at=now)
        job.progress = percent

    return progress


def _store(job: Job, result: JobResult) -> str:
    """Move the result into MEDIA under a temporary name, then rename it: the file is whole or absent."""
    suffix = pathlib.Path(result.filename).suffix.lower()[:10]
    name = f"jobs/{job.pk}/{uuid.uuid4().hex}{suffix}"
    try:
        final = pathlib.Path(default_storage.path(name))
    except NotImplementedError:  # a storage without local paths: it writes whole objects anyway
        if result.path is not None:
            with open(result.path, "rb") as handle:
                saved = default_storage.save(name, handle)
            pathlib.Path(result.path).unlink(missing_ok=True)
            return saved
        return default_storage.save(name, ContentFile(result.content or b""))
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(final.name + ".part")
    try:
        if result.path is not None:
            shutil.move(str(result.path), partial)
        else:
            partial.write_bytes(result.content or b"")
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return name


def _failure_message(exc: BaseException) -> str:
    if isinstance(exc, (JobError, TransitionRefused, PermissionDenied, ValueError)) and str(exc):
        return f"任务失败：{exc}"[:2000]
    return "任务执行出错，请稍后重试；如仍失败，请联系系统管理员。"


def run_job(job_id: int) -> Job | None:
    """Run one queued job in this process (the Celery task calls this); returns the job as it ended."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status != JobStatus.QUEUED:
        return job  # already taken by another worker, or retried and run meanwhile

    def begin(locked: Job) -> None:
        locked.attempts += 1
        locked.started_at = locked.heartbeat_at = timezone.now()
        locked.progress, locked.error = 0, ""

    try:
        job = JOB.apply(job, "run", actor=None, effects=begin)
    except TransitionRefused:
        return Job.objects.get(pk=job_id)
    try:
        result = get_kind(job.kind).runner(job, _progress_reporter(job))
        if not isinstance(result, JobResult):
            raise JobError("任务没有生成结果文件")
        stored = _store(job, result)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        message = _failure_message(exc)

        def failed(locked: Job) -> None:
            locked.error, locked.finished_at = message, timezone.now()

        try:
            return JOB.apply(job, "fail", actor=None, reason=message, effects=failed, on_commit=_notify_done)
        except TransitionRefused:  # interrupted meanwhile by the sweep: it already says so
            return Job.objects.get(pk=job_id)

    def finished(locked: Job) -> None:
        locked.result.name = stored
        locked.result_name = result.filename[:200]
        locked.result_rows = result.rows
        locked.summary = result.summary or {}
        locked.progress, locked.finished_at, locked.error = 100, timezone.now(), ""

    try:
        return JOB.apply(
            job,
            "finish",
            actor=None,
            effects=finished,
            data={"file": result.filename, "rows": result.rows},
            on_commit=_notify_done,
        )
    except TransitionRefused:
        default_storage.delete(stored)  # marked failed meanwhile: never serve what it had made
        return Job.objects.get(pk=job_id)


def fail_interrupted_jobs(*, minutes: int | None = None) -> int:
    """Jobs left running by a killed worker (no heartbeat for N minutes) end failed and may be retried."""
    minutes = settings.JOB_HEARTBEAT_MINUTES if minutes is None else minutes
    cutoff = timezone.now() - datetime.timedelta(minutes=minutes)
    stale = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff).values_list("pk", flat=True)
    count = 0
    for pk in list(stale):

        def interrupted(locked: Job) -> None:
            locked.error, locked.finished_at = INTERRUPTED, timezone.now()

        job = Job.objects.get(pk=pk)
        try:
            JOB.apply(
                job, "interrupt", actor=None, reason=INTERRUPTED, effects=interrupted, on_commit=_notify_done
            )
        except TransitionRefused:
            continue  # it finished meanwhile
        count += 1
    return count


def _notify_done(job: Job) -> None:
    """Tell the job's creator that it ended, with a link to its page."""
    if job.created_by_id is None:
        return
    from renewal.notifications import notify

    if job.status == JobStatus.DONE:
        text = f"后台任务已完成：{job.label}（{job.result_name}）"
    else:
        text = f"后台任务失败：{job.label}。{job.error}"
    notify([job.created_by], verb=f"job.{job.status}", text=text, link=job.get_absolute_url(), obj=job)


# --- downloading ----------------------------------------------------------------------------------


class ResultNotReady(Exception):
    """The job has no result to serve (yet): the message says why, in Chinese."""


def open_result(job: Job, *, user, request=None):
    """The result file of a done job, opened for reading; logs the download (who, file, params, rows)."""
    if job.status != JobStatus.DONE:
        raise ResultNotReady(f"任务“{job.label}”当前状态为“{job.get_status_display()}”，完成后才能下载结果。")
    if not job.result or not default_storage.exists(job.result.name):
        raise ResultNotReady("结果文件已不存在，请重新发起任务。")
    handle = default_storage.open(job.result.name, "rb")
    record_event(
        actor=user,
        action="job.download",
        action_label=f"下载任务结果：{job.label}",
        obj=job,
        to_state=job.result_name[:60],
        data={
            "job": job.pk,
            "kind": job.kind,
            "file": job.result_name,
            "rows": job.result_rows,
            "params": job.params,
            "filters": (job.summary or {}).get("filters") or job.params,
        },
        request=request,
    )
    return handle
