"""Deadline kinds of plans, joint review and publicity, registered with the kernel."""

from renewal import deadline_kinds
from renewal.choices import DeadlineRule
from review.choices import (
    DEADLINE_DEPARTMENT_REVIEW,
    DEADLINE_LAND_ALL,
    DEADLINE_LAND_FIRST_PHASE,
    DEADLINE_PUBLICITY_WINDOW,
    PUBLICITY_MIN_WORKDAYS,
)

DEPARTMENT_REVIEW = deadline_kinds.DeadlineKind(
    code=DEADLINE_DEPARTMENT_REVIEW,
    label="部门联合审查意见",
    rule=DeadlineRule.WORKING_DAYS,
    # No text sets a limit for a department's opinion (issue 10 item 15): an internal service standard,
    # configurable (settings.JOINT_REVIEW_WORKDAYS); no article is cited for it.
    setting="JOINT_REVIEW_WORKDAYS",
    basis="内部服务标准（可配置）",
    responsible="被分送的行业主管部门",
)
PUBLICITY_WINDOW = deadline_kinds.DeadlineKind(
    code=DEADLINE_PUBLICITY_WINDOW,
    label="公示期满",
    rule=DeadlineRule.WORKING_DAYS,
    length=PUBLICITY_MIN_WORKDAYS,
    minimum=True,
    basis="联合审查办法 第十一条",
    responsible="区城市更新主管部门",
    # Nobody has to act before a window ends: it closes by itself.
    reminders=deadline_kinds.ReminderPolicy(
        at_yellow=False, on_due_day=False, overdue_every_workdays=0, escalate_when_red=False
    ),
)
LAND_FIRST_PHASE = deadline_kinds.DeadlineKind(
    code=DEADLINE_LAND_FIRST_PHASE,
    label="完成首期用地手续",
    rule=DeadlineRule.CALENDAR_YEARS,
    length=2,
    basis="联合审查办法 第十八条",
    responsible="统筹主体、实施主体",
)
LAND_ALL = deadline_kinds.DeadlineKind(
    code=DEADLINE_LAND_ALL,
    label="完成全部用地手续",
    rule=DeadlineRule.CALENDAR_YEARS,
    length=5,
    basis="联合审查办法 第十八条",
    responsible="统筹主体、实施主体",
)

deadline_kinds.register(DEPARTMENT_REVIEW, PUBLICITY_WINDOW, LAND_FIRST_PHASE, LAND_ALL)
