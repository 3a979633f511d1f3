"""The review app's API: scoped plans, versions, department reviews, pre-review comments, revision requests
and public comments, each with the workflow steps the pages offer; public notices without login.

`GET /api/v1/<collection>/<id>/actions/` lists the steps the caller may take now (or why not), from the same
workflow tables as the pages' buttons (review.workflows); `POST …/actions/<name>/` takes one with the fields
of the page's form. A plan is started with `POST /api/v1/plans/ {"project": id}`.
"""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from projects.models import Project
from renewal.api.actions import ERROR_RESPONSES, ApiAction, WorkflowActionsMixin
from renewal.api.views import ScopedViewSetMixin
from renewal.choices import Role
from renewal.models import Attachment, Organization
from renewal.workflow import TransitionRefused
from review import services
from review.api.serializers import (
    CityApprovalInputSerializer,
    CommentAnswerSerializer,
    CorrectionInputSerializer,
    DecisionInputSerializer,
    DeclineInputSerializer,
    DeliverableInputSerializer,
    DepartmentReviewSerializer,
    DepartmentsInputSerializer,
    ExpertReviewInputSerializer,
    IssueOpinionInputSerializer,
    JointReviewInputSerializer,
    LandDeadlineInputSerializer,
    MajorProjectInputSerializer,
    NoteInputSerializer,
    PlanCreateSerializer,
    PlanSaveSerializer,
    PlanSerializer,
    PlanVersionSerializer,
    PreReviewAnswerSerializer,
    PreReviewCommentSerializer,
    PublicNoticeSerializer,
    PublishInputSerializer,
    PublishTextSerializer,
    RemovalReasonSerializer,
    ReturnInputSerializer,
    RevisionRequestSerializer,
    StaffCommentSerializer,
    SubmitInputSerializer,
    TransitionApprovalInputSerializer,
    UnregisteredInputSerializer,
)
from review.choices import CommentModeration
from review.models import (
    DepartmentReview,
    ImplementationPlan,
    PlanVersion,
    PreReviewComment,
    PublicComment,
    Publicity,
    RevisionRequest,
)
from review.selectors import public_notices, windows_for
from review.services.common import askable_departments_q
from review.workflows import (
    DEPARTMENT_REVIEW,
    PLAN,
    PRE_REVIEW,
    PUBLIC_COMMENT,
    PUBLIC_COMMENT_MODERATION,
    REVISION_REQUEST,
)


def _step(service, **fixed):
    """perform(viewset, obj, data) for a service step(obj, actor=…, request=…, **data)."""
    return lambda viewset, obj, data: service(
        obj, actor=viewset.request.user, request=viewset.request, **fixed, **data
    )


