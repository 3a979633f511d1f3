"""The 完成时限 of a supervision task, registered with the kernel's deadline kinds."""

from renewal import deadline_kinds
from renewal.choices import DeadlineRule
from supervision.choices import DEADLINE_TASK_DUE

TASK_DUE = deadline_kinds.DeadlineKind(
    code=DEADLINE_TASK_DUE,
    label="督查事项完成时限",
    # The table sets the date itself (“完成时限 2025-12-31”): due on that day, not counted from anything.
    rule=DeadlineRule.FIXED_DATE,
    basis="督查清单所列完成时限",
    responsible="主责单位（牵头单位）",
)

deadline_kinds.register(TASK_DUE)
