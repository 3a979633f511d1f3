"""Deadline kinds of construction, completion and the library exit, registered with the kernel."""

import datetime

from permits.choices import DEADLINE_JOINT_ACCEPTANCE, DEADLINE_LIBRARY_EXIT, DEADLINE_MONTHLY_INVESTMENT
from renewal import deadline_kinds
from renewal.choices import DeadlineRule

JOINT_ACCEPTANCE_APPLICATION = deadline_kinds.DeadlineKind(
    code=DEADLINE_JOINT_ACCEPTANCE,
    label="提交联合验收申请",
    rule=DeadlineRule.WORKING_DAYS,
    length=5,
    basis="海淀区城市更新实施指引（2025年版） 五(四)",
    responsible="建设单位（实施主体）",
)


class MonthlyKind(deadline_kinds.DeadlineKind):
    """A kind whose START is a month (YYYY-MM): counted from the month's last day. `manage.py workdays
    due` reads `start_of_month` to answer it like the portal opens it."""

    def start_of_month(self, month: datetime.date) -> datetime.date:
        following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return following - datetime.timedelta(days=1)  # calendar month end, not a working-day count


MONTHLY_INVESTMENT_REPORT = MonthlyKind(
    code=DEADLINE_MONTHLY_INVESTMENT,
    label="固定资产投资月度进展填报",
    rule=DeadlineRule.WORKING_DAYS,
    # The texts set no due day (五(三)): the portal's own rule, counted from the month's last day.
    setting="MONTHLY_INVESTMENT_REPORT_WORKDAYS",
    basis="海淀区城市更新实施指引（2025年版） 五(三)（填报日为门户设定：月末后第5个工作日）",
    responsible="统筹主体或实施主体",
)
LIBRARY_EXIT = deadline_kinds.DeadlineKind(
    code=DEADLINE_LIBRARY_EXIT,
    label="退出项目库",
    rule=DeadlineRule.ANNIVERSARY,
    length=1,
    basis="海淀区城市更新实施指引（2025年版） 五(七)",
    responsible="系统自动办理",
    # A change of status: nobody has to act, nobody is reminded.
    reminders=deadline_kinds.ReminderPolicy(
        at_yellow=False, on_due_day=False, overdue_every_workdays=0, escalate_when_red=False
    ),
)

deadline_kinds.register(JOINT_ACCEPTANCE_APPLICATION, MONTHLY_INVESTMENT_REPORT, LIBRARY_EXIT)
