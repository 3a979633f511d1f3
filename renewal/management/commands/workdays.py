"""`manage.py workdays` — working-day arithmetic for staff and scripts (DOMAIN.md §4)."""

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from renewal import calendar as workdays
from renewal import deadline_kinds, services
from renewal.models import CalendarYear

USAGE_ERROR = 2


def parse_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"日期格式错误：{text!r}，应为 YYYY-MM-DD（如 2025-09-26）", returncode=USAGE_ERROR
        ) from None


class Command(BaseCommand):
    help = "Working days: add N to a date, count between two dates, confirm a year's official schedule."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add", help="the N-th working day after START (START not counted)")
        add.add_argument("start")
        add.add_argument("days")
        add.add_argument("--json", action="store_true")
        between = sub.add_parser("between", help="working days after FIRST up to and including LAST")
        between.add_argument("first")
        between.add_argument("last")
        between.add_argument("--json", action="store_true")
        confirm = sub.add_parser(
            "confirm", help="load YEAR's official schedule from FILE and recompute deadlines"
        )
        confirm.add_argument("year", type=int)
        confirm.add_argument("file")
        sub.add_parser("status", help="list calendar years and whether they are confirmed")
        due = sub.add_parser(
            "due",
            help="the due date the portal would open for deadline KIND started on START "
            "(YYYY-MM-DD, or YYYY-MM for monthly kinds such as monthly_investment_report)",
        )
        due.add_argument("kind")
        due.add_argument("start")
        due.add_argument("--json", action="store_true")
        kinds = sub.add_parser("kinds", help="list the registered deadline kinds")
        kinds.add_argument("--json", action="store_true")

    def handle(self, *args, verb, **options):
        try:
            return getattr(self, f"handle_{verb}")(**options)
        except OverflowError:
            raise CommandError("日期超出可计算范围。", returncode=USAGE_ERROR) from None

    def handle_add(self, start, days, json=False, **options):
        start_date = parse_date(start)
        try:
            count = int(days)
        except ValueError:
            raise CommandError(f"工作日天数应为整数：{days!r}", returncode=USAGE_ERROR) from None
        if count < 0:
            raise CommandError("工作日天数不能为负数。", returncode=USAGE_ERROR)
        answer = workdays.add_working_days(start_date, count)
        if json:
            self.stdout.write(_json(answer.as_dict()))
        else:
            note = "（暂定：涉及尚未确认的年度日历）" if answer.provisional else ""
            self.stdout.write(f"{answer.due.isoformat()}{note}")

    def handle_between(self, first, last, json=False, **options):
        first_date, last_date = parse_date(first), parse_date(last)
        count, provisional = workdays.working_days_between(first_date, last_date)
        if json:
            self.stdout.write(
                _json(
                    {
                        "first": first_date.isoformat(),
                        "last": last_date.isoformat(),
                        "working_days": count,
                        "provisional": provisional,
                    }
                )
            )
        else:
            self.stdout.write(f"{count}{'（暂定）' if provisional else ''}")

    def handle_confirm(self, year, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}", returncode=USAGE_ERROR)
        try:
            changed = services.confirm_year(
                year, path.read_text(encoding="utf-8").splitlines(), source=path.name
            )
        except ValueError as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR) from None
        self.stdout.write(f"{year}年工作日历已确认（{path.name}）；重算期限 {len(changed)} 项。")
        for deadline, old_due in changed:
            self.stdout.write(f"  {deadline.subject_repr}：{deadline.title} {old_due} → {deadline.due_date}")

    def handle_due(self, kind, start, json=False, **options):
        try:
            registered = deadline_kinds.get(kind)
        except deadline_kinds.UnknownDeadlineKind as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR) from None
        start_date = _start_for(registered, start)
        due, provisional = registered.due(start_date)
        if json:
            self.stdout.write(_json(_due_payload(registered, start_date, due, provisional)))
        else:
            note = "（暂定：涉及尚未确认的年度日历）" if provisional else ""
            self.stdout.write(f"{due.isoformat()}{note}")

    def handle_kinds(self, json=False, **options):
        kinds = deadline_kinds.all_kinds()
        if json:
            self.stdout.write(_json({"kinds": [kind.as_dict() for kind in kinds]}))
            return
        for kind in kinds:
            self.stdout.write(f"{kind.code}\t{kind.label}\t{kind.describe()}\t{kind.basis}")

    def handle_status(self, **options):
        for year in CalendarYear.objects.all():
            self.stdout.write(f"{year.year}\t{year.status}\t{year.source}")


def _start_for(kind, text: str) -> datetime.date:
    """START of `due`: a date, or a month (YYYY-MM) for kinds counted from a month's end (those with
    `start_of_month`, e.g. the monthly investment report, issue 11)."""
    start_of_month = getattr(kind, "start_of_month", None)
    if start_of_month is not None and len(text) == 7:
        try:
            month = datetime.date.fromisoformat(f"{text}-01")
        except ValueError:
            raise CommandError(
                f"月份格式错误：{text!r}，应为 YYYY-MM（如 2026-03）", returncode=USAGE_ERROR
            ) from None
        return start_of_month(month)
    return parse_date(text)


def _due_payload(kind, start: datetime.date, due: datetime.date, provisional: bool) -> dict:
    return {
        "kind": kind.code,
        "label": kind.label,
        "rule": kind.rule,
        "length": kind.amount,
        "start": start.isoformat(),
        "due": due.isoformat(),
        "provisional": provisional,
        "basis": kind.basis,
    }


def _json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)
