"""Working-day arithmetic over the calendar table (DOMAIN.md §4).

Every expected date below was worked out by hand from the State Council's holiday notices
(国务院办公厅关于2024/2025/2026年部分节假日安排的通知), not by calling the code:

2024  元旦 1 Jan off · 春节 10–17 Feb off, Sun 4 Feb and Sun 18 Feb work (除夕 Fri 9 Feb is a workday)
      清明 4–6 Apr off, Sun 7 Apr work · 劳动节 1–5 May off, Sun 28 Apr and Sat 11 May work
      端午 Mon 10 Jun off · 中秋 15–17 Sep off, Sat 14 Sep work
      国庆 1–7 Oct off, Sun 29 Sep and Sat 12 Oct work
2025  元旦 1 Jan off · 春节 28 Jan–4 Feb off, Sun 26 Jan and Sat 8 Feb work · 清明 4–6 Apr off
      劳动节 1–5 May off, Sun 27 Apr work · 端午 31 May–2 Jun off
      国庆中秋 1–8 Oct off, Sun 28 Sep and Sat 11 Oct work
2026  元旦 1–3 Jan off, Sun 4 Jan work · 春节 15–23 Feb off, Sat 14 Feb and Sat 28 Feb work
      清明 4–6 Apr off · 劳动节 1–5 May off, Sat 9 May work · 端午 19–21 Jun off · 中秋 25–27 Sep off
      国庆 1–7 Oct off, Sun 20 Sep and Sat 10 Oct work

Counting rule (民法典 第二百零一条): the start day is not counted; the due date is the N-th working day
strictly after the start.
"""

import datetime

import pytest

from renewal import calendar as workdays
from renewal.choices import Light

D = datetime.date


def d(text: str) -> datetime.date:
    return D.fromisoformat(text)


