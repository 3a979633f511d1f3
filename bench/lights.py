"""Traffic lights for a page of deadlines: one calendar snapshot (what the lists do) against one
calendar lookup per deadline, measured side by side in one run. Prints the ratio; asserts only that both give the same lights.

    .venv/bin/python bench/lights.py [ROWS]        (uses the database of DATABASE_URL or var/)
"""

import datetime
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renewal.settings")

import django

django.setup()

from django.db import connection, reset_queries  # noqa: E402

from renewal import calendar as workdays  # noqa: E402
from renewal.selectors import deadlines_with_lights  # noqa: E402


def per_row(deadlines, today):
    return [
        workdays.WorkCalendar(min(d.due_date, today), max(d.due_date, today)).light(d.due_date, today)
        for d in deadlines
    ]


def snapshot(deadlines, today):
    return [row.light for row in deadlines_with_lights(deadlines, today=today)]


def measure(function, deadlines, today, repeat=5):
    best, queries = float("inf"), 0
    for _ in range(repeat):
        reset_queries()
        start = time.perf_counter()
        result = function(deadlines, today)
        best = min(best, time.perf_counter() - start)
        queries = len(connection.queries)
    return best, queries, result


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    today = datetime.date(2026, 9, 25)
    # Due dates spread over a year around today, across National Day and the Spring Festival.
    deadlines = [
        SimpleNamespace(due_date=today + datetime.timedelta(days=(i * 37) % 365 - 120)) for i in range(rows)
    ]
    from django.conf import settings

    settings.DEBUG = True  # count queries (Django keeps the last 9,000; keep ROWS under 4,500)
    slow, slow_queries, slow_result = measure(per_row, deadlines, today)
    fast, fast_queries, fast_result = measure(snapshot, deadlines, today)
    assert slow_result == fast_result, "both ways must give the same lights"
    print(f"{rows} deadlines on {connection.vendor}")
    print(f"  one lookup per deadline: {slow * 1000:8.1f} ms, {slow_queries} queries")
    print(f"  one calendar snapshot:   {fast * 1000:8.1f} ms, {fast_queries} queries")
    print(
        f"  ratio (per-row / snapshot): {slow / fast:.1f}× time, {slow_queries / max(fast_queries, 1):.0f}× queries"
    )


if __name__ == "__main__":
    main()
