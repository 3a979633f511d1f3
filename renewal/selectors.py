"""Reads that are more than a filter."""

from dataclasses import dataclass

from renewal import calendar as workdays
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
