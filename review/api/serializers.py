"""Plans, versions, department reviews, pre-review comments, revision requests and public comments for
signed-in users (scoped), the inputs of their workflow steps, and the public notices.

The public serializers name every field they show: a commenter's name, contact and fingerprint are
never among them, and comment texts go through review.redaction.public_text. The inputs validate as the
pages' forms do, with the same Chinese messages.
"""

import datetime

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.models import Project
from renewal.api.fields import ChoiceLabelField
from renewal.attachments import validate_upload
from renewal.choices import Role
from review.choices import PUBLICITY_MIN_WORKDAYS, CommentKind, Decision
from review.forms import DELIVERABLE_KINDS, ROUTABLE_FACTS
from review.models import (
    DepartmentReview,
    ImplementationPlan,
    PlanVersion,
    PreReviewComment,
    PublicComment,
    Publicity,
    RevisionRequest,
)
from review.modules import MODULES, clean_modules
from review.redaction import (
    internal_response,
    internal_text,
    masked_response,
    masked_text,
    public_response,
    public_text,
)
from review.selectors import window_status
from review.workflows import is_plan_staff


class PlanProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "code", "name"]
        read_only_fields = fields


class RevisionRequestSerializer(serializers.ModelSerializer):
    status_label = ChoiceLabelField("status")

    class Meta:
        model = RevisionRequest
        fields = [
            "id",
            "plan",
            "raised_on_version",
            "source",
            "text",
            "status",
            "status_label",
            "response",
            "resolved_on_version",
            "raised_at",
        ]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    project = PlanProjectSerializer(read_only=True)
    state_label = ChoiceLabelField("state")
    facts = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="方案事项代码")
    content = serializers.DictField(read_only=True, help_text="方案内容（草稿），按模块代码分组")
    revision_requests = RevisionRequestSerializer(
        many=True, read_only=True, help_text="修改要求（行业主管部门只见非其他部门意见转来的要求）"
    )

    class Meta:
        model = ImplementationPlan
        fields = [
            "id",
            "project",
            "state",
            "state_label",
            "current_version",
            "facts",
            "major_project",
            "city_approval_reference",
            "city_approved_on",
            "unregistered_determination",
            "unregistered_determined_on",
            "unregistered_publicity_on",
            "transition_approval",
            "transition_approved_on",
            "content",
            "revision_requests",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PlanVersionSerializer(serializers.ModelSerializer):
    facts = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="方案事项代码")
    content = serializers.DictField(read_only=True, help_text="报送时冻结的方案内容")

    class Meta:
        model = PlanVersion
        fields = ["id", "plan", "number", "content", "facts", "note", "submitted_at"]
        read_only_fields = fields


class DepartmentReviewSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="review_round.plan_id", read_only=True)
    round_number = serializers.IntegerField(source="review_round.number", read_only=True)
    version = serializers.IntegerField(source="review_round.version", read_only=True, help_text="审查版本")
    department = serializers.CharField(source="department.name", read_only=True)
    decision_label = ChoiceLabelField("decision")
    counts_as_agreement = serializers.BooleanField(
        read_only=True, help_text="同意，或修改后同意且已确认修改落实"
    )

    class Meta:
        model = DepartmentReview
        fields = [
            "id",
            "plan",
            "round_number",
            "version",
            "department",
            "matters",
            "decision",
            "decision_label",
            "text",
            "decided_at",
            "carried_over",
            "change_confirmed_at",
            "reviewed_version",
            "change_confirmed_version",
            "is_active",
            "removed_reason",
            "counts_as_agreement",
        ]
        read_only_fields = fields


class PreReviewCommentSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.name", read_only=True)
    state = serializers.CharField(read_only=True, help_text="requested 待答复 / answered 已答复")

    class Meta:
        model = PreReviewComment
        fields = ["id", "plan", "version", "department", "state", "text", "requested_at", "answered_at"]
        read_only_fields = fields


