"""Working-day arithmetic over the calendar table (DOMAIN.md §4).

Counting rule (民法典 第二百零一条): the day of the triggering event is not counted, so "N working days
after D" is the N-th working day strictly after D. A day missing from the table falls back to the
weekday rule and, like any day in a year not yet confirmed by the State Council's notice, makes the
answer provisional.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime
from dataclasses import dataclass

from django.conf import settings

from renewal.choices import CalendarYearStatus, Light
from renewal.dates import chinese_date  # noqa: F401  (re-exported: workdays.chinese_date)
from renewal.models import CalendarYear, WorkCalendarDay


@dataclass(frozen=True)
class WorkdayAnswer:
    start: datetime.date
    days: int
    due: datetime.date
    provisional: bool

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "days": self.days,
            "due": self.due.isoformat(),
            "provisional": self.provisional,
        }


@dataclass(frozen=True)
class LightAnswer:
    light: Light
    working_days_left: int
    working_days_overdue: int


class WorkCalendar:
    """A snapshot of the calendar table over a date range: two queries, then arithmetic in memory."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.first, self.last = first, last
        self._workday = dict(
            WorkCalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "is_workday")
        )
        self._confirmed_years = set(
            CalendarYear.objects.filter(
                year__gte=first.year, year__lte=last.year, status=CalendarYearStatus.CONFIRMED
            ).values_list("year", flat=True)
        )

    def covers(self, day: datetime.date) -> bool:
        return self.first <= day <= self.last

    def is_workday(self, day: datetime.date) -> bool:
        known = self._workday.get(day)
        return known if known is not None else day.weekday() < 5

    def is_provisional(self, day: datetime.date) -> bool:
        return day not in self._workday or day.year not in self._confirmed_years

    def add(self, start: datetime.date, days: int) -> WorkdayAnswer | None:
        """The days-th working day after start, or None if this snapshot is too short to tell."""
        day, counted, provisional = start, 0, False
        while counted < days:
            day += datetime.timedelta(days=1)  # calendar stepping; working days are decided by the table
            if not self.covers(day):
                return None
            provisional = provisional or self.is_provisional(day)
            if self.is_workday(day):
                counted += 1
        return WorkdayAnswer(start=start, days=days, due=day, provisional=provisional)

    def between(self, first: datetime.date, last: datetime.date) -> tuple[int, bool]:
        """Working days after `first` up to and including `last` (negative if last < first)."""
        if last < first:
            count, provisional = self.between(last, first)
            return -count, provisional
        if self.covers(first) and self.covers(last):
            # Running totals over the snapshot (issue 16: a list's lights counted day by day were most of
            # a 50,000-row export): two lookups per deadline instead of a walk over its days.
            workdays, provisional_days = self._running_totals()
            i, j = (first - self.first).days, (last - self.first).days
            return workdays[j] - workdays[i], provisional_days[j] > provisional_days[i]
        count, provisional, day = 0, False, first
        while day < last:
            day += datetime.timedelta(days=1)
            provisional = provisional or self.is_provisional(day)
            count += self.is_workday(day)
        return count, provisional

    def _running_totals(self) -> tuple[list[int], list[int]]:
        """Working days and provisional days from the snapshot's first day up to each day (built once)."""
        if getattr(self, "_totals", None) is None:
            workdays, provisional_days, day = [0], [0], self.first
            while day < self.last:
                day += datetime.timedelta(days=1)  # calendar stepping; working days come from the table
                workdays.append(workdays[-1] + self.is_workday(day))
                provisional_days.append(provisional_days[-1] + self.is_provisional(day))
            self._totals = (workdays, provisional_days)
        return self._totals

    def light(self, due: datetime.date, today: datetime.date) -> LightAnswer:
        warning = settings.DEADLINE_WARNING_WORKDAYS
        if today > due:
            overdue, _ = self.between(due, today)
            return LightAnswer(Light.RED, 0, max(overdue, 1))
        left, _ = self.between(today, due)
        return LightAnswer(Light.YELLOW if left <= warning else Light.GREEN, left, 0)


def window_for(days: int) -> int:
    # Long holidays add at most ~12 non-working days per 20 working days; the loop widens if needed.
    return days * 2 + 30


def add_working_days(start: datetime.date, days: int) -> WorkdayAnswer:
    """The due date `days` working days after `start` (the start day itself not counted)."""
    if days < 0:
        raise ValueError("工作日天数不能为负数")
    span = window_for(days)
    while True:
        answer = WorkCalendar(start, start + datetime.timedelta(days=span)).add(start, days)
        if answer is not None:
            return answer
        span *= 2


def working_days_between(first: datetime.date, last: datetime.date) -> tuple[int, bool]:
    """Count of working days after `first` up to and including `last`, and whether it is provisional."""
    return WorkCalendar(min(first, last), max(first, last)).between(first, last)


def add_calendar_years(day: datetime.date, years: int) -> datetime.date:
    """Same month and day `years` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    last_day = stdlib_calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last_day))


def next_working_day_on_or_after(day: datetime.date) -> tuple[datetime.date, bool]:
    """民法典 第二百零三条: a period whose last day is a holiday ends on the next working day."""
    snapshot = WorkCalendar(day, day + datetime.timedelta(days=30))
    provisional = snapshot.is_provisional(day)
    while not snapshot.is_workday(day):
        day += datetime.timedelta(days=1)
        provisional = provisional or snapshot.is_provisional(day)
    return day, provisional


def snapshot_for(dates, today: datetime.date) -> WorkCalendar:
    """One snapshot that covers every date given and today, for lists that show many lights."""
    dates = [d for d in dates if d is not None] + [today]
    return WorkCalendar(min(dates), max(dates))


def today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()
