"""`manage.py exit_library [--today YYYY-MM-DD]` — run the daily library exit by hand (Haidian guidance 五(七))."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from permits.services import exit_due_projects


class Command(BaseCommand):
    help = "Exit every completed project whose first anniversary of completion acceptance has come."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to run as (YYYY-MM-DD); default today")

    def handle(self, *args, today=None, **options):
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"日期格式错误：{today!r}，应为 YYYY-MM-DD", returncode=2) from None
        exited = exit_due_projects(today=day)
        self.stdout.write(f"退出项目库 {len(exited)} 个项目。")
