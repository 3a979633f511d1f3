"""Kernel services: the audit trail, deadlines and the working calendar.

Every state change in the portal goes through a service that writes an AuditEvent with `record_event`
and opens or closes Deadline rows with `open_deadline` / `close_deadlines`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from renewal import calendar as workdays
from renewal import reactions
from renewal.choices import CalendarDayKind, CalendarYearStatus, DeadlineRule, DeadlineState
from renewal.dates import chinese_date
from renewal.models import AuditEvent, CalendarYear, Deadline, Job, WorkCalendarDay


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def scope_of(obj):
    """(district, owning organisations) of an object, for scoping its audit events, deadlines and files.

    A model names its owners with `scope_owners()` (e.g. a project's implementing and coordinating
    entities); rows derived from it carry up to two of them so both entities see them.
    """
    district = getattr(obj, "district", None)
    owners = getattr(obj, "scope_owners", None)
    organizations = tuple(o for o in owners() if o is not None)[:2] if callable(owners) else ()
    return district, organizations + (None,) * (2 - len(organizations))


def record_event(
    *,
    actor,
    action: str,
    action_label: str = "",
    obj=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
    request=None,
    district=None,
    organization=None,
    co_organization=None,
    object_repr: str | None = None,
    scoped: bool = False,
    save: bool = True,
) -> AuditEvent:
    """Append one audit event. The only way the application writes to the audit trail.

    save=False builds the event without writing it, for `record_events`; object_repr, when given, names the
    object instead of str(obj) (a bulk recompute names each subject as its deadline does, without loading
    what str() of a department's review or a notice reads); scoped=True says district and organisations
    given are the object's whole scope, even where one is empty (a deadline carries its subject's)."""
    from renewal import audit_actions

    if not audit_actions.is_registered(action):
        # Audit actions are a vocabulary (renewal.audit_actions), never strings typed at call sites.
        raise audit_actions.UnknownAuditAction(f"未登记的审计操作：{action}（请在本应用的 audit.py 中登记）")
    # The object's scope is read only when the caller did not give it (a bulk recompute gives it, so
    # that building thousands of events does not load each subject's district and owners).
    obj_district, (owner, co_owner) = (
        scope_of(obj)
        if obj is not None and not scoped and not (district and organization)
        else (None, (None, None))
    )
    actor = actor if actor is not None and actor.is_authenticated else None
    event = AuditEvent(
        actor=actor,
        actor_name=(actor.get_full_name() or actor.username) if actor else "系统",
        action=action,
        action_label=action_label,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False)
        if obj is not None
        else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(str(obj) if object_repr is None else object_repr)[:200] if obj is not None else "",
        district=district or obj_district,
        organization=organization or owner,
        co_organization=co_organization or (None if organization else co_owner),
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
        ip=client_ip(request),
    )
    if save:
        event.save()
        reactions.dispatch([event])
    return event


def record_events(events) -> list[AuditEvent]:
    """Append many audit events at once (an import of thousands of rows): each item holds record_event's
    keyword arguments; record_event builds every event, and they are written in bulk."""
    built = [record_event(**event, save=False) for event in events]
    saved = AuditEvent.objects.bulk_create(built, batch_size=500)
    reactions.dispatch(saved)
    return saved


def _snapshot_for_deadlines(deadlines):
    """One calendar snapshot wide enough for every deadline of a batch (two queries, not two each)."""
    if not deadlines:
        return None
    first = min(d.start_date for d in deadlines)
    last = max(workdays_span_end(d.start_date, d.rule, d.amount) for d in deadlines)
    return workdays.WorkCalendar(first, last)


def workdays_span_end(start: datetime.date, rule: str, amount: int) -> datetime.date:
    if rule == DeadlineRule.WORKING_DAYS:
        return start + datetime.timedelta(days=amount * 2 + 60)  # calendar span that surely holds them
    return workdays.add_calendar_years(start, amount) + datetime.timedelta(days=60)


def _due_from(snapshot, deadline) -> tuple[datetime.date, bool]:
    """compute_due from a shared snapshot; falls back to the table when the snapshot is too short.

    Calendar-year periods are read from the snapshot too (issue 16: two lookups per deadline before)."""
    if snapshot is not None and deadline.rule == DeadlineRule.WORKING_DAYS:
        answer = snapshot.add(deadline.start_date, deadline.amount)
        if answer is not None:
            return answer.due, answer.provisional
    if snapshot is not None and deadline.rule == DeadlineRule.CALENDAR_YEARS:
        # 民法典 第二百零三条: a period ending on a holiday ends on the next working day.
        day = workdays.add_calendar_years(deadline.start_date, deadline.amount)
        provisional = snapshot.is_provisional(day)
        while snapshot.covers(day) and not snapshot.is_workday(day):
            day += datetime.timedelta(days=1)  # calendar stepping; working days come from the table
            provisional = provisional or snapshot.is_provisional(day)
        if snapshot.covers(day):
            return day, provisional
    return compute_due(deadline.rule, deadline.start_date, deadline.amount)


def compute_due(rule: str, start: datetime.date, amount: int) -> tuple[datetime.date, bool]:
    """Due date and provisional flag of a deadline, from the calendar table."""
    if rule == DeadlineRule.WORKING_DAYS:
        answer = workdays.add_working_days(start, amount)
        return answer.due, answer.provisional
    if rule == DeadlineRule.CALENDAR_YEARS:
        # 民法典 第二百零三条: a period ending on a holiday ends on the next working day.
        return workdays.next_working_day_on_or_after(workdays.add_calendar_years(start, amount))
    if rule == DeadlineRule.FIXED_DATE:
        return start, False  # the date the document sets (督查事项 完成时限), not counted from anything
    if rule == DeadlineRule.ANNIVERSARY:
        return workdays.add_calendar_years(start, amount), False  # no holiday shift (issue 11)
    raise ValueError(f"unknown deadline rule {rule!r}")


def project_of(obj):
    """The project an object belongs to: `obj.project` when its model has one, else the object itself
    (a project, or any other top-level object)."""
    project = getattr(obj, "project", None)
    return obj if project is None else project


def describe_subject(subject) -> tuple[object, str, str]:
    """(project, project label, subject description) of a deadline's subject, without its current state:
    a department's review reads "110108-2026-0001 某小区综合整治 · 部门会签意见", never "某局：待审查"."""
    project = project_of(subject)
    project_label = str(project)[:200]
    if project is subject:
        return project, project_label, project_label
    return project, project_label, f"{project} · {subject._meta.verbose_name}"[:200]


