"""Reads that are more than a filter."""

from dataclasses import dataclass

from renewal import calendar as workdays
from renewal.choices import Light
from renewal.models import Deadline


@dataclass
class DeadlineRow:
    deadline: Deadline
    light: workdays.LightAnswer


def deadlines_with_lights(deadlines, today=None) -> list[DeadlineRow]:
    """Attach a traffic light to each deadline with one calendar snapshot for the whole list."""
    deadlines = list(deadlines)
    today = today or workdays.today()
    if not deadlines:
        return []
    snapshot = workdays.snapshot_for([d.due_date for d in deadlines], today)
    return [DeadlineRow(d, snapshot.light(d.due_date, today)) for d in deadlines]


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


def light_counts(open_deadlines, today=None) -> dict:
    """How many open deadlines are red, yellow and green, counted in the database (no row limit).

    The yellow boundary is one date (the N-th working day after today), so three comparisons suffice.
    """
    from django.conf import settings
    from django.db.models import Count, Q

    from renewal.choices import Light

    today = today or workdays.today()
    boundary = workdays.add_working_days(today, settings.DEADLINE_WARNING_WORKDAYS).due
    counts = open_deadlines.aggregate(
        red=Count("pk", filter=Q(due_date__lt=today)),
        yellow=Count("pk", filter=Q(due_date__gte=today, due_date__lte=boundary)),
        green=Count("pk", filter=Q(due_date__gt=boundary)),
    )
    return {Light(key): value for key, value in counts.items()}
