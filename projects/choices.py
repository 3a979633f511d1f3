"""Status and type constants of the project library, with Chinese labels and badge colours."""

from django.db import models


class Path(models.TextChoices):
    """Haidian guidance 三: two ways a project is carried out."""

    JOINT_REVIEW = "joint_review", "实施方案联合审查类"
    OTHER = "other", "按其他路径实施类"


class GenerationMode(models.TextChoices):
    GOVERNMENT_PLANNING = "government_planning", "政府谋划"
    MARKET_APPLICATION = "market_application", "市场申报"


class Stage(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已受理"
    UNDER_REVIEW = "under_review", "入库联合审查中"
    SUPPLEMENT = "supplement", "待补正"
    REJECTED = "rejected", "未予入库"
    WITHDRAWN = "withdrawn", "已撤回"
    RESERVE = "reserve", "储备项目"
    IMPLEMENTATION = "implementation", "实施项目"
    # Joint-review path (review app): plan drafting → pre-review → joint review → publicity → permits.
    PLAN_DRAFTING = "plan_drafting", "实施方案编制"
    PLAN_PRE_REVIEW = "plan_pre_review", "实施方案预审"
    JOINT_REVIEW = "joint_review", "实施方案联合审查"
    PUBLICITY = "publicity", "公示"
    PERMITS = "permits", "行政许可办理"
    # 动态调整 (Haidian guidance 一(四)5): staff removed the project from the library; not the automatic exit.
    REMOVED = "removed", "已调出项目库"
    # Permits app (issue 11): construction → completion → completed (waiting for exit) → exited.
    CONSTRUCTION = "construction", "施工建设"
    COMPLETION = "completion", "竣工验收"
    COMPLETED = "completed", "已竣工待出库"
    EXITED = "exited", "已出库"

    @property
    def badge(self) -> str:
        return {
            "draft": "secondary",
            "submitted": "info",
            "under_review": "primary",
            "supplement": "warning",
            "rejected": "dark",
            "withdrawn": "secondary",
            "reserve": "success",
            "implementation": "success",
            "plan_drafting": "secondary",
            "plan_pre_review": "info",
            "joint_review": "primary",
            "publicity": "warning",
            "permits": "success",
            "removed": "dark",
            "construction": "primary",
            "completion": "info",
            "completed": "success",
            "exited": "dark",
        }.get(self.value, "secondary")


class Library(models.TextChoices):
    NONE = "none", "未入库"
    RESERVE = "reserve", "储备项目库"
    IMPLEMENTATION = "implementation", "实施项目库"
    EXITED = "exited", "已出库"
    REMOVED = "removed", "已调出"  # 动态调整 by staff (Haidian guidance 一(四)5)


class Source(models.TextChoices):
    APPLICATION = "application", "入库申请"
    IMPORT = "import", "信息导入"


class Opinion(models.TextChoices):
    PENDING = "pending", "待审查"
    AGREE = "agree", "同意"
    DISAGREE = "disagree", "不同意"


class CoordinationState(models.TextChoices):
    """An application naming another organisation as 统筹主体 needs that organisation's confirmation
    before it is submitted (issue 9); naming no one, or oneself, needs none."""

    NOT_NEEDED = "", "无需确认"
    PROPOSED = "proposed", "待统筹主体确认"
    CONFIRMED = "confirmed", "统筹主体已确认"
    DECLINED = "declined", "统筹主体已拒绝"


class ImportBasis(models.TextChoices):
    """Why an import may put projects in the library without intake (issue 10 item 3)."""

    OLD_BUILDING = "old_building", "老旧低效楼宇项目直接入库（京建法〔2024〕14号 第二十条）"
    MIGRATION = "migration", "既有项目库记录迁移"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "待确认"
    COMMITTED = "committed", "已导入"
    FAILED = "failed", "有错误"


# Deadline kinds opened by intake (Haidian guidance 三(一)2、3).
DEADLINE_INTAKE_REVIEW = "intake_review"
DEADLINE_ADMISSION_NOTICE = "admission_notice"
INTAKE_DEADLINES = (DEADLINE_INTAKE_REVIEW, DEADLINE_ADMISSION_NOTICE)

REGIONAL_CATEGORY_CODE = "regional"

ATTACHMENT_KINDS = ["申报材料", "项目位置图", "权属证明", "资金匡算", "主体确认文件", "其他"]

# Materials an intake application cannot be received without (Haidian guidance 三(一): the project is
# described and its investment estimated). Checked on submission, on resubmission after 补正 and on admission.
REQUIRED_INTAKE_MATERIALS = ("申报材料", "资金匡算")