def _district_departments(plan, ids, field: str) -> list:
    """The departments named by id; each must be a department of the plan's district or a city-level one
    (第十二条（八）), never a hint of another district's organisations."""
    found = list(Organization.objects.filter(askable_departments_q(plan), pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise serializers.ValidationError({field: ["只能选择本区的行业主管部门。"]})
    return found


def _save(viewset, plan, data):
    return services.save_plan(
        plan,
        actor=viewset.request.user,
        modules=data["modules"],
        facts=data["facts"],
        major_project=data["major_project"],
        request=viewset.request,
    )


def _upload(viewset, plan, data):
    replaces, kind = None, data.get("kind")
    if data.get("replaces"):
        replaces = Attachment.objects.for_object(plan).current().filter(pk=data["replaces"]).first()
        if replaces is None:
            raise serializers.ValidationError({"replaces": ["只能替换本方案现行版本的成果文件。"]})
        kind = replaces.kind  # a new version keeps the document's type
    services.upload_deliverable(
        plan, data["file"], actor=viewset.request.user, kind=kind, replaces=replaces, request=viewset.request
    )
    return plan


def _request_pre_review(viewset, plan, data):
    departments = _district_departments(plan, data["departments"], "departments")
    return services.request_pre_review(
        plan, actor=viewset.request.user, departments=departments, request=viewset.request
    )


def _start_joint_review(viewset, plan, data):
    return services.start_joint_review(
        plan,
        actor=viewset.request.user,
        add=_district_departments(plan, data["add"], "add"),
        remove=data["remove"],
        all_departments=data["all_departments"],
        request=viewset.request,
    )


def _add_departments(viewset, plan, data):
    departments = _district_departments(plan, data["departments"], "departments")
    return services.add_departments(
        plan, actor=viewset.request.user, departments=departments, request=viewset.request
    )


def _expert_review(viewset, plan, data):
    services.record_expert_review(plan, actor=viewset.request.user, request=viewset.request, **data)
    return plan


def _set_major_project(viewset, plan, data):
    return services.set_major_project(
        plan, actor=viewset.request.user, major=data["major"], reason=data["reason"], request=viewset.request
    )


def _publish(viewset, plan, data):
    return services.publish(
        plan,
        actor=viewset.request.user,
        workdays_count=data["workdays"],
        summary=data["summary"],
        published_on=data.get("published_on"),
        request=viewset.request,
    )


# Who reads plans, their versions, reviews and comments: the roles the plan pages admit
# (review/views/plans.py PLAN_ROLES). The supervision office (督查) works on supervision tasks only
# (DOMAIN.md §1), so, as in the pages, it does not read the district's plans here either.
REVIEW_READ_ROLES = tuple(role for role in Role if role != Role.SUPERVISION)


class PlanFilterSet(django_filters.FilterSet):
    class Meta:
        model = ImplementationPlan
        fields = {"state": ["exact"], "major_project": ["exact"]}


class PlanViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Implementation plans the caller may see, with their revision requests; every step of the plan page."""

    allowed_roles = REVIEW_READ_ROLES

    queryset = ImplementationPlan.objects.select_related("project")
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet
    ordering_fields = ["updated_at", "id"]
    ordering = ["-updated_at", "-id"]
    api_actions = (
        ApiAction("save", _save, PlanSaveSerializer, "保存实施方案（模块、方案事项）"),
        ApiAction(
            "upload",
            _upload,
            DeliverableInputSerializer,
            "上传成果文件（multipart/form-data）",
            multipart=True,
        ),
        ApiAction("submit", _step(services.submit), SubmitInputSerializer, "报送实施方案（冻结为一个版本）"),
        ApiAction("request_pre_review", _request_pre_review, DepartmentsInputSerializer, "征求部门预审意见"),
        ApiAction(
            "return_for_revision", _step(services.return_for_revision), ReturnInputSerializer, "退回修改"
        ),
        ApiAction(
            "expert_review",
            _expert_review,
            ExpertReviewInputSerializer,
            "登记专家评审（multipart/form-data，可附专家意见）",
            multipart=True,
        ),
        ApiAction("start_joint_review", _start_joint_review, JointReviewInputSerializer, "提请联合审查"),
        ApiAction("add_departments", _add_departments, DepartmentsInputSerializer, "增加会签部门"),
        ApiAction(
            "set_major_project", _set_major_project, MajorProjectInputSerializer, "认定是否须经市政府批准"
        ),
        ApiAction(
            "record_city_approval",
            _step(services.record_city_approval),
            CityApprovalInputSerializer,
            "登记市政府批准",
        ),
        ApiAction(
            "issue_opinion", _step(services.issue_opinion), IssueOpinionInputSerializer, "出具联合审查意见"
        ),
        ApiAction("publish", _publish, PublishInputSerializer, "发布公示"),
        ApiAction(
            "submit_correction",
            _step(services.submit_correction),
            CorrectionInputSerializer,
            "报送修改后版本（报批稿，修改后同意）",
        ),
        ApiAction(
            "record_unregistered_determination",
            _step(services.record_unregistered_determination),
            UnregisteredInputSerializer,
            "登记未登记建筑调查认定及公示（联合审查办法 第七条）",
        ),
        ApiAction(
            "record_transition_approval",
            _step(services.record_transition_approval),
            TransitionApprovalInputSerializer,
            "登记过渡期政策批准",
        ),
        ApiAction(
            "adjust_land_deadline",
            _step(services.adjust_land_deadline),
            LandDeadlineInputSerializer,
            "登记用地手续期限延长或例外（第十八条“原则上”）",
        ),
    )

    def get_queryset(self):
        requests = RevisionRequest.objects.visible_to(self.request.user).order_by("pk")
        return super().get_queryset().prefetch_related(Prefetch("revision_requests", queryset=requests))

    def availability(self, obj):
        return PLAN.available_for(self.request.user, obj)

    @extend_schema(
        request=PlanCreateSerializer,
        responses={201: PlanSerializer, **ERROR_RESPONSES},
        summary="开始编制实施方案",
    )
    def create(self, request):
        """The entity starts the plan of its implementation-library project on the joint-review path."""
        payload = PlanCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        project = (
            Project.objects.visible_to(request.user).filter(pk=payload.validated_data["project"]).first()
        )
        if project is None:
            return Response({"detail": "未找到该项目，或您无权查看。"}, status=status.HTTP_404_NOT_FOUND)
        try:
            plan = services.start_plan(project, actor=request.user, request=request)
        except TransitionRefused as refused:
            return Response({"detail": refused.message, "missing": refused.missing}, status=409)
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)


class PlanVersionFilterSet(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", help_text="实施方案 id")

    class Meta:
        model = PlanVersion
        fields = ["plan"]


class PlanVersionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Frozen submissions of the plans the caller may see (`?plan=<id>` narrows to one plan)."""

    allowed_roles = REVIEW_READ_ROLES

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


def _decide(viewset, review, data):
    return services.record_decision(review, actor=viewset.request.user, request=viewset.request, **data)


class DepartmentReviewViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Department opinions of joint review rounds; a reviewer sees only its own department's."""

    allowed_roles = REVIEW_READ_ROLES

    queryset = DepartmentReview.objects.select_related("review_round__plan__project", "department").order_by(
        "review_round__plan_id", "review_round__number", "pk"
    )
    serializer_class = DepartmentReviewSerializer
    filterset_class = DepartmentReviewFilterSet
    ordering_fields = ["decided_at", "id"]
    api_actions = (
        ApiAction(
            "decide",
            _decide,
            DecisionInputSerializer,
            "提出本部门会签意见（multipart/form-data，可附意见附件）",
            multipart=True,
        ),
        ApiAction(
            "confirm_change", _step(services.confirm_change), NoteInputSerializer, "确认已按部门意见修改"
        ),
        ApiAction("remove", _step(services.remove_department), RemovalReasonSerializer, "移出会签部门"),
    )

    def availability(self, obj):
        return DEPARTMENT_REVIEW.available_for(self.request.user, obj)


class PlanPartFilterSet(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", help_text="实施方案 id")


class PreReviewCommentFilterSet(PlanPartFilterSet):
    class Meta:
        model = PreReviewComment
        fields = ["plan", "version"]


class PreReviewCommentViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Departments' pre-review comments (联合审查办法 第八条); a department sees only its own."""

    allowed_roles = REVIEW_READ_ROLES

    queryset = PreReviewComment.objects.select_related("plan__project", "department").order_by(
        "plan_id", "pk"
    )
    serializer_class = PreReviewCommentSerializer
    filterset_class = PreReviewCommentFilterSet
    api_actions = (
        ApiAction("answer", _step(services.answer_pre_review), PreReviewAnswerSerializer, "提出预审意见"),
    )

    def availability(self, obj):
        return PRE_REVIEW.available_for(self.request.user, obj)


class RevisionRequestFilterSet(PlanPartFilterSet):
    class Meta:
        model = RevisionRequest
        fields = ["plan", "status"]


class RevisionRequestViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Itemised revision requests; staff mark them resolved, or still open, on a later version."""

    allowed_roles = REVIEW_READ_ROLES

    queryset = RevisionRequest.objects.select_related("plan__project").order_by("plan_id", "pk")
    serializer_class = RevisionRequestSerializer
    filterset_class = RevisionRequestFilterSet
    api_actions = (
        ApiAction("resolve", _step(services.mark_request, resolved=True), summary="确认修改要求已解决"),
        ApiAction("reopen", _step(services.mark_request, resolved=False), summary="确认修改要求仍未解决"),
    )

    def availability(self, obj):
        return REVISION_REQUEST.available_for(self.request.user, obj)


class StaffCommentFilterSet(django_filters.FilterSet):
    publicity = django_filters.NumberFilter(field_name="publicity_id", help_text="公示 id")

    class Meta:
        model = PublicComment
        fields = ["publicity", "kind", "outcome", "moderation"]


class PublicityCommentViewSet(WorkflowActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Comments received on the district's notices; the district's staff answer them (an accepted
    objection sends the plan back to revision and ends the notice), and publish each comment and answer
    after reading it, or decline to publish a comment with a reason (issue 9)."""

    allowed_roles = REVIEW_READ_ROLES

    queryset = PublicComment.objects.select_related("publicity__plan__project").order_by("publicity_id", "pk")
    serializer_class = StaffCommentSerializer
    filterset_class = StaffCommentFilterSet
    api_actions = (
        ApiAction("answer", _step(services.respond_to_comment), CommentAnswerSerializer, "答复公示意见"),
        ApiAction(
            "accept",
            _step(services.respond_to_comment, accept=True),
            CommentAnswerSerializer,
            "采纳异议并退回修改（答复经审核后公开）",
        ),
        ApiAction("publish", _step(services.publish_comment), PublishTextSerializer, "公开公示意见"),
        ApiAction("decline", _step(services.decline_comment), DeclineInputSerializer, "不予公开"),
        ApiAction("publish_answer", _step(services.publish_answer), PublishTextSerializer, "公开答复"),
    )

    def availability(self, obj):
        user = self.request.user
        return PUBLIC_COMMENT.available_for(user, obj) + PUBLIC_COMMENT_MODERATION.available_for(user, obj)


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
        # Only comments staff published (issue 9); their serializer shows only the published texts.
        published = PublicComment.objects.filter(moderation=CommentModeration.PUBLISHED)
        return public_notices().prefetch_related(
            Prefetch("comments", queryset=published.order_by("submitted_at", "pk"))
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["windows"] = getattr(self, "_windows", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._windows = windows_for(page if page is not None else queryset)
        return page