# (start, working days, due) — each worked out by hand, see the module docstring.
ADD_CASES = [
    # DOMAIN.md §4 examples
    ("2025-09-26", 15, "2025-10-23"),  # 国庆中秋: Sun 28 Sep and Sat 11 Oct count, 1–8 Oct do not
    ("2026-02-12", 10, "2026-03-04"),  # 春节: Sat 14 Feb and Sat 28 Feb count, 15–23 Feb do not
    # --- 2024 ---
    ("2023-12-29", 1, "2024-01-02"),  # Fri → weekend → 元旦 Mon 1 Jan off (year boundary)
    ("2024-02-02", 1, "2024-02-04"),  # Fri → Sat off → Sun 4 Feb make-up workday
    ("2024-02-08", 1, "2024-02-09"),  # 除夕 Fri 9 Feb is an ordinary working day in 2024
    ("2024-02-09", 1, "2024-02-18"),  # 10–17 Feb off → Sun 18 Feb make-up workday
    ("2024-02-09", 2, "2024-02-19"),
    ("2024-04-03", 1, "2024-04-07"),  # 清明 4–6 Apr off → Sun 7 Apr make-up
    ("2024-04-03", 2, "2024-04-08"),
    ("2024-04-26", 1, "2024-04-28"),  # Sat 27 Apr off → Sun 28 Apr make-up
    ("2024-04-28", 2, "2024-04-30"),
    ("2024-04-30", 1, "2024-05-06"),  # 劳动节 1–5 May off
    ("2024-05-10", 1, "2024-05-11"),  # Sat 11 May make-up
    ("2024-06-07", 1, "2024-06-11"),  # weekend + 端午 Mon 10 Jun
    ("2024-09-13", 1, "2024-09-14"),  # Sat 14 Sep make-up
    ("2024-09-14", 1, "2024-09-18"),  # 中秋 15–17 Sep off
    ("2024-09-25", 10, "2024-10-14"),  # over Sun 29 Sep (work), 1–7 Oct (off), Sat 12 Oct (work)
    ("2024-09-28", 1, "2024-09-29"),  # Sat → Sun 29 Sep make-up
    ("2024-09-30", 1, "2024-10-08"),  # 国庆 1–7 Oct off
    ("2024-10-11", 1, "2024-10-12"),  # Sat 12 Oct make-up
    ("2024-12-31", 1, "2025-01-02"),  # 元旦 2025 Wed 1 Jan off (year boundary)
    # --- 2025 ---
    ("2025-01-24", 1, "2025-01-26"),  # Sat 25 Jan off → Sun 26 Jan make-up
    ("2025-01-27", 1, "2025-02-05"),  # 春节 28 Jan – 4 Feb off
    ("2025-01-26", 10, "2025-02-14"),  # across Spring Festival and Sat 8 Feb make-up
    ("2025-02-07", 1, "2025-02-08"),  # Sat 8 Feb make-up
    ("2025-04-03", 1, "2025-04-07"),  # 清明 4–6 Apr off
    ("2025-04-25", 1, "2025-04-27"),  # Sun 27 Apr make-up
    ("2025-04-30", 1, "2025-05-06"),  # 劳动节 1–5 May off
    ("2025-05-30", 1, "2025-06-03"),  # 端午 31 May – 2 Jun off
    ("2025-09-26", 1, "2025-09-28"),  # Sat 27 Sep off → Sun 28 Sep make-up
    ("2025-09-30", 1, "2025-10-09"),  # 1–8 Oct off
    ("2025-10-10", 1, "2025-10-11"),  # Sat 11 Oct make-up
    ("2025-09-26", 30, "2025-11-13"),
    ("2025-12-31", 1, "2026-01-04"),  # 元旦 2026 1–3 Jan off → Sun 4 Jan make-up (year boundary)
    ("2025-12-31", 2, "2026-01-05"),
    # --- 2026 ---
    ("2026-02-13", 1, "2026-02-14"),  # Sat 14 Feb make-up
    ("2026-02-14", 1, "2026-02-24"),  # 春节 15–23 Feb off
    ("2026-02-27", 1, "2026-02-28"),  # Sat 28 Feb make-up
    ("2026-04-03", 1, "2026-04-07"),  # 清明 4–6 Apr off
    ("2026-04-30", 1, "2026-05-06"),  # 劳动节 1–5 May off
    ("2026-05-08", 1, "2026-05-09"),  # Sat 9 May make-up
    ("2026-06-18", 1, "2026-06-22"),  # 端午 19–21 Jun off
    ("2026-09-18", 1, "2026-09-20"),  # Sat 19 Sep off → Sun 20 Sep make-up
    ("2026-09-24", 1, "2026-09-28"),  # 中秋 25–27 Sep off
    ("2026-09-18", 10, "2026-10-09"),  # over 中秋 and 国庆
    ("2026-09-18", 12, "2026-10-12"),  # … and over Sat 10 Oct make-up
    ("2026-09-30", 1, "2026-10-08"),  # 国庆 1–7 Oct off
    ("2026-10-09", 1, "2026-10-10"),  # Sat 10 Oct make-up
    # --- zero days: the start itself, even on a holiday ---
    ("2025-09-26", 0, "2025-09-26"),
    ("2025-10-01", 0, "2025-10-01"),
]


@pytest.mark.parametrize(("start", "days", "due"), ADD_CASES)
def test_add_working_days_follows_the_official_schedule(db, start, days, due):
    answer = workdays.add_working_days(d(start), days)
    assert answer.due == d(due)
    assert answer.start == d(start)
    assert answer.days == days
    assert answer.provisional is False  # 2023–2026 are confirmed years


def test_add_working_days_as_dict_is_iso(db):
    answer = workdays.add_working_days(d("2025-09-26"), 15)
    assert answer.as_dict() == {"start": "2025-09-26", "days": 15, "due": "2025-10-23", "provisional": False}


