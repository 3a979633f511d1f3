"""The project library over the API: the ledger, and every intake step the pages offer.

`GET /api/v1/projects/<id>/actions/` lists the INTAKE steps the caller may take now (or why not), as the
project page's buttons do; `POST …/actions/<name>/` takes one with the fields of the page's form;
`POST /api/v1/projects/` files a new application. Intake opinions are answered at
`/api/v1/intake-opinions/<id>/actions/decide/`.
"""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from projects import library, services
from projects.api.serializers import (
    AdmitInputSerializer,
    ApplicationSerializer,
    CityPlanInputSerializer,
    CityReportInputSerializer,
    ImplementationInputSerializer,
    IntakeOpinionSerializer,
    MaterialInputSerializer,
    OpinionDecisionSerializer,
    PathInputSerializer,
    ProjectListSerializer,
    ProjectSerializer,
    ReasonInputSerializer,
    RemovalInputSerializer,
    ResubmitInputSerializer,
    RouteInputSerializer,
    SupplementInputSerializer,
    checked_application,
)
from projects.filtersets import ProjectFilterSet
from projects.models import IntakeOpinion, Project
from projects.selectors import LEDGER_RELATED, LEDGER_ROLES, ledger_rows, open_deadlines_prefetch
from renewal.api.actions import ERROR_RESPONSES, ApiAction, WorkflowActionsMixin
from renewal.api.views import ScopedViewSetMixin
from renewal.models import Attachment
from renewal.workflow import TransitionRefused


def _edit(viewset, project, data):
    values = checked_application(data, district=project.district, instance=project)
    return services.update_draft(project, actor=viewset.request.user, data=values, request=viewset.request)


def _upload(viewset, project, data):
    replaces = None
    if data.get("replaces") is not None:
        replaces = Attachment.objects.for_object(project).filter(pk=data["replaces"]).first()
        if replaces is None:
            raise serializers.ValidationError({"replaces": ["只能替换本项目的附件。"]})
    services.add_material(
        project,
        data["file"],
        kind=data["kind"],
        actor=viewset.request.user,
        replaces=replaces,
        request=viewset.request,
    )
    return project


def _act(step):
    """perform(viewset, project, data) for a service step(project, actor=…, request=…, **data)."""
    return lambda viewset, project, data: step(
        project, actor=viewset.request.user, request=viewset.request, **data
    )


def _implementation(viewset, project, data):
    return services.move_to_implementation(
        project,
        actor=viewset.request.user,
        reason=data["reason"],
        requirements={key: data[key] for key in services.IMPLEMENTATION_REQUIREMENTS},
        confirmation=data.get("confirmation") or None,
        request=viewset.request,
    )


def _path(viewset, project, data):
    return library.set_path(project, actor=viewset.request.user, request=viewset.request, **data)


