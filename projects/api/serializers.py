"""The project library over the API: ledger rows with the same fields as the HTML list and the export
(dates in ISO 8601), and the inputs of the intake steps, checked as the pages check them."""

from collections import defaultdict
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.choices import ATTACHMENT_KINDS, GenerationMode, Opinion, Path
from projects.models import AdmissionNotice, Category, CityPlanBatch, IntakeOpinion, Project, SubType
from projects.selectors import looked_up, open_deadlines_prefetch
from projects.services import EDITABLE_FIELDS, decision_given
from renewal.api.fields import ChoiceLabelField
from renewal.attachments import validate_upload
from renewal.choices import OrganizationKind
from renewal.models import District, Organization
from renewal.selectors import DeadlineRow, deadlines_with_lights, worst_of

RELATED_FIELDS = ("category", "sub_type", "coordinating_entity")


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
    districts = DistrictSerializer(
        many=True, read_only=True, help_text="跨区项目列明的各区（含牵头区）；单区项目为空"
    )
    category = CategorySerializer(read_only=True, allow_null=True)
    sub_type = SubTypeSerializer(read_only=True, allow_null=True)
    path_label = ChoiceLabelField("path")
    stage_label = ChoiceLabelField("stage")
    library_label = ChoiceLabelField("library")
    source_label = ChoiceLabelField("source")
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
            # Permits app (issue 11): the date the exit counts from, and the exit (Haidian guidance 五(七)).
            "works_started_on",
            "completion_accepted_on",
            "library_exit_on",
            "light",
            "open_deadlines",
            "admission_notice_number",
            # Issue 10: 跨区, 属地, the path's basis, 市级项目库 / 城市更新计划, 动态调整.
            "districts",
            "locality",
            "designated_by_government",
            "path_reason",
            "admission_document",
            "reported_to_city_on",
            "city_plan_batch",
            "removed_on",
            "removal_reason",
            "removal_document",
        ]
        read_only_fields = fields

    def _ledger_row(self, project):
        return self.context.get("ledger_rows", {}).get(project.pk)

    @extend_schema_field(serializers.ChoiceField(choices=["green", "yellow", "red"], allow_null=True))
    def get_light(self, project) -> str | None:
        row = self._ledger_row(project)
        worst = row.worst if row else None
        return worst.light.light.value if worst else None

    @cached_property
    def _open_deadline(self) -> OpenDeadlineSerializer:
        # One serializer for every row of a list: building one per project (fields copied, signatures
        # inspected) was a fifth of /api/v1/projects/ at 50 rows a page (issue 16).
        return OpenDeadlineSerializer()

    @extend_schema_field(OpenDeadlineSerializer(many=True))
    def get_open_deadlines(self, project):
        row = self._ledger_row(project)
        return [
            self._open_deadline.to_representation(deadline) for deadline in (row.deadlines if row else [])
        ]

    def get_admission_notice_number(self, project) -> str | None:
        notice = getattr(project, "admission_notice", None)
        return notice.number if notice else None


# --- the list's rows without DRF's per-field machinery (issue 16) ------------------------------------


# What ProjectSerializer reads beyond the project's own columns. As scalar subqueries, not joins: with six
# joins PostgreSQL spent 3–9 ms planning the page's query on each request (0.1 ms this way; issue 16), and
# with a LIMIT it evaluates them for the page's rows only, after any sort.
LOOKED_UP = {
    "district_code": looked_up(District, "code", "district_id"),
    "district_name": looked_up(District, "name", "district_id"),
    "category_code": looked_up(Category, "code", "category_id"),
    "category_name": looked_up(Category, "name", "category_id"),
    "sub_type_name": looked_up(SubType, "name", "sub_type_id"),
    "coordinating_entity_name": looked_up(Organization, "name", "coordinating_entity_id"),
    "implementing_entity_name": looked_up(Organization, "name", "implementing_entity_id"),
    "admission_notice_number": looked_up(AdmissionNotice, "number", "pk", key="project"),
    # Few projects are 跨区: the districts' query is made only for a page that has one.
    "lists_districts": Exists(Project.districts.through.objects.filter(project_id=OuterRef("pk"))),
}

# The columns ProjectSerializer reads for one project, in the order ProjectListSerializer.data unpacks them.
LIST_COLUMNS = (
    "id",
    "code",
    "name",
    "district_id",
    "district_code",
    "district_name",
    "category_id",
    "category_code",
    "category_name",
    "sub_type_id",
    "sub_type_name",
    "path",
    "stage",
    "library",
    "source",
    "coordinating_entity_id",
    "coordinating_entity_name",
    "implementing_entity_id",
    "implementing_entity_name",
    "location",
    "land_area",
    "building_area",
    "renewal_goal",
    "total_investment",
    "funding_sources",
    "received_on",
    "admitted_on",
    "implementation_on",
    "works_started_on",
    "completion_accepted_on",
    "library_exit_on",
    "admission_notice_number",
    "locality",
    "designated_by_government",
    "path_reason",
    "admission_document",
    "reported_to_city_on",
    "city_plan_batch_id",
    "removed_on",
    "removal_reason",
    "removal_document",
    "lists_districts",
)