def open_deadline(
    subject,
    *,
    kind: str,
    start: datetime.date,
    responsible_organization=None,
    actor=None,
    amount: int | None = None,
    title: str | None = None,
    rule: str | None = None,
    basis: str | None = None,
) -> Deadline:
    """Open a deadline of a registered kind (renewal.deadline_kinds): rule, length, basis and title come
    from the registry. `amount` only where the kind is a minimum (a longer publicity window); `title` names
    the duty when the kind's label is not enough. `rule`/`basis`, if given, must agree with the registry."""
    from renewal import deadline_kinds

    registered = deadline_kinds.get(kind)
    amount = registered.resolve_amount(amount)
    if rule is not None and rule != registered.rule:
        raise ValueError(f"deadline kind {kind!r} counts {registered.rule}, not {rule}")
    rule = registered.rule
    basis = registered.basis if basis is None else basis
    title = title or registered.label
    due, provisional = compute_due(rule, start, amount)
    district, (owner, co_owner) = scope_of(subject)
    project, project_label, subject_repr = describe_subject(subject)
    deadline = Deadline.objects.create(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        object_id=subject.pk,
        subject_repr=subject_repr,
        project_content_type=ContentType.objects.get_for_model(project, for_concrete_model=False),
        project_object_id=project.pk,
        project_label=project_label,
        district=district,
        subject_organization=owner,
        subject_co_organization=co_owner,
        responsible_organization=responsible_organization,
        kind=kind,
        title=title,
        basis=basis,
        rule=rule,
        amount=amount,
        start_date=start,
        due_date=due,
        provisional=provisional,
    )
    record_event(
        actor=actor,
        action="deadline.open",
        action_label=f"开启期限：{title}",
        obj=subject,
        to_state=due.isoformat(),
        data={
            "deadline": deadline.pk,
            "kind": kind,
            "start": start.isoformat(),
            "due": due.isoformat(),
            "provisional": provisional,
        },
    )
    return deadline


def workdays_late(due: datetime.date, closed_on: datetime.date) -> int:
    """Working days after the due date up to and including the day it was closed; 0 when on time.

    Closed after the due date is late even when only rest days passed (counted as 1, like a red light)."""
    if closed_on <= due:
        return 0
    late, _ = workdays.working_days_between(due, closed_on)
    return max(late, 1)


