"""Procedures, requirement answers and states of the permits app (Haidian guidance 四、五; DOMAIN.md §3 9–12)."""

from django.db import models


class Procedure(models.TextChoices):
    """One line of the permit checklist per procedure (Haidian guidance 四)."""

    PROJECT_APPROVAL = "project_approval", "立项（审批、核准或备案）"
    LAND = "land", "土地手续"
    MULTI_PLAN = "multi_plan", "“多规合一”协同平台会商"
    FACADE_PERMIT = "facade_permit", "立面规划许可"
    PLANNING_PERMIT = "planning_permit", "建设工程规划许可证"
    CONSTRUCTION_PERMIT = "construction_permit", "施工许可证"
    WATER_START_FILING = "water_start_filing", "水务工程开工备案"
    FIRE_REVIEW = "fire_review", "消防设计审查"
    DRAWING_REVIEW = "drawing_review", "施工图审查"


# The order lines are shown and checked in.
PROCEDURE_ORDER = [p.value for p in Procedure]


class Requirement(models.TextChoices):
    REQUIRED = "required", "需办理"
    EXEMPT = "exempt", "无需办理（豁免）"
    NOT_APPLICABLE = "not_applicable", "不适用"


class LineState(models.TextChoices):
    PROPOSED = "proposed", "系统建议"
    CONFIRMED = "confirmed", "已确认"
    GRANTED = "granted", "已办结"


class LandMode(models.TextChoices):
    """Haidian guidance 四(二): three ways the land is dealt with."""

    NONE = "", "不涉及用地手续"
    PAID_USE = "paid_use", "有偿使用（出让合同或补充协议）"
    ALLOCATION = "allocation", "划拨（变更手续）"
    TRANSITION = "transition", "五年过渡期"


class LandScope(models.TextChoices):
    """Which of the 第十八条 clocks a land record answers (joint review measures 第十八条)."""

    FIRST_PHASE = "first_phase", "首期用地手续"
    ALL = "all", "全部用地手续"


class WorksState(models.TextChoices):
    PENDING = "pending", "待转入行政许可"
    PERMITS = "permits", "行政许可办理"
    CONSTRUCTION = "construction", "施工建设"
    COMPLETION = "completion", "竣工验收"
    COMPLETED = "completed", "已竣工待出库"
    EXITED = "exited", "已出库"


class MonthState(models.TextChoices):
    DUE = "due", "待填报"
    REPORTED = "reported", "已填报"


class RiskLevel(models.TextChoices):
    NONE = "", "未申报"
    LOW = "low", "低风险"
    MEDIUM = "medium", "中风险"
    HIGH = "high", "高风险"


class WaterLevel(models.TextChoices):
    DISTRICT = "district", "区级立项（区水务局）"
    CITY = "city", "市级立项（市水务局）"


DEADLINE_JOINT_ACCEPTANCE = "joint_acceptance_application"
DEADLINE_MONTHLY_INVESTMENT = "monthly_investment_report"
DEADLINE_LIBRARY_EXIT = "library_exit"

EXEMPT = "豁免"
NOT_APPLICABLE = "不适用"

PERMIT_SCAN_KIND = "许可文件扫描件"
REPORT_PHOTO_KIND = "形象进度照片"

# Haidian guidance 五(七), cited by the automatic exit.
EXIT_BASIS = "《海淀区城市更新实施指引（2025年版）》（海政发〔2025〕4号）五(七)：竣工且自竣工验收合格之日起满一年的项目，退出城市更新项目库"