_AREA = AreasSerializer._declared_fields["land_area"]
_MONEY = ProjectSerializer._declared_fields["total_investment"]
_MONEY_YI = ProjectSerializer._declared_fields["total_investment_yi"]


def _labels(field_name: str) -> dict:
    """{stored value: label} as get_<field>_display() reads it."""
    return {value: str(label) for value, label in Project._meta.get_field(field_name).flatchoices}


def _date(value):
    return value.isoformat() if value else None


def _organization(pk, name):
    return None if pk is None else {"id": pk, "name": name}


class ProjectRows:
    """A project queryset for the paginator: sliced, it reads LIST_COLUMNS; counted, it counts the filtered
    projects alone, without the columns' subqueries."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def _columns(self):
        return self.queryset.annotate(**LOOKED_UP).values_list(*LIST_COLUMNS)

    def __getitem__(self, index):
        return self._columns()[index]

    def __iter__(self):
        return iter(self._columns())


class ProjectListSerializer:
    """A page of the list exactly as ProjectSerializer(many=True) writes it, built from the plain columns
    its fields read: no model instances, no per-field `to_representation` (issue 16: 50 projects through
    DRF's 45 fields and their related instances made /api/v1/projects/ 41 ms in-process at city scale,
    30 ms of it CPU; this way 19 ms, 14 ms CPU). tests/perf/test_api_list.py holds the two to the same
    output; a field added to ProjectSerializer must be added here too."""

    def __init__(self, user):
        self.user = user

    @staticmethod
    def rows(queryset) -> "ProjectRows":
        """The projects of a (filtered, ordered) project queryset as rows of LIST_COLUMNS."""
        return ProjectRows(queryset)

    def data(self, rows) -> list[dict]:
        rows = list(rows)
        ids = [row[0] for row in rows]
        deadlines = self._open_deadlines(ids)
        districts = self._districts([row[0] for row in rows if row[-1]])
        path_labels, stage_labels = _labels("path"), _labels("stage")
        library_labels, source_labels = _labels("library"), _labels("source")
        money, money_yi, area = _MONEY.to_representation, _MONEY_YI.to_representation, _AREA.to_representation
        projects = []
        for (
            pk,
            code,
            name,
            district_id,
            district_code,
            district_name,
            category_id,
            category_code,
            category_name,
            sub_type_id,
            sub_type_name,
            path,
            stage,
            library,
            source,
            coordinating_id,
            coordinating_name,
            implementing_id,
            implementing_name,
            location,
            land_area,
            building_area,
            renewal_goal,
            total_investment,
            funding_sources,
            received_on,
            admitted_on,
            implementation_on,
            works_started_on,
            completion_accepted_on,
            library_exit_on,
            notice_number,
            locality,
            designated_by_government,
            path_reason,
            admission_document,
            reported_to_city_on,
            city_plan_batch_id,
            removed_on,
            removal_reason,
            removal_document,
            _lists_districts,
        ) in rows:
            lit = deadlines.get(pk, [])
            worst = worst_of(lit)
            projects.append(
                {
                    "id": pk,
                    "code": code,
                    "name": name,
                    "district": {"id": district_id, "code": district_code, "name": district_name},
                    "category": None
                    if category_id is None
                    else {"id": category_id, "code": category_code, "name": category_name},
                    "sub_type": None if sub_type_id is None else {"id": sub_type_id, "name": sub_type_name},
                    "path": path,
                    "path_label": str(path_labels.get(path, path)),
                    "stage": stage,
                    "stage_label": str(stage_labels.get(stage, stage)),
                    "library": library,
                    "library_label": str(library_labels.get(library, library)),
                    "source": source,
                    "source_label": str(source_labels.get(source, source)),
                    "entities": {
                        "coordinating": _organization(coordinating_id, coordinating_name),
                        "implementing": _organization(implementing_id, implementing_name),
                    },
                    "location": location,
                    "areas": {
                        "land_area": None if land_area is None else area(land_area),
                        "building_area": None if building_area is None else area(building_area),
                    },
                    "renewal_goal": renewal_goal,
                    "total_investment": None if total_investment is None else money(total_investment),
                    # Project.total_investment_yi: 万元 / 10000.
                    "total_investment_yi": None
                    if total_investment is None
                    else money_yi(total_investment / 10000),
                    "funding_sources": funding_sources,
                    "received_on": _date(received_on),
                    "admitted_on": _date(admitted_on),
                    "implementation_on": _date(implementation_on),
                    "works_started_on": _date(works_started_on),
                    "completion_accepted_on": _date(completion_accepted_on),
                    "library_exit_on": _date(library_exit_on),
                    "light": worst.light.light.value if worst else None,
                    "open_deadlines": [
                        {
                            "id": deadline.id,
                            "kind": deadline.kind,
                            "title": deadline.title,
                            "due_date": _date(deadline.due_date),
                            "provisional": deadline.provisional,
                            "light": light.light.value,
                            "working_days_left": light.working_days_left,
                            "working_days_overdue": light.working_days_overdue,
                        }
                        for deadline, light in ((row.deadline, row.light) for row in lit)
                    ],
                    "admission_notice_number": notice_number,
                    "districts": districts.get(pk, []),
                    "locality": locality,
                    "designated_by_government": designated_by_government,
                    "path_reason": path_reason,
                    "admission_document": admission_document,
                    "reported_to_city_on": _date(reported_to_city_on),
                    "city_plan_batch": city_plan_batch_id,
                    "removed_on": _date(removed_on),
                    "removal_reason": removal_reason,
                    "removal_document": removal_document,
                }
            )
        return projects

    def _open_deadlines(self, ids) -> dict[int, list[DeadlineRow]]:
        """The projects' open deadlines with their lights, as open_deadlines_prefetch and ledger_rows give
        them: scoped to the user, by due date, one calendar snapshot."""
        if not ids:
            return {}
        rows = (
            open_deadlines_prefetch(self.user)
            .queryset.filter(content_type=ContentType.objects.get_for_model(Project), object_id__in=ids)
            .values_list("object_id", "id", "kind", "title", "due_date", "provisional", named=True)
        )
        by_project: dict[int, list[DeadlineRow]] = defaultdict(list)
        for row in deadlines_with_lights(rows):
            by_project[row.deadline.object_id].append(row)
        return by_project

    @staticmethod
    def _districts(ids) -> dict[int, list[dict]]:
        """The districts each project lists, in the districts' order (by code)."""
        listed: dict[int, list[dict]] = defaultdict(list)
        if not ids:
            return listed
        rows = (
            Project.districts.through.objects.filter(project_id__in=ids)
            .order_by("district__code")
            .values_list("project_id", "district_id", "district__code", "district__name")
        )
        for project_id, pk, code, name in rows:
            listed[project_id].append({"id": pk, "code": code, "name": name})
        return listed