def close_deadlines(
    subject,
    *,
    kinds=None,
    state=DeadlineState.MET,
    reason: str = "",
    actor=None,
    on: datetime.date | None = None,
) -> int:
    """Close the subject's open deadlines (of the given kinds); returns how many were closed. `on` is the day
    the duty was done when that is not today (the library exit takes effect on its anniversary even when the
    daily run catches it up later)."""
    open_rows = Deadline.objects.for_subject(subject).open()
    if kinds is not None:
        open_rows = open_rows.filter(kind__in=list(kinds))
    closed = 0
    now = timezone.now()
    today = on or workdays.today()
    for deadline in open_rows.select_for_update():
        deadline.state, deadline.closed_at, deadline.close_reason = state, now, reason[:200]
        deadline.closed_on = today
        # Only a met duty is on time or late; a suspended or cancelled clock was never finished.
        deadline.late_workdays = (
            workdays_late(deadline.due_date, today) if state == DeadlineState.MET else None
        )
        deadline.closed_by = actor if actor is not None and actor.is_authenticated else None
        deadline.save(
            update_fields=["state", "closed_at", "closed_on", "late_workdays", "close_reason", "closed_by"]
        )
        record_event(
            actor=actor,
            action="deadline.close",
            action_label=f"关闭期限：{deadline.title}",
            obj=subject,
            from_state=DeadlineState.OPEN,
            to_state=state,
            reason=reason,
            data={
                "deadline": deadline.pk,
                "kind": deadline.kind,
                "due": deadline.due_date.isoformat(),
                "closed_on": today.isoformat(),
                "late_workdays": deadline.late_workdays,
            },
        )
        closed += 1
    return closed


def close_deadlines_of(
    subjects,
    *,
    kinds=None,
    state=DeadlineState.MET,
    reason: str = "",
    actor=None,
    on: datetime.date | None = None,
) -> list[Deadline]:
    """close_deadlines for many subjects at once, with the same fields, texts and audit events; returns the
    deadlines closed. Set-based (issue 16: a scheduled task closing hundreds of notices): one locked read
    of the open deadlines per subject model, one calendar snapshot for the late working days, one bulk
    UPDATE and the audit events written in bulk (record_events; their reactions run after commit)."""
    by_type: dict[int, dict] = {}
    for subject in subjects:
        content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
        by_type.setdefault(content_type.pk, {})[subject.pk] = subject
    deadlines = []
    for content_type_id, by_pk in by_type.items():
        open_rows = Deadline.objects.open().filter(content_type_id=content_type_id, object_id__in=list(by_pk))
        if kinds is not None:
            open_rows = open_rows.filter(kind__in=list(kinds))
        deadlines += open_rows.select_for_update().order_by("object_id", "due_date", "pk")
    if not deadlines:
        return []
    now = timezone.now()
    today = on or workdays.today()
    late = [d.due_date for d in deadlines if d.due_date < today]
    snapshot = workdays.WorkCalendar(min(late), today) if state == DeadlineState.MET and late else None
    closed_by = actor if actor is not None and actor.is_authenticated else None
    for deadline in deadlines:
        deadline.state, deadline.closed_at, deadline.close_reason = state, now, reason[:200]
        deadline.closed_on = today
        # As workdays_late: 0 when on time, else the working days after the due date (at least 1).
        deadline.late_workdays = (
            (max(snapshot.between(deadline.due_date, today)[0], 1) if deadline.due_date < today else 0)
            if state == DeadlineState.MET
            else None
        )
        deadline.closed_by = closed_by
    Deadline.objects.bulk_update(
        deadlines,
        ["state", "closed_at", "closed_on", "late_workdays", "close_reason", "closed_by"],
        batch_size=1000,
    )
    record_events(
        {
            "actor": actor,
            "action": "deadline.close",
            "action_label": f"关闭期限：{deadline.title}",
            "obj": by_type[deadline.content_type_id][deadline.object_id],
            "from_state": DeadlineState.OPEN,
            "to_state": state,
            "reason": reason,
            "data": {
                "deadline": deadline.pk,
                "kind": deadline.kind,
                "due": deadline.due_date.isoformat(),
                "closed_on": today.isoformat(),
                "late_workdays": deadline.late_workdays,
            },
        }
        for deadline in deadlines
    )
    return deadlines


# --- working calendar ------------------------------------------------------------------------------


