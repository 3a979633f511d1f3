"""Plans, versions and department reviews for signed-in users (scoped), and the public notices.

The public serializers name every field they show: a commenter's name, contact and fingerprint are
never among them, and comment texts go through review.services.public_text.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.models import Project
from review import services
from review.choices import CommentKind
from review.models import DepartmentReview, ImplementationPlan, PlanVersion, Publicity, RevisionRequest
from review.selectors import window_status


class PlanProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "code", "name"]
        read_only_fields = fields


class RevisionRequestSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = RevisionRequest
        fields = [
            "id",
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
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    facts = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="方案事项代码")
    content = serializers.DictField(read_only=True, help_text="方案内容（草稿），按模块代码分组")
    revision_requests = RevisionRequestSerializer(many=True, read_only=True)

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
    decision_label = serializers.CharField(source="get_decision_display", read_only=True)
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
            "is_active",
            "removed_reason",
            "counts_as_agreement",
        ]
        read_only_fields = fields


# --- public ---------------------------------------------------------------------------------------


class PublicCommentSerializer(serializers.Serializer):
    """A comment as the public sees it: kind, redacted text, date and the staff's answer."""

    kind = serializers.ChoiceField(choices=CommentKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    text = serializers.SerializerMethodField(help_text="去除个人信息后的意见内容")
    submitted_at = serializers.DateTimeField(read_only=True)
    response = serializers.SerializerMethodField(help_text="工作人员答复")
    responded_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_text(self, comment) -> str:
        return services.public_text(comment)

    def get_response(self, comment) -> str:
        return services.public_response(comment)


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
