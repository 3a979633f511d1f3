"""Deadline kinds of the intake stage (Haidian guidance 三(一)), registered with the kernel."""

from projects.choices import DEADLINE_ADMISSION_NOTICE, DEADLINE_INTAKE_REVIEW
from renewal import deadline_kinds
from renewal.choices import DeadlineRule

INTAKE_REVIEW = deadline_kinds.DeadlineKind(
    code=DEADLINE_INTAKE_REVIEW,
    label="入库联合审查",
    rule=DeadlineRule.WORKING_DAYS,
    length=10,
    basis="海淀区城市更新实施指引 三(一)2",
    responsible="区城市更新主管部门（会同行业主管部门）",
)
ADMISSION_NOTICE = deadline_kinds.DeadlineKind(
    code=DEADLINE_ADMISSION_NOTICE,
    label="制发入库通知书",
    rule=DeadlineRule.WORKING_DAYS,
    length=30,
    basis="海淀区城市更新实施指引 三(一)3",
    responsible="区城市更新主管部门",
)

deadline_kinds.register(INTAKE_REVIEW, ADMISSION_NOTICE)