# --- input: the same fields and the same checks as the pages' forms ----------------------------------


class ApplicationSerializer(serializers.Serializer):
    """The intake application as the form 填报入库申请 has it (ids for the catalogue and the 统筹主体);
    checked by that same form (projects.forms.ProjectForm), so the API says what the page says."""

    name = serializers.CharField(required=False, allow_blank=True, help_text="项目名称")
    category = serializers.IntegerField(required=False, allow_null=True, help_text="类别 id")
    sub_type = serializers.IntegerField(
        required=False, allow_null=True, help_text="子类 id（须属于所选类别）"
    )
    generation_mode = serializers.ChoiceField(
        choices=GenerationMode.choices, required=False, help_text="生成方式"
    )
    changes_land_or_building = serializers.BooleanField(
        required=False, help_text="涉及用地功能、建筑规模或高度调整等（联合审查办法 第二条）"
    )
    involves_public_interest = serializers.BooleanField(required=False, help_text="涉及公共利益、公共安全")
    coordinating_entity = serializers.IntegerField(
        required=False, allow_null=True, help_text="统筹主体（本区实施主体单位）id"
    )
    property_right_holders = serializers.CharField(
        required=False, allow_blank=True, help_text="物业权利人，每行一个"
    )
    location = serializers.CharField(required=False, allow_blank=True, help_text="项目位置")
    locality = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="属地（街镇/园区）"
    )
    land_area = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="用地面积（平方米）"
    )
    building_area = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="建筑面积（平方米）"
    )
    renewal_goal = serializers.CharField(required=False, allow_blank=True, help_text="更新目标")
    total_investment = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="总投资（资金匡算，万元）"
    )
    funding_sources = serializers.CharField(required=False, allow_blank=True, help_text="资金来源")


def checked_application(values: dict, *, district, instance: Project | None = None) -> dict:
    """The application's values after the page's own form checked them (400 with its messages). Fields
    left out keep their current values (a new application: the form's defaults)."""
    from projects.forms import ProjectForm

    # What the form shows before anybody types: a new application's defaults, or the current values.
    current = instance if instance is not None else Project()
    data = {
        name: getattr(current, f"{name}_id" if name in RELATED_FIELDS else name) for name in EDITABLE_FIELDS
    }
    data.update(values)
    data = {name: ("" if value is None else value) for name, value in data.items()}
    form = ProjectForm(data=data, district=district)
    if not form.is_valid():
        raise serializers.ValidationError(
            {
                ("non_field_errors" if name == "__all__" else name): errors
                for name, errors in form.errors.items()
            }
        )
    return form.cleaned_data