class StaffCommentSerializer(serializers.ModelSerializer):
    """A public comment as the portal's users read it: the commenter's name and contact only for the
    district's staff who answer it (and administrators); everyone else reads the public, redacted text."""

    kind = serializers.CharField(read_only=True, help_text="support 支持 / objection 异议 / suggestion 建议")
    kind_label = ChoiceLabelField("kind")
    outcome_label = ChoiceLabelField("outcome")
    text = serializers.SerializerMethodField()
    response = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField(help_text="仅负责答复的工作人员可见")
    contact = serializers.SerializerMethodField(help_text="仅负责答复的工作人员可见")
    receipt = serializers.SerializerMethodField(help_text="回执号，仅负责答复的工作人员可见")
    moderation_label = ChoiceLabelField("moderation")
    proposed_text = serializers.SerializerMethodField(
        help_text="拟公开文本（自动隐去识别出的个人信息），仅负责审核的工作人员可见"
    )
    proposed_response = serializers.SerializerMethodField(
        help_text="拟公开的答复（自动隐去识别出的个人信息），仅负责审核的工作人员可见"
    )

    class Meta:
        model = PublicComment
        fields = [
            "id",
            "publicity",
            "kind",
            "kind_label",
            "text",
            "name",
            "contact",
            "submitted_at",
            "outcome",
            "outcome_label",
            "response",
            "responded_at",
            "receipt",
            "moderation",
            "moderation_label",
            "published_text",
            "decline_reason",
            "proposed_text",
            "published_response",
            "response_published_at",
            "proposed_response",
        ]
        read_only_fields = fields

    def _personal(self, comment) -> bool:
        user = self.context["request"].user
        return user.effective_role == Role.ADMINISTRATOR or is_plan_staff(user, comment.publicity.plan)

    def get_text(self, comment) -> str:
        return comment.text if self._personal(comment) else internal_text(comment)

    def get_response(self, comment) -> str:
        return comment.response if self._personal(comment) else internal_response(comment)

    def get_name(self, comment) -> str | None:
        return comment.name if self._personal(comment) else None

    def get_contact(self, comment) -> str | None:
        return comment.contact if self._personal(comment) else None

    def get_receipt(self, comment) -> str | None:
        return comment.receipt if self._personal(comment) else None

    def get_proposed_text(self, comment) -> str | None:
        return masked_text(comment) if self._personal(comment) else None

    def get_proposed_response(self, comment) -> str | None:
        return masked_response(comment) if self._personal(comment) else None


# --- inputs of the workflow steps (the pages' forms, as JSON or multipart) -------------------------------


def _text(help_text: str, **kwargs):
    return serializers.CharField(required=False, allow_blank=True, default="", help_text=help_text, **kwargs)


def _ids(help_text: str):
    return serializers.ListField(
        child=serializers.IntegerField(error_messages={"invalid": "部门须以 id 表示。"}),
        required=False,
        default=list,
        help_text=help_text,
    )


def _checked_upload(upload):
    try:
        validate_upload(upload)
    except ValidationError as error:
        raise serializers.ValidationError(error.messages) from error
    return upload


class PlanCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="实施项目库中按联合审查路径实施的项目 id")


class PlanSaveSerializer(serializers.Serializer):
    """The module form: each module's fields as typed (types and ranges checked as on the page)."""

    modules = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        default=dict,
        help_text='按模块代码分组的字段值，如 {"planning": {"building_scale": "86000", "text": "…"}}；'
        "模块：" + "、".join(f"{m.code}（{m.title}）" for m in MODULES),
    )
    facts = serializers.ListField(
        child=serializers.ChoiceField(
            choices=ROUTABLE_FACTS, error_messages={"invalid_choice": "“{input}”不是可勾选的方案事项。"}
        ),
        required=False,
        default=list,
        help_text="勾选的方案事项（按方案数据判定的事项自动加入）",
    )
    major_project = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="重点/跨区域/涉密项目（报送前由实施主体申报）",
    )

    def validate_modules(self, modules):
        unknown = sorted(set(modules) - {m.code for m in MODULES})
        if unknown:
            raise serializers.ValidationError(f"没有这些模块：{'、'.join(unknown)}。")
        _, errors = clean_modules(modules)
        if errors:
            raise serializers.ValidationError(errors)
        return modules


class DeliverableInputSerializer(serializers.Serializer):
    """One deliverable file, as the page's upload form sends it (multipart/form-data)."""

    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in DELIVERABLE_KINDS],
        required=False,
        allow_blank=True,
        help_text="成果类型（替换已有文件时沿用其类型）",
        error_messages={"invalid_choice": "请选择成果类型。"},
    )
    file = serializers.FileField(help_text="文件（PDF、图片、Office 文档、DWG 或 ZIP，按内容识别）")
    replaces = serializers.IntegerField(required=False, allow_null=True, help_text="替换的本方案成果文件 id")

    def validate_file(self, upload):
        return _checked_upload(upload)

    def validate(self, data):
        if not data.get("replaces") and not data.get("kind"):
            raise serializers.ValidationError({"kind": ["请选择成果类型。"]})
        return data


