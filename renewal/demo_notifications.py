"""Demo notifications (issue 12), called from renewal/demo.py: after the whole demo has committed, the
morning sweep runs once (the intake clocks of projects/demo.py are yellow and red, so the entities are
reminded and 海淀 staff get the escalation) and every demo user finds an unread welcome in the inbox. The
steps of the other apps' demos notify their people by themselves (reactions after commit). Re-running
adds nothing twice: reminders are unique per deadline, kind and day, the welcome once per user."""

from django.db import transaction

from renewal.models import Notification, User

WELCOME = "欢迎使用城市更新项目管理平台。办理期限的临期、到期、逾期提醒和审批进展都会在这里通知您，也可选择同时发送邮件。"


def schedule(stdout) -> None:
    transaction.on_commit(lambda: _after_commit(stdout))


def _after_commit(stdout) -> None:
    from renewal.notifications import notify
    from renewal.sweep import daily_sweep

    report = daily_sweep()
    welcomed = set(Notification.objects.filter(verb="demo.welcome").values_list("user_id", flat=True))
    users = User.objects.filter(is_active=True).exclude(pk__in=welcomed).exclude(role="")
    notify(list(users), verb="demo.welcome", text=WELCOME, link="/inbox/", email=False)
    stdout.write(
        f"每日期限巡检：黄灯{report.yellow}项、红灯{report.red}项，发送提醒{report.reminders}条；"
        f"每个演示账号都有未读通知。"
    )
