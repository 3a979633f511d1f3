"""Permits API: scoped read-only collections with the workflow steps as `actions/` (renewal.api.actions)."""

from rest_framework import viewsets

from permits import services
from permits.api import serializers as s
from permits.models import InvestmentMonth, MonthlyInvestmentReport, PermitLine, ProjectWorks
from permits.workflows import INVESTMENT_MONTH, PERMIT_LINE, WORKS
from renewal.api.actions import ApiAction, WorkflowActionsMixin
from renewal.api.views import ScopedViewSetMixin
from renewal.choices import Role

# The same roles as the permits pages (permits.views.READ_ROLES).
READ_ROLES = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR)


class ProjectWorksViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Each project's permits / construction / completion record (`?project=<id>`)."""

    queryset = ProjectWorks.objects.select_related("project").order_by("project_id")
    serializer_class = s.ProjectWorksSerializer
    allowed_roles = READ_ROLES
    filterset_fields = ["project", "state"]
    api_actions = (
        ApiAction(
            "enter_permits",
            lambda v, w, d: services.enter_permits(
                w.project, actor=v.request.user, approval=d, request=v.request
            ),
            s.EnterPermitsInputSerializer,
            "登记行业方案批复并转入行政许可（按其他路径实施类）",
        ),
        ApiAction(
            "propose",
            lambda v, w, d: services.propose_checklist(
                w.project, actor=v.request.user, facts=d, request=v.request
            ),
            s.FactsInputSerializer,
            "填写项目情况并生成许可清单",
        ),
        ApiAction(
            "start_works",
            lambda v, w, d: services.start_works(w.project, actor=v.request.user, request=v.request, **d),
            s.StartWorksInputSerializer,
            "登记开工",
        ),
        ApiAction(
            "record_construction",
            lambda v, w, d: services.record_construction(
                w.project, actor=v.request.user, data=d, request=v.request
            ),
            s.ConstructionInputSerializer,
            "登记建设管理信息（产业监管协议、纳统）",
        ),
        ApiAction(
            "record_annual_plan",
            lambda v, w, d: (
                services.record_annual_plan(w.project, actor=v.request.user, request=v.request, **d) and None
            ),
            s.AnnualPlanInputSerializer,
            "填报年度计划投资",
        ),
        ApiAction(
            "record_builder_acceptance",
            lambda v, w, d: services.record_builder_acceptance(
                w.project, actor=v.request.user, request=v.request, **d
            ),
            s.BuilderAcceptanceInputSerializer,
            "登记竣工验收（自查）合格",
        ),
        ApiAction(
            "apply_joint_acceptance",
            lambda v, w, d: services.apply_joint_acceptance(
                w.project, actor=v.request.user, request=v.request, **d
            ),
            s.JointApplicationInputSerializer,
            "登记联合验收申请",
        ),
        ApiAction(
            "pass_joint_acceptance",
            lambda v, w, d: services.pass_joint_acceptance(
                w.project, actor=v.request.user, request=v.request, **d
            ),
            s.JointPassInputSerializer,
            "登记联合验收通过",
        ),
        ApiAction(
            "accept_separately",
            lambda v, w, d: services.accept_separately(
                w.project, actor=v.request.user, request=v.request, **d
            ),
            s.SeparateInputSerializer,
            "登记竣工验收（各部门单独验收）",
        ),
        ApiAction(
            "record_registration",
            lambda v, w, d: services.record_registration(
                w.project, actor=v.request.user, request=v.request, **d
            ),
            s.RegistrationInputSerializer,
            "登记不动产登记",
        ),
        ApiAction(
            "record_business_licence",
            lambda v, w, d: services.record_business_licence(
                w.project, actor=v.request.user, request=v.request, **d
            ),
            s.LicenceInputSerializer,
            "登记营业执照",
        ),
    )

    def availability(self, obj):
        return WORKS.available_for(self.request.user, obj)


def _grant(viewset, line, data):
    data = dict(data)
    scan = data.pop("scan", None)
    return services.grant_line(
        line, actor=viewset.request.user, record=data, scan=scan, request=viewset.request
    )


class PermitLineViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The permit checklist lines (`?project=<id>`), confirmed or changed by staff, recorded with documents."""

    queryset = PermitLine.objects.select_related("project").order_by("project_id", "pk")
    serializer_class = s.PermitLineSerializer
    allowed_roles = READ_ROLES
    filterset_fields = ["project", "procedure", "state", "requirement"]
    api_actions = (
        ApiAction(
            "confirm",
            lambda v, line, d: services.confirm_line(line, actor=v.request.user, request=v.request),
            summary="确认办理要求",
        ),
        ApiAction(
            "change",
            lambda v, line, d: services.change_line(line, actor=v.request.user, request=v.request, **d),
            s.ChangeLineInputSerializer,
            "调整办理要求（须填写原因）",
        ),
        ApiAction(
            "grant",
            _grant,
            s.GrantInputSerializer,
            "登记办理结果（multipart/form-data，可附扫描件）",
            multipart=True,
        ),
    )

    def availability(self, obj):
        return PERMIT_LINE.available_for(self.request.user, obj)


class InvestmentMonthViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Months whose fixed-asset investment report is due (`?project=<id>&state=due`)."""

    queryset = InvestmentMonth.objects.select_related("project").order_by("project_id", "month")
    serializer_class = s.InvestmentMonthSerializer
    allowed_roles = READ_ROLES
    filterset_fields = ["project", "state", "month"]
    api_actions = (
        ApiAction(
            "report",
            lambda v, m, d: (
                services.submit_report(m, actor=v.request.user, data=d, request=v.request) and None
            ),
            s.ReportInputSerializer,
            "填报本月固定资产投资（形成新版本）",
        ),
    )

    def availability(self, obj):
        return INVESTMENT_MONTH.available_for(self.request.user, obj)


class MonthlyInvestmentReportViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Every version of the monthly reports (`?is_current=true` for the counting ones)."""

    queryset = MonthlyInvestmentReport.objects.order_by("project_id", "month", "-version")
    serializer_class = s.MonthlyInvestmentReportSerializer
    allowed_roles = READ_ROLES
    filterset_fields = ["project", "month", "is_current"]
