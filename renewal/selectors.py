"""Reads that are more than a filter."""

import datetime
from dataclasses import dataclass

from renewal import calendar as workdays
from renewal.choices import Light
from renewal.links import object_urls
from renewal.models import Deadline


@dataclass
class DeadlineRow:
    deadline: Deadline
    light: workdays.LightAnswer
    # Pages of the duty's object and of its project, when the viewer may open them (see attach_links).
    subject_url: str | None = None
    project_url: str | None = None
    linked: bool = False


def deadlines_with_lights(deadlines, today=None, viewer=None, snapshot=None) -> list[DeadlineRow]:
    """Attach a traffic light to each deadline with one calendar snapshot for the whole list; with a
    viewer, also the links to each duty's object and project that the viewer may follow."""
    deadlines = list(deadlines)
    today = today or workdays.today()
    if not deadlines:
        return []
    if snapshot is None or not all(snapshot.covers(d) for d in (today, *(d.due_date for d in deadlines))):
        snapshot = workdays.snapshot_for([d.due_date for d in deadlines], today)
    rows = [DeadlineRow(d, snapshot.light(d.due_date, today)) for d in deadlines]
    if viewer is not None:
        attach_links(rows, viewer)
    return rows


def attach_links(rows: list[DeadlineRow], viewer) -> list[DeadlineRow]:
    """Fill subject_url and project_url of rows not yet linked: one query per kind of object."""
    pending = [row for row in rows if isinstance(row, DeadlineRow) and not row.linked]
    if not pending:
        return rows
    refs = [(row.deadline.content_type_id, row.deadline.object_id) for row in pending]
    refs += [(row.deadline.project_content_type_id, row.deadline.project_object_id) for row in pending]
    urls = object_urls(viewer, refs)
    for row in pending:
        d = row.deadline
        row.subject_url = urls.get((d.content_type_id, str(d.object_id)))
        row.project_url = urls.get((d.project_content_type_id, str(d.project_object_id)))
        row.linked = True
    return rows


LIGHT_SEVERITY = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}


def worst_of(rows: list[DeadlineRow]) -> DeadlineRow | None:
    """Red before yellow before green; within a colour, the most overdue or the soonest due."""
    return max(
        rows,
        key=lambda row: (
            LIGHT_SEVERITY[row.light.light],
            row.light.working_days_overdue,
            -row.light.working_days_left,
        ),
        default=None,
    )


def home_snapshot(deadlines, today) -> workdays.WorkCalendar:
    """One calendar snapshot for a page that counts lights and lights a few rows (the home pages): it covers
    the rows' due dates and the yellow boundary's window after today (two queries instead of four)."""
    from django.conf import settings

    window = workdays.window_for(settings.DEADLINE_WARNING_WORKDAYS)
    horizon = today + datetime.timedelta(days=window)  # calendar days: the snapshot's span, not a deadline
    return workdays.snapshot_for([d.due_date for d in deadlines] + [horizon], today)


def light_counts(open_deadlines, today=None, snapshot=None) -> dict:
    """How many open deadlines are red, yellow and green, counted in the database (no row limit).

    The yellow boundary is one date (the N-th working day after today), so three comparisons suffice; a
    page that lights rows too may pass the snapshot it made for them (`home_snapshot`).
    """
    from django.conf import settings
    from django.db.models import Count, Q

    from renewal.choices import Light

    today = today or workdays.today()
    answer = snapshot.add(today, settings.DEADLINE_WARNING_WORKDAYS) if snapshot is not None else None
    if answer is None or not snapshot.covers(today):
        answer = workdays.add_working_days(today, settings.DEADLINE_WARNING_WORKDAYS)
    boundary = answer.due
    counts = open_deadlines.aggregate(
        red=Count("due_date", filter=Q(due_date__lt=today)),
        yellow=Count("due_date", filter=Q(due_date__gte=today, due_date__lte=boundary)),
        green=Count("due_date", filter=Q(due_date__gt=boundary)),
    )
    return {Light(key): value for key, value in counts.items()}


def event_state_label(action: str, code: str, *, readable_dates: bool = True) -> str:
    """A state an audit event recorded, in words: its own workflow's label where the action is in the
    vocabulary (intake and plans use the same codes with different labels); ISO dates inside it as
    2026年3月4日. The stored event is not changed."""
    from renewal import audit_actions
    from renewal.dates import chinese_dates

    if not code:
        return ""
    label = audit_actions.state_label(action, code)
    return chinese_dates(label) if readable_dates else label
