"""The daily sweep (issue 12, DOMAIN.md §5): due dates in step with the calendar, traffic lights, reminders
to the responsible organisation's users and escalation of red items to the district's supervising staff.

Lights (green; yellow within DEADLINE_WARNING_WORKDAYS working days, default 3; red with the working days
overdue) follow `renewal.calendar.WorkCalendar.light`. Reminders, per the kind's `ReminderPolicy`
(renewal/deadline_kinds.py):

- 临期提醒 on the working day the light turns yellow (or the day the deadline opened, if later);
- 到期日提醒 on the due day;
- 逾期提醒 on the first working day after the due day, then every `overdue_every_workdays` working days
  (5: weekly); 逾期督办 to the district's staff (and "supervision" users where that role exists) on the
  same days when `escalate_when_red`.

Each reminder is keyed by (deadline, kind, scheduled day), unique in the database, and claimed with one
INSERT … ON CONFLICT DO NOTHING RETURNING before anyone is told: two sweeps at once, or a sweep re-run the
same day, send each reminder once. A scheduled day missed (no sweep that morning) is caught up later, once,
as long as it lies within REMINDER_CATCH_UP_DAYS. The work is set-based: a fixed number of queries whatever
the number of deadlines (reads, then one INSERT per few thousand rows), and no lock on the open deadlines.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from renewal import calendar as workdays
from renewal import deadline_kinds
from renewal.choices import Role
from renewal.dates import chinese_date
from renewal.models import Deadline, Notification, Reminder, ReminderKind, User

logger = logging.getLogger(__name__)

ESCALATION_DIGEST_OVER = 10  # more red items than this in a district on one day: one digest per person
ROWS_PER_STATEMENT = 3000  # rows of one multi-row INSERT (parameters stay under SQLite's 32,766)
DEFAULT_POLICY = deadline_kinds.ReminderPolicy()


@dataclass
class SweepReport:
    day: str = ""
    moved: int = 0
    interrupted_jobs: int = 0
    open: int = 0
    yellow: int = 0
    red: int = 0
    reminders: int = 0
    notifications: int = 0
    emails: int = 0
    by_kind: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


# --- the calendar as working-day positions --------------------------------------------------------


class Positions:
    """Each day's position among working days over a range: lights and schedules become subtraction."""

    def __init__(self, first: datetime.date, last: datetime.date):
        snapshot = workdays.WorkCalendar(first, last)
        self.first, self.last = first, last
        self.index: dict[datetime.date, int] = {}
        self.workday_at: dict[int, datetime.date] = {}
        count, day = 0, first
        while day <= last:
            if snapshot.is_workday(day):
                count += 1
                self.workday_at[count] = day
            self.index[day] = count
            day += datetime.timedelta(days=1)

    def between(self, first: datetime.date, last: datetime.date) -> int:
        """Working days after `first` up to and including `last` (as WorkCalendar.between)."""
        return self.index[last] - self.index[first]


@dataclass(frozen=True)
class Planned:
    deadline: int
    kind: str
    day: datetime.date


def light_of(positions: Positions, due: datetime.date, today: datetime.date) -> tuple[str, int]:
    """('green'|'yellow'|'red', working days left or overdue), as WorkCalendar.light."""
    if today > due:
        return "red", max(positions.between(due, today), 1)
    left = positions.between(today, due)
    return ("yellow" if left <= settings.DEADLINE_WARNING_WORKDAYS else "green"), left


