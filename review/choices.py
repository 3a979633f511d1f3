"""Constants of implementation plans, joint review and publicity (joint review measures; Haidian 三(三)(四))."""

from django.db import models


class PlanState(models.TextChoices):
    DRAFT = "draft", "编制中"
    SUBMITTED = "submitted", "已报送"
    PRE_REVIEW = "pre_review", "预审征求意见中"
    REVISION = "revision", "退回修改"
    JOINT_REVIEW = "joint_review", "联合审查中"
    PASSED = "passed", "审查通过（待出具意见）"
    OPINION_ISSUED = "opinion_issued", "已出具联合审查意见"
    PUBLICITY = "publicity", "公示中"
    APPROVED = "approved", "公示完成"

    @property
    def badge(self) -> str:
        return {
            "draft": "secondary",
            "submitted": "info",
            "pre_review": "info",
            "revision": "warning",
            "joint_review": "primary",
            "passed": "primary",
            "opinion_issued": "success",
            "publicity": "warning",
            "approved": "success",
        }[self.value]


class Decision(models.TextChoices):
    PENDING = "pending", "待审查"
    AGREE = "agree", "同意"
    AGREE_AFTER_CHANGE = "agree_after_change", "修改后同意"
    DISAGREE = "disagree", "不同意"


class RoundOutcome(models.TextChoices):
    IN_REVIEW = "", "审查中"
    PASSED = "passed", "通过"
    RETURNED = "returned", "未通过，退回修改"


class PreReviewState(models.TextChoices):
    REQUESTED = "requested", "待答复"
    ANSWERED = "answered", "已答复"


class RequestStatus(models.TextChoices):
    OPEN = "open", "未解决"
    RESOLVED = "resolved", "已解决"


class CommentKind(models.TextChoices):
    SUPPORT = "support", "支持"
    OBJECTION = "objection", "异议"
    SUGGESTION = "suggestion", "建议"


class CommentOutcome(models.TextChoices):
    PENDING = "pending", "待答复"
    ANSWERED = "answered", "已答复"
    ACCEPTED = "accepted", "采纳（退回修改）"


class CommentModeration(models.TextChoices):
    """Nothing the public wrote is public before staff read it (issue 9): received, then published or
    declined with a reason."""

    RECEIVED = "received", "已收到"
    PUBLISHED = "published", "已公开"
    DECLINED = "declined", "不予公开"


class PublicityState(models.TextChoices):
    OPEN = "open", "公示中"
    CLOSED = "closed", "公示期满"
    WITHDRAWN = "withdrawn", "因异议采纳终止"


class DeliverableKind(models.TextChoices):
    # Submission materials (联合审查办法 第六条): application, the entity's licences, the plan text, and the
    # written consent of a registered mortgagee or other right holder when the plan says there is one.
    APPLICATION = "联合审查申请书", "联合审查申请书"
    LICENCE = "主体资格证明", "实施主体营业执照等主体资格证明"
    TEXT = "文本", "文本"
    TABLES = "附表", "附表"
    DRAWINGS = "图纸", "图纸"
    ANNEX_ASSESSMENT = "附件-前期评估工作情况", "附件-前期评估工作情况"
    ANNEX_AUTHORISATION = "附件-授权说明", "附件-授权说明"
    ANNEX_FIRE = "附件-消防专家评审意见", "附件-消防专家评审意见"
    ANNEX_VOTE = "附件-协商表决情况", "附件-协商表决情况"
    ANNEX_EXPERT_ADOPTION = "附件-专家评审意见采信情况表", "附件-专家评审意见采信情况表"
    ANNEX_VECTOR = "附件-矢量数据", "附件-矢量数据"
    ANNEX_RIGHT_HOLDER_CONSENT = "附件-抵押权人等权利人书面同意", "附件-抵押权人等权利人书面同意"
    EXPERT_OPINION = "专家评审意见", "专家评审意见"
    REVIEW_OPINION = "部门审查意见附件", "部门审查意见附件"


# Plan facts that decide which departments review (joint review measures 第十二条), editable by the
# administrator through RoutingRule rows.
class PlanFact(models.TextChoices):
    ALWAYS = "always", "所有实施方案"
    CHANGES_USE = "changes_use", "涉及用途调整、土地用途转换或土地利用方式改变"
    ADDS_SCALE = "adds_scale", "增加建筑规模"
    CHANGES_HEIGHT = "changes_height", "调整建筑高度或外轮廓"
    HERITAGE = "heritage", "涉及历史文化保护或特色风貌管控"
    INDUSTRIAL_LAND = "industrial_land", "涉及产业用地利用效率评价"
    BUILDING_PERFORMANCE = "building_performance", "涉及房屋建筑性能检测评估"
    SPECIAL_FIRE_DESIGN = "special_fire_design", "涉及消防专业技术评价或特殊消防设计"
    OLD_TREES = "old_trees", "涉及古树名木或花园城市建设"
    ENVIRONMENTAL_IMPACT = "environmental_impact", "涉及生态环境影响评价"
    FISCAL_FUNDS = "fiscal_funds", "涉及财政资金支持"
    OPERATION = "operation", "涉及更新改造空间的经营利用"
    UNREGISTERED_BUILDINGS = "unregistered_buildings", "涉及未登记建筑处理"
    TRANSITION_POLICY = "transition_policy", "使用五年过渡期政策"
    # 第十二条（八）: other departments for their own matters (issue 10 item 11).
    WATER_FACILITIES = "water_facilities", "涉及水务设施"
    ACCESSIBILITY = "accessibility", "涉及无障碍设施建设或改造"
    BUSINESS_CHANGE = "business_change", "经营业态或运营方式重大调整"


DEADLINE_DEPARTMENT_REVIEW = "department_review"
DEADLINE_LAND_FIRST_PHASE = "land_first_phase"
DEADLINE_LAND_ALL = "land_all"
DEADLINE_PUBLICITY_WINDOW = "publicity_window"
PUBLICITY_MIN_WORKDAYS = 15  # joint review measures 第十一条
