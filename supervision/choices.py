"""States and types of supervision tasks (督查事项), DOMAIN.md §5 and issue 15."""

from django.db import models

DEADLINE_TASK_DUE = "supervision.task_due"


class SourceType(models.TextChoices):
    """Where a task comes from (任务来源), as the district's tables name it."""

    CITY_REPORT = "city_report", "市政府工作报告"
    DISTRICT_REPORT = "district_report", "区政府工作报告"
    CONGRESS = "congress", "人大审议意见"
    MEETING = "meeting", "调度会纪要"
    INSTRUCTION = "instruction", "领导批示"
    WORK_POINTS = "work_points", "工作要点"
    # 联合审查办法 第十五条 “谁审查、谁监管”: created by the portal when an opinion is issued.
    JOINT_REVIEW = "joint_review", "联合审查意见（谁审查、谁监管）"
    OTHER = "other", "其他"


class TaskState(models.TextChoices):
    NEW = "new", "待分派"
    ACTIVE = "active", "推进中"
    COMPLETED = "completed", "已完成"

    @property
    def badge(self) -> str:
        return {"new": "secondary", "active": "primary", "completed": "success"}[self.value]


def guess_source_type(text: str) -> str:
    """The type a 任务来源 text reads as ("市折子第17项" → 市政府工作报告); staff may correct it."""
    text = text or ""
    rules = [
        (("市折子", "市政府工作报告", "市政府重点"), SourceType.CITY_REPORT),
        (("区折子", "区政府工作报告"), SourceType.DISTRICT_REPORT),
        (("人大", "审议意见", "代表建议"), SourceType.CONGRESS),
        (("调度会", "纪要", "专题会"), SourceType.MEETING),
        (("批示",), SourceType.INSTRUCTION),
        (("工作要点",), SourceType.WORK_POINTS),
        (("联合审查",), SourceType.JOINT_REVIEW),
    ]
    for words, kind in rules:
        if any(word in text for word in words):
            return kind
    return SourceType.OTHER
