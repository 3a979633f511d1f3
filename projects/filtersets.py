"""Filters of the project library ledger: one FilterSet for the HTML list, the export and the API.

Choices that would reveal other districts or organisations are built from the requesting user's scope,
so an out-of-scope value is simply "not a valid choice" — never a hint that it exists.
"""

import hashlib

import django_filters
from django import forms
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.fields import PositiveSmallIntegerField
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from projects import scope_cache
from projects.choices import Library, Path, Stage
from projects.models import Category, CityPlanBatch, Project, SubType
from projects.selectors import AmongIds
from renewal.choices import DepartmentCode, Role
from renewal.inputs import BoundedDateFilter, ModelChoiceFilter, NamedModelChoiceFilter
from renewal.models import District, Organization

# Sorting by stage follows the pipeline (DOMAIN.md §3), not the alphabet of the stored codes.
STAGE_ORDER = Case(
    *(When(stage=stage, then=Value(position)) for position, stage in enumerate(Stage)),
    default=Value(len(Stage)),
    output_field=PositiveSmallIntegerField(),
)

SORT_FIELDS = (
    ("code", "code"),
    ("name", "name"),
    ("total_investment", "total_investment"),
    ("received_on", "received_on"),
    ("admitted_on", "admitted_on"),
    ("stage", "stage"),
)
SORT_LABELS = {
    "code": "项目编号",
    "name": "项目名称",
    "total_investment": "总投资",
    "received_on": "受理日",
    "admitted_on": "入库日",
    "stage": "阶段",
    "-code": "项目编号（降序）",
    "-name": "项目名称（降序）",
    "-total_investment": "总投资（降序）",
    "-received_on": "受理日（降序）",
    "-admitted_on": "入库日（降序）",
    "-stage": "阶段（降序）",
}


def _user(request):
    return getattr(request, "user", None)


def visible_districts(request):
    """Administrators and city-level users choose any district; everyone else only their own."""
    user = _user(request)
    if user is None or not user.is_authenticated:
        return District.objects.none()
    if user.is_administrator or user.is_city_level:
        return District.objects.all()
    return District.objects.filter(pk=user.district_id)


def _entities_in(projects):
    # One EXISTS probe per organisation (a BitmapOr of the two FK indexes on PostgreSQL), not an IN over
    # every visible project (issue 16: 69 ms → 7 ms at 50,000 projects; one EXISTS with the OR inside,
    # as two ORed EXISTS are planned as two hashed scans of the whole table).
    return Organization.objects.filter(
        Exists(projects.filter(Q(implementing_entity=OuterRef("pk")) | Q(coordinating_entity=OuterRef("pk"))))
    )


def visible_entities(request):
    """Organisations that are the implementing or coordinating entity of a project the user may see.

    Probing every organisation still costs 30–60 ms at 50,000 projects on each ledger page and API call
    (issue 16), so the answer is kept per scope (projects/scope_cache.py): the key is the scoped query
    itself, so two users share it only if they see the same projects."""
    user = _user(request)
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    projects = Project.objects.visible_to(user).order_by()
    if not scope_cache.enabled():
        return _entities_in(projects)
    scope = hashlib.sha256(str(projects.values("pk").query).encode()).hexdigest()[:32]
    ids = scope_cache.remembered(
        f"entities:{scope}", lambda: list(_entities_in(projects).values_list("pk", flat=True))
    )
    # The ids as one array parameter on PostgreSQL: a city administrator's 400 placeholders cost more to
    # prepare and send than the query takes (issue 16).
    return Organization.objects.filter(AmongIds(F("pk"), ids))