def parse_schedule(lines, year: int) -> dict[datetime.date, tuple[bool, str, str]]:
    """Parse an official schedule: `YYYY-MM-DD,holiday|workday[,name]` per line ('#' comments).

    Returns {date: (is_workday, kind, name)} for the listed days; raises ValueError with the line number.
    """
    listed: dict[datetime.date, tuple[bool, str, str]] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.replace("\t", ",").split(",")]
        if len(parts) < 2:
            raise ValueError(f"第{number}行格式应为“日期,holiday|workday[,说明]”：{line}")
        try:
            day = datetime.date.fromisoformat(parts[0])
        except ValueError as exc:
            raise ValueError(f"第{number}行日期格式错误（应为YYYY-MM-DD）：{parts[0]}") from exc
        if day.year != year:
            raise ValueError(f"第{number}行日期 {day} 不在 {year} 年")
        kind = parts[1].lower()
        name = parts[2] if len(parts) > 2 else ""
        if kind in {"holiday", "休", "假"}:
            listed[day] = (False, CalendarDayKind.HOLIDAY, name)
        elif kind in {"workday", "班", "上班"}:
            listed[day] = (True, CalendarDayKind.MAKEUP_WORKDAY, name or "调休上班")
        else:
            raise ValueError(f"第{number}行类型应为 holiday 或 workday：{parts[1]}")
    return listed


def write_year(year: int, listed: dict, *, status: str, source: str, actor=None) -> CalendarYear:
    """Replace a year's days: listed days as given, every other day by the weekday rule."""
    day = datetime.date(year, 1, 1)
    rows = []
    while day.year == year:
        if day in listed:
            is_workday, kind, name = listed[day]
        else:
            is_workday = day.weekday() < 5
            kind, name = (CalendarDayKind.WORKDAY if is_workday else CalendarDayKind.WEEKEND), ""
        rows.append(WorkCalendarDay(date=day, is_workday=is_workday, kind=kind, name=name, source=source))
        day += datetime.timedelta(days=1)
    WorkCalendarDay.objects.filter(date__year=year).delete()
    WorkCalendarDay.objects.bulk_create(rows)
    confirmed = status == CalendarYearStatus.CONFIRMED
    calendar_year, _ = CalendarYear.objects.update_or_create(
        year=year,
        defaults={
            "status": status,
            "source": source[:200],
            "confirmed_at": timezone.now() if confirmed else None,
            "confirmed_by": actor if confirmed and actor is not None and actor.is_authenticated else None,
        },
    )
    return calendar_year


def confirm_year(
    year: int, lines, *, source: str, actor=None, request=None
) -> list[tuple[Deadline, datetime.date]]:
    """Load the official schedule of a year, mark it confirmed and recompute dependent deadlines here,
    whatever their number (`manage.py workdays confirm`).

    Returns the deadlines whose due date changed, each with its old due date.
    """
    return _confirm_year(year, lines, source=source, actor=actor, request=request, inline_limit=None).changed


def confirm_year_or_start_job(
    year: int, lines, *, source: str, actor=None, request=None
) -> CalendarRecompute:
    """The administrator's confirmation: the year is written and audited here; its open deadlines are
    recomputed here when few, else by a `calendar_recompute` job (CALENDAR_RECOMPUTE_INLINE_LIMIT)."""
    return _confirm_year(
        year,
        lines,
        source=source,
        actor=actor,
        request=request,
        inline_limit=settings.CALENDAR_RECOMPUTE_INLINE_LIMIT,
    )


@transaction.atomic
def _confirm_year(year: int, lines, *, source: str, actor, request, inline_limit) -> CalendarRecompute:
    listed = parse_schedule(lines, year)
    previous = CalendarYear.objects.filter(year=year).first()
    write_year(year, listed, status=CalendarYearStatus.CONFIRMED, source=source, actor=actor)
    record_event(
        actor=actor,
        action="calendar.confirm",
        action_label=f"确认{year}年工作日历",
        from_state=previous.status if previous else "",
        to_state=CalendarYearStatus.CONFIRMED,
        reason=f"加载官方放假安排：{source}",
        data={"year": year, "listed_days": len(listed)},
        request=request,
    )
    return recompute_or_start_job(
        first=datetime.date(year, 1, 1),
        last=datetime.date(year, 12, 31),
        actor=actor,
        request=request,
        reason=f"{year}年工作日历已确认",
        inline_limit=inline_limit,
    )


# --- a calendar change's recompute: in the request when small, else a background job (issue 16) ------

CALENDAR_RECOMPUTE_JOB = "calendar_recompute"  # the job kind (renewal/calendar_jobs.py runs it)