def schedule(positions: Positions, row: dict, today: datetime.date, oldest: datetime.date) -> list[Planned]:
    """The reminders due for one deadline from `oldest` to today (the latest occurrence of each kind)."""
    policy = getattr(row["policy"], "reminders", DEFAULT_POLICY)
    due, opened = row["due_date"], row["opened_on"]
    planned = []
    due_index, today_index = positions.index[due], positions.index[today]
    if policy.at_yellow and today <= due:
        warning = settings.DEADLINE_WARNING_WORKDAYS
        turned = positions.workday_at.get(due_index - warning, positions.first)
        day = max(turned, opened)
        if oldest <= day <= today:
            planned.append(Planned(row["pk"], ReminderKind.YELLOW, day))
    if policy.on_due_day and oldest <= due <= today and due >= opened:
        planned.append(Planned(row["pk"], ReminderKind.DUE_DAY, due))
    if today_index >= due_index + 1:
        step = policy.overdue_every_workdays
        repeat = (today_index - due_index - 1) // step if step > 0 else 0
        day = positions.workday_at[due_index + 1 + repeat * step]
        if day >= oldest:
            planned.append(Planned(row["pk"], ReminderKind.OVERDUE, day))
            if policy.escalate_when_red:
                planned.append(Planned(row["pk"], ReminderKind.ESCALATION, day))
    return planned


# --- set-based writes -----------------------------------------------------------------------------


def _chunks(items, size=ROWS_PER_STATEMENT):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(
    table: str,
    columns: list[str],
    types: list[str],
    rows: list[tuple],
    *,
    conflict: str = "",
    returning: str = "",
):
    """Insert many rows: on PostgreSQL one INSERT … SELECT FROM unnest(arrays) (a statement of fixed size,
    whatever the number of rows); elsewhere one multi-row VALUES per chunk. Both take ON CONFLICT and
    RETURNING (SQLite since 3.35)."""
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
    tail = ""
    if conflict:
        tail += f" ON CONFLICT ({', '.join(quote(c) for c in conflict.split(','))}) DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(quote(c) for c in returning.split(','))}"
    results = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for kind in types)
            cursor.execute(
                f"{head}SELECT * FROM unnest({arrays}){tail}",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return cursor.fetchall() if returning else []
        for chunk in _chunks(rows):
            placeholders = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in chunk)
            cursor.execute(f"{head}VALUES {placeholders}{tail}", [value for row in chunk for value in row])
            if returning:
                results.extend(cursor.fetchall())
    return results


def claim(planned: list[tuple[Planned, int]], now) -> set[tuple[int, str, datetime.date]]:
    """Insert the reminder rows (each with its number of recipients); returns those this sweep inserted,
    the ones it must send: a row another sweep inserted first is skipped by the database."""
    if not planned:
        return set()
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    rows = [(p.deadline, p.kind, ops.adapt_datefield_value(p.day), stamp, count) for p, count in planned]
    claimed = _insert(
        Reminder._meta.db_table,
        ["deadline_id", "kind", "day", "sent_at", "recipients"],
        ["bigint", "text", "date", "timestamptz", "integer"],
        rows,
        conflict="deadline_id,kind,day",
        returning="deadline_id,kind,day",
    )
    return {(deadline, kind, _as_date(day)) for deadline, kind, day in claimed}


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def insert_notifications(items: list[tuple], now) -> list[Notification]:
    """items: (user, verb, text, link, content_type_id, object_id); returns saved rows (with pk and user)."""
    if not items:
        return []
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    ids = _insert(
        Notification._meta.db_table,
        ["user_id", "verb", "text", "link", "content_type_id", "object_id", "created_at"],
        ["bigint", "text", "text", "text", "integer", "text", "timestamptz"],
        [
            (user.pk, verb, text[:300], link[:300], ct, str(obj), stamp)
            for user, verb, text, link, ct, obj in items
        ],
        returning="id",
    )
    rows = []
    for (pk,), (user, verb, text, link, ct, obj) in zip(ids, items, strict=True):
        row = Notification(pk=pk, user=user, verb=verb, text=text[:300], link=link[:300], content_type_id=ct)
        row.object_id, row.created_at = str(obj), now
        rows.append(row)
    return rows


# --- recipients -----------------------------------------------------------------------------------


def _recipients(rows: list[dict]):
    """(users by organisation, escalation users by district): two queries for any number of deadlines."""
    organizations = {o for row in rows for o in row["organizations"]}
    by_organization = defaultdict(list)
    for user in User.objects.filter(is_active=True, organization_id__in=organizations).exclude(role=""):
        by_organization[user.organization_id].append(user)
    districts = {row["district_id"] for row in rows if row["district_id"]}
    # The district's supervising staff: 区城市更新主管部门 staff, and "supervision" users where the role exists.
    roles = [Role.STAFF] + (["supervision"] if "supervision" in Role.values else [])
    by_district = defaultdict(list)
    for user in User.objects.filter(is_active=True, role__in=roles, organization__district_id__in=districts):
        by_district[user.organization.district_id].append(user)
    return by_organization, by_district