def test_add_working_days_refuses_negative_days(db):
    with pytest.raises(ValueError, match="负数"):
        workdays.add_working_days(d("2025-09-26"), -1)


def test_long_spans_widen_the_window(db):
    # 250 working days from 2025-01-01: a year with long holidays; must not stop early.
    answer = workdays.add_working_days(d("2025-01-01"), 250)
    count, _ = workdays.working_days_between(d("2025-01-01"), answer.due)
    assert count == 250
    assert workdays.WorkCalendar(answer.due, answer.due).is_workday(answer.due)


# --- working_days_between --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "count"),
    [
        ("2025-09-26", "2025-10-23", 15),
        ("2025-09-26", "2025-09-26", 0),
        ("2025-10-23", "2025-09-26", -15),
        ("2025-09-30", "2025-10-08", 0),  # only holidays after 30 Sep
        ("2025-09-30", "2025-10-09", 1),
        ("2026-02-12", "2026-03-04", 10),
        ("2024-09-25", "2024-10-14", 10),
        ("2025-09-26", "2025-11-13", 30),
        ("2025-12-31", "2026-01-04", 1),  # across the year boundary onto a make-up Sunday
    ],
)
def test_working_days_between(db, first, last, count):
    got, provisional = workdays.working_days_between(d(first), d(last))
    assert got == count
    assert provisional is False


# --- calendar years --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        ("2024-02-29", 1, "2025-02-28"),
        ("2024-02-29", 4, "2028-02-29"),
        ("2024-02-29", 2, "2026-02-28"),
        ("2025-10-23", 2, "2027-10-23"),
        ("2025-10-23", 5, "2030-10-23"),
        ("2025-01-31", 1, "2026-01-31"),
        ("2025-12-31", 1, "2026-12-31"),
        ("2025-03-01", 0, "2025-03-01"),
    ],
)
def test_add_calendar_years(day, years, expected):
    assert workdays.add_calendar_years(d(day), years) == d(expected)


# --- next working day ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-10-01", "2025-10-09"),  # 国庆中秋 holiday rolls forward over 1–8 Oct
        ("2025-10-04", "2025-10-09"),
        ("2026-02-15", "2026-02-24"),  # 春节 2026
        ("2026-01-01", "2026-01-04"),  # 元旦 2026 → Sun 4 Jan make-up
        ("2025-09-27", "2025-09-28"),  # Saturday → Sunday make-up
        ("2025-10-09", "2025-10-09"),  # a working day stays
        ("2025-10-11", "2025-10-11"),  # a make-up Saturday stays
        ("2025-10-12", "2025-10-13"),  # an ordinary Sunday rolls to Monday
    ],
)
def test_next_working_day_on_or_after(db, day, expected):
    got, provisional = workdays.next_working_day_on_or_after(d(day))
    assert got == d(expected)
    assert provisional is False


# --- provisional answers ---------------------------------------------------------------------------


def test_counting_days_in_provisional_2027_is_provisional(db):
    answer = workdays.add_working_days(d("2026-12-20"), 15)
    assert answer.due.year == 2027
    assert answer.provisional is True


def test_counting_only_2026_days_is_not_provisional(db):
    # Mon 21 – Fri 25 Dec 2026: five ordinary working days, nothing in 2027 is looked at.
    answer = workdays.add_working_days(d("2026-12-20"), 5)
    assert answer.due == d("2026-12-25")
    assert answer.provisional is False


def test_between_into_2027_is_provisional(db):
    assert workdays.working_days_between(d("2026-12-25"), d("2027-01-15"))[1] is True
    assert workdays.working_days_between(d("2025-01-02"), d("2025-12-31"))[1] is False