@dataclass
class CalendarRecompute:
    """What a calendar change did to the open deadlines: recomputed in the same transaction (`changed`,
    each with its old due date) or handed to a background job (`job`) because `candidates` were many."""

    candidates: int | None = None  # open deadlines the change may move (None: not counted)
    changed: list = field(default_factory=list)
    job: Job | None = None


def recompute_candidates(first: datetime.date, last: datetime.date):
    """The open deadlines whose counted days may touch [first, last]: recompute_open_deadlines' filter."""
    return Deadline.objects.open().filter(start_date__lte=last).filter(due_date__gte=first)


def recompute_or_start_job(
    *, first, last, actor=None, request=None, reason="", inline_limit: int | None = None
) -> CalendarRecompute:
    """Recompute the open deadlines of [first, last] here when at most `inline_limit` may move (None: always
    here); above it, start a `calendar_recompute` job (administrators only) that the worker takes after
    this transaction commits, so it reads the calendar as changed. The job recomputes in batches, each in
    its own transaction, with progress, and audits each moved due date with `actor` as its actor."""
    candidates = None
    if inline_limit is not None:
        candidates = recompute_candidates(first, last).count()
        if candidates > inline_limit:
            from renewal.jobs import start_job

            job = start_job(
                CALENDAR_RECOMPUTE_JOB,
                user=actor,
                params={"first": first.isoformat(), "last": last.isoformat(), "reason": reason},
            )
            return CalendarRecompute(candidates=candidates, job=job)
    changed = recompute_open_deadlines(first=first, last=last, actor=actor, request=request, reason=reason)
    return CalendarRecompute(candidates=candidates, changed=changed)


# Apps whose own rows follow a deadline (a publicity window's end) register a hook per deadline kind;
# it runs once per recompute, inside the same transaction, with every deadline of that kind it moved.
_RECOMPUTE_HOOKS: dict[str, list] = {}


def on_deadline_recomputed(kind: str, hook) -> None:
    """Call hook(moved, actor) whenever deadlines of `kind` are recomputed; moved is a list of
    (deadline, old due date), so the hook can update its rows in bulk (issue 16)."""
    if hook not in _RECOMPUTE_HOOKS.setdefault(kind, []):
        _RECOMPUTE_HOOKS[kind].append(hook)


def _write_due_dates(deadlines: list[Deadline]) -> None:
    """Store the recomputed due dates. Django's bulk_update writes a CASE with one branch per row and
    builds an expression for each (57 of the 90 seconds of a sweep moving 63,000 dates, issue 16); on
    PostgreSQL one UPDATE … FROM unnest(arrays) per 10,000 rows does the same in a fraction."""
    if connection.vendor != "postgresql":
        Deadline.objects.bulk_update(deadlines, ["due_date", "provisional"], batch_size=1000)
        return
    table = connection.ops.quote_name(Deadline._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(deadlines), 10000):
            chunk = deadlines[start : start + 10000]
            cursor.execute(
                f"UPDATE {table} AS d SET due_date = v.due_date, provisional = v.provisional "
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::date[]) AS due_date, "
                "unnest(%s::boolean[]) AS provisional) AS v WHERE d.id = v.id",
                [[d.pk for d in chunk], [d.due_date for d in chunk], [d.provisional for d in chunk]],
            )