class LedgerFilterBackend(DjangoFilterBackend):
    """The ledger's filters, left out when the query string holds nothing but the page number: the
    FilterSet's 25 filters and their form, built and validated only to change nothing, were 2.4 ms of
    each unfiltered page of /api/v1/projects/ (issue 16). Any other parameter is read as before."""

    def filter_queryset(self, request, queryset, view):
        page_parameter = getattr(view.paginator, "page_query_param", None)
        if all(name == page_parameter for name in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class ProjectViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The project library ledger: the same scope, filters (`sort` for ordering) and lights as /projects/;
    the intake steps as on the project page."""

    queryset = Project.objects.select_related(*LEDGER_RELATED, "admission_notice")
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    filter_backends = [LedgerFilterBackend]
    allowed_roles = LEDGER_ROLES
    api_actions = (
        ApiAction("edit", _edit, ApplicationSerializer, "修改申请（草稿或待补正时；未给出的字段保持不变）"),
        ApiAction(
            "upload", _upload, MaterialInputSerializer, "上传申请材料（multipart/form-data）", multipart=True
        ),
        ApiAction("submit", _act(services.submit), summary="提交入库申请（须已上传必备材料）"),
        ApiAction("delete", _act(services.delete_draft), summary="删除草稿及其材料", deletes=True),
        ApiAction("resubmit", _act(services.resubmit), ResubmitInputSerializer, "补正后重新提交"),
        ApiAction("withdraw", _act(services.withdraw), ReasonInputSerializer, "撤回入库申请"),
        ApiAction("route", _act(services.route), RouteInputSerializer, "分送部门联合审查"),
        ApiAction(
            "request_supplement", _act(services.request_supplement), SupplementInputSerializer, "发出补正通知"
        ),
        ApiAction("admit", _act(services.admit), AdmitInputSerializer, "确认入库并制发入库通知书"),
        ApiAction("reject", _act(services.reject), ReasonInputSerializer, "不予入库"),
        ApiAction("confirm", _act(services.confirm_coordination), summary="被指定的统筹主体确认担任统筹主体"),
        ApiAction(
            "decline",
            _act(services.decline_coordination),
            ReasonInputSerializer,
            "被指定的统筹主体拒绝担任（须说明理由）",
        ),
        ApiAction(
            "move_to_implementation",
            _implementation,
            ImplementationInputSerializer,
            "转入实施项目库（实施条件认定：主体确认文件，规划、功能、监管要求）",
            multipart=True,
        ),
        # Issue 10: staff steps of the LIBRARY table (projects/library.py).
        ApiAction("set_path", _path, PathInputSerializer, "确定实施路径（区政府确定须写明依据）"),
        ApiAction(
            "report_to_city", _act(library.report_to_city), CityReportInputSerializer, "上报市级项目库"
        ),
        ApiAction(
            "admit_to_city_plan",
            _act(library.admit_to_city_plan),
            CityPlanInputSerializer,
            "纳入城市更新计划",
        ),
        ApiAction("remove", _act(library.remove), RemovalInputSerializer, "调出项目库（动态调整）"),
    )

    def get_queryset(self):
        if self.action == "list":  # plain columns (ProjectListSerializer): nothing to prefetch
            return super().get_queryset()
        return (
            super().get_queryset().prefetch_related(open_deadlines_prefetch(self.request.user), "districts")
        )

    def list(self, request, *args, **kwargs):
        # ProjectSerializer's output, written from plain columns (issue 16); the schema still documents
        # ProjectSerializer.
        listing = ProjectListSerializer(request.user)
        projects = listing.rows(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(projects)
        if page is None:
            return Response(listing.data(projects))
        return self.get_paginated_response(listing.data(page))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["ledger_rows"] = getattr(self, "_ledger_rows", {})
        return context

    def _compute_rows(self, projects):
        self._ledger_rows = {row.project.pk: row for row in ledger_rows(projects)}

    def get_serializer(self, *args, **kwargs):
        if args and isinstance(args[0], Project):  # one project (retrieve, a step's answer): its lights now
            self._compute_rows([args[0]])
        return super().get_serializer(*args, **kwargs)

    def availability(self, obj):
        # The intake steps, and the named 统筹主体's answer to being named (intake_coordination, issue 9).
        user = self.request.user
        return (
            services.project_actions(user, obj)
            + services.INTAKE_COORDINATION.available_for(user, obj)
            + library.LIBRARY.available_for(user, obj)
        )

    @extend_schema(
        request=ApplicationSerializer,
        responses={201: ProjectSerializer, **ERROR_RESPONSES},
        summary="填报入库申请（保存为草稿）",
    )
    def create(self, request):
        """An entity files a new intake application (a draft), with the fields of the page's form."""
        refusal = services.filing_refusal(request.user)
        if refusal:
            raise PermissionDenied(refusal)
        payload = ApplicationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = checked_application(payload.validated_data, district=request.user.district)
        try:
            project = services.create_draft(actor=request.user, data=values, request=request)
        except TransitionRefused as refused:
            return Response(
                {"detail": refused.message, "missing": refused.missing}, status=status.HTTP_409_CONFLICT
            )
        project = self.get_queryset().get(pk=project.pk)
        return Response(self.get_serializer(project).data, status=status.HTTP_201_CREATED)


class IntakeOpinionFilterSet(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id", help_text="项目 id")

    class Meta:
        model = IntakeOpinion
        fields = ["project", "round", "opinion"]


class IntakeOpinionViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Departments' intake opinions, scoped as on the project page: a department reads only its own."""

    queryset = IntakeOpinion.objects.select_related("project", "department").order_by(
        "project_id", "round", "pk"
    )
    serializer_class = IntakeOpinionSerializer
    filterset_class = IntakeOpinionFilterSet
    filter_backends = [DjangoFilterBackend]
    allowed_roles = LEDGER_ROLES
    api_actions = (
        ApiAction(
            "decide",
            lambda viewset, opinion, data: services.record_opinion(
                opinion, actor=viewset.request.user, request=viewset.request, **data
            ),
            OpinionDecisionSerializer,
            "答复入库审查意见（同意/不同意）",
        ),
    )

    def availability(self, obj):
        return services.opinion_actions(self.request.user, obj)
