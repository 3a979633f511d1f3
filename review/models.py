from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from renewal.choices import DepartmentCode
from renewal.models import Attachment, Deadline
from renewal.permissions import REVIEWER_ROLE, ScopedQuerySet
from review.choices import (
    CommentKind,
    CommentModeration,
    CommentOutcome,
    Decision,
    PlanFact,
    PlanState,
    PreReviewState,
    PublicityState,
    RequestStatus,
    RoundOutcome,
)


def _routed_to(prefix: str = ""):
    """Plans a department reviewer may read: those routed to its department (pre-review or 会签)."""

    def narrowing(user):
        return Q(**{f"{prefix}review_rounds__department_reviews__department_id": user.organization_id}) | Q(
            **{f"{prefix}pre_review_comments__department_id": user.organization_id}
        )

    return staticmethod(narrowing)


def _one_row_each(queryset, user):
    """Only the reviewer narrowing joins to many rows (the department's rounds and comments): DISTINCT
    then keeps one row each. For everyone else it is not needed, and it made PostgreSQL sort every plan
    of the district (with all its columns) to show a page of the staff's inbox (issue 16)."""
    return queryset.distinct() if getattr(user, "role", None) == REVIEWER_ROLE else queryset


class PlanQuerySet(ScopedQuerySet):
    scope_district = "project__district"
    scope_organizations = ("project__implementing_entity", "project__coordinating_entity")
    scope_reviewer = _routed_to()

    def visible_to(self, user):
        return _one_row_each(super().visible_to(user), user)


