"""`manage.py sweep_deadlines [--date YYYY-MM-DD]`: the daily sweep by hand (Celery beat runs it each morning)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from renewal.sweep import daily_sweep

LABELS = {"yellow": "临期提醒", "due_day": "到期日提醒", "overdue": "逾期提醒", "escalation": "逾期督办"}


class Command(BaseCommand):
    help = "每日期限巡检：按工作日历重算到期日，计算红黄绿灯，发送临期、到期、逾期提醒并向区主管部门督办。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按此日期巡检（YYYY-MM-DD，默认今天），用于补发漏跑的提醒")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"日期格式错误（应为YYYY-MM-DD）：{options['date']}") from exc
        report = daily_sweep(today)
        kinds = "，".join(f"{LABELS.get(k, k)}{v}条" for k, v in report.by_kind.items()) or "无"
        self.stdout.write(
            f"{report.day} 巡检完成：进行中期限{report.open}项（黄灯{report.yellow}、红灯{report.red}），"
            f"到期日调整{report.moved}项，中断任务{report.interrupted_jobs}个；"
            f"发送提醒{report.reminders}条（{kinds}），通知{report.notifications}条。"
        )
