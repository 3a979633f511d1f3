"""The review app's API: scoped, read-only plans, versions and reviews; public notices without login."""

import django_filters
from django.db.models import Prefetch
from rest_framework import viewsets
from rest_framework.permissions import AllowAny

from renewal.api.views import ScopedViewSetMixin
from review.api.serializers import (
    DepartmentReviewSerializer,
    PlanSerializer,
    PlanVersionSerializer,
    PublicNoticeSerializer,
)
from review.models import DepartmentReview, ImplementationPlan, PlanVersion, PublicComment, Publicity
from review.selectors import public_notices, windows_for


class PlanFilterSet(django_filters.FilterSet):
    class Meta:
        model = ImplementationPlan
        fields = {"state": ["exact"], "major_project": ["exact"]}


class PlanViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Implementation plans the caller may see, with their revision requests."""

    queryset = ImplementationPlan.objects.select_related("project").prefetch_related("revision_requests")
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet
    ordering_fields = ["updated_at", "id"]
    ordering = ["-updated_at", "-id"]


class PlanVersionFilterSet(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", help_text="实施方案 id")

    class Meta:
        model = PlanVersion
        fields = ["plan"]


class PlanVersionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Frozen submissions of the plans the caller may see (`?plan=<id>` narrows to one plan)."""

    queryset = PlanVersion.objects.all()
    serializer_class = PlanVersionSerializer
    filterset_class = PlanVersionFilterSet
    ordering_fields = ["number", "submitted_at"]

    def get_queryset(self):
        visible_plans = ImplementationPlan.objects.visible_to(self.request.user)
        return PlanVersion.objects.filter(plan__in=visible_plans).order_by("plan_id", "number")


class DepartmentReviewFilterSet(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="review_round__plan_id", help_text="实施方案 id")

    class Meta:
        model = DepartmentReview
        fields = ["plan", "decision", "is_active"]


class DepartmentReviewViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Department opinions of joint review rounds; a reviewer sees only its own department's."""

    queryset = DepartmentReview.objects.select_related("review_round", "department").order_by(
        "review_round__plan_id", "review_round__number", "pk"
    )
    serializer_class = DepartmentReviewSerializer
    filterset_class = DepartmentReviewFilterSet
    ordering_fields = ["decided_at", "id"]


class PublicNoticeFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="plan__project__district__code", help_text="区划代码")

    class Meta:
        model = Publicity
        fields = ["district", "state"]


class PublicNoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """公示公告 for anyone, no login: published notices with redacted comments (联合审查办法 第十一条)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = PublicNoticeSerializer
    filterset_class = PublicNoticeFilterSet
    ordering_fields = ["published_on", "ends_at"]

    def get_queryset(self):
        return public_notices().prefetch_related(
            Prefetch("comments", queryset=PublicComment.objects.order_by("submitted_at", "pk"))
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["windows"] = getattr(self, "_windows", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._windows = windows_for(page if page is not None else queryset)
        return page