def test_next_working_day_in_2027_is_provisional(db):
    _, provisional = workdays.next_working_day_on_or_after(d("2027-03-01"))
    assert provisional is True


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2035-06-01", 1, "2035-06-04"),  # Fri → Mon by the weekday rule
        ("2035-06-01", 5, "2035-06-08"),
        ("1999-12-30", 2, "2000-01-03"),  # Thu → Fri 31 Dec → Mon 3 Jan 2000
        ("2040-01-01", 10, "2040-01-13"),  # Sun → Mon 2 … Fri 13 Jan
    ],
)
def test_dates_outside_the_table_use_the_weekday_rule_and_are_provisional(db, start, days, due):
    answer = workdays.add_working_days(d(start), days)
    assert answer.due == d(due)
    assert answer.provisional is True


def test_outside_the_table_between_and_next_working_day(db):
    assert workdays.working_days_between(d("2035-06-01"), d("2035-06-08")) == (5, True)
    assert workdays.next_working_day_on_or_after(d("1999-12-31")) == (d("1999-12-31"), True)
    assert workdays.next_working_day_on_or_after(d("2000-01-01")) == (d("2000-01-03"), True)


# --- traffic lights --------------------------------------------------------------------------------


def light(due: str, today: str):
    snapshot = workdays.snapshot_for([d(due)], d(today))
    return snapshot.light(d(due), d(today))


def test_light_green_with_working_days_left(db):
    answer = light("2025-10-23", "2025-09-26")
    assert answer.light == Light.GREEN
    assert answer.working_days_left == 15
    assert answer.working_days_overdue == 0


def test_light_yellow_within_the_warning_threshold(db, settings):
    settings.DEADLINE_WARNING_WORKDAYS = 3
    # Mon 20 Oct → Thu 23 Oct 2025: 21, 22, 23 are left.
    answer = light("2025-10-23", "2025-10-20")
    assert (answer.light, answer.working_days_left, answer.working_days_overdue) == (Light.YELLOW, 3, 0)
    # Fri 17 Oct: 20, 21, 22, 23 are left — one more than the threshold.
    answer = light("2025-10-23", "2025-10-17")
    assert (answer.light, answer.working_days_left) == (Light.GREEN, 4)


def test_light_due_today_is_yellow_with_zero_left(db):
    answer = light("2025-10-23", "2025-10-23")
    assert (answer.light, answer.working_days_left, answer.working_days_overdue) == (Light.YELLOW, 0, 0)


def test_light_counts_working_days_not_calendar_days(db, settings):
    settings.DEADLINE_WARNING_WORKDAYS = 3
    # 30 Sep → 10 Oct 2025 is ten calendar days but only 9 and 10 Oct are working days.
    answer = light("2025-10-10", "2025-09-30")
    assert (answer.light, answer.working_days_left) == (Light.YELLOW, 2)


def test_light_threshold_comes_from_settings(db, settings):
    settings.DEADLINE_WARNING_WORKDAYS = 4
    answer = light("2025-10-23", "2025-10-17")
    assert (answer.light, answer.working_days_left) == (Light.YELLOW, 4)
    settings.DEADLINE_WARNING_WORKDAYS = 1
    answer = light("2025-10-23", "2025-10-20")
    assert (answer.light, answer.working_days_left) == (Light.GREEN, 3)


def test_light_red_counts_overdue_working_days_across_a_holiday(db):
    # Due Tue 30 Sep 2025; 1–8 Oct are holidays; 9, 10, Sat 11 (make-up) and 13 Oct are working days.
    answer = light("2025-09-30", "2025-10-13")
    assert (answer.light, answer.working_days_left, answer.working_days_overdue) == (Light.RED, 0, 4)
    answer = light("2025-09-30", "2025-10-09")
    assert (answer.light, answer.working_days_overdue) == (Light.RED, 1)


def test_light_red_the_day_after_due(db):
    # Due Thu 23 Oct 2025, today Fri 24 Oct: one working day overdue.
    answer = light("2025-10-23", "2025-10-24")
    assert (answer.light, answer.working_days_overdue) == (Light.RED, 1)