def _text(kind: str, row: dict, light: tuple[str, int]) -> str:
    what = f"“{row['subject_repr']}”的{row['title']}"
    due = chinese_date(row["due_date"])
    if kind == ReminderKind.YELLOW:
        return f"临期提醒：{what}将于{due}到期（剩{light[1]}个工作日），请及时办理。"
    if kind == ReminderKind.DUE_DAY:
        return f"到期提醒：{what}于{due}到期，请及时办理。"
    if kind == ReminderKind.OVERDUE:
        return f"逾期提醒：{what}已于{due}到期，逾期{light[1]}个工作日，请尽快办理。"
    responsible = row["responsible_name"] or "责任单位"
    return f"逾期督办：{responsible}办理的{what}已逾期{light[1]}个工作日（{due}到期）。"


def _link(row: dict, project_links: dict) -> str:
    return project_links.get((row["project_content_type_id"], row["project_object_id"]), "/deadlines/")


def _project_links(rows: list[dict]) -> dict:
    """A link per project (its page), one query per project model, not per deadline."""
    wanted = defaultdict(set)
    for row in rows:
        if row["project_content_type_id"] and row["project_object_id"]:
            wanted[row["project_content_type_id"]].add(row["project_object_id"])
    links = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None or not hasattr(model, "get_absolute_url"):
            continue
        for obj in model._default_manager.filter(pk__in=ids).only("pk"):
            try:
                links[(ct_id, obj.pk)] = obj.get_absolute_url()
            except Exception:  # a page that needs more than the pk: fall back to the deadline list
                continue
    return links


# --- the sweep ------------------------------------------------------------------------------------


FIELDS = (
    "pk",
    "kind",
    "title",
    "subject_repr",
    "due_date",
    "opened_at",
    "district_id",
    "responsible_organization_id",
    "responsible_organization__name",
    "subject_organization_id",
    "subject_co_organization_id",
    "project_content_type_id",
    "project_object_id",
)


def _rows(today: datetime.date, horizon: datetime.date) -> list[dict]:
    rows = []
    for values in Deadline.objects.open().filter(due_date__lte=horizon).values_list(*FIELDS).order_by():
        row = dict(zip(FIELDS, values, strict=True))
        row["opened_on"] = timezone.localtime(row["opened_at"]).date()
        row["responsible_name"] = row["responsible_organization__name"]
        owners = (row["subject_organization_id"], row["subject_co_organization_id"])
        responsible = row["responsible_organization_id"]
        row["organizations"] = (responsible,) if responsible else tuple(o for o in owners if o)
        try:
            row["policy"] = deadline_kinds.get(row["kind"])
        except deadline_kinds.UnknownDeadlineKind:
            row["policy"] = None
        rows.append(row)
    return rows


