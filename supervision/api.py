"""The supervision API (issue 15): lists, tasks and progress entries, scoped with visible_to; a task's
workflow steps under `…/supervision-tasks/<id>/actions/` from the same table as the page's buttons."""

import django_filters
from django.db.models import Count, Prefetch
from rest_framework import serializers, viewsets

from renewal import calendar as workdays
from renewal.api.actions import ApiAction, WorkflowActionsMixin
from renewal.api.fields import ChoiceLabelField
from renewal.api.views import ScopedViewSetMixin
from renewal.workflow import TransitionRefused
from supervision import services
from supervision.models import ProgressEntry, SupervisionList, SupervisionTask, TaskUnit
from supervision.workflows import TASK


class SupervisionListSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.name", read_only=True)
    task_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = SupervisionList
        fields = ["id", "title", "year", "district", "source_document", "task_count", "created_at"]


class SupervisionUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    lead = serializers.SerializerMethodField()

    def get_lead(self, link) -> bool:
        return link.order == 0


class SupervisionEntrySerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.name", read_only=True, default="")
    author = serializers.CharField(source="author.username", read_only=True, default="")

    class Meta:
        model = ProgressEntry
        fields = ["id", "task", "date", "text", "organization", "author", "imported", "created_at"]


class SupervisionTaskSerializer(serializers.ModelSerializer):
    units = SupervisionUnitSerializer(source="unit_links", many=True, read_only=True)
    state_label = ChoiceLabelField("state")
    latest_progress = serializers.SerializerMethodField()

    class Meta:
        model = SupervisionTask
        fields = [
            "id",
            "supervision_list",
            "number",
            "source",
            "source_type",
            "content",
            "units",
            "due_date",
            "due_text",
            "state",
            "state_label",
            "round_requested_on",
            "projects",
            "latest_progress",
        ]

    def get_latest_progress(self, task) -> SupervisionEntrySerializer(allow_null=True):
        entries = list(task.entries.all())
        return SupervisionEntrySerializer(entries[0]).data if entries else None


class SupervisionReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="重新督办的原因")


class SupervisionProgressInput(serializers.Serializer):
    text = serializers.CharField(max_length=5000, help_text="进展情况")
    date = serializers.DateField(required=False, help_text="进展日期，默认今天")
    organization = serializers.IntegerField(
        required=False, help_text="填报单位 id（牵头单位可代其他主责单位）"
    )

    def validate_date(self, value):
        if value > workdays.today():
            raise serializers.ValidationError("进展日期不能晚于今天。")
        return value


def _report(viewset, task, data):
    organization = None
    if data.get("organization"):
        link = (
            task.unit_links.select_related("organization")
            .filter(organization_id=data["organization"])
            .first()
        )
        if link is None:
            raise TransitionRefused("所选单位不是本事项的主责单位。")
        organization = link.organization
    services.report_progress(
        task, actor=viewset.request.user, text=data["text"], date=data.get("date"), organization=organization
    )
    return task


class ListFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(help_text="年度")

    class Meta:
        model = SupervisionList
        fields = ["year"]


class TaskFilterSet(django_filters.FilterSet):
    supervision_list = django_filters.NumberFilter(field_name="supervision_list_id", help_text="督查清单 id")
    unit = django_filters.NumberFilter(field_name="units", help_text="主责单位 id")

    class Meta:
        model = SupervisionTask
        fields = ["supervision_list", "state", "unit"]


class EntryFilterSet(django_filters.FilterSet):
    task = django_filters.NumberFilter(field_name="task_id", help_text="督查事项 id")

    class Meta:
        model = ProgressEntry
        fields = ["task"]


class SupervisionListViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The district's supervision lists (督查清单); a responsible unit sees the lists that name it."""

    queryset = (
        SupervisionList.objects.select_related("district")
        .annotate(task_count=Count("tasks", distinct=True))
        .order_by("-year", "title", "pk")
    )
    serializer_class = SupervisionListSerializer
    filterset_class = ListFilterSet


class SupervisionTaskViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Supervision tasks (督查事项) with their units (lead first) and latest progress."""

    queryset = (
        SupervisionTask.objects.select_related("supervision_list")
        .prefetch_related(
            Prefetch("unit_links", queryset=TaskUnit.objects.select_related("organization")),
            Prefetch("entries", queryset=ProgressEntry.objects.select_related("organization", "author")),
            "projects",
        )
        .order_by("supervision_list_id", "position", "pk")
    )
    serializer_class = SupervisionTaskSerializer
    filterset_class = TaskFilterSet
    api_actions = (
        ApiAction(
            "report", _report, SupervisionProgressInput, "填报进展（主责单位；牵头单位可代其他主责单位）"
        ),
        ApiAction(
            "request_update",
            lambda v, task, data: services.request_update(task, actor=v.request.user),
            summary="催报本轮进展",
        ),
        ApiAction(
            "complete", lambda v, task, data: services.complete(task, actor=v.request.user), summary="办结"
        ),
        ApiAction(
            "reopen",
            lambda v, task, data: services.reopen(task, actor=v.request.user, reason=data["reason"]),
            SupervisionReasonInput,
            "重新督办",
        ),
    )

    def availability(self, obj):
        return [a for a in TASK.available_for(self.request.user, obj) if a.action not in ("create", "assign")]


class ProgressEntryViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Progress entries, newest first; written through a task's `report` action."""

    queryset = ProgressEntry.objects.select_related("organization", "author")
    serializer_class = SupervisionEntrySerializer
    filterset_class = EntryFilterSet