class ProjectOrderingFilter(django_filters.OrderingFilter):
    """`sort=code` / `sort=-code`; empty values sort last either way, the primary key breaks ties."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        ordering = []
        for param in value:
            if param in EMPTY_VALUES:
                continue
            descending = param.startswith("-")
            field_name = self.param_map[param.lstrip("-")]
            expression = STAGE_ORDER if field_name == "stage" else F(field_name)
            ordering.append(
                expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
            )
        return qs.order_by(*ordering, "pk") if ordering else qs


class ProjectFilterSet(django_filters.FilterSet):
    district = ModelChoiceFilter(
        label="区", queryset=visible_districts, empty_label="全部", method="filter_district"
    )
    category = ModelChoiceFilter(label="类别", queryset=Category.objects.all(), empty_label="全部")
    sub_type = ModelChoiceFilter(label="子类", queryset=SubType.objects.all(), empty_label="全部")
    path = django_filters.ChoiceFilter(label="实施路径", choices=Path.choices, empty_label="全部")
    stage = django_filters.ChoiceFilter(label="阶段", choices=Stage.choices, empty_label="全部")
    library = django_filters.ChoiceFilter(label="项目库", choices=Library.choices, empty_label="全部")
    entity = NamedModelChoiceFilter(
        label="实施主体/统筹主体",
        queryset=visible_entities,
        method="filter_entity",
        empty_label="全部",
        help_text="机构ID：项目的实施主体或统筹主体",
    )
    q = django_filters.CharFilter(
        label="关键词",
        method="filter_text",
        help_text="项目名称、项目编号或项目位置；多个词以空格分隔，须全部匹配",
    )
    received_on_after = BoundedDateFilter(
        label="受理日起",
        field_name="received_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    received_on_before = BoundedDateFilter(
        label="受理日止",
        field_name="received_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Drill-down targets of the leadership dashboard (DOMAIN.md §5): lead department, milestone months.
    lead_department = django_filters.ChoiceFilter(
        label="牵头部门",
        field_name="sub_type__lead_department",
        choices=DepartmentCode.choices,
        empty_label="全部",
    )
    admitted_on_after = BoundedDateFilter(
        label="入库日起",
        field_name="admitted_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    admitted_on_before = BoundedDateFilter(
        label="入库日止",
        field_name="admitted_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    review_opinion_on_after = BoundedDateFilter(
        label="审查意见日起",
        field_name="review_opinion_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    review_opinion_on_before = BoundedDateFilter(
        label="审查意见日止",
        field_name="review_opinion_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    completion_accepted_on_after = BoundedDateFilter(
        label="竣工验收日起",
        field_name="completion_accepted_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    completion_accepted_on_before = BoundedDateFilter(
        label="竣工验收日止",
        field_name="completion_accepted_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    library_exit_on_after = BoundedDateFilter(
        label="出库日起",
        field_name="library_exit_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    library_exit_on_before = BoundedDateFilter(
        label="出库日止",
        field_name="library_exit_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    locality = django_filters.CharFilter(label="属地", field_name="locality", help_text="街镇/园区，完全一致")
    city_plan_batch = ModelChoiceFilter(
        label="城市更新计划批次", queryset=CityPlanBatch.objects.all(), empty_label="全部"
    )
    reported_to_city = django_filters.BooleanFilter(label="已上报市级", method="filter_reported_to_city")
    sort = ProjectOrderingFilter(label="排序", fields=SORT_FIELDS, field_labels=SORT_LABELS)

    class Meta:
        model = Project
        fields = [
            "district",
            "category",
            "sub_type",
            "path",
            "stage",
            "library",
            "entity",
            "q",
            "received_on_after",
            "received_on_before",
            "sort",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is not None and getattr(user, "role", None) != Role.ENTITY:
            # Drafts are the entity's own business: nobody else can ever list one, so no 草稿 choice.
            stage = self.filters["stage"]
            stage.extra["choices"] = [c for c in Stage.choices if c[0] != Stage.DRAFT]
            stage.__dict__.pop("_field", None)  # a field built earlier would keep the old choices

    @extend_schema_field(OpenApiTypes.INT)
    def filter_district(self, queryset, name, value):
        """The lead district or any district a 跨区 project lists (issue 10 item 2)."""
        listed = Project.districts.through.objects.filter(district=value).values("project_id")
        return queryset.filter(Q(district=value) | Q(pk__in=listed))

    @extend_schema_field(OpenApiTypes.INT)
    def filter_entity(self, queryset, name, value):
        return queryset.filter(Q(implementing_entity=value) | Q(coordinating_entity=value))

    def filter_text(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(
                Q(name__icontains=term) | Q(code__icontains=term) | Q(location__icontains=term)
            )
        return queryset

    def filter_reported_to_city(self, queryset, name, value):
        return queryset.filter(reported_to_city_on__isnull=not value)

    def applied_filters(self) -> dict[str, str]:
        """The parameters actually given, as strings (for the audit trail of an export)."""
        return {name: self.data.get(name) for name in self.filters if self.data.get(name)}
