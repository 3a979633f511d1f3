"""Dates as a person reads them: 2025年10月23日 (no leading zeros). Stored data and the API stay ISO."""

import datetime
import re

from django.utils import timezone

ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


def chinese_date(day) -> str:
    """2025年10月23日 — the UI's date format, for messages built in code."""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_dates(text: str) -> str:
    """Every ISO date inside a text (e.g. "2026-03-04" stored in an audit event's state) as 2026年3月4日;
    anything that is not a real date is left as it is."""

    def readable(match):
        try:
            return chinese_date(datetime.date(*(int(part) for part in match.groups())))
        except ValueError:
            return match.group(0)

    return ISO_DATE.sub(readable, str(text or ""))
