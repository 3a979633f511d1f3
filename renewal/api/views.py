from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from renewal import calendar as workdays
from renewal.accounts import token_expired
from renewal.api.permissions import HasRole
from renewal.api.serializers import (
    AuditEventSerializer,
    DeadlineKindSerializer,
    DeadlineSerializer,
    MeSerializer,
    WorkdayAddSerializer,
    WorkdayAnswerSerializer,
    WorkdayBetweenSerializer,
    WorkdayCountSerializer,
    WorkdayDueAnswerSerializer,
    WorkdayDueSerializer,
)
from renewal.choices import Role
from renewal.filtersets import AuditEventFilterSet, DeadlineFilterSet
from renewal.models import AuditEvent, Deadline
from renewal.selectors import deadlines_with_lights
from renewal.services import record_event


class ScopedViewSetMixin:
    """Every API queryset goes through visible_to; an object outside scope is 404."""

    permission_classes = [HasRole]

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user)


class DeadlineViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Deadline.objects.select_related("district", "responsible_organization")
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilterSet
    ordering_fields = ["due_date", "start_date"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["lights"] = getattr(self, "_lights", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._lights = {row.deadline.pk: row.light for row in deadlines_with_lights(page or [])}
        return page

    def get_object(self):
        deadline = super().get_object()
        self._lights = {row.deadline.pk: row.light for row in deadlines_with_lights([deadline])}
        return deadline


class AuditEventViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = AuditEvent.objects.select_related("district", "content_type")
    serializer_class = AuditEventSerializer
    allowed_roles = (Role.STAFF, Role.AUDITOR, Role.ADMINISTRATOR)
    filterset_class = AuditEventFilterSet  # the same filters as the audit page


class MeView(APIView):
    permission_classes = [HasRole]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class WorkdayAddView(APIView):
    """N working days after a date (start not counted), as `manage.py workdays add`."""

    permission_classes = [HasRole]
    serializer_class = WorkdayAnswerSerializer

    @extend_schema(parameters=[WorkdayAddSerializer], responses=WorkdayAnswerSerializer)
    def get(self, request):
        params = WorkdayAddSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(
            workdays.add_working_days(params.validated_data["start"], params.validated_data["days"]).as_dict()
        )


class WorkdayBetweenView(APIView):
    permission_classes = [HasRole]
    serializer_class = WorkdayCountSerializer

    @extend_schema(parameters=[WorkdayBetweenSerializer], responses=WorkdayCountSerializer)
    def get(self, request):
        params = WorkdayBetweenSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        first, last = params.validated_data["first"], params.validated_data["last"]
        count, provisional = workdays.working_days_between(first, last)
        return Response(
            {
                "first": first.isoformat(),
                "last": last.isoformat(),
                "working_days": count,
                "provisional": provisional,
            }
        )


class WorkdayDueView(APIView):
    """The due date the portal would open for a registered deadline kind started on a date."""

    permission_classes = [HasRole]
    serializer_class = WorkdayDueAnswerSerializer

    @extend_schema(parameters=[WorkdayDueSerializer], responses=WorkdayDueAnswerSerializer)
    def get(self, request):
        from renewal import deadline_kinds

        params = WorkdayDueSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        kind = deadline_kinds.get(params.validated_data["kind"])
        start = params.validated_data["start"]
        due, provisional = kind.due(start)
        return Response(
            {
                "kind": kind.code,
                "label": kind.label,
                "rule": kind.rule,
                "length": kind.amount,
                "start": start.isoformat(),
                "due": due.isoformat(),
                "provisional": provisional,
                "basis": kind.basis,
            }
        )


class DeadlineKindListView(APIView):
    """Every registered deadline kind with its rule, length and legal basis."""

    permission_classes = [HasRole]
    serializer_class = DeadlineKindSerializer

    @extend_schema(responses=DeadlineKindSerializer(many=True))
    def get(self, request):
        from renewal import deadline_kinds

        return Response([kind.as_dict() for kind in deadline_kinds.all_kinds()])


class TokenView(ObtainAuthToken):
    """POST username and password → {"token": …}; DELETE with the token revokes it. Throttled in the shared
    cache, and every issue and revocation is in the audit trail. A token expires API_TOKEN_DAYS after issue."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def post(self, request, *args, **kwargs):
        serializer = self.serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        record_event(
            actor=user,
            action="api.token",
            action_label="获取接口令牌",
            request=request,
            district=user.district,
            organization=user.organization,
        )
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        if not isinstance(request.auth, Token):
            raise NotAuthenticated("请在 Authorization 请求头中携带要吊销的令牌（Token …）。")
        user = request.user
        request.auth.delete()
        record_event(
            actor=user,
            action="api.token_revoke",
            action_label="吊销接口令牌",
            request=request,
            district=user.district,
            organization=user.organization,
        )
        return Response(status=204)