class RouteInputSerializer(serializers.Serializer):
    departments = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Organization.objects.filter(kind=OrganizationKind.DEPARTMENT, is_active=True),
        help_text="分送的行业主管部门 id（本区）",
        error_messages={"does_not_exist": "部门 {pk_value} 不存在。", "incorrect_type": "部门须以 id 表示。"},
    )


def _text(help_text: str):
    return serializers.CharField(required=False, allow_blank=True, default="", help_text=help_text)


class SupplementInputSerializer(serializers.Serializer):
    items = _text("需补正的内容（逐项列明，必填）")


class ResubmitInputSerializer(serializers.Serializer):
    response = _text("补正说明（必填；补正通知发出后须已上传新的或替换的材料）")


class AdmitInputSerializer(serializers.Serializer):
    note = _text("入库意见（区域综合性项目须填写区政府研究确定的依据）")


class ReasonInputSerializer(serializers.Serializer):
    reason = _text("原因/意见（必填）")


class ImplementationInputSerializer(serializers.Serializer):
    """实施条件认定 (Haidian guidance 三(二)), as the project page's form sends it (multipart/form-data)."""

    reason = _text("认定意见（必填）")
    planning_requirements = _text("规划要求（必填）")
    function_requirements = _text("功能要求（必填）")
    supervision_requirements = _text("监管要求（必填）")
    confirmation = serializers.FileField(
        required=False, allow_null=True, help_text="统筹或实施主体确认文件（尚未上传过的须上传）"
    )

    def validate_confirmation(self, upload):
        if upload:
            try:
                validate_upload(upload)
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.messages) from error
        return upload


class PathInputSerializer(serializers.Serializer):
    path = serializers.ChoiceField(choices=Path.choices, help_text="实施路径")
    designated = serializers.BooleanField(
        required=False, default=False, help_text="区政府确定需编制实施方案（联审管理办法第二条(4)）"
    )
    reason = _text("确定理由及依据（必填）")


class CityReportInputSerializer(serializers.Serializer):
    reported_on = serializers.DateField(help_text="上报市级日期")


class CityPlanInputSerializer(serializers.Serializer):
    batch = serializers.PrimaryKeyRelatedField(
        queryset=CityPlanBatch.objects.all(),
        help_text="城市更新计划批次 id",
        error_messages={"does_not_exist": "批次 {pk_value} 不存在。", "incorrect_type": "批次须以 id 表示。"},
    )


class RemovalInputSerializer(serializers.Serializer):
    reason = _text("调出理由（必填）")
    document = _text("调出依据文号（必填）")


class MaterialInputSerializer(serializers.Serializer):
    """One file, as the page's upload form sends it (multipart/form-data)."""

    kind = serializers.ChoiceField(
        choices=[(kind, kind) for kind in ATTACHMENT_KINDS],
        help_text="材料类型",
        error_messages={"invalid_choice": "请选择材料类型：" + "、".join(ATTACHMENT_KINDS) + "。"},
    )
    file = serializers.FileField(help_text="文件（PDF、图片、Office 文档、DWG 或 ZIP，按内容识别）")
    replaces = serializers.IntegerField(
        required=False, allow_null=True, help_text="替换的本项目附件 id（新版本）"
    )

    def validate_file(self, upload):
        try:
            validate_upload(upload)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return upload


# --- intake opinions ----------------------------------------------------------------------------------


class IntakeOpinionSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    department = OrganizationSerializer(read_only=True)
    opinion_label = ChoiceLabelField("opinion")

    class Meta:
        model = IntakeOpinion
        fields = [
            "id",
            "project",
            "project_code",
            "project_name",
            "round",
            "department",
            "opinion",
            "opinion_label",
            "text",
            "routed_at",
            "decided_at",
        ]
        read_only_fields = fields


class OpinionDecisionSerializer(serializers.Serializer):
    """同意 or 不同意 (with its reason), checked by the intake opinion table's own guard."""

    decision = serializers.ChoiceField(
        choices=[(Opinion.AGREE, "同意"), (Opinion.DISAGREE, "不同意")],
        error_messages={
            "required": "请选择“同意”或“不同意”。",
            "invalid_choice": "请选择“同意”或“不同意”。",
        },
    )
    text = _text("意见说明（不同意时必填）")

    def validate(self, attrs):
        missing = decision_given(None, decision=attrs["decision"], text=attrs.get("text", ""))
        if missing:
            raise serializers.ValidationError({"text": [f"{missing}。"]})
        return attrs