def send_reminders(today: datetime.date, report: SweepReport | None = None) -> SweepReport:
    """Lights, reminders and escalation for today (see the module docstring)."""
    report = report or SweepReport(day=today.isoformat())
    warning = settings.DEADLINE_WARNING_WORKDAYS
    oldest = today - datetime.timedelta(days=settings.REMINDER_CATCH_UP_DAYS)
    # Deadlines due within this many calendar days may be yellow today (generous; lights decide).
    horizon = today + datetime.timedelta(days=warning * 2 + 30)
    rows = _rows(today, horizon)
    report.open = Deadline.objects.open().count()
    if not rows:
        return report
    positions = Positions(
        min(min(row["due_date"] for row in rows), oldest) - datetime.timedelta(days=1), horizon
    )
    planned, lights = [], {}
    for row in rows:
        light = lights[row["pk"]] = light_of(positions, row["due_date"], today)
        if light[0] == "yellow":
            report.yellow += 1
        elif light[0] == "red":
            report.red += 1
        if light[0] != "green":
            planned.extend(schedule(positions, row, today, oldest))
    if planned:
        # Reminders already sent (an earlier run today, or a day before) are skipped here with one read;
        # the unique key in `claim` still decides for sweeps running at the same moment.
        sent = set(Reminder.objects.filter(day__gte=oldest).values_list("deadline_id", "kind", "day"))
        planned = [p for p in planned if (p.deadline, p.kind, p.day) not in sent]
    if not planned:
        return report
    now = timezone.now()
    by_pk = {row["pk"]: row for row in rows}
    deadline_type = ContentType.objects.get_for_model(Deadline).pk
    by_organization, by_district = _recipients([by_pk[p.deadline] for p in planned])
    links = _project_links([by_pk[p.deadline] for p in planned])
    recipients = {}
    for reminder in planned:
        row = by_pk[reminder.deadline]
        if reminder.kind == ReminderKind.ESCALATION:
            users = by_district.get(row["district_id"], [])
        else:
            users = [u for org in row["organizations"] for u in by_organization.get(org, [])]
        recipients[reminder] = list({u.pk: u for u in users}.values())
    with transaction.atomic():
        claimed = claim([(p, len(recipients[p])) for p in planned], now)
        items, counts, escalated = [], defaultdict(int), defaultdict(list)
        for reminder in planned:
            if (reminder.deadline, reminder.kind, reminder.day) not in claimed:
                continue  # sent before, or by a sweep running at the same time
            counts[reminder.kind] += 1
            row = by_pk[reminder.deadline]
            if reminder.kind == ReminderKind.ESCALATION:
                escalated[row["district_id"]].append(reminder)
                continue
            text, link = _text(reminder.kind, row, lights[row["pk"]]), _link(row, links)
            verb = f"reminder.{reminder.kind}"
            items.extend((user, verb, text, link, deadline_type, row["pk"]) for user in recipients[reminder])
        for reminders in escalated.values():
            items.extend(_escalation_items(reminders, by_pk, lights, links, recipients, deadline_type))
        saved = insert_notifications(items, now)
        transaction.on_commit(lambda: _send(saved, report))
    report.reminders = sum(counts.values())
    report.notifications = len(saved)
    report.by_kind = dict(counts)
    return report


def _escalation_items(reminders, by_pk, lights, links, recipients, deadline_type) -> list[tuple]:
    """The district's supervising staff get one item per deadline when few turn red, else one digest."""
    verb = f"reminder.{ReminderKind.ESCALATION}"
    users = recipients[reminders[0]]
    if len(reminders) <= ESCALATION_DIGEST_OVER:
        items = []
        for reminder in reminders:
            row = by_pk[reminder.deadline]
            text, link = _text(reminder.kind, row, lights[row["pk"]]), _link(row, links)
            items.extend((user, verb, text, link, deadline_type, row["pk"]) for user in users)
        return items
    names = "、".join(f"“{by_pk[r.deadline]['subject_repr']}”" for r in reminders[:3])
    text = f"逾期督办：本区今日有{len(reminders)}项办理期限逾期待督办，包括{names}等，请在办理期限页查看红灯事项。"
    return [(user, verb, text, "/deadlines/", None, "") for user in users]


def _send(rows, report: SweepReport) -> None:
    from renewal.notifications import send_emails

    report.emails = send_emails(rows)


def daily_sweep(today: datetime.date | None = None) -> SweepReport:
    """The morning run (Celery beat, `manage.py sweep_deadlines`): recompute, then remind and escalate."""
    from renewal.jobs import fail_interrupted_jobs
    from renewal.services import record_event, sweep_open_deadlines

    today = today or workdays.today()
    report = SweepReport(day=today.isoformat())
    report.moved = sweep_open_deadlines()
    report.interrupted_jobs = fail_interrupted_jobs()
    send_reminders(today, report)
    record_event(
        actor=None,
        action="deadline.sweep",
        action_label=f"每日期限巡检：{chinese_date(today)}",
        to_state=today.isoformat(),
        data={k: v for k, v in report.as_dict().items() if k != "emails"},
    )
    return report