def recompute_open_deadlines(*, first, last, actor=None, request=None, reason="", pks=None) -> list:
    """Recompute open deadlines whose counted days may touch [first, last]; audit each changed due date.
    `pks` narrows it to these deadlines (the sweep passes only those it found moved)."""
    # Set-based (issue 16: 144,606 queries for 14,444 moved dates before): one locked read of the
    # candidates with their scope, one calendar snapshot, one bulk UPDATE, subjects fetched per content
    # type, audit events written in bulk; the apps' hooks get every moved deadline of their kind at once.
    candidates = Deadline.objects.open().filter(start_date__lte=last).filter(due_date__gte=first)
    if pks is not None:
        candidates = candidates.filter(pk__in=list(pks))
    candidates = list(
        candidates.select_related("district", "subject_organization", "subject_co_organization")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    snapshot = _snapshot_for_deadlines(candidates)
    moved = []  # (deadline, old due date)
    for deadline in candidates:
        due, provisional = _due_from(snapshot, deadline)
        if due == deadline.due_date and provisional == deadline.provisional:
            continue
        moved.append((deadline, deadline.due_date))
        deadline.due_date, deadline.provisional = due, provisional
    if not moved:
        return []
    _write_due_dates([d for d, _ in moved])
    by_kind: dict[str, list] = {}
    for deadline, old_due in moved:
        if deadline.kind in _RECOMPUTE_HOOKS:
            by_kind.setdefault(deadline.kind, []).append((deadline, old_due))
    for kind, of_kind in by_kind.items():
        for hook in _RECOMPUTE_HOOKS[kind]:
            hook(of_kind, actor)
    changed = [(d, old_due) for d, old_due in moved if d.due_date != old_due]
    prefetch_related_objects([d for d, _ in changed], "subject")
    record_events(
        {
            "actor": actor,
            "action": "deadline.recompute",
            "action_label": f"重算期限：{deadline.title}",
            "obj": deadline.subject or deadline,
            "object_repr": deadline.subject_repr if deadline.subject else None,
            "scoped": deadline.subject is not None,
            "district": deadline.district,
            "organization": deadline.subject_organization,
            "co_organization": deadline.subject_co_organization,
            "from_state": old_due.isoformat(),
            "to_state": deadline.due_date.isoformat(),
            "reason": reason,
            "data": {"deadline": deadline.pk, "kind": deadline.kind, "provisional": deadline.provisional},
            "request": request,
        }
        for deadline, old_due in changed
    )
    return changed


def set_calendar_day(day: WorkCalendarDay, *, actor=None, request=None) -> list:
    """An administrator changed one day: save it and recompute here the open deadlines it may move."""
    return _set_calendar_day(day, actor=actor, request=request, inline_limit=None).changed


def set_calendar_day_or_start_job(day: WorkCalendarDay, *, actor=None, request=None) -> CalendarRecompute:
    """The administrator's edit of one day: saved and audited here; the open deadlines it may move are
    recomputed here when few, else by a `calendar_recompute` job (CALENDAR_RECOMPUTE_INLINE_LIMIT)."""
    return _set_calendar_day(
        day, actor=actor, request=request, inline_limit=settings.CALENDAR_RECOMPUTE_INLINE_LIMIT
    )


def _set_calendar_day(day: WorkCalendarDay, *, actor, request, inline_limit) -> CalendarRecompute:
    with transaction.atomic():
        old = WorkCalendarDay.objects.filter(pk=day.pk).values_list("is_workday", flat=True).first()
        day.save()
        record_event(
            actor=actor,
            action="calendar.day",
            action_label=f"修改工作日历：{chinese_date(day.date)}",
            from_state="" if old is None else ("工作日" if old else "休息日"),
            to_state="工作日" if day.is_workday else "休息日",
            data={"date": day.date.isoformat(), "kind": day.kind, "name": day.name},
            request=request,
        )
        return recompute_or_start_job(
            first=day.date,
            last=day.date,
            actor=actor,
            request=request,
            reason=f"工作日历 {chinese_date(day.date)} 已修改",
            inline_limit=inline_limit,
        )


class _DueRow:
    """The few columns the sweep needs to recompute a due date (no model instance per deadline)."""

    __slots__ = ("amount", "due_date", "pk", "provisional", "rule", "start_date")

    def __init__(self, pk, rule, start_date, amount, due_date, provisional):
        self.pk, self.rule, self.start_date, self.amount = pk, rule, start_date, amount
        self.due_date, self.provisional = due_date, provisional


def sweep_open_deadlines() -> int:
    """Daily check that every open deadline still matches the calendar table; returns how many moved.

    Set-based (issue 16): one read of the open deadlines without locks and one calendar snapshot; only the
    deadlines found moved are then locked and rewritten (with their audit events), in one short transaction."""
    rows = [
        _DueRow(*values)
        for values in Deadline.objects.open().values_list(
            "pk", "rule", "start_date", "amount", "due_date", "provisional"
        )
    ]
    snapshot = _snapshot_for_deadlines(rows)
    answers: dict[tuple, tuple[datetime.date, bool]] = {}
    moved = []
    for row in rows:
        key = (row.rule, row.start_date, row.amount)
        if key not in answers:
            answers[key] = _due_from(snapshot, row)
        if answers[key] != (row.due_date, row.provisional):
            moved.append(row.pk)
    if not moved:
        return 0
    with transaction.atomic():
        return len(
            recompute_open_deadlines(
                first=datetime.date.min, last=datetime.date.max, reason="每日期限巡检", pks=moved
            )
        )