class SubmitInputSerializer(serializers.Serializer):
    note = _text("报送说明")
    responses = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        help_text="对各项未解决修改要求的落实说明：{修改要求 id: 说明}",
    )


class DepartmentsInputSerializer(serializers.Serializer):
    departments = _ids("本区行业主管部门 id")


class ReturnInputSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=list,
        help_text="修改要求，每项一条",
    )


class ExpertReviewInputSerializer(serializers.Serializer):
    held_on = serializers.DateField(
        help_text="评审日期",
        error_messages={"required": "请填写评审日期。", "invalid": "评审日期格式应为 YYYY-MM-DD。"},
    )
    experts = _text("专家名单（必填）")
    opinions = _text("评审意见（必填）")
    adoption = _text("采信情况")
    attachment = serializers.FileField(
        required=False, allow_null=True, help_text="专家评审意见（附件，可选）"
    )

    def validate_attachment(self, upload):
        return _checked_upload(upload) if upload else None


class JointReviewInputSerializer(serializers.Serializer):
    add = _ids("在会签路由之外增加的本区行业主管部门 id")
    remove = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        help_text="从会签路由中移出的部门及原因：{部门 id: 原因}",
    )
    all_departments = serializers.BooleanField(
        required=False, default=False, help_text="复审时全部部门重新会签（默认只分送上一轮未同意的部门）"
    )


class MajorProjectInputSerializer(serializers.Serializer):
    major = serializers.BooleanField(help_text="是否须经市政府批准")
    reason = _text("认定理由（必填）")


class CityApprovalInputSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=120, help_text="市政府批准文件文号", error_messages={"blank": "请填写市政府批准文件文号。"}
    )
    approved_on = serializers.DateField(
        help_text="批准日期", error_messages={"invalid": "批准日期格式应为 YYYY-MM-DD。"}
    )


def _date(label: str, required: bool = True):
    return serializers.DateField(
        required=required,
        allow_null=not required,
        help_text=label,
        error_messages={"required": f"请填写{label}。", "invalid": f"{label}格式应为 YYYY-MM-DD。"},
    )


def _document(label: str):
    return serializers.CharField(
        max_length=120,
        help_text=label,
        error_messages={"blank": f"请填写{label}。", "required": f"请填写{label}。"},
    )


class CorrectionInputSerializer(serializers.Serializer):
    note = _text("修改说明（可选）")


class UnregisteredInputSerializer(serializers.Serializer):
    document = _document("区政府调查认定文件")
    determined_on = _date("认定日期")
    publicity_on = _date("公示日期")


class TransitionApprovalInputSerializer(serializers.Serializer):
    document = _document("过渡期政策批准文件")
    approved_on = _date("批准日期")


class LandDeadlineInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[("land_first_phase", "完成首期用地手续"), ("land_all", "完成全部用地手续")],
        help_text="land_first_phase 首期用地手续（2年）/ land_all 全部用地手续（5年）",
        error_messages={"required": "请选择用地手续期限。", "invalid_choice": "请选择用地手续期限。"},
    )
    new_due = _date("延长至（不填表示例外，不再适用该期限）", required=False)
    reason = serializers.CharField(
        help_text="原因", error_messages={"blank": "请填写原因。", "required": "请填写原因。"}
    )
    document = _document("依据文件")


class IssueOpinionInputSerializer(serializers.Serializer):
    conclusion = _text("审查结论（不填则使用标准表述）")
    issued_on = serializers.DateField(
        required=False, allow_null=True, help_text="出具日期（补录时填写，默认今天）"
    )


class PublishInputSerializer(serializers.Serializer):
    workdays = serializers.IntegerField(
        required=False,
        default=PUBLICITY_MIN_WORKDAYS,
        help_text=f"公示工作日数，不少于{PUBLICITY_MIN_WORKDAYS}（联合审查办法 第十一条）",
        error_messages={"invalid": "公示工作日数应为整数。"},
    )
    summary = _text("公示摘要（不填则使用功能定位）")
    published_on = serializers.DateField(
        required=False, allow_null=True, help_text="发布日期（补录时填写，默认今天）"
    )


