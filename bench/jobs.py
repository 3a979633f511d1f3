"""Background work at scale for `make bench` (issue 16): the ledger export against bare openpyxl
write-only, the import of N rows, the nightly calendar check and a calendar change's recompute.

Each is timed in this process on the seeded benchmark database, with its query count and the Python peak
memory (tracemalloc: what the work allocates, not the process's resident size). Everything that writes
runs in a transaction that is rolled back, so the benchmark database stays as seeded.
"""

import datetime
import io
import time
import tracemalloc
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Run the block in a transaction and undo it (the measured work commits nothing)."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def measure(work):
    """(seconds, queries, result) of work(), timed without tracing memory."""
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = work()
    return time.perf_counter() - started, len(queries), result


def peak_mb(work) -> float:
    """Python peak memory of work() in MB, in a run of its own (tracemalloc slows the work unevenly)."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def export_portal(user):
    """The ledger export as the reports job builds it: streamed rows into the write-only workbook."""
    from projects.selectors import ledger_queryset
    from projects.views.ledger import ledger_workbook, streamed_ledger_rows

    def work():
        rows = streamed_ledger_rows(ledger_queryset(user).order_by("pk"))
        buffer = io.BytesIO()
        ledger_workbook(rows, "项目库台账").save(buffer)
        return buffer.tell()

    return work


def export_bare(user):
    """Bare openpyxl write-only: the same projects and columns read as plain values, no styles, no lights."""
    from openpyxl import Workbook

    from projects.models import Project

    columns = (
        "code",
        "name",
        "district__name",
        "category__name",
        "sub_type__name",
        "path",
        "stage",
        "library",
        "implementing_entity__name",
        "coordinating_entity__name",
        "total_investment",
        "received_on",
        "admitted_on",
    )

    def work():
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("bare")
        rows = Project.objects.visible_to(user).order_by("pk").values_list(*columns)
        for number, values in enumerate(rows.iterator(chunk_size=1000), start=1):
            sheet.append([number, *values])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.tell()

    return work


def import_file(n: int) -> bytes:
    """An 入库项目清单 of n rows in 海淀 (title, header, rows), as the import expects."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("清单")
    sheet.append(["海淀区城市更新项目入库清单（基准测试）"])
    sheet.append(["序号", "项目编号", "项目名称", "项目总投资（亿元）", "区域"])
    for i in range(1, n + 1):
        sheet.append([i, f"BENCH-IMP-{i:06d}", f"基准导入项目{i}", "0.25", "海淀区"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(scale: str, user):
    """Measure everything; returns the rows of the second table."""
    from projects import importing
    from projects.choices import Library
    from renewal import services
    from renewal.choices import CalendarDayKind
    from renewal.models import Deadline, WorkCalendarDay

    rows = []
    # Export: alternate portal and bare, best of three each (the first also warms the caches); memory
    # from a separate traced run of each.
    portal, bare = [], []
    for _ in range(3):
        portal.append(measure(export_portal(user)))
        bare.append(measure(export_bare(user)))
    (p_s, p_q, _), (b_s, _, _) = min(portal), min(bare)
    p_mb, b_mb = peak_mb(export_portal(user)), peak_mb(export_bare(user))
    from projects.models import Project

    count = Project.objects.visible_to(user).count()
    rows.append(
        (
            f"ledger export, {count:,} rows",
            f"{p_s:.1f} s · {count / p_s:,.0f} rows/s · peak {p_mb:.0f} MB",
            f"bare write-only {b_s:.1f} s · {count / b_s:,.0f} rows/s · peak {b_mb:.0f} MB",
            f"{b_s / p_s:.2f}× bare rows/s",
            p_q,
        )
    )

    n = 1_000 if scale == "quick" else 10_000
    content = import_file(n)
    # Best of three, as for the export: one run on a machine shared with other work varied by ±1 s.
    runs = []
    for _ in range(3):
        with rolled_back():
            parse_s, parse_q, result = measure(
                lambda: importing.parse_workbook(io.BytesIO(content), actor=user)
            )
            assert result.ok, result.errors[:3]
            write_s, write_q, _ = measure(
                lambda result=result: importing.import_rows(
                    result, actor=user, library=Library.RESERVE, source_name="bench"
                )
            )
        runs.append((parse_s + write_s, parse_s, write_s, parse_q + write_q))
    _, parse_s, write_s, import_q = min(runs)
    with rolled_back():

        def parse_and_write():
            parsed = importing.parse_workbook(io.BytesIO(content), actor=user)
            importing.import_rows(parsed, actor=user, library=Library.RESERVE, source_name="bench")

        mb = peak_mb(parse_and_write)
    rows.append(
        (
            f"import, {n:,} rows",
            f"{parse_s + write_s:.1f} s (parse {parse_s:.1f} s, write {write_s:.1f} s) · peak {mb:.0f} MB",
            "",
            "",
            import_q,
        )
    )

    open_n = Deadline.objects.open().count()
    with rolled_back():
        s, q, moved = measure(services.sweep_open_deadlines)
    rows.append(
        (
            f"calendar check of {open_n:,} open deadlines",
            f"{s:.1f} s",
            f"{moved:,} moved (seeded due dates are approximate)",
            "",
            q,
        )
    )

    # Staff turn a working day into a holiday: the one a week before the commonest open due date, so
    # that it falls inside many deadlines' counted days; then the recompute (rolled back).
    commonest = (
        Deadline.objects.open()
        .values("due_date")
        .annotate(n=Count("id"))
        .order_by("-n", "due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    after = commonest - datetime.timedelta(days=7)  # calendar stepping to pick a date, not a deadline
    day = WorkCalendarDay.objects.filter(is_workday=True, date__gte=after).order_by("date").first()
    with rolled_back():
        day.is_workday, day.kind, day.name = False, CalendarDayKind.HOLIDAY, "基准测试"
        s, q, changed = measure(lambda: services.set_calendar_day(day, actor=user))
    rows.append(
        (
            f"a working day made a holiday ({day.date})",
            f"{s:.1f} s",
            f"{len(changed):,} due dates moved",
            "",
            q,
        )
    )

    # The beat task closing the notices whose window has ended (issue 16: 443 took 11.9 s, 11,070 queries).
    from django.utils import timezone

    from review.models import Publicity
    from review.services import close_expired_publicities

    expired = Publicity.objects.filter(state="open", ends_at__lt=timezone.now()).count()
    with rolled_back():
        s, q, closed = measure(close_expired_publicities)
    rows.append((f"close {expired:,} expired notices", f"{s:.1f} s", f"{closed:,} closed", "", q))
    return rows


def print_table(rows, stdout=print):
    stdout("\n| work | portal | yardstick | ratio | queries |")
    stdout("|---|---|---|---|---|")
    for work, portal, yardstick, ratio, queries in rows:
        stdout(f"| {work} | {portal} | {yardstick} | {ratio} | {queries} |")
