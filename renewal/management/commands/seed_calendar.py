from django.core.management.base import BaseCommand
from django.utils import timezone

from renewal.calendar_seed import seed_years
from renewal.models import CalendarYear, WorkCalendarDay


class Command(BaseCommand):
    help = "Seed the working calendar (confirmed years from chinesecalendar, later years provisional)."

    def add_arguments(self, parser):
        this_year = timezone.localdate().year
        parser.add_argument("--first", type=int, default=2020)
        parser.add_argument("--last", type=int, default=this_year + 1)
        parser.add_argument(
            "--force",
            action="store_true",
            help="rewrite provisional years that already exist (confirmed years are never rewritten)",
        )

    def handle(self, *args, first, last, force, **options):
        written = seed_years(CalendarYear, WorkCalendarDay, range(first, last + 1), force=force)
        for year in CalendarYear.objects.filter(year__in=written):
            self.stdout.write(f"{year.year}: {year.get_status_display()} — {year.source}")
        if not written:
            self.stdout.write(
                f"工作日历 {first}–{last} 年已存在，未改动（--force 可重写暂定年度，已确认年度不会被改写）。"
            )