class DecisionInputSerializer(serializers.Serializer):
    """A department's 会签 opinion, with its files (multipart/form-data)."""

    decision = serializers.ChoiceField(
        choices=[
            (d.value, d.label) for d in (Decision.AGREE, Decision.AGREE_AFTER_CHANGE, Decision.DISAGREE)
        ],
        help_text="agree 同意 / agree_after_change 修改后同意 / disagree 不同意",
        error_messages={
            "required": "请选择“同意”“修改后同意”或“不同意”。",
            "invalid_choice": "请选择“同意”“修改后同意”或“不同意”。",
        },
    )
    text = _text("意见内容（修改后同意、不同意时必填）")
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="意见附件（可多个）"
    )

    def validate_attachments(self, uploads):
        return [_checked_upload(upload) for upload in uploads]


class NoteInputSerializer(serializers.Serializer):
    note = _text("修改落实情况（可选）")


class RemovalReasonSerializer(serializers.Serializer):
    reason = _text("原因（必填）")


class PreReviewAnswerSerializer(serializers.Serializer):
    text = _text("预审意见（必填）")


class CommentAnswerSerializer(serializers.Serializer):
    response = serializers.CharField(
        max_length=5000,
        help_text="答复内容（经审核、隐去个人信息后公开）",
        error_messages={"blank": "请填写答复内容。"},
    )


class PublishTextSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=5000,
        help_text="公开的文本（工作人员核对、修改后的版本）",
        error_messages={"blank": "请填写公开文本。", "required": "请填写公开文本。"},
    )


class DeclineInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000,
        help_text="不予公开的原因（提交人凭回执号可见）",
        error_messages={"blank": "请填写不予公开的原因。", "required": "请填写不予公开的原因。"},
    )


# --- public ---------------------------------------------------------------------------------------


class PublicCommentSerializer(serializers.Serializer):
    """A published comment as the public sees it: kind, the text staff published, date and the published
    answer (issue 9: nothing else of what the public wrote)."""

    kind = serializers.ChoiceField(choices=CommentKind.choices, read_only=True)
    kind_label = ChoiceLabelField("kind")
    text = serializers.SerializerMethodField(help_text="经审核公开的意见内容（已去除个人信息）")
    submitted_at = serializers.DateTimeField(read_only=True)
    response = serializers.SerializerMethodField(help_text="经审核公开的工作人员答复；未公开时为空")
    responded_at = serializers.SerializerMethodField(help_text="答复公开时间；未公开时为 null")

    def get_text(self, comment) -> str:
        return public_text(comment)

    def get_response(self, comment) -> str:
        return public_response(comment)

    def get_responded_at(self, comment) -> datetime.datetime | None:
        if not public_response(comment):
            return None
        return serializers.DateTimeField().to_representation(comment.response_published_at)


class IndicatorSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)


class PublicNoticeSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="plan.project.name", read_only=True)
    district = serializers.CharField(source="plan.project.district.name", read_only=True)
    district_code = serializers.CharField(source="plan.project.district.code", read_only=True)
    category = serializers.CharField(source="plan.project.category.name", read_only=True, allow_null=True)
    sub_type = serializers.CharField(source="plan.project.sub_type.name", read_only=True, allow_null=True)
    location = serializers.CharField(source="plan.project.location", read_only=True)
    entity = serializers.SerializerMethodField(help_text="实施主体（无实施主体时为统筹主体）")
    indicators = IndicatorSerializer(many=True, read_only=True)
    status = serializers.SerializerMethodField(help_text="upcoming 即将开始 / open 公示中 / ended 已结束")
    days_left = serializers.SerializerMethodField(
        help_text="今天之后至公示期最后一天（含）的工作日数；0 表示今天截止；已结束为 null"
    )
    comments = PublicCommentSerializer(many=True, read_only=True)

    class Meta:
        model = Publicity
        fields = [
            "id",
            "project_name",
            "district",
            "district_code",
            "category",
            "sub_type",
            "location",
            "entity",
            "summary",
            "indicators",
            "published_on",
            "starts_at",
            "ends_at",
            "workdays",
            "provisional",
            "state",
            "status",
            "days_left",
            "result",
            "comments",
        ]
        read_only_fields = fields

    def _window(self, publicity):
        cache = self.context.setdefault("windows", {})
        if publicity.pk not in cache:
            cache[publicity.pk] = window_status(publicity)
        return cache[publicity.pk]

    def get_entity(self, publicity) -> str | None:
        project = publicity.plan.project
        entity = project.implementing_entity or project.coordinating_entity
        return entity.name if entity else None

    @extend_schema_field(serializers.ChoiceField(choices=["upcoming", "open", "ended"]))
    def get_status(self, publicity) -> str:
        return self._window(publicity).status

    def get_days_left(self, publicity) -> int | None:
        return self._window(publicity).days_left
