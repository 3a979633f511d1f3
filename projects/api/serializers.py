"""Ledger rows over the API: the same fields as the HTML list and the export, dates in ISO 8601."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.models import Category, Project, SubType
from renewal.models import District, Organization


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "code", "name"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name"]


class SubTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubType
        fields = ["id", "name"]


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]


class EntitiesSerializer(serializers.Serializer):
    """统筹主体 and 实施主体 of a project."""

    coordinating = OrganizationSerializer(source="coordinating_entity", allow_null=True, read_only=True)
    implementing = OrganizationSerializer(source="implementing_entity", allow_null=True, read_only=True)


class AreasSerializer(serializers.Serializer):
    """Land and building area in square metres."""

    land_area = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, read_only=True)
    building_area = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, read_only=True)


class OpenDeadlineSerializer(serializers.Serializer):
    """An open deadline of the project with its traffic light (renewal.selectors.DeadlineRow)."""

    id = serializers.IntegerField(source="deadline.pk")
    kind = serializers.CharField(source="deadline.kind")
    title = serializers.CharField(source="deadline.title")
    due_date = serializers.DateField(source="deadline.due_date")
    provisional = serializers.BooleanField(source="deadline.provisional")
    light = serializers.CharField(source="light.light.value")
    working_days_left = serializers.IntegerField(source="light.working_days_left")
    working_days_overdue = serializers.IntegerField(source="light.working_days_overdue")


class ProjectSerializer(serializers.ModelSerializer):
    district = DistrictSerializer(read_only=True)
    category = CategorySerializer(read_only=True, allow_null=True)
    sub_type = SubTypeSerializer(read_only=True, allow_null=True)
    path_label = serializers.CharField(source="get_path_display", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    library_label = serializers.CharField(source="get_library_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    entities = EntitiesSerializer(source="*", read_only=True)
    areas = AreasSerializer(source="*", read_only=True)
    total_investment = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, read_only=True, help_text="总投资（万元）"
    )
    total_investment_yi = serializers.DecimalField(
        max_digits=16, decimal_places=6, allow_null=True, read_only=True, help_text="总投资（亿元）"
    )
    light = serializers.SerializerMethodField(help_text="未结期限中最严重的信号灯：red > yellow > green")
    open_deadlines = serializers.SerializerMethodField()
    admission_notice_number = serializers.SerializerMethodField(help_text="入库通知书文号")

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "name",
            "district",
            "category",
            "sub_type",
            "path",
            "path_label",
            "stage",
            "stage_label",
            "library",
            "library_label",
            "source",
            "source_label",
            "entities",
            "location",
            "areas",
            "renewal_goal",
            "total_investment",
            "total_investment_yi",
            "funding_sources",
            "received_on",
            "admitted_on",
            "implementation_on",
            "light",
            "open_deadlines",
            "admission_notice_number",
        ]
        read_only_fields = fields

    def _ledger_row(self, project):
        return self.context.get("ledger_rows", {}).get(project.pk)

    @extend_schema_field(serializers.ChoiceField(choices=["green", "yellow", "red"], allow_null=True))
    def get_light(self, project) -> str | None:
        row = self._ledger_row(project)
        worst = row.worst if row else None
        return worst.light.light.value if worst else None

    @extend_schema_field(OpenDeadlineSerializer(many=True))
    def get_open_deadlines(self, project):
        row = self._ledger_row(project)
        return OpenDeadlineSerializer(row.deadlines if row else [], many=True).data

    def get_admission_notice_number(self, project) -> str | None:
        notice = getattr(project, "admission_notice", None)
        return notice.number if notice else None