class ImplementationPlan(models.Model):
    """A project's implementation plan (实施方案): modular content, facts for routing, frozen versions."""

    project = models.OneToOneField(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="plan"
    )
    state = models.CharField("状态", max_length=20, choices=PlanState.choices, default=PlanState.DRAFT)
    content = models.JSONField("方案内容（草稿）", default=dict, blank=True)
    facts = models.JSONField(
        "方案事项", default=list, blank=True, help_text="PlanFact 代码列表，决定会签部门"
    )
    declared_facts = models.JSONField("实施主体勾选的事项", default=list, blank=True)
    major_project = models.BooleanField(
        "重点项目/跨区域/涉密项目", default=False, help_text="须经市政府批准后方可出具联合审查意见并实施"
    )
    current_version = models.PositiveIntegerField("最新版本", default=0)
    city_approval_reference = models.CharField("市政府批准文件", max_length=120, blank=True)
    city_approved_on = models.DateField("市政府批准日期", null=True, blank=True)
    # 联合审查办法 第七条: the district government's investigation and determination of unregistered
    # buildings, and the publicity of those to be kept, come before the joint review.
    unregistered_determination = models.CharField("区政府未登记建筑调查认定文件", max_length=120, blank=True)
    unregistered_determined_on = models.DateField("认定日期", null=True, blank=True)
    unregistered_publicity_on = models.DateField("拟纳入方案的未登记建筑公示日期", null=True, blank=True)
    # 联合审查办法 第十八条 "涉及使用过渡期政策的，按照相关规定执行": the transition approval, not land clocks.
    transition_approval = models.CharField("过渡期政策批准文件", max_length=120, blank=True)
    transition_approved_on = models.DateField("过渡期政策批准日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    attachments = GenericRelation(Attachment)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "实施方案"
        # The staff's review inbox, latest change first (review/views/joint.py ReviewInboxView).
        indexes = [
            models.Index(models.F("updated_at").desc(), models.F("id").desc(), name="plan_updated_desc")
        ]

    def __str__(self):
        return f"{self.project.name} 实施方案"

    def get_absolute_url(self):
        return reverse("review:plan_detail", args=[self.pk])

    @property
    def district(self):
        return self.project.district

    def scope_owners(self):
        return self.project.scope_owners()

    @property
    def state_badge(self) -> str:
        return PlanState(self.state).badge

    @property
    def latest_round_number(self) -> int:
        """The number of the plan's current review round (0 before the first), read once per instance."""
        if not hasattr(self, "_latest_round_number"):
            self._latest_round_number = self.review_rounds.aggregate(last=models.Max("number"))["last"] or 0
        return self._latest_round_number


class PlanPartQuerySet(ScopedQuerySet):
    """Records that belong to a plan and are read with it (scoped through the plan's project)."""

    scope_district = "plan__project__district"
    scope_organizations = ("plan__project__implementing_entity", "plan__project__coordinating_entity")


class OfProject:
    """A record that belongs to a project: its district and owners are the project's (audit events and
    deadlines are scoped by them). Subclasses say how to reach the project."""

    @property
    def project(self):
        raise NotImplementedError

    @property
    def district(self):
        return self.project.district

    def scope_owners(self):
        return self.project.scope_owners()


class PlanPart(OfProject):
    """A record of a plan."""

    @property
    def project(self):
        return self.plan.project


class PlanVersion(models.Model):
    """A frozen submission of the plan; reviewers compare versions."""

    plan = models.ForeignKey(
        ImplementationPlan, verbose_name="实施方案", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    content = models.JSONField("方案内容")
    facts = models.JSONField("方案事项", default=list)
    attachment_ids = models.JSONField("成果文件", default=list)
    note = models.TextField("修改说明", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("报送时间", auto_now_add=True)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = verbose_name_plural = "实施方案版本"
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique")]

    def __str__(self):
        return f"第{self.number}版"


class RevisionRequestQuerySet(PlanPartQuerySet):
    """A department reads the requests of plans routed to it, except those that quote another department's
    opinion (a 不同意 or 修改后同意 of joint review carries that department's text)."""

    scope_reviewer = staticmethod(
        lambda user: (
            (
                Q(plan__review_rounds__department_reviews__department_id=user.organization_id)
                | Q(plan__pre_review_comments__department_id=user.organization_id)
            )
            & (Q(department__isnull=True) | Q(department_id=user.organization_id))
        )
    )

    def visible_to(self, user):
        return _one_row_each(super().visible_to(user), user)


class RevisionRequest(PlanPart, models.Model):
    """An itemised request to revise the plan (修改、补充、完善), resolved or still open on later versions."""

    plan = models.ForeignKey(
        ImplementationPlan,
        verbose_name="实施方案",
        on_delete=models.CASCADE,
        related_name="revision_requests",
    )
    raised_on_version = models.PositiveIntegerField("提出时版本")
    source = models.CharField("来源", max_length=40, default="预审")
    department = models.ForeignKey(
        "renewal.Organization",
        verbose_name="提出部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="转自某一部门会签意见的要求：其他部门不能阅读",
    )
    text = models.TextField("修改要求")
    status = models.CharField(
        "状态", max_length=12, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    response = models.TextField("实施主体说明", blank=True)
    resolved_on_version = models.PositiveIntegerField("解决版本", null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField("提出时间", auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认解决人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = RevisionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = verbose_name_plural = "修改要求"

    def __str__(self):
        return self.text[:40]


class PreReviewCommentQuerySet(PlanPartQuerySet):
    scope_reviewer = staticmethod(lambda user: Q(department_id=user.organization_id))


class PreReviewComment(PlanPart, models.Model):
    """A department's comment asked for before joint review (联合审查办法 第八条)."""

    plan = models.ForeignKey(
        ImplementationPlan,
        verbose_name="实施方案",
        on_delete=models.CASCADE,
        related_name="pre_review_comments",
    )
    version = models.PositiveIntegerField("版本")
    department = models.ForeignKey(
        "renewal.Organization", verbose_name="部门", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("意见", blank=True)
    requested_at = models.DateTimeField("征求时间", auto_now_add=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PreReviewCommentQuerySet.as_manager()

    class Meta:
        ordering = ["version", "pk"]
        verbose_name = verbose_name_plural = "部门预审意见"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "version", "department"], name="pre_review_once_per_version"
            )
        ]

    def __str__(self):
        return f"{self.department}预审意见（第{self.version}版）"

    def get_absolute_url(self):
        return reverse("review:pre_review_comment", args=[self.pk])

    @property
    def state(self) -> str:
        """Asked, or answered: the answer is the only change a pre-review comment goes through."""
        return PreReviewState.ANSWERED if self.answered_at else PreReviewState.REQUESTED


class ExpertReview(models.Model):
    """专家评审 (联合审查办法 第九条): experts, date, opinions and how they were adopted."""

    plan = models.ForeignKey(
        ImplementationPlan, verbose_name="实施方案", on_delete=models.CASCADE, related_name="expert_reviews"
    )
    held_on = models.DateField("评审日期")
    experts = models.TextField("专家名单")
    opinions = models.TextField("评审意见")
    adoption = models.TextField("采信情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = verbose_name_plural = "专家评审"

    def __str__(self):
        return f"专家评审（{self.held_on:%Y-%m-%d}）"


class RoutingRule(models.Model):
    """Plan fact → department that reviews it (joint review measures 第十二条); edited in admin."""

    fact = models.CharField("方案事项", max_length=40, choices=PlanFact.choices)
    department_code = models.CharField("审查部门", max_length=32, choices=DepartmentCode.choices)
    matters = models.CharField("审查内容", max_length=200)
    basis = models.CharField("依据", max_length=120, default="联合审查办法 第十二条")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["fact", "department_code"]
        verbose_name = verbose_name_plural = "会签路由规则"
        constraints = [
            models.UniqueConstraint(fields=["fact", "department_code"], name="routing_rule_unique")
        ]

    def __str__(self):
        return f"{self.get_fact_display()} → {self.get_department_code_display()}"


class ReviewRoundQuerySet(ScopedQuerySet):
    scope_district = "plan__project__district"
    scope_organizations = ("plan__project__implementing_entity", "plan__project__coordinating_entity")
    scope_reviewer = staticmethod(lambda user: Q(department_reviews__department_id=user.organization_id))

    def visible_to(self, user):
        return _one_row_each(super().visible_to(user), user)


class ReviewRound(PlanPart, models.Model):
    """One round of parallel department review (会签) of one plan version."""

    plan = models.ForeignKey(
        ImplementationPlan, verbose_name="实施方案", on_delete=models.CASCADE, related_name="review_rounds"
    )
    number = models.PositiveIntegerField("轮次")
    version = models.PositiveIntegerField("审查版本")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提请人", on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("提请时间", auto_now_add=True)
    completed_at = models.DateTimeField("结束时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=20, blank=True, choices=RoundOutcome.choices)

    objects = ReviewRoundQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = verbose_name_plural = "联合审查轮次"
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="review_round_unique")]

    def __str__(self):
        return f"第{self.number}轮联合审查"

    def get_absolute_url(self):
        return reverse("review:joint_round", args=[self.plan_id])


class DepartmentReviewQuerySet(ScopedQuerySet):
    scope_district = "review_round__plan__project__district"
    scope_organizations = (
        "review_round__plan__project__implementing_entity",
        "review_round__plan__project__coordinating_entity",
    )
    scope_reviewer = staticmethod(lambda user: Q(department_id=user.organization_id))


class DepartmentReview(OfProject, models.Model):
    """A department's opinion in a review round: 同意 / 修改后同意 / 不同意, with text and attachments."""

    review_round = models.ForeignKey(
        ReviewRound, verbose_name="审查轮次", on_delete=models.CASCADE, related_name="department_reviews"
    )
    department = models.ForeignKey(
        "renewal.Organization", verbose_name="审查部门", on_delete=models.PROTECT, related_name="+"
    )
    matters = models.CharField("审查事项", max_length=400, blank=True)
    decision = models.CharField("意见", max_length=24, choices=Decision.choices, default=Decision.PENDING)
    text = models.TextField("意见内容", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("提出时间", null=True, blank=True)
    carried_over = models.BooleanField("沿用上轮同意意见", default=False)
    change_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    change_confirmed_at = models.DateTimeField("修改确认时间", null=True, blank=True)
    # The version each department saw (issue 10 item 13): the one it decided on, and for 修改后同意 the
    # corrected version (报批稿) against which staff confirmed the change.
    reviewed_version = models.PositiveIntegerField("审查版本", null=True, blank=True)
    change_confirmed_version = models.PositiveIntegerField("确认修改的版本", null=True, blank=True)
    removed_reason = models.CharField("移出原因", max_length=200, blank=True)
    is_active = models.BooleanField("参与会签", default=True)

    attachments = GenericRelation(Attachment)
    deadlines = GenericRelation(Deadline)

    objects = DepartmentReviewQuerySet.as_manager()

    class Meta:
        ordering = ["review_round", "pk"]
        verbose_name = verbose_name_plural = "部门会签意见"
        constraints = [
            models.UniqueConstraint(
                fields=["review_round", "department"], name="department_review_once_per_round"
            )
        ]

    def __str__(self):
        return f"{self.department}：{self.get_decision_display()}"

    def get_absolute_url(self):
        return reverse("review:department_review", args=[self.pk])

    @property
    def project(self):
        """The project whose plan is reviewed (deadlines and lists name it)."""
        return self.review_round.plan.project

    @property
    def counts_as_agreement(self) -> bool:
        """修改后同意 counts once staff confirm the change (DOMAIN.md §3 step 7)."""
        return self.decision == Decision.AGREE or (
            self.decision == Decision.AGREE_AFTER_CHANGE and self.change_confirmed_at is not None
        )


class OpinionQuerySet(ScopedQuerySet):
    scope_district = "plan__project__district"
    scope_organizations = ("plan__project__implementing_entity", "plan__project__coordinating_entity")
    scope_reviewer = staticmethod(
        lambda user: Q(review_round__department_reviews__department_id=user.organization_id)
    )

    def visible_to(self, user):
        return _one_row_each(super().visible_to(user), user)


class JointReviewOpinion(models.Model):
    """联合审查意见: numbered, dated, printable; its date opens the 2- and 5-year land deadlines."""

    plan = models.ForeignKey(
        ImplementationPlan, verbose_name="实施方案", on_delete=models.PROTECT, related_name="opinions"
    )
    review_round = models.OneToOneField(
        ReviewRound, verbose_name="审查轮次", on_delete=models.PROTECT, related_name="opinion"
    )
    district = models.ForeignKey(
        "renewal.District", verbose_name="区", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    sequence = models.PositiveIntegerField("序号")
    number = models.CharField("文号", max_length=60, unique=True)
    issued_on = models.DateField("出具日期")
    version = models.PositiveIntegerField("出具意见所依据的方案版本", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="出具人", on_delete=models.PROTECT, related_name="+"
    )
    conclusion = models.TextField("审查结论")

    objects = OpinionQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = verbose_name_plural = "联合审查意见"
        constraints = [
            models.UniqueConstraint(fields=["district", "year", "sequence"], name="review_opinion_sequence")
        ]

    def __str__(self):
        return self.number


class PublicityQuerySet(ScopedQuerySet):
    scope_district = "plan__project__district"
    scope_organizations = ("plan__project__implementing_entity", "plan__project__coordinating_entity")

    def public(self):
        """What the public may read: notices that were published, open or closed."""
        return self.filter(state__in=[PublicityState.OPEN, PublicityState.CLOSED])


class Publicity(OfProject, models.Model):
    """公示 of a plan that passed joint review: ≥ 15 whole working days (联合审查办法 第十一条)."""

    plan = models.ForeignKey(
        ImplementationPlan, verbose_name="实施方案", on_delete=models.PROTECT, related_name="publicities"
    )
    opinion = models.ForeignKey(
        JointReviewOpinion, verbose_name="联合审查意见", on_delete=models.PROTECT, related_name="publicities"
    )
    published_on = models.DateField("发布日期")
    workdays = models.PositiveSmallIntegerField("公示工作日数")
    starts_at = models.DateTimeField("公示开始")
    ends_at = models.DateTimeField("公示结束")
    provisional = models.BooleanField("期限暂定", default=False)
    state = models.CharField(
        "状态", max_length=12, choices=PublicityState.choices, default=PublicityState.OPEN
    )
    summary = models.TextField("方案摘要")
    indicators = models.JSONField("主要指标", default=list)
    result = models.TextField("公示结果", blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT, related_name="+"
    )

    objects = PublicityQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name = verbose_name_plural = "公示"
        # Issue 16: the public list (review/selectors.py public_notices) reads a page off this index in
        # its order instead of sorting a join of every notice.
        indexes = [models.Index(fields=["published_on", "id"], name="publicity_published")]

    def __str__(self):
        return f"{self.plan.project.name} 公示"

    def get_absolute_url(self):
        return reverse("review:publicity_comments", args=[self.pk])

    @property
    def project(self):
        return self.plan.project


class PublicCommentQuerySet(ScopedQuerySet):
    scope_district = "publicity__plan__project__district"
    scope_organizations = (
        "publicity__plan__project__implementing_entity",
        "publicity__plan__project__coordinating_entity",
    )


class PublicComment(OfProject, models.Model):
    """An opinion or objection from the public. Contact details and name are never shown publicly."""

    publicity = models.ForeignKey(
        Publicity, verbose_name="公示", on_delete=models.PROTECT, related_name="comments"
    )
    kind = models.CharField("类型", max_length=12, choices=CommentKind.choices)
    text = models.TextField("意见内容")
    name = models.CharField("姓名", max_length=60, blank=True)
    contact = models.CharField("联系方式", max_length=120)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    client_fingerprint = models.CharField("来源标识（加盐摘要）", max_length=64, db_index=True)
    outcome = models.CharField(
        "处理结果", max_length=12, choices=CommentOutcome.choices, default=CommentOutcome.PENDING
    )
    response = models.TextField("答复", blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    # Moderation before publication (issue 9): the commenter keeps a receipt number; the public reads only
    # the text and answer staff published (public_comment_moderation in review/workflows.py).
    receipt = models.CharField("回执号", max_length=16, unique=True, editable=False)
    moderation = models.CharField(
        "公开审核", max_length=12, choices=CommentModeration.choices, default=CommentModeration.RECEIVED
    )
    published_text = models.TextField("公开文本", blank=True)
    decline_reason = models.TextField("不予公开原因", blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    moderated_at = models.DateTimeField("审核时间", null=True, blank=True)
    notify_email = models.EmailField("答复通知邮箱", blank=True)
    published_response = models.TextField("公开答复", blank=True)
    response_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复公开人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    response_published_at = models.DateTimeField("答复公开时间", null=True, blank=True)

    objects = PublicCommentQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = verbose_name_plural = "公示意见"

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self):
        return reverse("review:publicity_comments", args=[self.publicity_id])

    @property
    def project(self):
        return self.publicity.plan.project
